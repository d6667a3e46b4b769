# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared pieces of the platform spec's schema: names, versions, and the pod-level
Kubernetes vocabulary (resources, affinity, tolerations, autoscaling, strategy) that
agents and core services have in common."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.preflight.capacity import GPU_RESOURCE
from ansible_collections.mas.platform.plugins.module_utils.spec.kubernetes import (
    AFFINITY,
    dns_label,
    DNS_LABEL,
    identifier,
    LABEL_SELECTOR,
    phase,
    TOLERATIONS,
)
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import (
    Int,
    IntOrPercent,
    is_int,
    key_path,
    ListOf,
    MapOf,
    Quantity,
    Record,
    Str,
)

# DNS_LABEL is Kubernetes' (spec/kubernetes.py); model/flows.py imports it from here.
__all__ = ["DNS_LABEL"]

# The node label that carries a node group's role; workloads select it.
NODE_ROLE_LABEL = "node-role"
# The oldest Kubernetes minor the seed accepts (">=1.28").
MIN_KUBERNETES_MINOR = 28


# ---------------------------------------------------------------------------
# Pod-level pieces shared by agents and core services (Kubernetes vocabulary)

def _check_resources(cleaned, path, findings):
    requests = cleaned.get("requests") or {}
    limits = cleaned.get("limits") or {}
    for name in ("cpu", "memory", "ephemeral-storage"):
        if name in requests and name in limits and requests[name] > limits[name]:
            findings.error(key_path(key_path(path, "requests"), name),
                           "the request is larger than the limit (%s > %s); Kubernetes rejects the pod" % (
                               requests[name].normalize(), limits[name].normalize()))
    if GPU_RESOURCE in requests or GPU_RESOURCE in limits:
        request, limit = requests.get(GPU_RESOURCE), limits.get(GPU_RESOURCE)
        if limit is None:
            findings.error(key_path(key_path(path, "limits"), GPU_RESOURCE),
                           "required with a %s request: extended resources need a limit equal to the request" % GPU_RESOURCE)
        elif request is not None and request != limit:
            findings.error(key_path(key_path(path, "limits"), GPU_RESOURCE),
                           "request (%d) and limit (%d) differ: %s is an extended resource, which cannot be "
                           "overcommitted, so Kubernetes requires request == limit" % (request, limit, GPU_RESOURCE))


_RESOURCE_LIST = Record({
    "cpu": Quantity(),
    "memory": Quantity("memory"),
    "ephemeral-storage": Quantity("memory"),
    GPU_RESOURCE: Quantity("count"),
})
RESOURCES = Record(
    {
        "requests": Record(dict(_RESOURCE_LIST.fields), required=("cpu", "memory")),
        "limits": _RESOURCE_LIST,
    },
    required=("requests",),
    check=_check_resources,
)


def _check_autoscaling(cleaned, path, findings):
    if is_int(cleaned.get("min")) and is_int(cleaned.get("max")) and cleaned["min"] > cleaned["max"]:
        findings.error(key_path(path, "min"), "min (%d) is larger than max (%d)" % (cleaned["min"], cleaned["max"]))


def _check_metric(cleaned, path, findings):
    """A metric names its source in the member of its type (type Pods: pods), as the HPA API wants."""
    member = {"Resource": "resource", "ContainerResource": "containerResource", "Pods": "pods", "Object": "object",
              "External": "external"}.get(cleaned.get("type"))
    if member is None:
        return
    if member not in cleaned:
        findings.error(key_path(path, member), "required with type %s" % cleaned["type"])
    for other in ("resource", "containerResource", "pods", "object", "external"):
        if other != member and other in cleaned:
            findings.error(key_path(path, other), "only with type %s" % (other[0].upper() + other[1:]))


def _check_target(cleaned, path, findings):
    wanted = {"Utilization": "averageUtilization", "AverageValue": "averageValue", "Value": "value"}.get(cleaned.get("type"))
    if wanted is not None and wanted not in cleaned:
        findings.error(key_path(path, wanted), "required with type %s" % cleaned["type"])


def _target(types):
    return Record(
        {
            "type": Str(choices=types),
            "averageUtilization": Int(minimum=1, maximum=2 ** 31 - 1),
            "averageValue": Quantity(),
            "value": Quantity(),
        },
        required=("type",), check=_check_target)


# A custom or external metric: its name and, optionally, a selector of its series.
_METRIC = Record({"name": Str(pattern=r"[^\s]{1,253}", hint="a metric name"), "selector": LABEL_SELECTOR}, required=("name",))
_RESOURCE_TARGET = _target(("Utilization", "AverageValue"))
_VALUE_TARGET = _target(("Value", "AverageValue"))

AUTOSCALING = Record(
    {
        "min": Int(minimum=1, maximum=2 ** 31 - 1),
        "max": Int(minimum=1, maximum=2 ** 31 - 1),
        "metrics": ListOf(Record(
            {
                "type": Str(choices=("Resource", "ContainerResource", "Pods", "Object", "External")),
                "resource": Record({"name": Str(choices=("cpu", "memory")), "target": _RESOURCE_TARGET},
                                   required=("name", "target")),
                "containerResource": Record(
                    {"name": Str(choices=("cpu", "memory")), "container": dns_label, "target": _RESOURCE_TARGET},
                    required=("name", "container", "target")),
                "pods": Record({"metric": _METRIC, "target": _target(("AverageValue",))}, required=("metric", "target")),
                "object": Record(
                    {
                        "describedObject": Record(
                            {"apiVersion": Str(pattern=r"([a-z0-9.-]+/)?v[0-9a-z]+", hint="an apiVersion such as 'v1'"),
                             "kind": Str(pattern=r"[A-Z][A-Za-z0-9]{0,62}", hint="a kind such as 'Service'"),
                             "name": dns_label},
                            required=("kind", "name")),
                        "metric": _METRIC,
                        "target": _VALUE_TARGET,
                    },
                    required=("describedObject", "metric", "target")),
                "external": Record({"metric": _METRIC, "target": _VALUE_TARGET}, required=("metric", "target")),
            },
            required=("type",), check=_check_metric)),
    },
    required=("min", "max"),
    check=_check_autoscaling,
)


def _check_strategy(cleaned, path, findings):
    if cleaned.get("type") == "Recreate" and "rollingUpdate" in cleaned:
        findings.error(key_path(path, "rollingUpdate"), "only with type RollingUpdate (Recreate stops every pod first)")
    rolling = cleaned.get("rollingUpdate") or {}
    if rolling.get("maxSurge") == 0 and rolling.get("maxUnavailable") == 0:
        findings.error(key_path(path, "rollingUpdate"), "maxSurge and maxUnavailable cannot both be 0")


STRATEGY = Record(
    {
        "type": Str(choices=("RollingUpdate", "Recreate")),
        "rollingUpdate": Record({"maxSurge": IntOrPercent(), "maxUnavailable": IntOrPercent()}),
    },
    check=_check_strategy,
)

_replicas = Int(minimum=0, maximum=2 ** 31 - 1)

AGENT = Record(
    {
        "namespace": dns_label,
        "replicas": _replicas,
        "resources": RESOURCES,
        "affinity": AFFINITY,
        "tolerations": TOLERATIONS,
        "autoscaling": AUTOSCALING,
        "strategy": STRATEGY,
    },
    required=("namespace", "replicas", "resources"),
)
DEPLOYMENT_SEQUENCE = MapOf(MapOf(AGENT, key=identifier, min_items=1), key=phase, min_items=1)
