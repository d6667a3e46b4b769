"""What one runbook step stops or starts: the decisions of module_utils/runbooks/workloads.py
(the module runs them against the local cluster in tests/integration/playbooks)."""

import pytest

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.runbooks.workloads import (
    check_targets,
    hpa_differs,
    live_key,
    plan_start,
    plan_stop,
    pods_left,
    selected,
)

EXECUTOR = {"name": "task_executor", "kind": "Deployment", "namespace": "agents", "k8s_name": "task-executor",
            "plan_replicas": 5}
BROKER = {"name": "rabbitmq", "kind": "StatefulSet", "namespace": "core", "k8s_name": "rabbitmq"}
BOUNDS = {"name": "task-executor", "minReplicas": 3, "maxReplicas": 20}


def live_object(target, replicas, **spec):
    return {"kind": target["kind"], "metadata": {"name": target["k8s_name"], "namespace": target["namespace"]},
            "spec": dict(spec, replicas=replicas)}


def test_a_stop_scales_what_is_deployed_and_names_what_is_not():
    live = {live_key(EXECUTOR): live_object(EXECUTOR, 3), live_key(BROKER): None}
    to_stop, not_deployed, refused = plan_stop([EXECUTOR, BROKER], live)
    assert [t["name"] for t, _obj in to_stop] == ["task_executor"]
    assert not_deployed == [BROKER] and refused == []


def test_a_stop_refuses_a_statefulset_that_deletes_its_claims_when_scaled():
    deleting = live_object(BROKER, 3, volumeClaimTemplates=[{"metadata": {"name": "data"}}],
                           persistentVolumeClaimRetentionPolicy={"whenScaled": "Delete"})
    _to_stop, _not_deployed, refused = plan_stop([BROKER], {live_key(BROKER): deleting})
    assert refused == [BROKER]
    # Without claim templates there is nothing to delete.
    claimless = live_object(BROKER, 3, persistentVolumeClaimRetentionPolicy={"whenScaled": "Delete"})
    assert plan_stop([BROKER], {live_key(BROKER): claimless})[2] == []


def test_a_start_restores_bounds_and_scales_only_what_differs():
    live = {live_key(EXECUTOR): live_object(EXECUTOR, 0), live_key(BROKER): live_object(BROKER, 3)}
    decisions = {"task_executor": {"desired": 7, "hpa": BOUNDS}, "rabbitmq": {"desired": 3, "hpa": None}}
    hpas, scale, not_deployed = plan_start([EXECUTOR, BROKER], decisions, live)
    assert hpas == [(EXECUTOR, BOUNDS)]
    assert scale == [(EXECUTOR, 0, 7)]
    assert not_deployed == []


def test_a_start_names_what_had_no_decision_or_is_gone():
    live = {live_key(EXECUTOR): None, live_key(BROKER): live_object(BROKER, 0)}
    _hpas, _scale, not_deployed = plan_start([EXECUTOR, BROKER], {"task_executor": {"desired": 1}}, live)
    assert not_deployed == [EXECUTOR, BROKER]


def test_hpa_bounds_are_patched_only_when_they_differ():
    same = {"spec": {"minReplicas": 3, "maxReplicas": 20}}
    assert not hpa_differs(same, BOUNDS)
    assert hpa_differs({"spec": {"maxReplicas": 20}}, BOUNDS)  # minReplicas defaults to 1
    assert not hpa_differs(None, BOUNDS)  # gone: the deploy creates it again


def test_a_pod_is_left_when_a_selector_selects_it():
    pod = {"metadata": {"labels": {"app": "executor", "tier": "3"}}}
    assert selected(pod, [{"app": "executor"}])
    assert not selected(pod, [{"app": "executor", "tier": "4"}, {}])


@pytest.mark.parametrize("targets, message", [
    (["task_executor"], "workloads[0]: expected a mapping, got str"),
    ([{"name": "x", "kind": "Deployment"}], "workloads[0]: missing namespace, k8s_name"),
    ([dict(EXECUTOR, kind="DaemonSet")], "workloads[0] (task_executor): kind must be one of Deployment, StatefulSet"),
])
def test_a_bad_target_is_refused_naming_it(targets, message):
    with pytest.raises(PlatformError) as raised:
        check_targets(targets)
    assert raised.value.msg.startswith(message)


def test_the_pods_left_are_those_selected_that_have_not_ended():
    running = {"metadata": {"name": "a", "labels": {"app": "executor"}}, "status": {"phase": "Running"}}
    done = {"metadata": {"name": "b", "labels": {"app": "executor"}}, "status": {"phase": "Succeeded"}}
    other = {"metadata": {"name": "c", "labels": {"app": "broker"}}, "status": {"phase": "Running"}}
    assert pods_left([running, done, other], [{"app": "executor"}]) == [running]
