"""module_utils/summary/status.py and the platform_status filter: what the deploy's summary
says of the platform - node groups, ready/desired per workload, why a workload is not
ready (the scheduler's message, a crash loop, a quota), endpoints and versions."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mas.platform.plugins.filter.platform_status import platform_status as status_filter
from ansible_collections.mas.platform.plugins.module_utils.summary.status import image_tag, platform_status

NAMESPACES = ["agent-system", "core-services"]


def node(name, **labels):
    return {"kind": "Node", "metadata": {"name": name, "labels": labels}}


def namespace(name):
    return {"kind": "Namespace", "metadata": {"name": name}}


def deployment(name, replicas, ready, namespace="agent-system", image="registry.example/agents/%s:1.4.0",
               conditions=()):
    return {"kind": "Deployment", "apiVersion": "apps/v1",
            "metadata": {"name": name, "namespace": namespace, "generation": 1},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"spec": {"containers": [{"name": "main", "image": image % name}]}}},
            "status": {"observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas,
                       "readyReplicas": ready, "availableReplicas": ready,
                       "unavailableReplicas": replicas - ready, "conditions": list(conditions)}}


def pod(name, app, node_name=None, ready=True, namespace="agent-system", scheduled=None, waiting=None):
    conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
    if scheduled:
        conditions.append({"type": "PodScheduled", "status": "False", "reason": "Unschedulable", "message": scheduled})
    status = {"phase": "Running" if ready else "Pending", "conditions": conditions}
    if waiting:
        status["containerStatuses"] = [{"name": "main", "state": {"waiting": {"reason": waiting, "message": "back-off"}}}]
    return {"kind": "Pod", "metadata": {"name": name, "namespace": namespace, "labels": {"app": app}},
            "spec": {"nodeName": node_name}, "status": status}


NODES = [node("core-0", **{"node-role": "core"}), node("gpu-0", **{"node-role": "gpu"}),
         node("ip-10-0-1-5", **{"node-role": "worker", "eks.amazonaws.com/nodegroup": "workers-a"}), node("bare")]


def status(workloads, pods, ingresses=(), core_services=None):
    return platform_status(NODES, [namespace("agent-system")], workloads, pods, list(ingresses), NAMESPACES,
                           core_services)


def test_nodes_count_by_node_group_and_namespaces_missing_are_named():
    result = status([], [])
    assert result["nodes"] == {"core": 1, "gpu": 1, "workers-a": 1, "unlabelled": 1}
    assert result["namespaces"] == {"present": ["agent-system"], "missing": ["core-services"]}
    assert result["lines"][0] == "nodes: 4 (core: 1, gpu: 1, unlabelled: 1, workers-a: 1)"


def test_a_ready_workload_shows_ready_desired_and_its_node_groups():
    result = status([deployment("coordinator", 2, 2)],
                    [pod("coordinator-a", "coordinator", "core-0"), pod("coordinator-b", "coordinator", "gpu-0")])
    (entry,) = result["workloads"]
    assert (entry["id"], entry["ready"], entry["desired"], entry["state"], entry["node_groups"]) == (
        "Deployment/agent-system/coordinator", 2, 2, "ready", ["core", "gpu"])
    assert result["not_ready"] == []
    assert "workloads: 1 of 1 ready" in result["lines"]


def test_a_pending_pod_shows_the_schedulers_message():
    message = "0/15 nodes are available: 4 Insufficient nvidia.com/gpu, 11 node(s) didn't match node selector."
    result = status([deployment("learning", 1, 0)], [pod("learning-x", "learning", ready=False, scheduled=message)])
    (entry,) = result["not_ready"]
    assert entry["id"] == "Deployment/agent-system/learning"
    assert "learning-x not scheduled: Unschedulable: " + message in entry["why"]
    assert any(line.startswith("  Deployment/agent-system/learning") and "NOT READY" in line and "unscheduled" in line
               for line in result["lines"]), result["lines"]


def test_a_crash_loop_and_a_quota_are_named():
    refused = {"type": "ReplicaFailure", "status": "True", "reason": "FailedCreate",
               "message": 'pods "x-1" is forbidden: exceeded quota: platform-quota, requested: cpu=64'}
    result = status([deployment("crashy", 1, 0), deployment("greedy", 2, 0, conditions=[refused])],
                    [pod("crashy-1", "crashy", "core-0", ready=False, waiting="CrashLoopBackOff")])
    why = dict((entry["id"], entry["why"]) for entry in result["not_ready"])
    assert "crashy-1 main CrashLoopBackOff: back-off" in why["Deployment/agent-system/crashy"]
    assert "pods refused: pods \"x-1\" is forbidden: exceeded quota" in why["Deployment/agent-system/greedy"]


def test_workloads_outside_the_platforms_namespaces_are_left_out():
    result = status([deployment("coredns", 2, 2, namespace="kube-system")], [])
    assert result["workloads"] == []


def test_endpoints_and_versions():
    ingress = {"kind": "Ingress", "metadata": {"name": "api", "namespace": "agent-system"},
               "spec": {"tls": [{"hosts": ["api.example.com"]}],
                        "rules": [{"host": "api.example.com", "http": {"paths": [
                            {"path": "/coordinator", "backend": {"service": {"name": "coordinator",
                                                                             "port": {"number": 8080}}}}]}}]}}
    core = {"rabbitmq": {"client": "rabbitmq.core-services.svc.cluster.local:5672", "version": "3.13"},
            "redis": {"client": "redis.core-services.svc.cluster.local:6379", "version": 7.2}}
    result = status([deployment("coordinator", 1, 1)], [pod("c", "coordinator", "core-0")], [ingress], core)
    assert result["endpoints"]["ingress"] == [dict(url="https://api.example.com/coordinator", namespace="agent-system",
                                                   service="coordinator", port=8080)]
    assert result["endpoints"]["core_services"]["rabbitmq"] == "rabbitmq.core-services.svc.cluster.local:5672"
    assert result["versions"] == {"images": {"registry.example/agents/coordinator": ["1.4.0"]},
                                  "core_services": {"rabbitmq": "3.13", "redis": "7.2"}}


@pytest.mark.parametrize("image, expected", [
    ("redis:7.2", ("redis", "7.2")),
    ("registry:5000/team/app", ("registry:5000/team/app", "latest")),
    ("registry:5000/team/app:1.0", ("registry:5000/team/app", "1.0")),
    ("app@sha256:abc", ("app", "sha256:abc")),
])
def test_image_tags(image, expected):
    assert image_tag(image) == expected


def test_the_filter_tells_the_kinds_apart_and_refuses_other_input():
    results = [{"resources": NODES}, {"resources": [namespace("agent-system")]},
               {"resources": [deployment("coordinator", 1, 1)]},
               {"resources": [pod("c", "coordinator", "core-0")]}, {"resources": []}]
    assert status_filter(results, NAMESPACES)["workloads"][0]["node_groups"] == ["core"]
    with pytest.raises(AnsibleFilterError, match="expects the results of one k8s_read"):
        status_filter({"results": []}, NAMESPACES)
