"""The platform_preflight module's main(): its result, its failure, check mode.

``run_module`` (tests/conftest.py) runs main() with exit_json/fail_json made to raise.
"""

import pytest

from ansible_collections.mas.platform.plugins.modules import platform_preflight


def _failure(run_module, args):
    """Run the module expecting fail_json; return what it failed with."""
    with pytest.raises(Exception) as failed:
        run_module(platform_preflight, args)
    assert type(failed.value).__name__ == "ModuleFail", failed.value
    return failed.value.result


@pytest.mark.parametrize("check_mode", [False, True])
def test_good_spec_exits_with_the_report_and_changes_nothing(run_module, production_spec, check_mode):
    result = run_module(platform_preflight, {"spec": production_spec}, check_mode=check_mode)
    assert result["changed"] is False
    assert result["errors"] == []
    assert result["quotas"]["agent-system"]["requests.cpu"] == "215050m"
    assert result["capacity"]["node_groups"]["gpu"]["node_allocatable"]["nvidia.com/gpu"] == 4
    assert result["summary"][-1] == "0 errors, 0 warnings"


def test_bad_spec_fails_with_one_line_per_error(run_module, production_spec):
    production_spec["infrastructure"]["storage"]["classes"][1]["iops"] = 3000
    learning = production_spec["deployment_sequence"]["1_core_agents"]["learning_agent"]
    learning["resources"]["limits"]["nvidia.com/gpu"] = "4"
    result = _failure(run_module, {"spec": production_spec})
    lines = result["msg"].splitlines()
    assert lines[0] == "the platform spec has 2 errors:"
    assert lines[1].startswith("deployment_sequence.1_core_agents.learning_agent.resources.limits.nvidia.com/gpu: request (2)")
    assert lines[2].startswith("infrastructure.storage.classes[1].iops: gp2 volumes take no iops")
    assert [e["path"] for e in result["errors"]] == [line.split(": ", 1)[0] for line in lines[1:]]
    # No capacity plan of a broken spec: only what helps fix it.
    assert "capacity" not in result and "quotas" not in result and result["changed"] is False
    assert result["summary"][-1] == "2 errors, 0 warnings"


def test_seed_spec_fails_without_a_traceback(run_module, seed_spec):
    result = _failure(run_module, {"spec": seed_spec})
    assert "exception" not in result
    assert len(result["errors"]) > 20


@pytest.mark.parametrize("spec", [{}, {"infrastructure": "aws"}, {"core_services": [1, 2]}])
def test_malformed_spec_gives_messages_naming_keys(run_module, spec):
    result = _failure(run_module, {"spec": spec})
    assert "exception" not in result
    assert "infrastructure: " in result["msg"]


def test_spec_option_is_required(run_module):
    result = _failure(run_module, {})
    assert "spec" in result["msg"]
