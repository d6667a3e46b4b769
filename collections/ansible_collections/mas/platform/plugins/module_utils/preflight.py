# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Can the platform spec work at all? The preflight, without any API call.

``run_preflight(spec)`` validates the structure (spec.py), then checks feasibility:

- placement: every workload's nodeSelector / required node affinity matches a node
  group, the pod tolerates that group's taints, and one pod fits one node;
- worst case per node group: HPA max replicas (or the scaling runbook's maximum),
  the vertical bumps of scaling_procedures and the rolling-update surge, summed over
  the nodes the group can have (max_count with a cluster autoscaler, else count);
- namespaces: shares add up to at most 100 %, resolve to ResourceQuota amounts, and
  those admit the worst case of the workloads in the namespace;
- storage classes, core services, network policy and procedures (their own modules).

It returns a report: ``errors`` and ``warnings`` (each {path, message}), ``capacity``
(per node group and per namespace), ``quotas`` (ResourceQuota ``spec.hard`` per
namespace) and ``summary`` (a few lines for people).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from ansible_collections.mas.platform.plugins.module_utils.capacity import (
    GPU_RESOURCE,
    QUOTA_SHARES,
    cluster_allocatable,
    describe_cpu,
    describe_memory,
    format_cpu,
    format_memory,
    format_quota,
    node_shape,
    quota_amounts,
)
from ansible_collections.mas.platform.plugins.module_utils.label_selectors import (
    blocking_taints,
    format_taint,
    node_affinity_matches,
    required_node_affinity,
)
from ansible_collections.mas.platform.plugins.module_utils.network import check_network_policy
from ansible_collections.mas.platform.plugins.module_utils.procedures import check_procedures
from ansible_collections.mas.platform.plugins.module_utils.schema import index_path, key_path
from ansible_collections.mas.platform.plugins.module_utils.services import check_services
from ansible_collections.mas.platform.plugins.module_utils.spec import (
    NODE_ROLE_LABEL,
    node_groups,
    service_pods,
    validate,
)
from ansible_collections.mas.platform.plugins.module_utils.storage import check_storage

# Kubernetes' default maxSurge for a Deployment's rolling update.
DEFAULT_MAX_SURGE_PERCENT = Decimal(25)
RESOURCES = ("cpu", "memory", "gpu")


def show(resource, value):
    """A resource amount for people: "4" CPUs, "16Gi", "2" GPUs."""
    if resource == "memory":
        return describe_memory(value)
    if resource == "cpu":
        return describe_cpu(value)
    return "%d" % value


def _resource_key(resource):
    return GPU_RESOURCE if resource == "gpu" else resource


def phase_order(phases):
    """Phase names ("1_core_agents") in their numeric order."""
    return sorted(phases, key=lambda name: (int(name.split("_", 1)[0]), name))


# ---------------------------------------------------------------------------
# The model the checks work on

class NodeGroup:
    """A node group with its node shape and the labels its nodes carry."""

    def __init__(self, name, group, autoscaler, base_path):
        self.name = name
        self.path = key_path(base_path, name)
        self.instance_type = group["instance_type"]
        self.count = group["count"]
        self.max_count = max(group.get("max_count", group["count"]), group["count"])
        # Without a cluster autoscaler nothing adds nodes: worst cases must fit count.
        self.capacity_nodes = self.max_count if autoscaler else self.count
        self.capacity_key = "max_count" if autoscaler else "count"
        self.allocatable = node_shape(self.instance_type)["allocatable"]
        self.taints = [t for t in group.get("taints") or [] if t]
        # The labels every node of the group carries (as tools/local-cluster gives them
        # to the fake nodes and EKS to the real ones), then the group's own.
        self.labels = {
            NODE_ROLE_LABEL: group["role"],
            "node.kubernetes.io/instance-type": self.instance_type,
            "kubernetes.io/os": "linux",
            "kubernetes.io/arch": "amd64",
            "eks.amazonaws.com/nodegroup": name,
        }
        self.labels.update(group.get("labels") or {})

    def total(self, nodes):
        return dict((key, self.allocatable[key] * nodes) for key in ("cpu", "memory", "gpu", "pods"))


class Workload:
    """A Deployment (agent) or StatefulSet (core service) and its worst case.

    ``requests``/``limits`` are per pod as written; ``worst_requests``/``worst_limits``
    per pod after the vertical bumps; ``worst_pods`` = the most replicas the HPA or the
    scaling runbook reaches, plus the rolling update's surge.
    """

    def __init__(self, name, path, kind, body):
        self.name = name
        self.path = path
        self.kind = kind
        self.namespace = body.get("namespace")
        resources = body.get("resources") or {}
        requests = resources.get("requests") or {}
        limits = resources.get("limits") or {}
        self.requests = {"cpu": requests.get("cpu"), "memory": requests.get("memory"),
                         "gpu": int(requests.get(GPU_RESOURCE, limits.get(GPU_RESOURCE, 0)))}
        self.limits = {"cpu": limits.get("cpu"), "memory": limits.get("memory"), "gpu": self.requests["gpu"]}
        self.worst_requests = dict(self.requests)
        self.worst_limits = dict(self.limits)
        self.bumped = set()
        self.affinity = body.get("affinity") or {}
        self.tolerations = [t for t in body.get("tolerations") or [] if t]
        self.strategy = body.get("strategy") or {}
        self.autoscaling = body.get("autoscaling")
        self.replicas = 0
        self.worst_replicas = 0
        self.surge = 0
        self.volume = None
        self.candidates = ()
        self.phase_rank = 0

    @property
    def complete(self):
        """Whether the spec says enough to compute the workload's demand."""
        return self.replicas is not None and self.requests["cpu"] is not None and self.requests["memory"] is not None

    @property
    def worst_pods(self):
        return self.worst_replicas + self.surge

    def demand(self, pods, per_pod):
        result = dict((r, per_pod[r] * pods) for r in RESOURCES if per_pod[r] is not None)
        result["pods"] = pods
        return result


def _surge(workload):
    """Extra pods during a rolling update: 0 for StatefulSets and Recreate, else maxSurge."""
    if workload.kind == "StatefulSet" or workload.strategy.get("type") == "Recreate":
        return 0
    max_surge = (workload.strategy.get("rollingUpdate") or {}).get("maxSurge", DEFAULT_MAX_SURGE_PERCENT)
    if isinstance(max_surge, Decimal):
        # A percentage: Kubernetes rounds the surge up.
        return int((Decimal(workload.worst_replicas) * max_surge / 100).to_integral_value(rounding=ROUND_CEILING))
    return max_surge


def _agents(cleaned, findings):
    """The agents of deployment_sequence, in phase order, as Workloads."""
    agents = []
    seen = {}
    sequence = cleaned.get("deployment_sequence") or {}
    for phase in phase_order(sequence):
        for name, body in sequence[phase].items():
            path = "deployment_sequence.%s.%s" % (phase, name)
            if name in seen:
                findings.error(path, "agent %s is also defined at %s: agent names must be unique" % (name, seen[name]))
                continue
            seen[name] = path
            workload = Workload(name, path, "Deployment", body)
            workload.phase_rank = int(phase.split("_", 1)[0])
            # None when invalid (already reported): the agent still counts as an agent
            # (for the procedures and scaling rules), only not for capacity.
            workload.replicas = body.get("replicas")
            agents.append(workload)
    return agents


def _core_services(cleaned):
    """The core services, each a StatefulSet with one volume per pod, as Workloads."""
    services = []
    core = cleaned.get("core_services") or {}
    for phase in phase_order(core):
        for name, body in core[phase].items():
            workload = Workload(name, "core_services.%s.%s" % (phase, name), "StatefulSet", body)
            workload.replicas = service_pods(name, body)
            if workload.replicas is None:
                continue  # services.py says what is missing
            if body.get("storage") and body.get("storage_size") is not None:
                workload.volume = (body["storage"], body["storage_size"])
            services.append(workload)
    return services


def _apply_scaling(agents, cleaned, findings):
    """Worst-case replicas and per-pod resources from autoscaling and scaling_procedures."""
    scaling = cleaned.get("scaling_procedures") or {}
    horizontal = scaling.get("horizontal") or {}
    vertical = scaling.get("vertical") or {}
    by_name = dict((a.name, a) for a in agents)
    names = ", ".join(sorted(by_name)) or "none"
    for kind, entries in (("horizontal", horizontal), ("vertical", vertical)):
        for name in entries:
            if name not in by_name:
                findings.error("scaling_procedures.%s.%s" % (kind, name),
                               "names no agent of deployment_sequence (agents: %s): the runbook would scale nothing" % names)
    for agent in agents:
        if agent.replicas is None:
            continue
        agent.worst_replicas = agent.replicas
        hpa = agent.autoscaling
        if hpa and "min" in hpa and "max" in hpa:
            agent.worst_replicas = max(agent.replicas, hpa["max"])
            if not hpa["min"] <= agent.replicas <= hpa["max"]:
                findings.warning(key_path(agent.path, "replicas"),
                                 "%d is outside the HPA's bounds %d..%d; the HPA will change it" % (agent.replicas, hpa["min"], hpa["max"]))
        rule = horizontal.get(agent.name)
        if rule is not None:
            rule_path = "scaling_procedures.horizontal.%s" % agent.name
            bound = rule.get("max_replicas")
            if hpa:
                # The runbook moves the HPA's bounds (never replicas): it stays within max.
                if bound is not None and "max" in hpa and bound > hpa["max"]:
                    findings.error(key_path(rule_path, "max_replicas"),
                                   "%d is above the HPA's max (%d) at %s.autoscaling.max: the runbook adjusts the HPA's "
                                   "bounds and must not fight it" % (bound, hpa["max"], agent.path))
            elif bound is None:
                findings.error(key_path(rule_path, "max_replicas"),
                               "required: %s has no HPA, so without a maximum the runbook adds %d replicas per step "
                               "without bound and no worst case can be checked" % (agent.name, rule.get("step", 1)))
            else:
                agent.worst_replicas = max(agent.worst_replicas, bound)
        rule = vertical.get(agent.name)
        if rule is not None:
            _apply_vertical(agent, rule, "scaling_procedures.vertical.%s" % agent.name, findings)
        agent.surge = _surge(agent)


def _apply_vertical(agent, rule, path, findings):
    trigger = rule.get("trigger") or ""
    resource = "memory" if trigger.startswith("memory_usage") else "cpu" if trigger.startswith("cpu_usage") else None
    if resource is None:
        if trigger:
            findings.error(key_path(path, "trigger"),
                           "vertical scaling needs a cpu_usage or memory_usage trigger (it raises that resource)")
        return
    increment, bound, limit = rule.get("increment"), rule.get("max_limit"), agent.limits[resource]
    if bound is None:
        findings.error(key_path(path, "max_limit"),
                       "required: without it the runbook raises %s's %s by %s per step without bound, and no worst "
                       "case can be checked" % (agent.name, resource, show(resource, increment) if increment else "?"))
        return
    if limit is None:
        findings.error(key_path(path, "max_limit"), "%s has no limits.%s to raise" % (agent.name, resource))
        return
    if increment is None or increment <= 0:
        if increment is not None:
            findings.error(key_path(path, "increment"), "must be larger than 0")
        return
    if bound < limit:
        findings.error(key_path(path, "max_limit"), "%s is below the current limit %s at %s.resources.limits.%s" % (
            show(resource, bound), show(resource, limit), agent.path, resource))
        return
    steps = ((bound - limit) / increment).to_integral_value(rounding=ROUND_FLOOR)
    agent.worst_limits[resource] = limit + steps * increment
    if agent.requests[resource] is not None:
        agent.worst_requests[resource] = agent.requests[resource] + steps * increment
    agent.bumped.add(resource)


# ---------------------------------------------------------------------------
# Placement: which node groups can run a pod, and does one pod fit one node

def _label_index(groups):
    index = {}
    for name, group in groups.items():
        for item in group.labels.items():
            index.setdefault(item, set()).add(name)
    return index


def _describe_groups(groups):
    return ", ".join("%s (%s=%s)" % (n, NODE_ROLE_LABEL, g.labels.get(NODE_ROLE_LABEL)) for n, g in sorted(groups.items())) or "none"


def _place(workload, groups, index, findings):
    """Set workload.candidates: the node groups that may run it. Errors when none can."""
    selector = workload.affinity.get("nodeSelector")
    if selector:
        matched = None
        for item in selector.items():
            found = index.get(item, set())
            matched = set(found) if matched is None else matched & found
        where = key_path(workload.path, "affinity.nodeSelector")
    else:
        matched = set(groups)
        where = key_path(workload.path, "affinity")
    terms = required_node_affinity(workload.affinity)
    if terms is not None:
        matched = set(g for g in matched if node_affinity_matches(terms, groups[g].labels))
        where = key_path(workload.path, "affinity.nodeAffinity")
    if not matched:
        what = "the node affinity" if terms is not None else "{%s}" % ", ".join("%s: %s" % item for item in sorted(selector.items()))
        findings.error(where, "%s matches no node group (node groups: %s)" % (what, _describe_groups(groups)))
        return
    tolerated = set(g for g in matched if not blocking_taints(workload.tolerations, groups[g].taints))
    if not tolerated:
        taints = sorted(set(format_taint(t) for g in matched for t in blocking_taints(workload.tolerations, groups[g].taints)))
        findings.error(key_path(workload.path, "tolerations"),
                       "the pod would land on %s, whose nodes carry the taint %s that the pod does not tolerate: "
                       "add a toleration%s" % (", ".join(sorted(matched)), ", ".join(taints),
                                               " (it needs the GPUs there)" if workload.requests["gpu"] else ""))
        return
    fitting = set(g for g in tolerated if not _misfits(workload, groups[g]))
    if not fitting:
        _report_misfit(workload, [groups[g] for g in sorted(tolerated)], findings)
        return
    workload.candidates = tuple(sorted(fitting))


def _misfits(workload, group):
    """The (kind, resource, needed, allocatable) a pod of workload exceeds on one node of group."""
    misfits = []
    for kind, per_pod in (("requests", workload.worst_requests), ("limits", workload.worst_limits)):
        for resource in RESOURCES:
            needed = per_pod[resource]
            if needed is None or (kind == "limits" and resource == "gpu"):
                continue
            if needed > group.allocatable[resource]:
                misfits.append((kind, resource, needed, group.allocatable[resource]))
    return misfits


def _report_misfit(workload, groups, findings):
    for group in groups:
        for kind, resource, needed, allocatable in _misfits(workload, group):
            bumped = " after the vertical scaling to max_limit" if resource in workload.bumped else ""
            if resource == "gpu":
                message = "%s GPU%s per pod, but a %s node (group %s) has %d" % (
                    show(resource, needed), "" if needed == 1 else "s", group.instance_type, group.name, allocatable)
            else:
                message = "%s %s per pod%s exceeds the allocatable %s of one %s node (group %s): %s" % (
                    show(resource, needed), resource, bumped, resource, group.instance_type, group.name,
                    show(resource, allocatable))
            findings.error(key_path(key_path(key_path(workload.path, "resources"), kind), _resource_key(resource)), message)


# ---------------------------------------------------------------------------
# Worst case per node group (and per set of groups a workload may spread over)

def _add(total, demand):
    for key, value in demand.items():
        total[key] = total.get(key, 0) + value
    return total


def _exceeded(demand, capacity):
    return [key for key in ("cpu", "memory", "gpu", "pods") if demand.get(key, 0) > capacity[key]]


def _format_amounts(amounts):
    return {
        "cpu": format_cpu(amounts.get("cpu", 0)),
        "memory": format_memory(amounts.get("memory", 0)),
        GPU_RESOURCE: int(amounts.get("gpu", 0)),
        "pods": int(amounts.get("pods", 0)),
    }


def _group_capacity(workloads, groups, autoscaler, findings):
    """Check each set of node groups against the worst case of what can only run there.

    A workload whose pods may run in several groups is checked against their union,
    together with everything that is confined to subsets of that union.
    """
    worst, steady, members = {}, {}, {}
    for w in workloads:
        if not w.candidates:
            continue
        pool = frozenset(w.candidates)
        _add(worst.setdefault(pool, {}), w.demand(w.worst_pods, w.worst_requests))
        _add(steady.setdefault(pool, {}), w.demand(w.replicas, w.requests))
        members.setdefault(pool, []).append(w)
    table, pools = {}, []
    for pool in sorted(worst, key=lambda p: (len(p), sorted(p))):
        inside = [p for p in worst if p <= pool] if len(pool) > 1 else [pool]
        pool_worst, pool_steady, names = {}, {}, []
        for part in inside:
            _add(pool_worst, worst[part])
            _add(pool_steady, steady[part])
            names.extend(w.name for w in members[part])
        capacity = {}
        at_count = {}
        for name in pool:
            _add(capacity, groups[name].total(groups[name].capacity_nodes))
            _add(at_count, groups[name].total(groups[name].count))
        over = _exceeded(pool_worst, capacity)
        if over:
            if len(pool) == 1:
                group = groups[next(iter(pool))]
                where = key_path(group.path, group.capacity_key)
                nodes = "its %d nodes (%s)" % (group.capacity_nodes, group.capacity_key)
            else:
                where = "infrastructure.kubernetes.node_groups"
                nodes = "node groups %s together" % ", ".join(sorted(pool))
            findings.error(where, "the worst case (HPA or runbook maximum, vertical bumps, rolling-update surge) of %s "
                                  "needs %s; %s offer %s" % (
                                      ", ".join(sorted(names)), _describe_needs(pool_worst, over), nodes, _describe_needs(capacity, over)))
        elif autoscaler and _exceeded(pool_steady, at_count):
            findings.warning(_count_path(pool, groups),
                             "the steady state of %s needs %s, more than the %s nodes at count offer (%s): "
                             "the cluster autoscaler must add nodes before the deploy completes" % (
                                 ", ".join(sorted(names)), _describe_needs(pool_steady, _exceeded(pool_steady, at_count)),
                                 ", ".join(sorted(pool)), _describe_needs(at_count, _exceeded(pool_steady, at_count))))
        entry = {
            "worst_case": _format_amounts(pool_worst),
            "steady_state": _format_amounts(pool_steady),
            "allocatable": _format_amounts(capacity),
            "headroom": _format_amounts(dict((k, capacity[k] - pool_worst.get(k, 0)) for k in capacity)),
            "workloads": sorted(names),
            "_worst": pool_worst,
        }
        if len(pool) == 1:
            table[next(iter(pool))] = entry
        else:
            entry["node_groups"] = sorted(pool)
            pools.append(entry)
    return table, pools


def _count_path(pool, groups):
    if len(pool) == 1:
        return key_path(groups[next(iter(pool))].path, "count")
    return "infrastructure.kubernetes.node_groups"


def _describe_needs(amounts, keys):
    """"12 CPU, 40Gi memory" for the keys that matter."""
    parts = []
    for key in keys:
        value = amounts.get(key, 0)
        parts.append("%s %s" % (show(key, value) if key in RESOURCES else "%d" % value,
                                {"cpu": "CPU", "memory": "memory", "gpu": "GPUs", "pods": "pods"}[key]))
    return ", ".join(parts)


# ---------------------------------------------------------------------------
# Namespaces: shares, quotas, and what the workloads in each need

def _namespaces(cleaned):
    result = {}
    for index, entry in enumerate((cleaned.get("environment_config") or {}).get("namespaces") or []):
        if entry and entry.get("name") and "resources" in entry:
            result[entry["name"]] = dict(entry, path=index_path("environment_config.namespaces", index))
    return result


_SHARE_KEYS = (("cpu", "cpu_limit"), ("memory", "memory_limit"), ("gpu", "gpu_limit"))


def _percent(value):
    """45 for Decimal("45.0"), 12.5 for Decimal("12.50")."""
    return "{0:f}".format(value.normalize())


def _check_share_sums(namespaces, findings):
    for resource, key in _SHARE_KEYS:
        shares = [(name, ns["resources"][key]) for name, ns in namespaces.items() if key in ns["resources"]]
        total = sum((share for _name, share in shares), Decimal(0))
        if total > 100:
            findings.error("environment_config.namespaces",
                           "the %s shares add up to %s%% (%s); at most 100%% of the cluster can be shared out" % (
                               key, _percent(total), ", ".join("%s %s%%" % (n, _percent(s)) for n, s in shares)))


def namespace_quotas(namespaces, groups):
    """Resolve each namespace's shares to ResourceQuota amounts.

    Shares are percentages of the allocatable of all node groups at their count (the
    capacity the cluster has without autoscaling). Returns ``{namespace: amounts}``
    (see capacity.quota_amounts) and the cluster total they were computed from.
    """
    cluster = cluster_allocatable((g.instance_type, g.count) for g in groups.values())
    amounts = {}
    for name, ns in namespaces.items():
        resources = ns["resources"]
        if "cpu_limit" not in resources or "memory_limit" not in resources:
            continue
        shares = {"cpu": resources["cpu_limit"], "memory": resources["memory_limit"], "gpu": resources.get("gpu_limit")}
        amounts[name] = quota_amounts(shares, cluster)
    return amounts, cluster


def _namespace_needs(name, members, has_quota, findings):
    """The worst case of a namespace's workloads, per quota key, and who needs what."""
    needs = {"requests.cpu": Decimal(0), "limits.cpu": Decimal(0), "requests.memory": Decimal(0),
             "limits.memory": Decimal(0), "requests." + GPU_RESOURCE: 0, "pods": 0, "persistentvolumeclaims": 0}
    parts = dict((key, []) for key in needs)
    for w in members:
        if not w.complete:
            continue
        pods = w.worst_pods
        for key, share in QUOTA_SHARES:
            per_pod = (w.worst_requests if key.startswith("requests.") else w.worst_limits)[share]
            if per_pod is None:
                if has_quota:
                    findings.error(key_path(w.path, "resources.limits.%s" % share),
                                   "required: the ResourceQuota of namespace %s sets %s, so Kubernetes rejects "
                                   "pods without it" % (name, key))
                continue
            needs[key] += per_pod * pods
            if per_pod:
                parts[key].append("%s %d x %s" % (w.name, pods, show(share, per_pod)))
        needs["pods"] += pods
        parts["pods"].append("%s %d" % (w.name, pods))
        if w.volume:
            needs["persistentvolumeclaims"] += w.replicas
            parts["persistentvolumeclaims"].append("%s %d" % (w.name, w.replicas))
    return needs, parts


def _check_namespaces(workloads, namespaces, amounts, cleaned, findings):
    """Workloads name declared namespaces; quotas admit their worst case."""
    quota_counts = (cleaned.get("environment_config") or {}).get("resource_quotas") or {}
    for name in quota_counts:
        if name not in namespaces:
            findings.error("environment_config.resource_quotas.%s" % name,
                           "names no namespace of environment_config.namespaces (%s)" % ", ".join(sorted(namespaces)))
    if "environment_config" in cleaned:
        for name in namespaces:
            if name not in quota_counts:
                findings.warning("environment_config.resource_quotas",
                                 "no object counts (pods, services, secrets) for namespace %s: its quota limits "
                                 "only CPU, memory and GPUs" % name)
    per_namespace = {}
    for w in workloads:
        if w.namespace is None:
            continue
        if namespaces and w.namespace not in namespaces:
            findings.error(key_path(w.path, "namespace"), "%s is not a namespace of environment_config.namespaces (%s)" % (
                w.namespace, ", ".join(sorted(namespaces))))
            continue
        per_namespace.setdefault(w.namespace, []).append(w)
    report = {}
    for name, members in sorted(per_namespace.items()):
        needs, parts = _namespace_needs(name, members, name in amounts, findings)
        ns = namespaces.get(name)
        quota = amounts.get(name)
        counts = quota_counts.get(name) or {}
        if ns is not None and quota is not None:
            for key, share in QUOTA_SHARES:
                if needs[key] > quota[key]:
                    share_key = dict(_SHARE_KEYS)[share]
                    findings.error(key_path(key_path(ns["path"], "resources"), share_key),
                                   "%s resolves to %s %s, but the worst case of the workloads in %s needs %s (%s)" % (
                                       "%s%%" % _percent(ns["resources"][share_key]) if share_key in ns["resources"]
                                       else "no share (0%)", key, show(share, quota[key]), name,
                                       show(share, needs[key]), ", ".join(parts[key])))
        for key in ("pods", "persistentvolumeclaims"):
            if key in counts and needs[key] > counts[key]:
                findings.error("environment_config.resource_quotas.%s.%s" % (name, key),
                               "%d, but the worst case (HPA or runbook maximum plus rolling-update surge) of the "
                               "workloads in %s needs %d (%s)" % (counts[key], name, needs[key], ", ".join(parts[key])))
        report[name] = needs
    return report


# ---------------------------------------------------------------------------
# Cross-section consistency that is not about capacity

def _check_consistency(cleaned, findings):
    core = dict((name, (phase, body)) for phase, services in (cleaned.get("core_services") or {}).items()
                for name, body in services.items())
    networking = (cleaned.get("service_configuration") or {}).get("networking") or {}
    method = (networking.get("service_discovery") or {}).get("method")
    if method == "consul" and "core_services" in cleaned and "consul" not in core:
        findings.error("service_configuration.networking.service_discovery.method",
                       "consul, but core_services deploys no consul")
    metrics = ((cleaned.get("service_configuration") or {}).get("monitoring") or {}).get("metrics") or {}
    prometheus = core.get("prometheus")
    if prometheus and "retention" in prometheus[1] and "retention" in metrics and prometheus[1]["retention"] != metrics["retention"]:
        findings.error("service_configuration.monitoring.metrics.retention",
                       "differs from core_services.%s.prometheus.retention: Prometheus has one retention" % prometheus[0])
    certificates = ((cleaned.get("security_setup") or {}).get("authentication") or {}).get("certificates") or {}
    internal = certificates.get("internal") or {}
    for index, name in enumerate(internal.get("services") or []):
        if name is not None and "core_services" in cleaned and name not in core:
            findings.error("security_setup.authentication.certificates.internal.services[%d]" % index,
                           "%s is not a core service (core_services has %s)" % (name, ", ".join(sorted(core)) or "none"))


# ---------------------------------------------------------------------------
# The preflight

def run_preflight(spec):
    """Validate and check the platform spec. Never raises on bad input; see the module docstring."""
    cleaned, findings = validate(spec)
    infrastructure = cleaned.get("infrastructure") or {}
    autoscaler = bool((infrastructure.get("kubernetes") or {}).get("cluster_autoscaler"))
    base_path = "infrastructure.kubernetes.%s" % ("nodes" if "node_groups" not in (infrastructure.get("kubernetes") or {}) else "node_groups")
    groups = dict((name, NodeGroup(name, group, autoscaler, base_path)) for name, group in node_groups(infrastructure).items()
                  if "instance_type" in group and "count" in group and "role" in group)
    for group in groups.values():
        if group.allocatable["gpu"] and not any(t.get("key") == GPU_RESOURCE for t in group.taints):
            findings.warning(key_path(group.path, "taints"),
                             "%s has GPUs but no %s taint: pods that need no GPU can take its nodes" % (group.name, GPU_RESOURCE))

    agents = _agents(cleaned, findings)
    _apply_scaling(agents, cleaned, findings)
    services = _core_services(cleaned)
    for service in services:
        service.worst_replicas = service.replicas
    workloads = [w for w in agents + services if w.complete]

    index = _label_index(groups)
    if groups:
        for w in workloads:
            _place(w, groups, index, findings)
    table, pools = _group_capacity(workloads, groups, autoscaler, findings)

    namespaces = _namespaces(cleaned)
    _check_share_sums(namespaces, findings)
    amounts, cluster = namespace_quotas(namespaces, groups)
    needs = _check_namespaces(workloads, namespaces, amounts, cleaned, findings)
    quota_counts = (cleaned.get("environment_config") or {}).get("resource_quotas") or {}
    quotas = dict((name, format_quota(amounts[name], quota_counts.get(name))) for name in amounts)

    check_storage(cleaned, services, findings)
    check_services(cleaned, findings)
    check_network_policy(cleaned, agents, services, namespaces, findings)
    check_procedures(cleaned, agents, services, findings)
    _check_consistency(cleaned, findings)

    capacity = {
        "workloads": dict((w.name, _workload_row(w)) for w in workloads),
        "node_groups": dict((name, _group_row(groups[name], table.get(name))) for name in sorted(groups)),
        "namespaces": dict((name, _namespace_row(quotas.get(name), needs.get(name))) for name in sorted(set(quotas) | set(needs))),
        "cluster_at_count": _format_amounts(dict(cluster)) if groups else None,
    }
    if pools:
        capacity["pools"] = [dict((k, v) for k, v in p.items() if not k.startswith("_")) for p in pools]
    return {
        "errors": findings.errors,
        "warnings": findings.warnings,
        "capacity": capacity,
        "quotas": quotas,
        "summary": _summary(groups, table, amounts, needs, findings),
    }


def _per_pod(amounts):
    row = {}
    for resource in RESOURCES:
        value = amounts[resource]
        if value is None:
            continue
        row[_resource_key(resource)] = format_cpu(value) if resource == "cpu" else format_memory(value) if resource == "memory" else value
    return row


def _workload_row(workload):
    """The bounds a runbook needs (the scaling playbook's max_value comes from here)."""
    return {
        "kind": workload.kind,
        "namespace": workload.namespace,
        "path": workload.path,
        "node_groups": list(workload.candidates),
        "replicas": workload.replicas,
        "max_replicas": workload.worst_replicas,
        "surge": workload.surge,
        "max_requests": _per_pod(workload.worst_requests),
        "max_limits": _per_pod(workload.worst_limits),
    }


def _group_row(group, entry):
    row = {
        "instance_type": group.instance_type,
        "nodes": group.count,
        "max_nodes": group.max_count,
        "capacity_nodes": group.capacity_nodes,
        "node_allocatable": _format_amounts(group.allocatable),
    }
    if entry is None:
        empty = _format_amounts({})
        row.update(allocatable=_format_amounts(group.total(group.capacity_nodes)), worst_case=empty, steady_state=empty,
                   headroom=_format_amounts(group.total(group.capacity_nodes)), workloads=[])
    else:
        row.update(dict((k, v) for k, v in entry.items() if not k.startswith("_")))
    return row


def _namespace_row(quota, needs):
    row = {"quota": quota or {}}
    if needs is not None:
        worst = {}
        for key, value in needs.items():
            if key.endswith(".cpu"):
                worst[key] = format_cpu(value)
            elif key.endswith(".memory"):
                worst[key] = format_memory(value)
            else:
                worst[key] = "%d" % value
        row["worst_case"] = worst
    return row


def _summary(groups, table, amounts, needs, findings):
    lines = []
    for name in sorted(groups):
        group = groups[name]
        entry = table.get(name)
        worst = entry["_worst"] if entry else {}
        capacity = group.total(group.capacity_nodes)
        lines.append("node group %s: %d-%d x %s; worst case %s of %s CPU, %s of %s memory, %d of %d GPUs, %d of %d pods" % (
            name, group.count, group.max_count, group.instance_type,
            describe_cpu(worst.get("cpu", 0)), describe_cpu(capacity["cpu"]),
            describe_memory(worst.get("memory", 0)), describe_memory(capacity["memory"]),
            worst.get("gpu", 0), capacity["gpu"], worst.get("pods", 0), capacity["pods"]))
    for name in sorted(amounts):
        quota = amounts[name]
        need = needs.get(name) or {}
        lines.append("namespace %s: worst case requests %s of %s CPU, %s of %s memory, %d of %d GPUs; limits %s CPU, %s memory" % (
            name, describe_cpu(need.get("requests.cpu", 0)), describe_cpu(quota["requests.cpu"]),
            describe_memory(need.get("requests.memory", 0)), describe_memory(quota["requests.memory"]),
            need.get("requests." + GPU_RESOURCE, 0), quota["requests." + GPU_RESOURCE],
            describe_cpu(need.get("limits.cpu", 0)), describe_memory(need.get("limits.memory", 0))))
    errors, warnings = len(findings.errors), len(findings.warnings)
    lines.append("%d error%s, %d warning%s" % (errors, "" if errors == 1 else "s", warnings, "" if warnings == 1 else "s"))
    return lines
