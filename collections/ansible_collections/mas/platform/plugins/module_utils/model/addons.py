# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster add-ons of the compiled platform: which the spec relies on, in which mode,
where each runs, and what on the live cluster proves it present.

``needs(spec)`` says, per add-on, what in the spec relies on it (each a key path and a
phrase for people). ``compile_addons(spec, cluster_domain)`` returns name -> entry:

- ``name``, ``title``, ``mode`` (install, provided, none: spec/addons.py), ``needed_by``;
- ``workload``: the workload it runs as ({api_version, kind, namespace, name}); for a
  provided add-on only where the spec names it;
- ``evidence``: what else the live check reads (k8s/addons.py): the GPU node groups and
  the GPUs each node must advertise, the metrics APIService, the IngressClass, the
  Service behind an in-cluster endpoint (or the endpoint, when it is outside the cluster).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from urllib.parse import urlsplit

from ansible_collections.mas.platform.plugins.module_utils.model.phases import ordered
from ansible_collections.mas.platform.plugins.module_utils.preflight.capacity import GPU_RESOURCE, INSTANCE_TYPES
from ansible_collections.mas.platform.plugins.module_utils.spec.addons import CATALOGUE, INGRESS_CLASS, INSTALL, NONE

METRICS_API_SERVICE = "v1beta1.metrics.k8s.io"

_WORKLOAD_API = {"Deployment": "apps/v1", "StatefulSet": "apps/v1", "DaemonSet": "apps/v1"}
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _section(spec, *keys):
    for key in keys:
        spec = (spec or {}).get(key)
    return spec or {}


def _agents(spec):
    """(name, body) of every agent of deployment_sequence, in the seed's order."""
    for _phase, name, body in ordered(_section(spec, "deployment_sequence")):
        yield name, body


def gpu_node_groups(spec):
    """name -> {name, role, gpus (per node), count, taints} of the node groups whose
    instances have GPUs."""
    kubernetes = _section(spec, "infrastructure", "kubernetes")
    groups = kubernetes.get("node_groups") or kubernetes.get("nodes") or {}
    result = {}
    for name, group in sorted(groups.items()):
        group = group or {}
        shape = INSTANCE_TYPES.get(group.get("instance_type") or group.get("type"))
        if shape and shape[2]:
            result[name] = {"name": name, "role": group.get("role") or name, "gpus": shape[2],
                            "count": group.get("count"), "taints": [dict(t) for t in group.get("taints") or []]}
    return result


def _requests_gpu(body):
    resources = body.get("resources") or {}
    for part in ("requests", "limits"):
        value = (resources.get(part) or {}).get(GPU_RESOURCE)
        if value is not None and str(value).strip() not in ("", "0"):
            return True
    return False


def _endpoint(configuration, *keys):
    return (_section(configuration, *keys) or {}).get("endpoint")


def needs(spec):
    """name -> [{path, what}] of what in the spec relies on each add-on."""
    result = dict((name, []) for name in CATALOGUE)
    for name, group in gpu_node_groups(spec).items():
        result["gpu_device_plugin"].append({
            "path": "infrastructure.kubernetes.node_groups.%s" % name,
            "what": "node group %s (%d GPUs per node)" % (name, group["gpus"])})
    for name, body in _agents(spec):
        path = "deployment_sequence.%s" % name
        if _requests_gpu(body):
            result["gpu_device_plugin"].append({"path": path + ".resources", "what": "%s (requests %s)" % (name, GPU_RESOURCE)})
        metrics = [m for m in (body.get("autoscaling") or {}).get("metrics") or [] if (m or {}).get("type") == "Resource"]
        if metrics:
            resources = ", ".join((m.get("resource") or {}).get("name") or "?" for m in metrics)
            result["metrics_server"].append({"path": path + ".autoscaling.metrics",
                                             "what": "the HPA of %s (on %s)" % (name, resources)})
    configuration = _section(spec, "service_configuration")
    ingress = _section(configuration, "networking", "ingress")
    if ingress.get("enabled"):
        routed = []
        for host in ingress.get("hosts") or []:
            for entry in (host or {}).get("paths") or []:
                agent = (entry or {}).get("agent")
                if agent and agent not in routed:
                    routed.append(agent)
        for agent in routed:
            result["ingress_controller"].append({"path": "service_configuration.networking.ingress.hosts",
                                                 "what": "the Ingress of %s" % agent})
    logging = _section(configuration, "monitoring", "logging")
    if logging.get("collector"):
        result["log_collector"].append({"path": "service_configuration.monitoring.logging.collector",
                                        "what": "the platform's logs (%s)" % logging["collector"]})
    if _endpoint(logging, "backend"):
        result["log_backend"].append({"path": "service_configuration.monitoring.logging.backend.endpoint",
                                      "what": "the log indexes and their retention (%s)" % _endpoint(logging, "backend")})
    tracing = _section(configuration, "monitoring", "tracing")
    if tracing.get("enabled") and _endpoint(tracing, "collector"):
        result["trace_collector"].append({"path": "service_configuration.monitoring.tracing.collector.endpoint",
                                          "what": "every agent's traces (%s)" % _endpoint(tracing, "collector")})
    return result


def service_of(url):
    """{namespace, name, port} of the Service an in-cluster URL names
    (scheme://name.namespace.svc[.domain][:port]/...), the scheme's port where the URL has
    none (None for a scheme without one); None for any other URL."""
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    labels = (parts.hostname or "").rstrip(".").split(".")
    if len(labels) < 3 or labels[2] != "svc" or not labels[0] or not labels[1]:
        return None
    return {"namespace": labels[1], "name": labels[0], "port": port or _DEFAULT_PORTS.get(parts.scheme)}


def _mode(entry, needed):
    if entry.get("mode"):
        return entry["mode"]
    return INSTALL if needed else NONE


def compile_addons(spec):
    """name -> the compiled add-on (see the module docstring), in CATALOGUE's order."""
    spec_addons = _section(spec, "infrastructure", "kubernetes", "addons")
    configuration = _section(spec, "service_configuration")
    relied = needs(spec)
    result = {}
    for name, known in CATALOGUE.items():
        entry = spec_addons.get(name) or {}
        mode = _mode(entry, relied[name])
        workload = None
        if mode == INSTALL or (mode != NONE and entry.get("name")):
            workload = {"api_version": _WORKLOAD_API[known["kind"]], "kind": known["kind"],
                        "namespace": entry.get("namespace") or known["namespace"],
                        "name": entry.get("name") or known["name"]}
        result[name] = {
            "name": name,
            "title": known["title"],
            "mode": mode,
            "needed_by": relied[name],
            "workload": workload,
            "evidence": _evidence(name, spec, configuration),
        }
    return result


def _evidence(name, spec, configuration):
    if name == "gpu_device_plugin":
        return {"node_groups": list(gpu_node_groups(spec).values())}
    if name == "metrics_server":
        return {"api_service": METRICS_API_SERVICE}
    if name == "ingress_controller":
        return {"ingress_class": _section(configuration, "networking", "ingress").get("class") or INGRESS_CLASS}
    if name == "log_backend":
        url = _endpoint(_section(configuration, "monitoring", "logging"), "backend")
    elif name == "trace_collector":
        url = _endpoint(_section(configuration, "monitoring", "tracing"), "collector")
    else:
        return {}
    if not url:
        return {}
    return {"endpoint": url, "service": service_of(url)}
