"""Every role default is documented in meta/argument_specs.yml, and every documented
option with a default has that default in defaults/main.yml: the two never drift."""

import pathlib

import pytest
import yaml

ROLES = pathlib.Path(__file__).resolve().parents[2] / "collections/ansible_collections/mas/platform/roles"


def _roles():
    return sorted(p.name for p in ROLES.iterdir() if (p / "tasks").is_dir())


def _load(path):
    if not path.exists():
        return {}
    return yaml.safe_load(path.read_text()) or {}


@pytest.mark.parametrize("role", _roles())
def test_defaults_and_argument_specs_agree(role):
    defaults = _load(ROLES / role / "defaults/main.yml")
    specs = _load(ROLES / role / "meta/argument_specs.yml")
    assert "main" in specs.get("argument_specs", {}), "%s has no argument spec for main" % role
    options = specs["argument_specs"]["main"].get("options", {})
    undocumented = sorted(set(defaults) - set(options))
    assert not undocumented, "%s: defaults without an argument spec: %s" % (role, undocumented)
    for name, option in options.items():
        assert name.startswith(role + "_"), "%s: option %s lacks the role prefix" % (role, name)
        assert option.get("description"), "%s: option %s has no description" % (role, name)
        if "default" in option:
            assert name in defaults, "%s: %s documents a default that defaults/main.yml lacks" % (role, name)
            assert defaults[name] == option["default"], "%s: %s default differs" % (role, name)
        else:
            assert name in defaults or option.get("required"), (
                "%s: %s is neither required nor defaulted" % (role, name))
