# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The cluster add-ons the platform relies on (``infrastructure.kubernetes.addons``).

A kwok node advertises whatever it is told and stores any object without a controller;
an EKS cluster does neither. These are the parts of a real cluster that the platform's
objects only work with: the NVIDIA device plugin (nodes advertise ``nvidia.com/gpu``),
metrics-server (an HPA on CPU reads the resource metrics API), an ingress controller
(an Ingress of class nginx serves nothing without one), Fluent Bit and its log backend
(the logging configuration), and the OpenTelemetry Collector (the agents' traces).

Each add-on has a mode:

- ``install``: the platform installs it where ``CATALOGUE`` says (namespace, workload);
- ``provided``: the cluster already runs one; the deploy checks that it is there;
- ``none``: there is none; the preflight refuses a spec that relies on it.

An add-on the spec leaves out is ``install`` when something relies on it, else ``none``
(model/addons.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.spec.schema import Record, Str
from ansible_collections.mas.platform.plugins.module_utils.spec.kubernetes import dns_label

INSTALL, PROVIDED, NONE = "install", "provided", "none"
MODES = (INSTALL, PROVIDED, NONE)

# name -> what it is, and the workload it runs as where the platform installs it (its
# namespace and name; a spec may move either). The Services of the log backend and the
# trace collector take the workload's name, so that the spec's endpoints can name them.
# Each runs in a namespace of its own, outside the platform's quotas and default network
# policy (a DaemonSet's pod per node would not fit the monitoring namespace's pod count),
# at the Pod Security level its pods need: Fluent Bit reads the nodes' logs (hostPath)
# and OpenSearch's init container sets vm.max_map_count (privileged).
CATALOGUE = {
    "gpu_device_plugin": {"title": "the NVIDIA device plugin", "kind": "DaemonSet",
                          "namespace": "kube-system", "name": "nvidia-device-plugin", "pod_security": "privileged"},
    "metrics_server": {"title": "metrics-server", "kind": "Deployment",
                       "namespace": "kube-system", "name": "metrics-server", "pod_security": "restricted"},
    "ingress_controller": {"title": "the ingress-nginx controller", "kind": "Deployment",
                           "namespace": "ingress-nginx", "name": "ingress-nginx-controller", "pod_security": "baseline"},
    "log_collector": {"title": "Fluent Bit", "kind": "DaemonSet",
                      "namespace": "logging", "name": "fluent-bit", "pod_security": "privileged"},
    "log_backend": {"title": "OpenSearch", "kind": "StatefulSet",
                    "namespace": "logging", "name": "opensearch", "pod_security": "privileged"},
    "trace_collector": {"title": "the OpenTelemetry Collector", "kind": "Deployment",
                        "namespace": "tracing", "name": "otel-collector", "pod_security": "baseline"},
}

# What the platform installs answers here: ingress-nginx's IngressClass, the collector
# Fluent Bit is, OpenSearch's HTTP port, the Collector's OTLP ports per protocol.
INGRESS_CLASS = "nginx"
# ingress-nginx's chart names its Deployment <fullname>-controller.
INGRESS_CONTROLLER_SUFFIX = "-controller"
LOG_COLLECTOR = "fluent-bit"
LOG_BACKEND_PORT = 9200
OTLP_PORTS = {"grpc": 4317, "http/protobuf": 4318}

ADDON = Record(
    {
        "mode": Str(choices=MODES),
        # Where it runs: where the platform installs it (install), or where the cluster
        # runs it (provided; with name, the deploy checks that this workload is ready).
        "namespace": dns_label,
        "name": dns_label,
    },
    required=("mode",),
)

ADDONS = Record(dict((name, ADDON) for name in CATALOGUE))
