"""No traceback, ever: whatever the spec holds, the preflight returns a report and the
module fails with messages that name keys.

The known tracebacks first (each raised before issue 19), then an unexpected exception
inside a check (the module still fails with the key path it was checking and one
line), then specs generated from the schema itself (tests/unit/spec_strategies.py).
The fuzzing here is small, for CI; tools/bench/preflight_bench.py --fuzz runs it long.
"""

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings

from ansible_collections.mas.platform.plugins.module_utils.preflight import run as preflight_run
from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import MESSAGE_LIMIT, PATH_LIMIT
from ansible_collections.mas.platform.plugins.modules import platform_preflight
from spec_loader import assert_error_at, load_inventory_spec, load_seed_spec, preflight_with
from spec_strategies import specs

BUG = "the preflight failed here on an unexpected"


def assert_clean_report(report):
    """A report, JSON as the module returns it, every finding a short {path, message},
    and no internal error caught on the way."""
    json.dumps(report)
    for finding in report["errors"] + report["warnings"]:
        assert set(finding) == {"path", "message"}
        assert isinstance(finding["path"], str) and isinstance(finding["message"], str) and finding["message"]
        assert len(finding["message"]) <= MESSAGE_LIMIT + 30 and len(finding["path"]) <= PATH_LIMIT + 30
        assert BUG not in finding["message"], finding


# (id, changes, path of the expected error, part of its message): each raised a Python
# exception before (ValueError: int() of 5000 digits, decimal.Overflow, int("²")).
KNOWN = [
    ("kubernetes-version-of-5000-digits", [(("infrastructure", "kubernetes", "version"), "1." + "9" * 5000)],
     "infrastructure.kubernetes.version", "a Kubernetes minor version"),
    ("vertical-increment-overflowing-a-decimal", [(("scaling_procedures", "vertical", "learning_agent", "increment"), "1e-999990")],
     "scaling_procedures.vertical.learning_agent.increment", "memory needs a unit"),
    ("agent-count-of-5000-digits", [(("deployment_sequence", "1_core_agents", "resource_manager", "replicas"), 10 ** 5000)],
     "deployment_sequence.1_core_agents.resource_manager.replicas", "a 16610-bit number"),
]


@pytest.mark.parametrize("changes, path, message", [c[1:] for c in KNOWN], ids=[c[0] for c in KNOWN])
def test_known_tracebacks_are_clean_errors(production_spec, changes, path, message):
    report = preflight_with(production_spec, changes)
    assert_clean_report(report)
    assert_error_at(report, path, message)


@pytest.mark.parametrize("section", ["deployment_sequence", "core_services", "startup_procedures"])
def test_a_phase_name_of_5000_digits_is_a_clean_error(production_spec, section):
    phases = production_spec[section]
    phases["9" * 5000 + "_x"] = phases.pop(sorted(phases)[-1])
    report = run_preflight(production_spec)
    assert_clean_report(report)
    assert any(e["path"].startswith(section + ".999") and "phase name" in e["message"] for e in report["errors"])


def test_a_seed_node_count_with_a_superscript_digit(seed_spec):
    seed_spec["infrastructure"]["kubernetes"]["nodes"]["worker"]["count"] = "²+"
    report = run_preflight(seed_spec)
    assert_clean_report(report)
    assert any(e["path"] == "infrastructure.kubernetes.nodes.worker.count" and "expected a node count" in e["message"]
               for e in report["errors"])


def test_an_unexpected_exception_names_the_key_being_checked(production_spec, monkeypatch):
    def broken(cleaned, services, findings):
        findings.at = "infrastructure.storage.classes[0]"
        raise ValueError("iops\nsecond line")
    monkeypatch.setattr(preflight_run, "check_storage", broken)
    report = run_preflight(production_spec)
    json.dumps(report)
    assert report["errors"] == [{
        "path": "infrastructure.storage.classes[0]",
        "message": "the preflight failed here on an unexpected ValueError (iops second line); the checks after this point did "
                   "not run. This is a bug of the preflight: please report it with this key's value"}]


def test_the_module_fails_with_the_key_and_one_line(run_module, production_spec, monkeypatch):
    def broken(cleaned, findings, today=None):
        findings.at = "core_services.1_infrastructure.consul.version"
        raise ZeroDivisionError("division by zero")
    monkeypatch.setattr(preflight_run, "check_lifecycle", broken)
    with pytest.raises(Exception) as failed:
        run_module(platform_preflight, {"spec": production_spec})
    result = failed.value.result
    assert "exception" not in result
    lines = result["msg"].splitlines()
    assert lines == ["the platform spec has 1 error:",
                     "core_services.1_infrastructure.consul.version: the preflight failed here on an unexpected "
                     "ZeroDivisionError (division by zero); the checks after this point did not run. This is a bug of the "
                     "preflight: please report it with this key's value"]


BASES = {"production": load_inventory_spec("production"), "seed": load_seed_spec()}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(specs())
def test_specs_generated_from_the_schema(spec):
    assert_clean_report(run_preflight(spec))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(specs(base=BASES["production"]))
def test_production_with_sections_regenerated_from_the_schema(spec):
    assert_clean_report(run_preflight(copy.deepcopy(spec)))
