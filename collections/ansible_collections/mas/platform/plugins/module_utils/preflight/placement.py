# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Placement: which node groups can run a pod, whether one pod fits one node, and the
worst case of each node group against its capacity."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.preflight.capacity import (
    format_cpu,
    format_memory,
    GPU_RESOURCE,
)
from ansible_collections.mas.platform.plugins.module_utils.preflight.selectors import (
    blocking_taints,
    format_taint,
    node_affinity_matches,
    required_node_affinity,
)
from ansible_collections.mas.platform.plugins.module_utils.preflight.workloads import (
    _resource_key,
    RESOURCES,
    show,
)
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import key_path
from ansible_collections.mas.platform.plugins.module_utils.spec.common import NODE_ROLE_LABEL


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
    together with everything that is confined to subsets of that union. Returns the
    table per group, the pools, and the names of the workloads whose sums fail (the
    packing does not report them again).
    """
    worst, steady, members = {}, {}, {}
    for w in workloads:
        if not w.candidates:
            continue
        pool = frozenset(w.candidates)
        _add(worst.setdefault(pool, {}), w.demand(w.worst_pods, w.worst_requests))
        _add(steady.setdefault(pool, {}), w.demand(w.replicas, w.requests))
        members.setdefault(pool, []).append(w)
    table, pools, flagged = {}, [], set()
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
            flagged.update(names)
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
    return table, pools, flagged


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
