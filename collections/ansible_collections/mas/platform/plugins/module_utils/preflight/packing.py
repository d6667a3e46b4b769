# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The worst case, placed pod by pod on the nodes the node groups will have.

The nodes: every node group at its capacity (max_count with a cluster autoscaler, else
count), each node with the group's labels and taints, its own hostname and the zone
EKS (and tools/local-cluster) puts it in: node i of a group in availability zone
i mod the number of zones. The pods, in the order a deploy and its scaling create
them: the DaemonSets of infrastructure.kubernetes.daemonsets and of the cluster add-ons
(one pod per node they tolerate), the core services' members, the add-ons' Deployments
and StatefulSets, the agents at their replicas, then each agent
at its maximum (the HPA's or the runbook's), then each agent's rolling-update surge
(a new ReplicaSet, which the agents' topology spread counts apart). Each pod carries
its worst requests (after the vertical bumps) and the scheduling rules the roles
render: the agents' topology spread (roles/agent_tiers, agent_tiers_topology_spread),
the core services' member anti-affinity and zone spread (roles/core_service), the
spec's node selectors, affinity and tolerations. preflight/scheduler.py places them.

A pod that no node takes would stay Pending: an error on its workload, naming the node
groups and what ran out. The result is a table of every node and what it runs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from decimal import ROUND_CEILING

from ansible_collections.mas.platform.plugins.module_utils.model.labels import (
    agent_pod_labels,
    agent_selector,
    namespace_labels,
    PHASE_LABEL,
    service_pod_labels,
    service_selector,
)
from ansible_collections.mas.platform.plugins.module_utils.model.addon_charts import common_node_selector, pods
from ansible_collections.mas.platform.plugins.module_utils.model.addons import compile_addons
from ansible_collections.mas.platform.plugins.module_utils.preflight.capacity import GPU_RESOURCE, parse_quantity
from ansible_collections.mas.platform.plugins.module_utils.preflight.scheduler import (
    Cluster,
    HOSTNAME,
    Node,
    PodClass,
    ZONE,
)

# What the roles render around the spec's own scheduling rules; a unit test
# (tests/unit/test_preflight_packing.py) keeps these in step with the roles' defaults.
# roles/agent_tiers/defaults/main.yml, agent_tiers_topology_spread (ScheduleAnyway):
AGENT_TOPOLOGY_SPREAD = ((HOSTNAME, 1), (ZONE, 1))
# roles/core_service: members never share a node (core_service_anti_affinity:
# required), except Redis's (redis_anti_affinity: preferred, weight 100); and one
# ScheduleAnyway spread over zones.
SERVICE_PREFERRED_ANTI_AFFINITY = ("redis",)
SERVICE_TOPOLOGY_SPREAD = ((ZONE, 1),)
REVISION_LABEL = "pod-template-hash"
ADDONS_PATH = "infrastructure.kubernetes.addons."


def _millicores(cores):
    return int((cores * 1000).to_integral_value(rounding=ROUND_CEILING)) if cores is not None else 0


def _bytes(amount):
    return int(amount.to_integral_value(rounding=ROUND_CEILING)) if amount is not None else 0


def daemonsets(kubernetes):
    """(name, millicores, bytes, nodeSelector, tolerations) of the cleaned spec's
    infrastructure.kubernetes.daemonsets."""
    result = []
    for name, body in sorted((kubernetes.get("daemonsets") or {}).items()):
        requests = (body.get("resources") or {}).get("requests") or {}
        if "cpu" in requests and "memory" in requests:
            result.append((name, _millicores(requests["cpu"]), _bytes(requests["memory"]), body.get("nodeSelector"),
                           body.get("tolerations") or []))
    return result


def addon_workloads(cleaned):
    """The cluster add-ons the platform installs (model/addon_charts.py pods), as run()
    takes them: (daemonsets, deployments), each entry ending with its key path. Their
    Deployments run where the core services do."""
    selectors = [((body or {}).get("affinity") or {}).get("nodeSelector") or {}
                 for phase in (cleaned.get("core_services") or {}).values() for body in (phase or {}).values()]
    found = pods(compile_addons(cleaned), common_node_selector(selectors))

    def amounts(requests):
        return _millicores(parse_quantity(requests["cpu"])), _bytes(parse_quantity(requests["memory"]))

    daemonset_entries = [(name,) + amounts(requests) + (selector, tolerations, ADDONS_PATH + addon)
                         for addon, name, requests, selector, tolerations in found["daemonsets"]]
    deployment_entries = [(name, namespace) + amounts(requests) + (selector, replicas, ADDONS_PATH + addon)
                          for addon, name, namespace, requests, selector, replicas in found["deployments"]]
    return daemonset_entries, deployment_entries


def build_nodes(groups, zones):
    """Nodes of every group at its capacity, in group-name order. Returns (nodes, {group: [nodes]})."""
    nodes, by_group = [], {}
    for name in sorted(groups):
        group = groups[name]
        allocatable = group.allocatable
        members = by_group.setdefault(name, [])
        for index in range(group.capacity_nodes):
            node_name = "%s-%d" % (name, index)
            labels = dict(group.labels)
            labels[HOSTNAME] = node_name
            if zones:
                labels[ZONE] = zones[index % len(zones)]
            node = Node(len(nodes), node_name, name, labels, group.taints, _millicores(allocatable["cpu"]),
                        _bytes(allocatable["memory"]), int(allocatable["gpu"]), int(allocatable["pods"]))
            nodes.append(node)
            members.append(node)
    return nodes, by_group


def _requests(workload):
    requests = workload.worst_requests
    return _millicores(requests["cpu"]), _bytes(requests["memory"]), int(requests["gpu"] or 0)


def service_class(workload):
    """The PodClass of a core service's members, as render/core_service.py renders them."""
    selector = service_selector(workload.name)
    labels = dict(service_pod_labels(workload.name), **selector)
    member_term = {"labelSelector": {"matchLabels": selector}, "topologyKey": HOSTNAME}
    affinity = dict(workload.affinity)
    if workload.name in SERVICE_PREFERRED_ANTI_AFFINITY:
        affinity["podAntiAffinity"] = {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 100, "podAffinityTerm": member_term}]}
    else:
        affinity["podAntiAffinity"] = {"requiredDuringSchedulingIgnoredDuringExecution": [member_term]}
    spread = [(key, skew, selector, ()) for key, skew in SERVICE_TOPOLOGY_SPREAD]
    return _pod_class(workload, labels, affinity, spread)


def agent_class(workload, revision):
    """The PodClass of an agent's pods of one ReplicaSet, as render/agents.py renders them."""
    selector = agent_selector(workload.name)
    labels = dict(agent_pod_labels(workload.name))
    labels[PHASE_LABEL] = workload.path.split(".")[1]
    labels[REVISION_LABEL] = revision
    spread = [(key, skew, selector, (REVISION_LABEL,)) for key, skew in AGENT_TOPOLOGY_SPREAD]
    return _pod_class(workload, labels, workload.affinity, spread)


def _pod_class(workload, labels, affinity, spread):
    cpu, memory, gpu = _requests(workload)
    pod_class = PodClass(workload.name, workload.namespace, labels, cpu, memory, gpu,
                         node_selector=affinity.get("nodeSelector"), affinity=affinity,
                         tolerations=workload.tolerations, spread=spread)
    pod_class.workload = workload
    return pod_class


class Packing:
    """The placement of the worst case, and what stays Pending."""

    def __init__(self, groups, zones, namespaces=None, choose=None):
        self.groups = groups
        self.nodes, self.by_group = build_nodes(groups, zones)
        entries = namespaces or {}
        self.cluster = Cluster(self.nodes, lambda name: namespace_labels(name, entries.get(name) or {}), choose)
        # workload name -> {"pods": n, "pending": n, "reasons": {...}, "step": ...}
        self.outcome = {}
        # DaemonSet name -> its key path
        self.daemonsets = {}
        # add-on workload name -> its key path
        self.addons = {}

    def _pool(self, workload):
        return [node for group in workload.candidates for node in self.by_group.get(group, ())]

    def run(self, services, agents, daemonsets=(), addons=()):
        """Place everything in deploy order; returns self. ``addons``: the add-ons'
        Deployments and StatefulSets (name, namespace, millicores, bytes, nodeSelector,
        replicas, path), placed after the core services, before the agents."""
        ds_classes = []
        for entry in daemonsets:
            name, cpu, memory, selector, tolerations = entry[:5]
            pod_class = PodClass(name, "kube-system", {"app.kubernetes.io/name": name}, cpu, memory, 0,
                                 node_selector=selector, tolerations=tolerations, spread=[])
            ds_classes.append((name, self.cluster.add_class(pod_class), entry[5] if len(entry) > 5 else None))
        addon_classes = []
        for name, namespace, cpu, memory, selector, replicas, path in addons:
            pod_class = PodClass(name, namespace, {"app.kubernetes.io/name": name}, cpu, memory, 0,
                                 node_selector=selector, spread=None)
            addon_classes.append((name, self.cluster.add_class(pod_class), replicas, path))
        service_classes = [(w, self.cluster.add_class(service_class(w), self._pool(w))) for w in services if w.candidates]
        steady = [(w, self.cluster.add_class(agent_class(w, "steady"), self._pool(w))) for w in agents if w.candidates]
        surge = [(w, self.cluster.add_class(agent_class(w, "surge"), self._pool(w))) for w, _c in steady if w.surge]
        for name, pod_class, path in ds_classes:
            self.daemonsets[DAEMONSET + name] = path or "infrastructure.kubernetes.daemonsets.%s" % name
            for node in pod_class.candidates:
                self._record(DAEMONSET + name, "DaemonSet", pod_class, *self.cluster.place_on(pod_class, node))
        for workload, pod_class in service_classes:
            self._place(workload, pod_class, workload.replicas, "members")
        for name, pod_class, replicas, path in addon_classes:
            self.addons[ADDON + name] = path
            for _pod in range(replicas):
                self._record(ADDON + name, "replicas", pod_class, *self.cluster.place(pod_class))
        for workload, pod_class in steady:
            self._place(workload, pod_class, workload.replicas, "replicas")
        for workload, pod_class in steady:
            self._place(workload, pod_class, workload.worst_replicas - workload.replicas, "scaled")
        for workload, pod_class in surge:
            self._place(workload, pod_class, workload.surge, "surge")
        return self

    def _place(self, workload, pod_class, count, step):
        for _pod in range(max(count, 0)):
            self._record(workload.name, step, pod_class, *self.cluster.place(pod_class))

    def _record(self, name, step, pod_class, node, reasons):
        entry = self.outcome.setdefault(name, {"pods": 0, "pending": 0, "reasons": None, "step": None, "class": pod_class})
        entry["pods"] += 1
        if node is None:
            entry["pending"] += 1
            if entry["reasons"] is None:
                entry["reasons"], entry["step"] = dict(reasons), step
            elif step == "DaemonSet":
                # Each of its pods is bound to one node: what each lacks, summed.
                for reason, count in reasons.items():
                    entry["reasons"][reason] = entry["reasons"].get(reason, 0) + count

    def pending(self):
        """{workload name: outcome} of the workloads with Pending pods."""
        return dict((name, entry) for name, entry in self.outcome.items() if entry["pending"])

    def pending_rows(self):
        """The packing result's ``pending``: each workload with Pending pods, and why."""
        return [{"workload": name, "pods": entry["pods"], "pending": entry["pending"],
                 "node_groups": sorted(set(n.group for n in entry["class"].candidates)),
                 "reasons": describe_reasons(entry["reasons"])} for name, entry in sorted(self.pending().items())]

    def table(self):
        """The packing table: per node group, each node and what it runs."""
        result = {}
        for group, members in sorted(self.by_group.items()):
            rows = []
            for node in members:
                pods = {}
                for pod_class, count in node.classes.items():
                    pods[pod_class.name] = pods.get(pod_class.name, 0) + count
                rows.append({
                    "name": node.name,
                    "zone": node.zone,
                    "pods": dict(sorted(pods.items())),
                    "requested": _amounts(node.used_cpu, node.used_memory, node.used_gpu, node.pods),
                    "free": _amounts(node.cpu - node.used_cpu, node.memory - node.used_memory, node.gpu - node.used_gpu,
                                     node.max_pods - node.pods),
                })
            result[group] = rows
        return result


def _amounts(cpu, memory, gpu, pods):
    return {"cpu": "%dm" % cpu, "memory": "%dMi" % (memory // (1024 * 1024)), GPU_RESOURCE: gpu, "pods": pods}


def describe_reasons(reasons):
    """'8 Insufficient memory, 4 Too many pods', most frequent first, as the scheduler words them."""
    return ", ".join("%d %s" % (count, reason) for reason, count in sorted(reasons.items(), key=lambda item: (-item[1], item[0])))


# The outcome key of a DaemonSet (its name may be an agent's too), and of an add-on's workload.
DAEMONSET = "daemonset/"
ADDON = "addon/"
STEPS = {
    "members": "the service's members",
    "replicas": "its replicas",
    "scaled": "the replicas it scales to (the HPA's or the runbook's maximum)",
    "surge": "the rolling update's surge pods",
}


def report_pending(packing, workloads, flagged, findings):
    """An error on each workload with Pending pods, unless its node groups' sums already
    failed (flagged: the names in a pool whose worst case exceeds its capacity)."""
    paths = sorted(packing.daemonsets.items()) + sorted(packing.addons.items()) + [(w.name, w.path) for w in workloads]
    for name, path in paths:
        entry = packing.outcome.get(name)
        if not entry or not entry["pending"] or name in flagged:
            continue
        groups = ", ".join(sorted(set(n.group for n in entry["class"].candidates)))
        nodes = len(entry["class"].candidates)
        if entry["step"] == "DaemonSet":
            findings.error(path, "%d of its %d pods (one per node of %s it tolerates) would stay Pending: the node's "
                                 "allocatable cannot hold them (%s)" % (
                                     entry["pending"], entry["pods"], groups, describe_reasons(entry["reasons"])))
            continue
        findings.error(path, "%d of the %d pods of its worst case would stay Pending: placed pod by pod as kube-scheduler "
                             "places them (deploy order, then scaling), %s find no node in %s (%d node%s: %s)" % (
                                 entry["pending"], entry["pods"], STEPS[entry["step"]], groups, nodes,
                                 "" if nodes == 1 else "s", describe_reasons(entry["reasons"])))
