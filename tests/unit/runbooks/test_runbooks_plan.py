"""The steps the startup and shutdown runbooks run: the seed's procedures in the phases'
order, by the contract the preflight checks them with (module_utils/preflight/procedures.py)."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mas.platform.plugins.filter.runbooks_plan import runbooks_plan

KNOWN = ["consul", "rabbitmq", "prometheus", "alertmanager", "grafana", "resource_manager", "monitoring_agent",
         "learning_agent", "coordinator_agent", "task_executor"]


def test_the_seed_startup_runs_checks_and_starts_in_phase_order(seed_spec):
    plan = runbooks_plan(seed_spec["startup_procedures"], "startup", KNOWN)
    assert [(s["phase"], s["step"]) for s in plan][:4] == [
        ("1_infrastructure", "verify_cluster_health"), ("1_infrastructure", "check_storage_availability"),
        ("1_infrastructure", "validate_network_connectivity"), ("2_core_services", "start_service_registry")]
    by_step = dict((s["step"], s) for s in plan)
    assert by_step["verify_cluster_health"]["check"] and by_step["verify_cluster_health"]["targets"] == []
    assert by_step["deploy_monitoring_stack"]["targets"] == ["prometheus", "alertmanager", "grafana"]
    assert by_step["initialize_learning_agent"]["targets"] == ["learning_agent"]  # <verb>_<name>
    assert by_step["scale_task_executors"]["targets"] == ["task_executor"]
    assert plan[-1]["step"] == "verify_learning_pipeline" and plan[-1]["check"]


def test_the_seed_shutdown_stops_only_what_the_plan_has(seed_spec):
    # Without the monitoring stack in the plan, its step stops nothing; an unknown name is no target.
    plan = runbooks_plan(seed_spec["shutdown_procedures"], "shutdown", ["rabbitmq", "task_executor"])
    by_step = dict((s["step"], s) for s in plan)
    assert by_step["shutdown_monitoring_stack"]["targets"] == []
    assert by_step["scale_down_executors"]["targets"] == ["task_executor"]
    assert by_step["shutdown_learning_agent"]["targets"] is None  # not in the plan: no runbook for it here
    assert [s["step"] for s in plan][:3] == ["pause_task_acceptance", "complete_active_tasks", "save_system_state"]


def test_phases_sort_by_number_not_by_text():
    plan = runbooks_plan({"10_last": ["verify_cluster_health"], "2_first": ["start_consul"]}, "startup", ["consul"])
    assert [s["step"] for s in plan] == ["start_consul", "verify_cluster_health"]


@pytest.mark.parametrize("procedure, which, message", [
    ({}, "restart", "runbooks_plan: the procedure must be startup or shutdown"),
    ([], "startup", "runbooks_plan: startup_procedures must be a mapping of phases to steps, got list"),
    ({"first": ["start_consul"]}, "startup", "runbooks_plan: startup_procedures is not as the preflight accepts it"),
])
def test_a_procedure_the_preflight_refuses_is_named(procedure, which, message):
    with pytest.raises(AnsibleFilterError) as raised:
        runbooks_plan(procedure, which, ["consul"])
    assert str(raised.value).startswith(message)
