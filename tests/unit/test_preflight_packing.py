"""The worst case placed pod by pod as kube-scheduler places it (preflight/packing.py,
preflight/scheduler.py): what the sums per node group cannot see.

The agreement with the real scheduler is proven against the local cluster by
tests/integration/preflight/test_scheduler_agreement.py; these cases pin each rule.
"""

import json

import pytest
import yaml

from ansible_collections.mas.platform.plugins.module_utils.model.labels import agent_selector, service_selector
from ansible_collections.mas.platform.plugins.module_utils.preflight import packing
from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight
from ansible_collections.mas.platform.plugins.module_utils.preflight.scheduler import Cluster, Node, PodClass
from ansible_collections.mas.platform.plugins.module_utils.render.agents import agent_phase_steps
from ansible_collections.mas.platform.plugins.module_utils.render.core_service import core_service_objects
from spec_loader import DELETE, preflight_with, REPO

ROLES = REPO / "collections" / "ansible_collections" / "mas" / "platform" / "roles"
NODE_GROUPS = ("infrastructure", "kubernetes", "node_groups")
EXEC = ("deployment_sequence", "3_executors", "task_executor")
LEARN = ("deployment_sequence", "1_core_agents", "learning_agent")
CONSUL = ("core_services", "1_infrastructure", "consul")
GIB = 1024 ** 3


def _errors_at(report, path):
    return [e["message"] for e in report["errors"] if e["path"] == path]


def test_memory_that_adds_up_can_still_leave_a_pod_pending(production_spec):
    # Two worker nodes (2 x 60.97Gi) and three executors of 40Gi: 120Gi adds up, but a
    # node holds one of them; the sums say nothing, the scheduler leaves one Pending.
    report = preflight_with(production_spec, [
        (NODE_GROUPS + ("worker", "count"), 2), (NODE_GROUPS + ("worker", "max_count"), 2),
        (EXEC + ("replicas",), 2), (EXEC + ("autoscaling", "min"), 2), (EXEC + ("autoscaling", "max"), 3),
        (EXEC + ("strategy",), {"type": "Recreate"}),
        (EXEC + ("resources", "requests", "memory"), "40Gi"), (EXEC + ("resources", "limits", "memory"), "40Gi"),
        (("environment_config", "namespaces", 0, "resources", "memory_limit"), "60%")])
    assert not [e for e in report["errors"] if e["path"].startswith("infrastructure.kubernetes.node_groups")]
    assert _errors_at(report, "deployment_sequence.3_executors.task_executor") == [
        "1 of the 3 pods of its worst case would stay Pending: placed pod by pod as kube-scheduler places them (deploy "
        "order, then scaling), the replicas it scales to (the HPA's or the runbook's maximum) find no node in worker "
        "(2 nodes: 2 Insufficient memory)"]
    assert report["packing"]["pending"] == [{"workload": "task_executor", "pods": 3, "pending": 1, "node_groups": ["worker"],
                                            "reasons": "2 Insufficient memory"}]


def test_required_anti_affinity_needs_a_node_per_pod(production_spec):
    report = preflight_with(production_spec, [(EXEC + ("affinity", "podAntiAffinity"), {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"labelSelector": {"matchLabels": {"app.kubernetes.io/name": "task-executor"}}, "topologyKey": "kubernetes.io/hostname"}]})])
    # 20 at the HPA's max + 5 surge, on 12 worker nodes; the surge is a new ReplicaSet,
    # which the same selector still matches.
    found = _errors_at(report, "deployment_sequence.3_executors.task_executor")
    assert found and found[0].startswith("13 of the 25 pods") and "12 didn't match pod anti-affinity rules" in found[0], found


def test_core_service_members_never_share_a_node(production_spec):
    # roles/core_service gives members a required anti-affinity: 7 members, 6 core nodes.
    report = preflight_with(production_spec, [(CONSUL + ("replicas",), 7)])
    found = _errors_at(report, "core_services.1_infrastructure.consul")
    assert found and found[0].startswith("1 of the 7 pods") and "the service's members" in found[0], found
    assert "6 didn't match pod anti-affinity rules" in found[0]


def test_redis_members_may_share_a_node(production_spec):
    # redis_anti_affinity is preferred: more members than nodes is no error.
    report = preflight_with(production_spec, [(("core_services", "2_databases", "redis", "masters"), 5)])
    assert not _errors_at(report, "core_services.2_databases.redis")


def test_gpus_run_out_node_by_node(production_spec):
    # 3 nodes of 4 GPUs, pods of 3 GPUs: 12 GPUs add up to 4 pods, a node holds one.
    report = preflight_with(production_spec, [
        (NODE_GROUPS + ("gpu", "count"), 3), (NODE_GROUPS + ("gpu", "max_count"), 3),
        (LEARN + ("replicas",), 4), (LEARN + ("strategy",), {"type": "Recreate"}),
        (LEARN + ("resources", "requests", "nvidia.com/gpu"), "3"), (LEARN + ("resources", "limits", "nvidia.com/gpu"), "3"),
        (("scaling_procedures", "vertical", "learning_agent"), DELETE)])
    found = _errors_at(report, "deployment_sequence.1_core_agents.learning_agent")
    assert found and found[0].startswith("1 of the 4 pods") and "3 Insufficient nvidia.com/gpu" in found[0], found


def test_daemonsets_take_their_share_of_every_node(production_spec):
    # A DaemonSet on every node that tolerates nothing: not on the GPU nodes. Its 12 CPU
    # per node leave the core nodes too little for the worst case.
    production_spec["infrastructure"]["kubernetes"]["daemonsets"] = {
        "log-collector": {"resources": {"requests": {"cpu": "20", "memory": "1Gi"}}}}
    report = run_preflight(production_spec)
    table = report["packing"]["node_groups"]
    assert all("log-collector" in node["pods"] for node in table["core"] + table["worker"])
    assert not any("log-collector" in node["pods"] for node in table["gpu"])
    assert any(e["path"].startswith("deployment_sequence.") and "Insufficient cpu" in e["message"] for e in report["errors"]), report["errors"]


def test_a_daemonset_that_does_not_fit_its_nodes(production_spec):
    production_spec["infrastructure"]["kubernetes"]["daemonsets"] = {
        "huge": {"resources": {"requests": {"cpu": "40", "memory": "1Gi"}}, "nodeSelector": {"node-role": "worker"}}}
    report = run_preflight(production_spec)
    assert _errors_at(report, "infrastructure.kubernetes.daemonsets.huge") == [
        "12 of its 12 pods (one per node of worker it tolerates) would stay Pending: the node's allocatable cannot hold "
        "them (12 Insufficient cpu)"]


def test_prefer_no_schedule_does_not_keep_pods_off(production_spec):
    report = preflight_with(production_spec, [(NODE_GROUPS + ("worker", "taints"), [{"key": "batch", "effect": "PreferNoSchedule"}])])
    assert report["errors"] == []


def test_the_packing_table_shows_every_node(production_spec):
    report = run_preflight(production_spec)
    table = report["packing"]["node_groups"]
    assert [len(table[g]) for g in ("core", "gpu", "worker")] == [6, 8, 12]  # max_count: the autoscaler grows them
    assert [n["zone"] for n in table["worker"][:3]] == ["eu-west-1a", "eu-west-1b", "eu-west-1a"]
    placed = sum(sum(n["pods"].values()) for rows in table.values() for n in rows)
    # 21 core service members, 2+1 resource managers, 3+1 monitoring agents, 2+1
    # learning agents, 5+2 coordinators, 20+5 executors; the cluster add-ons: Fluent Bit on
    # the 26 nodes, the device plugin on the 8 GPU nodes, 3 OpenSearch nodes, 2 each of
    # metrics-server, the ingress controller and the Collector.
    assert placed == 63 + 26 + 8 + 3 + 6
    assert report["packing"]["pending"] == []
    core = table["core"][0]
    assert set(core) == {"name", "zone", "pods", "requested", "free"}
    json.dumps(report["packing"])
    assert any(line.startswith("packing: 106 pods of the worst case placed on 26 nodes") for line in report["summary"])


def test_local_inventory_needs_five_core_nodes(local_spec):
    # With 4 core nodes the memory adds up (231.5Gi of 243.9Gi) but the coordinator's
    # rolling-update surge finds no node with 16Gi free (docs/seed-deviations.md).
    local_spec["infrastructure"]["kubernetes"]["node_groups"]["core"]["count"] = 4
    report = run_preflight(local_spec)
    found = _errors_at(report, "deployment_sequence.2_coordination.coordinator_agent")
    assert found and found[0].startswith("2 of the 7 pods") and "surge" in found[0] and "Insufficient memory" in found[0], found


# ---------------------------------------------------------------------------
# What the roles render, as the packing models it

def _defaults(role):
    with open(ROLES / role / "defaults" / "main.yml") as handle:
        return yaml.safe_load(handle)


def _platform(production_spec):
    report = run_preflight(production_spec)
    assert not report["errors"]
    return report["platform"]


def test_agents_spread_as_render_agents_renders_them(production_spec):
    spread = _defaults("agent_tiers")["agent_tiers_topology_spread"]
    platform = _platform(production_spec)
    steps = agent_phase_steps(platform, {"image_registry": "r.example/mas", "collection_version": "1.0.0",
                                         "topology_spread": spread})
    deployments = [o for s in steps for o in s["definitions"] if o["kind"] == "Deployment"]
    assert len(deployments) == len(platform["agents"])
    for deployment in deployments:
        agent = deployment["metadata"]["name"].replace("-", "_")
        constraints = deployment["spec"]["template"]["spec"]["topologySpreadConstraints"]
        assert tuple((c["topologyKey"], c["maxSkew"]) for c in constraints) == packing.AGENT_TOPOLOGY_SPREAD
        for constraint in constraints:
            assert constraint["whenUnsatisfiable"] == "ScheduleAnyway"
            assert constraint["matchLabelKeys"] == [packing.REVISION_LABEL]
            assert constraint["labelSelector"]["matchLabels"] == agent_selector(agent)


def test_core_services_as_render_core_service_renders_them(production_spec):
    platform = _platform(production_spec)
    defaults = _defaults("core_service")
    for name, spec in platform["core_services"].items():
        anti_affinity = _defaults(name).get("%s_anti_affinity" % name, defaults["core_service_anti_affinity"])
        objects = core_service_objects(spec, {"image": "i", "security": {"run_as_user": 1, "run_as_group": 1, "fs_group": 1},
                                              "data_path": "/d", "config_path": "/c",
                                              "anti_affinity": anti_affinity})
        pod = [o for o in objects if o["kind"] == "StatefulSet"][0]["spec"]["template"]["spec"]
        selector = service_selector(name)
        rule = pod["affinity"]["podAntiAffinity"]
        if name in packing.SERVICE_PREFERRED_ANTI_AFFINITY:
            assert rule["preferredDuringSchedulingIgnoredDuringExecution"][0]["podAffinityTerm"]["labelSelector"] == \
                {"matchLabels": selector}
        else:
            assert rule["requiredDuringSchedulingIgnoredDuringExecution"][0]["labelSelector"] == {"matchLabels": selector}
        spread = pod["topologySpreadConstraints"]
        assert tuple((c["topologyKey"], c["maxSkew"]) for c in spread) == packing.SERVICE_TOPOLOGY_SPREAD
        assert all(c["whenUnsatisfiable"] == "ScheduleAnyway" and c["labelSelector"] == {"matchLabels": selector}
                   for c in spread)


# ---------------------------------------------------------------------------
# The scheduler's arithmetic, on kube-scheduler's own test cases

def _loaded_nodes(shapes, used):
    nodes = [Node(i, "node%d" % (i + 1), "g", {"kubernetes.io/hostname": "node%d" % (i + 1)}, [], cpu, memory, 0, 110)
             for i, (cpu, memory) in enumerate(shapes)]
    for node, (cpu, memory) in zip(nodes, used):
        node.used_cpu, node.used_memory = cpu, memory
    return nodes


@pytest.mark.parametrize("plugin, shapes, used, expected", [
    # noderesources/least_allocated_test.go: "resources requested, pods scheduled with resources"
    ("least-allocated", ((10000, 20000), (10000, 20000)), ((3000, 0), (3000, 5000)), [57, 45]),
    # "... differently sized nodes"
    ("least-allocated", ((10000, 20000), (10000, 50000)), ((3000, 0), (3000, 5000)), [57, 60]),
    # noderesources/balanced_allocation_test.go: the same two cases
    ("balanced", ((10000, 20000), (10000, 20000)), ((3000, 0), (3000, 5000)), [73, 74]),
    ("balanced", ((10000, 20000), (10000, 50000)), ((3000, 0), (3000, 5000)), [73, 70]),
])
def test_scores_as_kube_scheduler_computes_them(plugin, shapes, used, expected):
    nodes = _loaded_nodes(shapes, used)
    pod = PodClass("p", "ns", {}, 3000, 5000, 0)
    if plugin == "least-allocated":
        assert [Cluster._least_allocated(pod, n) for n in nodes] == expected
    else:
        assert Cluster(nodes)._score_balanced(pod, nodes) == expected


def test_required_pod_affinity_lets_the_first_pod_anywhere():
    nodes = _loaded_nodes(((4000, 8 * GIB), (4000, 8 * GIB)), ())
    cluster = Cluster(nodes)
    term = {"labelSelector": {"matchLabels": {"app": "cache"}}, "topologyKey": "kubernetes.io/hostname"}
    web = cluster.add_class(PodClass("web", "ns", {"app": "web"}, 100, GIB, 0,
                                     affinity={"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}))
    cache = cluster.add_class(PodClass("cache", "ns", {"app": "cache"}, 100, GIB, 0,
                                       affinity={"podAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [term]}}))
    node, reasons = cluster.place(web)
    assert node is None and reasons == {"didn't match pod affinity rules": 2}
    first, _ = cluster.place(cache)  # matches its own term: the first of its kind goes anywhere
    assert first is not None
    second, _ = cluster.place(web)
    assert second is first


def test_ties_between_nodes_in_the_same_state_are_no_chance():
    nodes = _loaded_nodes(((4000, 8 * GIB), (4000, 8 * GIB)), ())
    cluster = Cluster(nodes, choose=lambda pod_class, tied: tied[-1])
    pod = cluster.add_class(PodClass("p", "ns", {"app": "p"}, 1000, GIB, 0, spread=[]))
    node, _ = cluster.place(pod)
    assert node.name == "node2" and cluster.ties == 0  # two empty nodes: the same state
