"""Load the platform spec as the inventories and the seed hold it (for the unit tests)."""

import json
import pathlib

import yaml

from ansible_collections.mas.platform.plugins.module_utils.spec.validate import SECTIONS

REPO = pathlib.Path(__file__).resolve().parents[2]
FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"
INVENTORIES = ("production", "local")


def load_inventory_spec(inventory):
    """The platform spec of an inventory: group_vars/all/<key>.yml for each top-level key."""
    folder = REPO / "inventories" / inventory / "group_vars" / "all"
    spec = {}
    for key in SECTIONS:
        with open(folder / ("%s.yml" % key)) as handle:
            spec.update(yaml.safe_load(handle))
    return spec


def load_seed_spec():
    """The seed's YAML blocks, verbatim (fixtures/seed_spec.yml)."""
    with open(FIXTURES / "seed_spec.yml") as handle:
        return yaml.safe_load(handle)


# A value for change(): delete the key instead of setting it.
DELETE = object()


def change(spec, path, value):
    """Set (or DELETE) the value at path, a tuple of keys and list indices."""
    parent = spec
    for key in path[:-1]:
        parent = parent[key]
    if value is DELETE:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value


def preflight_with(spec, changes):
    """The preflight's report on ``spec`` after ``changes`` ((path, value or DELETE), ...)."""
    from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight
    for path, value in changes:
        change(spec, path, value)
    return run_preflight(spec)


def assert_error_at(report, path, message):
    """An error at exactly ``path`` whose message contains ``message``."""
    found = [e["message"] for e in report["errors"] if e["path"] == path]
    assert found, "no error at %s; errors: %s" % (path, json.dumps(report["errors"], indent=1))
    assert any(message in m for m in found), found
