"""The preflight's placement against the real kube-scheduler of the local cluster.

Hypothesis generates small node groups and agents (requests, GPUs, node selectors,
taints and tolerations, required and preferred pod anti-affinity). The preflight
places their worst case pod by pod (module_utils/preflight/packing.py); the same node
groups become kwok Nodes and the same agents Deployments, rendered as
roles/agent_tiers renders them (labels, topology spread), created in the preflight's
order: each agent at its replicas, one after the other, then each scaled to its
maximum, each step left to settle (every pod bound or marked Unschedulable) before
the next. The test asserts that the pods the real scheduler leaves Pending are, agent
by agent, the ones the preflight predicted.

Tolerance, and why: kube-scheduler breaks a tie between equally scored nodes at
random (schedule_one.go: a random number orders the heap of equal scores). Where the
simulation meets a tie between nodes in different states, the choice can change what
fits later. So the simulation is run once per combination of choices at such ties
(exhaustively, up to MAX_BRANCHES runs), and the real outcome must be one of the
outcomes reached. Without ties there is exactly one outcome, and it must match.

Isolation on the shared cluster: every Node of a run carries the label and the
NoSchedule taint ``mas-preflight-test=<run>``; only this test's pods select the one
and tolerate the other, in a namespace of their own. Everything is deleted at the end,
the Nodes included. The test fails (never skips) when the cluster is down.
"""

import copy
import os
import pathlib
import time
import uuid

import pytest
import yaml
from hypothesis import event, HealthCheck, given, settings
from hypothesis import strategies as st
from kubernetes import client
from kubernetes.client.rest import ApiException

from ansible_collections.mas.platform.plugins.module_utils.model.labels import agent_pod_labels, k8s_name
from ansible_collections.mas.platform.plugins.module_utils.preflight.capacity import node_status_resources
from ansible_collections.mas.platform.plugins.module_utils.preflight.packing import Packing
from ansible_collections.mas.platform.plugins.module_utils.preflight.placement import _label_index, _place
from ansible_collections.mas.platform.plugins.module_utils.preflight.workloads import _agents, _apply_scaling, NodeGroup
from ansible_collections.mas.platform.plugins.module_utils.spec.common import DEPLOYMENT_SEQUENCE
from ansible_collections.mas.platform.plugins.module_utils.spec.infrastructure import NODE_GROUP
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import Findings, MapOf

REPO = pathlib.Path(__file__).resolve().parents[3]
ROLE_DEFAULTS = REPO / "collections/ansible_collections/mas/platform/roles/agent_tiers/defaults/main.yml"
TEST_KEY = "mas-preflight-test"
ZONES = ["zone-a", "zone-b"]
NAMESPACE = "agents"
MAX_BRANCHES = 2000
SETTLE_TIMEOUT = 30

# Small shapes, so that a few pods fill a node: (vCPU, GiB, GPUs) from capacity.py.
INSTANCE_TYPES = ["c6i.large", "m6i.large", "r6i.large", "c6i.xlarge", "g4dn.xlarge"]
CPUS = ["100m", "250m", "500m", "700m", "1", "1500m"]
MEMORY = ["256Mi", "512Mi", "1Gi", "1500Mi", "2Gi", "3Gi", "5Gi"]


# ---------------------------------------------------------------------------
# Scenarios

@st.composite
def scenarios(draw):
    groups = {}
    for index in range(draw(st.integers(1, 3))):
        name = "g%d" % index
        group = {"role": name, "instance_type": draw(st.sampled_from(INSTANCE_TYPES)),
                 "count": draw(st.integers(1, 3)), "labels": {}, "taints": []}
        group["max_count"] = group["count"]
        taint = draw(st.sampled_from([None, "NoSchedule", "PreferNoSchedule"]))
        if taint:
            group["taints"].append({"key": "dedicated", "value": name, "effect": taint})
        groups[name] = group
    agents = {}
    names = ["a%d" % i for i in range(draw(st.integers(1, 4)))]
    for name in names:
        replicas = draw(st.integers(1, 4))
        agent = {
            "namespace": NAMESPACE,
            "replicas": replicas,
            "resources": {"requests": {"cpu": draw(st.sampled_from(CPUS)), "memory": draw(st.sampled_from(MEMORY))}},
            # The HPA's maximum is the agent's worst case; Recreate: no surge.
            "autoscaling": {"min": replicas, "max": replicas + draw(st.integers(0, 3))},
            "strategy": {"type": "Recreate"},
        }
        if draw(st.integers(0, 5)) == 0 and any(g["instance_type"].startswith("g") for g in groups.values()):
            agent["resources"]["requests"]["nvidia.com/gpu"] = "1"
        agent["resources"]["limits"] = dict(agent["resources"]["requests"])
        selected = draw(st.sampled_from([None] + sorted(groups)))
        if selected:
            agent["affinity"] = {"nodeSelector": {"node-role": selected}}
        tolerated = draw(st.sets(st.sampled_from(sorted(groups))))
        tolerations = [{"key": "dedicated", "operator": "Equal", "value": g, "effect": groups[g]["taints"][0]["effect"]}
                       for g in sorted(tolerated) if groups[g]["taints"]]
        if tolerations:
            agent["tolerations"] = tolerations
        anti = draw(st.sampled_from(["none", "self", "other", "preferred"]))
        target = name if anti != "other" else draw(st.sampled_from(names))
        term = {"labelSelector": {"matchLabels": {"app.kubernetes.io/name": k8s_name(target)}},
                "topologyKey": "kubernetes.io/hostname"}
        if anti in ("self", "other"):
            agent.setdefault("affinity", {})["podAntiAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": [term]}
        elif anti == "preferred":
            agent.setdefault("affinity", {})["podAntiAffinity"] = {"preferredDuringSchedulingIgnoredDuringExecution": [
                {"weight": draw(st.integers(1, 100)), "podAffinityTerm": term}]}
        agents[name] = agent
    return groups, {"1_agents": agents}


def _model(groups_spec, sequence_spec):
    """The preflight's model of a scenario, through the preflight's own schema and code."""
    findings = Findings()
    groups_clean = MapOf(NODE_GROUP).check(groups_spec, "infrastructure.kubernetes.node_groups", findings)
    sequence = DEPLOYMENT_SEQUENCE.check(sequence_spec, "deployment_sequence", findings)
    assert not findings.errors, findings.errors
    groups = dict((n, NodeGroup(n, g, False, "infrastructure.kubernetes.node_groups")) for n, g in groups_clean.items())
    cleaned = {"deployment_sequence": sequence, "scaling_procedures": {}}
    agents = _agents(cleaned, findings)
    _apply_scaling(agents, cleaned, findings)
    index = _label_index(groups)
    for agent in agents:
        _place(agent, groups, index, findings)
    return groups, agents


def _outcome(packing, agents):
    """(agent, Pending pods) of each agent; one that no node group can run has all its
    pods Pending (the preflight reports it as a misfit, and does not place it)."""
    return tuple((a.name, packing.outcome.get(a.name, {}).get("pending", 0) if a.candidates else a.worst_replicas)
                 for a in agents)


def predicted_outcomes(groups_spec, sequence_spec):
    """Every outcome the simulation reaches under some choice at its ties, and whether
    the enumeration was exhaustive."""
    outcomes, stack, runs = set(), [[]], 0
    while stack and runs < MAX_BRANCHES:
        path = stack.pop()
        runs += 1
        decisions = []

        def choose(pod_class, tied):
            # Nodes in the same state are interchangeable: one choice per state.
            states, reps = [], []
            for node in tied:
                state = (node.group, node.zone, node.used_cpu, node.used_memory, node.used_gpu, node.pods,
                         frozenset((c.name, n) for c, n in node.classes.items()))
                if state not in states:
                    states.append(state)
                    reps.append(node)
            position = len(decisions)
            decisions.append(len(reps))
            return reps[path[position] if position < len(path) else 0]

        groups, agents = _model(groups_spec, sequence_spec)
        packing = Packing(groups, ZONES, choose=choose).run([], [a for a in agents if a.candidates])
        outcomes.add(_outcome(packing, agents))
        for position in range(len(path), len(decisions)):
            for alternative in range(1, decisions[position]):
                stack.append(path + [0] * (position - len(path)) + [alternative])
    return outcomes, not stack


# ---------------------------------------------------------------------------
# The cluster

class Run:
    """One scenario on the cluster: its Nodes, its namespace, its Deployments."""

    def __init__(self, api):
        self.api = api
        self.core = client.CoreV1Api(api)
        self.apps = client.AppsV1Api(api)
        self.token = "pf-" + uuid.uuid4().hex[:10]
        self.namespace = self.token
        self.nodes = []
        with open(ROLE_DEFAULTS) as handle:
            self.spread = yaml.safe_load(handle)["agent_tiers_topology_spread"]

    def create_nodes(self, groups_spec):
        for name, group in sorted(groups_spec.items()):
            resources = node_status_resources(group["instance_type"])
            for index in range(group["count"]):
                node_name = "%s-%s-%d" % (self.token, name, index)
                labels = {"kubernetes.io/hostname": node_name, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64",
                          "topology.kubernetes.io/zone": ZONES[index % len(ZONES)], "node-role": group["role"],
                          "node.kubernetes.io/instance-type": group["instance_type"], "eks.amazonaws.com/nodegroup": name,
                          "type": "kwok", TEST_KEY: self.token}
                labels.update(group["labels"])
                taints = [dict(t) for t in group["taints"]] + [{"key": TEST_KEY, "value": self.token, "effect": "NoSchedule"}]
                body = {"apiVersion": "v1", "kind": "Node",
                        "metadata": {"name": node_name, "labels": labels,
                                     "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"}},
                        "spec": {"taints": taints},
                        "status": dict(resources, nodeInfo={"architecture": "amd64", "operatingSystem": "linux",
                                                            "kubeletVersion": "fake"})}
                self.core.create_node(body)
                self.nodes.append(node_name)
                self.core.patch_node_status(node_name, {"status": resources})
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while True:
            ready = 0
            for name in self.nodes:
                node = self.core.read_node(name)
                conditions = dict((c.type, c.status) for c in node.status.conditions or [])
                keys = [t.key for t in node.spec.taints or []]
                if conditions.get("Ready") == "True" and not any(k.startswith("node.kubernetes.io/") for k in keys):
                    ready += 1
            if ready == len(self.nodes):
                return
            assert time.monotonic() < deadline, "the test's kwok nodes did not become Ready"
            time.sleep(0.2)

    def deployment(self, name, agent, replicas):
        labels = dict(agent_pod_labels(name), **{"mas.platform/phase": "1_agents"})
        selector = {"app.kubernetes.io/name": k8s_name(name), "app.kubernetes.io/instance": k8s_name(name)}
        affinity = dict(agent.get("affinity") or {})
        node_selector = dict(affinity.pop("nodeSelector", {}), **{TEST_KEY: self.token})
        resources = agent["resources"]
        spec = {
            "nodeSelector": node_selector,
            "tolerations": list(agent.get("tolerations") or []) + [
                {"key": TEST_KEY, "operator": "Equal", "value": self.token, "effect": "NoSchedule"}],
            # As roles/agent_tiers/templates/agents.yml.j2 renders them.
            "topologySpreadConstraints": [{
                "topologyKey": s["topology_key"], "maxSkew": s["max_skew"], "whenUnsatisfiable": s["when_unsatisfiable"],
                "labelSelector": {"matchLabels": selector}, "matchLabelKeys": ["pod-template-hash"]} for s in self.spread],
            "terminationGracePeriodSeconds": 0,
            "containers": [{"name": "agent", "image": "registry.k8s.io/pause:3.9",
                            "resources": {"requests": resources["requests"], "limits": resources["limits"]}}],
        }
        if affinity:
            spec["affinity"] = affinity
        return {"apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": {"name": k8s_name(name), "labels": labels},
                "spec": {"replicas": replicas, "selector": {"matchLabels": selector}, "strategy": {"type": "Recreate"},
                         "template": {"metadata": {"labels": labels}, "spec": spec}}}

    def settle(self, name, replicas):
        """Wait until the agent has its pods, each bound or marked Unschedulable; returns Pending."""
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while True:
            pods = [p for p in self.core.list_namespaced_pod(
                self.namespace, label_selector="app.kubernetes.io/name=%s" % k8s_name(name)).items
                if p.metadata.deletion_timestamp is None]
            decided = [p for p in pods if p.spec.node_name or any(
                c.type == "PodScheduled" and c.status == "False" and c.reason == "Unschedulable" for c in p.status.conditions or [])]
            if len(pods) == replicas and len(decided) == replicas:
                return sum(1 for p in pods if not p.spec.node_name)
            assert time.monotonic() < deadline, "%s: %d of %d pods decided after %ds" % (name, len(decided), replicas, SETTLE_TIMEOUT)
            time.sleep(0.1)

    def play(self, groups_spec, sequence_spec, agents):
        """Create the scenario in the preflight's order; returns {agent: Pending pods}."""
        self.core.create_namespace({"metadata": {"name": self.namespace, "labels": {TEST_KEY: self.token}}})
        self.create_nodes(groups_spec)
        pending = {}
        bodies = sequence_spec["1_agents"]
        for agent in agents:
            self.apps.create_namespaced_deployment(self.namespace, self.deployment(agent.name, bodies[agent.name], agent.replicas))
            pending[agent.name] = self.settle(agent.name, agent.replicas)
        for agent in agents:
            if agent.worst_replicas > agent.replicas:
                self.apps.patch_namespaced_deployment_scale(k8s_name(agent.name), self.namespace,
                                                            {"spec": {"replicas": agent.worst_replicas}})
                pending[agent.name] = self.settle(agent.name, agent.worst_replicas)
        return pending

    def cleanup(self):
        for call in (lambda: self.core.delete_namespace(self.namespace, grace_period_seconds=0),):
            try:
                call()
            except ApiException as exc:
                if exc.status != 404:
                    raise
        for name in self.nodes:
            try:
                self.core.delete_node(name)
            except ApiException as exc:
                if exc.status != 404:
                    raise


@pytest.fixture(scope="module")
def runs(kube):
    """The runs of this module; their Nodes and namespaces are deleted at the end, whatever happened."""
    made = []
    yield lambda: made.append(Run(kube)) or made[-1]
    errors = []
    for run in made:
        try:
            run.cleanup()
        except Exception as exc:  # noqa: BLE001 - clean up the rest, then report
            errors.append("%s: %s" % (run.token, exc))
    assert not errors, "cleanup failed: %s" % "; ".join(errors)


@settings(max_examples=int(os.environ.get("MAS_SCHEDULER_EXAMPLES", "10")), deadline=None, derandomize=False, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(scenario=scenarios())
def test_pending_pods_are_the_predicted_ones(runs, scenario):
    groups_spec, sequence_spec = scenario
    outcomes, exhaustive = predicted_outcomes(copy.deepcopy(groups_spec), copy.deepcopy(sequence_spec))
    _groups, agents = _model(copy.deepcopy(groups_spec), copy.deepcopy(sequence_spec))
    run = runs()
    try:
        real = run.play(groups_spec, sequence_spec, agents)
    finally:
        run.cleanup()
    outcome = tuple((a.name, real[a.name]) for a in agents)
    # For --hypothesis-show-statistics: how often pods stay Pending, and ties matter.
    event("pods left Pending" if any(n for _a, n in outcome) else "every pod placed")
    event("one predicted outcome" if len(outcomes) == 1 else "ties: several possible outcomes")
    assert outcome in outcomes, (
        "kube-scheduler left %s Pending; the preflight predicted %s%s\nnode groups: %s\nagents: %s" % (
            dict(outcome), " or ".join(str(dict(o)) for o in sorted(outcomes)),
            "" if exhaustive else " (the ties were not all explored: %d runs)" % MAX_BRANCHES, groups_spec, sequence_spec))
