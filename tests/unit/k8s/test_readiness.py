"""The one readiness rule (module_utils/k8s/readiness.py): each kind's predicate, on the
status shapes the controllers write, ready or not, and the failures that waiting cannot heal."""

import pytest

from ansible_collections.mas.platform.plugins.module_utils.k8s.readiness import (
    FAILED,
    MISSING,
    PROGRESSING,
    READY,
    readiness,
)


def deployment(replicas=3, generation=2, observed=2, updated=3, total=3, available=3, unavailable=None, conditions=()):
    status = {"observedGeneration": observed, "updatedReplicas": updated, "replicas": total,
              "availableReplicas": available, "conditions": list(conditions)}
    if unavailable is not None:
        status["unavailableReplicas"] = unavailable
    return {"kind": "Deployment", "metadata": {"name": "d", "generation": generation},
            "spec": {"replicas": replicas}, "status": status}


def statefulset(replicas=3, generation=1, observed=1, ready=3, updated=3, total=3, current="r1", update="r1",
                strategy="RollingUpdate"):
    return {"kind": "StatefulSet", "metadata": {"name": "s", "generation": generation},
            "spec": {"replicas": replicas, "updateStrategy": {"type": strategy}},
            "status": {"observedGeneration": observed, "readyReplicas": ready, "updatedReplicas": updated,
                       "replicas": total, "currentRevision": current, "updateRevision": update}}


@pytest.mark.parametrize("obj, state", [
    (deployment(), READY),
    (deployment(observed=1), PROGRESSING),                      # the controller has not seen the new spec
    (deployment(updated=2), PROGRESSING),                       # one replica still runs the old template
    (deployment(total=4), PROGRESSING),                         # an old pod is left during the rollout
    (deployment(available=2), PROGRESSING),
    (deployment(unavailable=1), PROGRESSING),
    (deployment(replicas=0, updated=0, total=0, available=0), READY),
    (deployment(available=1, conditions=[{"type": "Progressing", "status": "False",
                                          "reason": "ProgressDeadlineExceeded", "message": "too slow"}]), FAILED),
    ({"kind": "Deployment", "metadata": {"name": "d", "generation": 1}, "spec": {"replicas": 1}}, PROGRESSING),
])
def test_deployment(obj, state):
    assert readiness(obj).state == state


@pytest.mark.parametrize("obj, state", [
    (statefulset(), READY),
    (statefulset(ready=2), PROGRESSING),
    (statefulset(updated=2), PROGRESSING),
    (statefulset(update="r2"), PROGRESSING),                    # members not yet on the new revision
    (statefulset(observed=0), PROGRESSING),
    (statefulset(total=4), PROGRESSING),
    (statefulset(strategy="OnDelete", updated=0, update="r2"), READY),  # OnDelete: the operator rolls the pods
    (statefulset(replicas=0, ready=0, updated=0, total=0, current=None, update="r2"), READY),
])
def test_statefulset(obj, state):
    assert readiness(obj).state == state


@pytest.mark.parametrize("status, state", [
    ({"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 3}, READY),
    ({"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 2, "numberAvailable": 3},
     PROGRESSING),
    ({"observedGeneration": 1, "desiredNumberScheduled": 3, "updatedNumberScheduled": 3, "numberAvailable": 3,
      "numberUnavailable": 1}, PROGRESSING),
    ({"observedGeneration": 1, "desiredNumberScheduled": 0}, READY),
    ({}, PROGRESSING),
])
def test_daemonset(status, state):
    assert readiness({"kind": "DaemonSet", "metadata": {"generation": 1}, "status": status}).state == state


@pytest.mark.parametrize("conditions, state", [
    ([{"type": "Complete", "status": "True"}], READY),
    ([{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "6 retries"}], FAILED),
    ([], PROGRESSING),
])
def test_job(conditions, state):
    assert readiness({"kind": "Job", "metadata": {}, "status": {"conditions": conditions}}).state == state


def test_failures_say_why():
    assert "6 retries" in readiness({"kind": "Job", "status": {"conditions": [
        {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded", "message": "6 retries"}]}}).reason
    stalled = deployment(conditions=[{"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded",
                                      "message": "ReplicaSet has timed out progressing"}], available=0)
    assert "timed out progressing" in readiness(stalled).reason
    pending = {"kind": "Pod", "spec": {}, "status": {"phase": "Pending", "conditions": [
        {"type": "PodScheduled", "status": "False", "reason": "Unschedulable",
         "message": "0/3 nodes are available: 3 Insufficient nvidia.com/gpu."}]}}
    assert readiness(pending).state == PROGRESSING
    assert "Insufficient nvidia.com/gpu" in readiness(pending).reason


@pytest.mark.parametrize("obj, state", [
    ({"kind": "Pod", "spec": {"nodeName": "n1"}, "status": {"phase": "Running",
                                                             "conditions": [{"type": "Ready", "status": "True"}]}}, READY),
    ({"kind": "Pod", "status": {"phase": "Succeeded"}}, READY),
    ({"kind": "Pod", "status": {"phase": "Failed", "reason": "Evicted"}}, FAILED),
    ({"kind": "Pod", "status": {"phase": "Running", "containerStatuses": [
        {"name": "agent", "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]}}, PROGRESSING),
    ({"kind": "PersistentVolumeClaim", "spec": {"volumeName": "pv"}, "status": {"phase": "Bound"}}, READY),
    ({"kind": "PersistentVolumeClaim", "status": {"phase": "Lost"}}, FAILED),
    ({"kind": "PersistentVolumeClaim", "status": {"phase": "Pending"}}, PROGRESSING),
    ({"kind": "CustomResourceDefinition", "status": {"conditions": [{"type": "Established", "status": "True"}]}}, READY),
    ({"kind": "CustomResourceDefinition", "status": {"conditions": [
        {"type": "NamesAccepted", "status": "False", "reason": "NameConflict"}]}}, FAILED),
    ({"kind": "APIService", "status": {"conditions": [{"type": "Available", "status": "False",
                                                       "reason": "MissingEndpoints"}]}}, PROGRESSING),
    ({"kind": "Certificate", "status": {"conditions": [{"type": "Ready", "status": "True"}]}}, READY),
    ({"kind": "Namespace", "status": {"phase": "Terminating"}}, PROGRESSING),
    ({"kind": "ConfigMap", "metadata": {"name": "c"}}, READY),  # other kinds: ready when they exist
    (None, MISSING),
])
def test_other_kinds(obj, state):
    assert readiness(obj).state == state
