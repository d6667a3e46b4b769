"""The shutdown and startup runbooks' saved state as pure functions: what is saved (never
zeros over a saved count), what startup starts each workload with, and which claims of
the StatefulSets are missing or not Bound."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mas.platform.plugins.filter.runbooks_saved_state import runbooks_saved_state
from ansible_collections.mas.platform.plugins.module_utils.runbooks.state import (
    claim_problems,
    read_pairs,
    saved_state,
    startup_replicas,
    unreachable_agents,
    workload_queries,
)

EXECUTOR = {"name": "task_executor", "kind": "Deployment", "namespace": "agents", "k8s_name": "task-executor",
            "plan_replicas": 5}
BROKER = {"name": "rabbitmq", "kind": "StatefulSet", "namespace": "core", "k8s_name": "rabbitmq", "plan_replicas": 3}
HPA = {"metadata": {"name": "task-executor", "namespace": "agents"},
       "spec": {"scaleTargetRef": {"kind": "Deployment", "name": "task-executor"}, "minReplicas": 3, "maxReplicas": 20}}


def obj(target, replicas, claim_templates=()):
    spec = {"replicas": replicas}
    if claim_templates:
        spec["volumeClaimTemplates"] = [{"metadata": {"name": name}} for name in claim_templates]
    return {"metadata": {"name": target["k8s_name"], "namespace": target["namespace"]}, "spec": spec}


def pair(target, live):
    return {"target": target, "result": {"resources": [live] if live else []}}


def test_the_state_holds_replicas_and_hpa_bounds_of_what_is_deployed():
    state = saved_state([pair(EXECUTOR, obj(EXECUTOR, 7)), pair(BROKER, None)], [HPA], {}, "mas", "T1")
    assert state == {"format": 1, "state": "saved", "cluster": "mas", "saved_at": "T1", "workloads": {
        "task_executor": {"kind": "Deployment", "namespace": "agents", "name": "task-executor", "replicas": 7,
                          "hpa": {"name": "task-executor", "minReplicas": 3, "maxReplicas": 20}}}}


def test_a_shutdown_run_again_never_saves_zeros_over_a_saved_count():
    first = saved_state([pair(EXECUTOR, obj(EXECUTOR, 7))], [HPA], {}, "mas", "T1")
    # The first shutdown stopped the executors and died before the startup restored them.
    again = saved_state([pair(EXECUTOR, obj(EXECUTOR, 0))], [HPA], first, "mas", "T2")
    assert again["workloads"]["task_executor"]["replicas"] == 7
    # Nothing changed: the state keeps its time, so the second run writes the same state.
    assert again == first


def test_a_restored_state_is_not_a_source_of_replicas():
    restored = dict(saved_state([pair(EXECUTOR, obj(EXECUTOR, 7))], [], {}, "mas", "T1"), state="restored")
    state = saved_state([pair(EXECUTOR, obj(EXECUTOR, 0))], [], restored, "mas", "T2")
    assert state["workloads"]["task_executor"]["replicas"] == 0 and state["saved_at"] == "T2"


def test_a_changed_workload_takes_the_new_time():
    first = saved_state([pair(EXECUTOR, obj(EXECUTOR, 7))], [], {}, "mas", "T1")
    assert saved_state([pair(EXECUTOR, obj(EXECUTOR, 9))], [], first, "mas", "T2")["saved_at"] == "T2"


def test_startup_takes_the_saved_replicas_else_the_live_else_the_plan():
    saved = saved_state([pair(EXECUTOR, obj(EXECUTOR, 7))], [HPA], {}, "mas", "T1")
    objects = {"task_executor": obj(EXECUTOR, 0), "rabbitmq": obj(BROKER, 0), "learning_agent": None}
    learner = dict(EXECUTOR, name="learning_agent", k8s_name="learning-agent")
    decisions = startup_replicas([EXECUTOR, BROKER, learner], objects, saved)
    assert sorted(decisions) == ["rabbitmq", "task_executor"]  # not deployed: left out
    assert decisions["task_executor"]["desired"] == 7 and decisions["task_executor"]["hpa"]["maxReplicas"] == 20
    assert decisions["rabbitmq"]["desired"] == 3 and decisions["rabbitmq"]["hpa"] is None  # stopped: the plan's
    running = startup_replicas([BROKER], {"rabbitmq": obj(BROKER, 2)}, {})
    assert running["rabbitmq"]["current"] == 2 and running["rabbitmq"]["desired"] == 2


def test_startup_ignores_a_state_already_restored():
    restored = dict(saved_state([pair(EXECUTOR, obj(EXECUTOR, 7))], [], {}, "mas", "T1"), state="restored")
    assert startup_replicas([EXECUTOR], {"task_executor": obj(EXECUTOR, 0)}, restored)["task_executor"]["desired"] == 5


def claim(namespace, name, phase):
    return {"metadata": {"namespace": namespace, "name": name}, "status": {"phase": phase}}


def test_every_claim_of_the_saved_replicas_must_be_bound_and_none_lost():
    stopped = obj(BROKER, 0, claim_templates=["data"])
    saved = {"workloads": {"rabbitmq": {"replicas": 3}}}
    claims = [claim("core", "data-rabbitmq-0", "Bound"), claim("core", "data-rabbitmq-1", "Pending"),
              claim("core", "cache-old-0", "Lost"), claim("elsewhere", "x", "Lost")]
    result = claim_problems([pair(BROKER, stopped)], claims, ["core"], saved)
    assert result == {"expected": 3, "problems": ["core/data-rabbitmq-1 Pending", "core/data-rabbitmq-2 missing",
                                                  "core/cache-old-0 Lost"]}


def test_without_a_saved_count_the_live_replicas_decide_the_claims():
    live = obj(BROKER, 2, claim_templates=["data"])
    claims = [claim("core", "data-rabbitmq-0", "Bound"), claim("core", "data-rabbitmq-1", "Bound")]
    assert claim_problems([pair(BROKER, live)], claims, ["core"], {}) == {"expected": 2, "problems": []}


def test_the_filter_names_itself_when_what_was_read_is_not_as_expected():
    with pytest.raises(AnsibleFilterError, match="runbooks_saved_state: the workloads or HPAs read are not as expected"):
        runbooks_saved_state([{"result": {"resources": [{}]}}], [], {}, "mas", "T1")


def test_the_workloads_are_read_with_one_listing_per_kind_and_namespace():
    coordinator = dict(EXECUTOR, name="coordinator_agent", k8s_name="coordinator-agent")
    queries = workload_queries([EXECUTOR, BROKER, coordinator])
    assert queries == [{"api_version": "apps/v1", "kind": "Deployment", "namespace": "agents"},
                       {"api_version": "apps/v1", "kind": "StatefulSet", "namespace": "core"}]
    # What k8s_read returns for them: each query with its objects; the coordinator is not deployed.
    results = [{"query": dict(queries[0], name=None), "resources": [obj(EXECUTOR, 3), obj(dict(EXECUTOR, k8s_name="x"), 1)]},
               {"query": queries[1], "resources": [obj(BROKER, 3)]}]
    pairs = read_pairs([EXECUTOR, BROKER, coordinator], results)
    assert [(p["target"]["name"], p["object"]["metadata"]["name"] if p["object"] else None) for p in pairs] == [
        ("task_executor", "task-executor"), ("rabbitmq", "rabbitmq"), ("coordinator_agent", None)]
    assert pairs[2]["result"] == {"resources": []} and pairs[0]["result"]["resources"] == [pairs[0]["object"]]


def endpoint_slice(namespace, service, *ready):
    return {"metadata": {"namespace": namespace, "labels": {"kubernetes.io/service-name": service}},
            "endpoints": [{"conditions": {"ready": r}} for r in ready]}


def test_an_agent_that_should_run_needs_a_ready_endpoint_behind_its_service():
    coordinator = dict(EXECUTOR, name="coordinator_agent", k8s_name="coordinator-agent", plan_replicas=2)
    learner = dict(EXECUTOR, name="learning_agent", k8s_name="learning-agent", plan_replicas=1)
    slices = [endpoint_slice("agents", "task-executor", False, True),
              endpoint_slice("agents", "coordinator-agent", False),
              endpoint_slice("elsewhere", "learning-agent", True)]
    # The learner is decided at 0: nothing should answer; its slice in another namespace does not count.
    assert unreachable_agents([EXECUTOR, coordinator, learner], slices, {"learning_agent": {"desired": 0}}) == [
        "agents/coordinator-agent"]
    assert unreachable_agents([learner], slices, {}) == ["agents/learning-agent"]
