# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preflight's model: node groups, workloads (agents and core services) and their
worst case (HPA maximum, the scaling runbook's steps, the rolling update's surge)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.preflight.capacity import (
    describe_cpu,
    describe_memory,
    GPU_RESOURCE,
    node_shape,
)
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import key_path
from ansible_collections.mas.platform.plugins.module_utils.spec.common import NODE_ROLE_LABEL
from ansible_collections.mas.platform.plugins.module_utils.spec.kubernetes import phase_order
from ansible_collections.mas.platform.plugins.module_utils.spec.services import service_pods
from decimal import (
    Decimal,
    ROUND_CEILING,
    ROUND_FLOOR,
)


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
            if bound is not None and bound < agent.replicas:
                findings.error(key_path(rule_path, "max_replicas"),
                               "%d is below the %d replicas of %s at %s.replicas: the runbook's maximum must be at least "
                               "what the agent runs with" % (bound, agent.replicas, agent.name, agent.path))
                bound = None if hpa else agent.replicas
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
