# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Helm releases that install the cluster add-ons, from the compiled platform.

``releases(platform, options)`` returns one release per add-on of mode ``install``
(model/addons.py), in the catalogue's order: ``name`` (the add-on), ``release``,
``namespace``, ``chart`` (``repo``, ``name``, ``version``: one pinned version each, in
``CHARTS``), and ``values`` derived from the compiled platform:

- every release takes the add-on's workload name as ``fullnameOverride`` (so that the
  workload and Service the live check reads are the ones the chart creates);
- the Deployments (metrics-server, the ingress controller, the Collector) run where the
  core services run (the node selector they share), two replicas each;
- the device plugin runs on the GPU node groups only, tolerating their taints; Fluent Bit
  on every node (it tolerates every taint) with the configuration the observability role
  renders (ConfigMap ``fluent-bit-config``, in Fluent Bit's namespace);
- with the service mesh on, the ingress controller's pods join it (the Istio sidecar,
  inbound traffic left to the controller, upstreams by Service) as docs/agents.md asks.

``namespace_objects(platform)``: the Namespaces the installed add-ons need.

``options``: ``opensearch_admin_secret`` (a Secret with key ``password``, needed to
install OpenSearch, whose security plugin refuses to start without an admin password),
``values`` (name -> values merged over the derived ones) and ``chart_dirs`` (name -> a
directory holding the pinned chart, for a control node that reaches no chart
repository: the chart's ``ref`` is then that directory and its ``repo`` None).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.model.labels import NAMESPACE_NAME_LABEL, namespace_labels
from ansible_collections.mas.platform.plugins.module_utils.spec.addons import (
    CATALOGUE,
    INGRESS_CLASS,
    INGRESS_CONTROLLER_SUFFIX,
    INSTALL,
)
from ansible_collections.mas.platform.plugins.module_utils.spec.common import NODE_ROLE_LABEL

# One pinned chart per add-on. The device plugin and metrics-server are the newest
# releases whose chart sources the tests render here (tools/helm/charts.env); ingress-nginx
# 4.15.1 is its project's final release (it was retired in March 2026: docs/addons.md).
CHARTS = {
    "gpu_device_plugin": {"repo": "https://nvidia.github.io/k8s-device-plugin", "name": "nvidia-device-plugin",
                          "version": "0.19.3"},
    "metrics_server": {"repo": "https://kubernetes-sigs.github.io/metrics-server/", "name": "metrics-server",
                       "version": "3.13.0"},
    "ingress_controller": {"repo": "https://kubernetes.github.io/ingress-nginx", "name": "ingress-nginx",
                           "version": "4.15.1"},
    "log_collector": {"repo": "https://fluent.github.io/helm-charts", "name": "fluent-bit", "version": "0.58.1"},
    "log_backend": {"repo": "https://opensearch-project.github.io/helm-charts/", "name": "opensearch",
                    "version": "3.6.0"},
    "trace_collector": {"repo": "https://open-telemetry.github.io/opentelemetry-helm-charts",
                        "name": "opentelemetry-collector", "version": "0.170.0"},
}

FLUENT_BIT_CONFIGMAP = "fluent-bit-config"
FLUENT_BIT_STATE = "/var/fluent-bit/state"
OTEL_IMAGE = "otel/opentelemetry-collector-k8s"
REPLICAS = 2
OPENSEARCH_NODES = 3

# What each add-on's pods request, set in its chart's values and placed by the preflight's
# packing (preflight/packing.py) on the nodes they select: one place for both.
RESOURCES = {
    "gpu_device_plugin": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "128Mi"}},
    "metrics_server": {"requests": {"cpu": "100m", "memory": "200Mi"}, "limits": {"memory": "400Mi"}},
    "ingress_controller": {"requests": {"cpu": "200m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
    "log_collector": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}},
    # A 2 GiB heap (opensearchJavaOpts) and as much again for Lucene's file cache.
    "log_backend": {"requests": {"cpu": "1", "memory": "4Gi"}, "limits": {"memory": "4Gi"}},
    "trace_collector": {"requests": {"cpu": "200m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}},
}
OPENSEARCH_JAVA_OPTS = "-Xms2g -Xmx2g"


def common_node_selector(selectors):
    """The labels every one of these node selectors requires (the add-ons' Deployments run
    where the core services do)."""
    selectors = list(selectors)
    if not selectors:
        return {}
    return dict((k, v) for k, v in selectors[0].items() if all(s.get(k) == v for s in selectors[1:]))


def core_node_selector(platform):
    """The node selector every core service of the compiled platform shares."""
    return common_node_selector(s.get("node_selector") or {} for s in (platform.get("core_services") or {}).values())


def pods(addons, core_selector):
    """The pods of the add-ons the platform installs, for the preflight's packing:
    ``daemonsets`` [(add-on, name, requests, nodeSelector, tolerations)] (one pod per node
    they select and tolerate) and ``deployments`` [(add-on, name, namespace, requests,
    nodeSelector, replicas)]; ``requests`` is RESOURCES' {cpu, memory}."""
    daemonsets, deployments = [], []
    for name, addon in addons.items():
        if addon.get("mode") != INSTALL:
            continue
        requests = RESOURCES[name]["requests"]
        if name == "gpu_device_plugin":
            roles = sorted(set(g["role"] for g in addon["evidence"]["node_groups"]))
            tolerations = _gpu_tolerations(addon)
            for role in roles:
                suffix = "" if len(roles) == 1 else "-" + role
                daemonsets.append((name, addon["workload"]["name"] + suffix, requests, {NODE_ROLE_LABEL: role}, tolerations))
        elif name == "log_collector":
            daemonsets.append((name, addon["workload"]["name"], requests, {}, [{"operator": "Exists"}]))
        else:
            replicas = OPENSEARCH_NODES if name == "log_backend" else REPLICAS
            deployments.append((name, addon["workload"]["name"], addon["workload"]["namespace"], requests, core_selector,
                                replicas))
    return {"daemonsets": daemonsets, "deployments": deployments}


def _tolerations(taints):
    return [{"key": t["key"], "operator": "Exists", "effect": t["effect"]} for t in taints if t.get("key")]


def _gpu_tolerations(addon):
    """The device plugin tolerates the GPU node groups' taints (and CriticalAddonsOnly)."""
    taints = [t for g in addon["evidence"]["node_groups"] for t in g.get("taints") or []]
    tolerations = [{"key": "CriticalAddonsOnly", "operator": "Exists"}]
    for toleration in _tolerations(taints):
        if toleration not in tolerations:
            tolerations.append(toleration)
    return tolerations


def _gpu_values(addon, platform, options):
    roles = sorted(set(g["role"] for g in addon["evidence"]["node_groups"]))
    tolerations = _gpu_tolerations(addon)
    return {
        # The chart's own affinity needs node-feature-discovery's labels; these nodes
        # are known by their node group instead.
        "affinity": {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
            {"matchExpressions": [{"key": NODE_ROLE_LABEL, "operator": "In", "values": roles}]}]}}},
        "tolerations": tolerations,
        "resources": RESOURCES["gpu_device_plugin"],
        "gfd": {"enabled": False},
        "nfd": {"enabled": False},
    }


def _metrics_values(addon, platform, options):
    return {"replicas": REPLICAS, "nodeSelector": core_node_selector(platform), "resources": RESOURCES["metrics_server"],
            "podDisruptionBudget": {"enabled": True, "minAvailable": 1}}


def _ingress_values(addon, platform, options):
    ingress_class = addon["evidence"].get("ingress_class") or INGRESS_CLASS
    controller = {
        "replicaCount": REPLICAS,
        "nodeSelector": core_node_selector(platform),
        "resources": RESOURCES["ingress_controller"],
        "ingressClass": ingress_class,
        "ingressClassResource": {"name": ingress_class, "enabled": True, "default": False,
                                 "controllerValue": "k8s.io/ingress-nginx"},
        # The network role's load balancers forward to the controller's pods (IP targets).
        "service": {"type": "ClusterIP"},
    }
    if (platform.get("service_mesh") or {}).get("enabled"):
        controller["podLabels"] = {"sidecar.istio.io/inject": "true"}
        controller["podAnnotations"] = {"traffic.sidecar.istio.io/includeInboundPorts": ""}
        controller["config"] = {"service-upstream": "true"}
    return {"controller": controller}


def _fluent_bit_values(addon, platform, options):
    return {
        "existingConfigMap": FLUENT_BIT_CONFIGMAP,
        "tolerations": [{"operator": "Exists"}],
        "resources": RESOURCES["log_collector"],
        # Where the configuration keeps its read positions and buffers across restarts.
        "extraVolumes": [{"name": "state", "hostPath": {"path": FLUENT_BIT_STATE, "type": "DirectoryOrCreate"}}],
        "extraVolumeMounts": [{"name": "state", "mountPath": FLUENT_BIT_STATE}],
    }


def _opensearch_values(addon, platform, options):
    secret = options.get("opensearch_admin_secret")
    if not secret:
        raise PlatformError("log_backend: installing OpenSearch needs its admin password: set "
                            "cluster_addons_opensearch_admin_secret to a Secret in the namespace %s with the key password "
                            "(or set infrastructure.kubernetes.addons.log_backend.mode: provided)" % (
                                addon["workload"]["namespace"]))
    name = addon["workload"]["name"]
    default_class = [c["name"] for c in platform.get("storage_classes") or [] if c.get("default")]
    persistence = {"enabled": True, "size": "100Gi"}
    if default_class:
        persistence["storageClass"] = default_class[0]
    return {
        # The StatefulSet and the Service the endpoint names both take this name.
        "clusterName": name,
        "masterService": name,
        "replicas": OPENSEARCH_NODES,
        "nodeSelector": core_node_selector(platform),
        "resources": RESOURCES["log_backend"],
        "opensearchJavaOpts": OPENSEARCH_JAVA_OPTS,
        "persistence": persistence,
        "sysctlInit": {"enabled": True},
        "extraEnvs": [{"name": "OPENSEARCH_INITIAL_ADMIN_PASSWORD",
                       "valueFrom": {"secretKeyRef": {"name": secret, "key": "password"}}}],
    }


def _otel_values(addon, platform, options):
    return {"mode": "deployment", "image": {"repository": OTEL_IMAGE}, "command": {"name": "otelcol-k8s"},
            "replicaCount": REPLICAS, "nodeSelector": core_node_selector(platform), "resources": RESOURCES["trace_collector"]}


_VALUES = {
    "gpu_device_plugin": _gpu_values,
    "metrics_server": _metrics_values,
    "ingress_controller": _ingress_values,
    "log_collector": _fluent_bit_values,
    "log_backend": _opensearch_values,
    "trace_collector": _otel_values,
}


def merge(base, override):
    """``override`` over ``base``, maps merged key by key, anything else replaced (Helm's
    rule for values)."""
    result = copy.deepcopy(base)
    for key, value in (override or {}).items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def full_name(addon):
    """The chart's fullnameOverride: the workload's name (the ingress controller's less
    the "-controller" that its chart appends)."""
    name = addon["workload"]["name"]
    if addon["name"] == "ingress_controller" and name.endswith(INGRESS_CONTROLLER_SUFFIX):
        return name[:-len(INGRESS_CONTROLLER_SUFFIX)]
    return name


_LEVELS = ("restricted", "baseline", "privileged")
# Namespaces the cluster has: the add-ons installed there need none of their own.
_CLUSTER_NAMESPACES = ("kube-system",)


def namespace_objects(platform):
    """The Namespaces of the add-ons the platform installs, where they are neither the
    platform's nor the cluster's own, each at the Pod Security level its add-ons need (the
    highest of them), with the platform's labels: the namespaces role creates them with the
    platform's namespaces, so that the observability role can write Fluent Bit's
    configuration in its namespace before the chart is installed."""
    levels = {}
    for name, addon in (platform.get("addons") or {}).items():
        if addon.get("mode") != INSTALL:
            continue
        namespace = addon["workload"]["namespace"]
        if namespace in (platform.get("namespaces") or {}) or namespace in _CLUSTER_NAMESPACES:
            continue
        level = CATALOGUE[name]["pod_security"]
        levels[namespace] = max(levels.get(namespace, level), level, key=_LEVELS.index)
    objects = []
    for namespace, level in levels.items():
        labels = dict((k, v) for k, v in namespace_labels(namespace, {"pod_security": level}).items()
                      if k != NAMESPACE_NAME_LABEL)
        objects.append({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": labels}})
    return objects


# The labels each chart gives its pods (its selector), by release name: the network
# policies open the add-ons' traffic to exactly these pods (model/flows.py).
_POD_LABELS = {
    "ingress_controller": {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"},
    "log_collector": {"app.kubernetes.io/name": "fluent-bit"},
    "log_backend": {"app.kubernetes.io/name": "opensearch"},
    "trace_collector": {"app.kubernetes.io/name": "opentelemetry-collector", "component": "standalone-collector"},
}


def pod_labels(addon):
    """The labels of an installed add-on's pods (None for an add-on without pods of its own
    in the policies: the device plugin and metrics-server run in kube-system)."""
    if addon["name"] not in _POD_LABELS:
        return None
    return dict(_POD_LABELS[addon["name"]], **{"app.kubernetes.io/instance": full_name(addon)})


def releases(platform, options=None):
    """The Helm releases of the add-ons the platform installs (see the module docstring)."""
    options = options or {}
    overrides = options.get("values") or {}
    chart_dirs = options.get("chart_dirs") or {}
    result = []
    for name, addon in (platform.get("addons") or {}).items():
        if addon.get("mode") != INSTALL:
            continue
        values = dict(_VALUES[name](addon, platform, options), fullnameOverride=full_name(addon))
        result.append({
            "name": name,
            "release": full_name(addon),
            "namespace": addon["workload"]["namespace"],
            "chart": dict(CHARTS[name], ref=chart_dirs.get(name) or CHARTS[name]["name"],
                          repo=None if chart_dirs.get(name) else CHARTS[name]["repo"]),
            "values": merge(values, overrides.get(name)),
        })
    return result
