# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Can the platform spec work at all? The preflight, without any API call.

``run_preflight(spec)`` validates the structure (spec package), then checks feasibility:

- placement: every workload's nodeSelector / required node affinity matches a node
  group, the pod tolerates that group's taints, and one pod fits one node;
- worst case per node group: HPA max replicas (or the scaling runbook's maximum),
  the vertical bumps of scaling_procedures and the rolling-update surge, summed over
  the nodes the group can have (max_count with a cluster autoscaler, else count);
- namespaces: shares add up to at most 100 %, resolve to ResourceQuota amounts, and
  those admit the worst case of the workloads in the namespace;
- storage classes, core services, network policy and procedures (their own modules).

- packing: the worst case placed pod by pod as kube-scheduler places it (packing.py,
  scheduler.py); a pod no node takes would stay Pending, which is an error;
- version lifecycle: core service releases past their upstream end of life (lifecycle.py);
- cluster add-ons: every part of the spec that relies on one has one (addons.py).

It returns a report: ``errors`` and ``warnings`` (each {path, message}), ``capacity``
(per node group and per namespace), ``quotas`` (ResourceQuota ``spec.hard`` per
namespace), ``packing`` (per node group, every node and what it runs; the pods that
would stay Pending) and ``summary`` (a few lines for people)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.preflight.addons import check_addons
from ansible_collections.mas.platform.plugins.module_utils.preflight.capacity import (
    describe_cpu,
    describe_memory,
    format_cpu,
    format_memory,
    format_quota,
    GPU_RESOURCE,
)
from ansible_collections.mas.platform.plugins.module_utils.model.compile import compile_platform
from ansible_collections.mas.platform.plugins.module_utils.preflight.network import check_network_policy
from ansible_collections.mas.platform.plugins.module_utils.preflight.namespaces import (
    _check_consistency,
    _check_namespaces,
    _check_share_sums,
    _namespaces,
    namespace_quotas,
)
from ansible_collections.mas.platform.plugins.module_utils.preflight.placement import (
    _format_amounts,
    _group_capacity,
    _label_index,
    _place,
)
from ansible_collections.mas.platform.plugins.module_utils.preflight.workloads import (
    _agents,
    _apply_scaling,
    _core_services,
    _resource_key,
    NodeGroup,
    RESOURCES,
)
from ansible_collections.mas.platform.plugins.module_utils.preflight.procedures import check_procedures
from ansible_collections.mas.platform.plugins.module_utils.preflight.lifecycle import check_lifecycle
from ansible_collections.mas.platform.plugins.module_utils.preflight.packing import (
    addon_workloads,
    daemonsets,
    Packing,
    report_pending,
)
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import clip, Findings, key_path
from ansible_collections.mas.platform.plugins.module_utils.preflight.services import check_services
from ansible_collections.mas.platform.plugins.module_utils.spec.infrastructure import node_groups
from ansible_collections.mas.platform.plugins.module_utils.spec.validate import validate
from ansible_collections.mas.platform.plugins.module_utils.preflight.storage import check_storage


# ---------------------------------------------------------------------------
# The preflight

def run_preflight(spec, options=None):
    """Validate and check the platform spec; with no errors, compile it (model/compile.py).

    ``options``: ``cluster_domain`` and ``network`` (where the pods the platform does not
    deploy run: preflight/network.py's ``DEFAULT_OPTIONS``). Never raises: see the module
    docstring. An exception no check expected (a bug, not the spec's fault) becomes an
    error at the key path being checked when it happened, with a one-line reason, and the
    report holds what was found until then.
    """
    options = options or {}
    findings = Findings()
    report = {"errors": findings.errors, "warnings": findings.warnings, "capacity": {}, "quotas": {}, "packing": {}}
    try:
        _run(spec, options, findings, report)
        if not findings.errors:
            findings.at = "(compiling the platform)"
            report["platform"] = compile_platform(spec, report["quotas"], report["_policies"], options)
    except Exception as exc:  # pylint: disable=broad-except
        findings.error(findings.at, "the preflight failed here on an unexpected %s (%s); the checks after this point did "
                                    "not run. This is a bug of the preflight: please report it with this key's value" % (
                                        type(exc).__name__, _one_line(exc)))
        report.pop("platform", None)
    report["summary"] = _summary(report.get("_groups") or {}, report.get("_table") or {}, report.get("_amounts") or {},
                                 report.get("_needs") or {}, report.get("_packing"), findings)
    for key in [k for k in report if k.startswith("_")]:
        del report[key]
    return report


def _one_line(exc):
    """An exception's message on one line, at most 200 characters."""
    try:
        text = " ".join(str(exc).split())
    except Exception:  # pylint: disable=broad-except
        text = ""
    return clip(text or "no message", 200)


def _run(spec, options, findings, report):
    cleaned, findings = validate(spec, findings)
    infrastructure = cleaned.get("infrastructure") or {}
    kubernetes = infrastructure.get("kubernetes") or {}
    autoscaler = bool(kubernetes.get("cluster_autoscaler"))
    base_path = "infrastructure.kubernetes.%s" % ("nodes" if "node_groups" not in kubernetes else "node_groups")
    groups = dict((name, NodeGroup(name, group, autoscaler, base_path)) for name, group in node_groups(infrastructure).items()
                  if "instance_type" in group and "count" in group and "role" in group)
    for group in groups.values():
        if group.allocatable["gpu"] and not any(t.get("key") == GPU_RESOURCE for t in group.taints):
            findings.warning(key_path(group.path, "taints"),
                             "%s has GPUs but no %s taint: pods that need no GPU can take its nodes" % (group.name, GPU_RESOURCE))

    findings.at = "scaling_procedures"
    agents = _agents(cleaned, findings)
    _apply_scaling(agents, cleaned, findings)
    services = _core_services(cleaned)
    for service in services:
        service.worst_replicas = service.replicas
    workloads = [w for w in agents + services if w.complete]

    index = _label_index(groups)
    if groups:
        for w in workloads:
            findings.at = w.path
            _place(w, groups, index, findings)
    findings.at = "infrastructure.kubernetes.node_groups"
    table, pools, flagged = _group_capacity(workloads, groups, autoscaler, findings)
    report.update(_groups=groups, _table=table)

    namespaces = _namespaces(cleaned)
    findings.at = "environment_config.namespaces"
    _check_share_sums(namespaces, findings)
    amounts, cluster = namespace_quotas(namespaces, groups)
    needs = _check_namespaces(workloads, namespaces, amounts, cleaned, findings)
    quota_counts = (cleaned.get("environment_config") or {}).get("resource_quotas") or {}
    quotas = dict((name, format_quota(amounts[name], quota_counts.get(name))) for name in amounts)
    report.update(_amounts=amounts, _needs=needs, quotas=quotas)

    findings.at = "infrastructure.kubernetes.node_groups"
    packing = Packing(groups, [z for z in infrastructure.get("availability_zones") or [] if z], namespaces)
    addon_daemonsets, addon_deployments = addon_workloads(cleaned)
    packing.run([s for s in services if s.complete], [a for a in agents if a.complete],
                daemonsets(kubernetes) + addon_daemonsets, addon_deployments)
    report_pending(packing, [w for w in services + agents if w.complete], flagged, findings)
    report.update(_packing=packing, packing={"node_groups": packing.table(), "pending": packing.pending_rows()})

    findings.at = "infrastructure.storage"
    check_storage(cleaned, services, findings)
    findings.at = "core_services"
    check_services(cleaned, findings)
    check_lifecycle(cleaned, findings)
    findings.at = "security_setup.network_policies"
    report["_policies"] = check_network_policy(cleaned, options.get("network"), findings)
    findings.at = "startup_procedures"
    check_procedures(cleaned, agents, services, findings)
    findings.at = "service_configuration"
    _check_consistency(cleaned, findings)
    findings.at = "infrastructure.kubernetes.addons"
    check_addons(cleaned, findings)

    capacity = {
        "workloads": dict((w.name, _workload_row(w)) for w in workloads),
        "node_groups": dict((name, _group_row(groups[name], table.get(name))) for name in sorted(groups)),
        "namespaces": dict((name, _namespace_row(quotas.get(name), needs.get(name))) for name in sorted(set(quotas) | set(needs))),
        "cluster_at_count": _format_amounts(dict(cluster)) if groups else None,
    }
    if pools:
        capacity["pools"] = [dict((k, v) for k, v in p.items() if not k.startswith("_")) for p in pools]
    report["capacity"] = capacity


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


def _summary(groups, table, amounts, needs, packing, findings):
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
    if packing is not None:
        placed = sum(e["pods"] - e["pending"] for e in packing.outcome.values())
        pending = sum(e["pending"] for e in packing.outcome.values())
        lines.append("packing: %d pods of the worst case placed on %d nodes as kube-scheduler would place them, %d Pending" % (
            placed, len(packing.nodes), pending))
    errors, warnings = len(findings.errors), len(findings.warnings)
    lines.append("%d error%s, %d warning%s" % (errors, "" if errors == 1 else "s", warnings, "" if warnings == 1 else "s"))
    return lines
