# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Namespaces: shares, quotas, and what the workloads in each need; and the cross-section
checks that are not about capacity."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.preflight.capacity import (
    cluster_allocatable,
    GPU_RESOURCE,
    quota_amounts,
    QUOTA_SHARES,
)
from ansible_collections.mas.platform.plugins.module_utils.preflight.workloads import show
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import index_path, key_path
from decimal import Decimal


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
    _check_ingress_agents(cleaned, findings)
    certificates = ((cleaned.get("security_setup") or {}).get("authentication") or {}).get("certificates") or {}
    internal = certificates.get("internal") or {}
    for index, name in enumerate(internal.get("services") or []):
        if name is not None and "core_services" in cleaned and name not in core:
            findings.error("security_setup.authentication.certificates.internal.services[%d]" % index,
                           "%s is not a core service (core_services has %s)" % (name, ", ".join(sorted(core)) or "none"))


def _check_ingress_agents(cleaned, findings):
    """Every ingress path routes to an agent of deployment_sequence (the backend is its Service)."""
    if "deployment_sequence" not in cleaned:
        return
    agents = set(name for phase in cleaned["deployment_sequence"].values() for name in phase)
    ingress = ((cleaned.get("service_configuration") or {}).get("networking") or {}).get("ingress") or {}
    for host_index, host in enumerate(ingress.get("hosts") or []):
        for path_index, route in enumerate((host or {}).get("paths") or []):
            agent = (route or {}).get("agent")
            if agent is not None and agent not in agents:
                findings.error("service_configuration.networking.ingress.hosts[%d].paths[%d].agent" % (host_index, path_index),
                               "%s is not an agent of deployment_sequence (agents: %s): the path would route to no Service" % (
                                   agent, ", ".join(sorted(agents)) or "none"))
