# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Does every part of the spec that relies on a cluster add-on have one?

- An add-on that something relies on cannot be ``none`` (a GPU node group without the
  device plugin, an HPA on CPU without metrics, an Ingress without a controller, logging
  or tracing without their collector or backend).
- What the platform installs must be what the spec points at: ingress-nginx serves the
  IngressClass nginx; the log backend's and the trace collector's endpoints must name the
  Service the platform installs (its namespace, name and port).
- Bottlerocket's NVIDIA AMIs ship the device plugin: installing a second one is a warning.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.model.addons import compile_addons, gpu_node_groups
from ansible_collections.mas.platform.plugins.module_utils.spec.addons import (
    INGRESS_CLASS,
    INGRESS_CONTROLLER_SUFFIX,
    INSTALL,
    LOG_BACKEND_PORT,
    NONE,
    OTLP_PORTS,
)

ADDONS_PATH = "infrastructure.kubernetes.addons"
_BOTTLEROCKET_NVIDIA = "BOTTLEROCKET_x86_64_NVIDIA"


def _names(needed_by):
    whats = [entry["what"] for entry in needed_by]
    return ", ".join(whats[:3]) + (" and %d more" % (len(whats) - 3) if len(whats) > 3 else "")


def check_addons(cleaned, findings):
    addons = compile_addons(cleaned)
    for name, addon in addons.items():
        if addon["mode"] == NONE and addon["needed_by"]:
            findings.error("%s.%s.mode" % (ADDONS_PATH, name),
                           "%s is none, but %s rel%s on it: set install, or provided where the cluster runs one" % (
                               addon["title"], _names(addon["needed_by"]),
                               "ies" if len(addon["needed_by"]) == 1 else "y"))
    configuration = cleaned.get("service_configuration") or {}
    ingress = addons["ingress_controller"]
    if ingress["mode"] == INSTALL and ingress["evidence"]["ingress_class"] != INGRESS_CLASS:
        findings.error("service_configuration.networking.ingress.class",
                       "the ingress controller the platform installs (ingress-nginx) serves the IngressClass %s, not %s: "
                       "set class: %s, or %s.ingress_controller.mode: provided for a controller of that class" % (
                           INGRESS_CLASS, ingress["evidence"]["ingress_class"], INGRESS_CLASS, ADDONS_PATH))
    tracing = ((configuration.get("monitoring") or {}).get("tracing") or {}).get("collector") or {}
    _check_endpoint(addons["trace_collector"], OTLP_PORTS.get(tracing.get("protocol") or "grpc"),
                    "service_configuration.monitoring.tracing.collector.endpoint", findings)
    _check_endpoint(addons["log_backend"], LOG_BACKEND_PORT,
                    "service_configuration.monitoring.logging.backend.endpoint", findings)
    _check_bottlerocket(cleaned, addons["gpu_device_plugin"], findings)
    if ingress["mode"] == INSTALL and not ingress["workload"]["name"].endswith(INGRESS_CONTROLLER_SUFFIX):
        findings.error("%s.ingress_controller.name" % ADDONS_PATH,
                       "ingress-nginx's chart names its Deployment <name>%s: end the name with %s" % (
                           INGRESS_CONTROLLER_SUFFIX, INGRESS_CONTROLLER_SUFFIX))


def _check_endpoint(addon, port, path, findings):
    """An installed add-on answers at its own Service: the endpoint must name it."""
    if addon["mode"] != INSTALL or not addon["evidence"].get("endpoint"):
        return
    workload = addon["workload"]
    service = addon["evidence"]["service"] or {}
    expected = (workload["namespace"], workload["name"], port)
    if (service.get("namespace"), service.get("name"), service.get("port")) != expected:
        findings.error(path, "%s names %s, but %s as the platform installs it answers at %s.%s.svc:%d: point the "
                             "endpoint there, or set %s.%s.mode: provided for one that runs elsewhere" % (
                                 addon["evidence"]["endpoint"], _where(service), addon["title"], expected[1], expected[0],
                                 port, ADDONS_PATH, addon["name"]))


def _where(service):
    if not service:
        return "no Service of this cluster"
    return "the Service %s.%s port %s" % (service["name"], service["namespace"], service["port"])


def _check_bottlerocket(cleaned, addon, findings):
    if addon["mode"] != INSTALL:
        return
    kubernetes = (cleaned.get("infrastructure") or {}).get("kubernetes") or {}
    groups = kubernetes.get("node_groups") or {}
    for name in gpu_node_groups(cleaned):
        if (groups.get(name) or {}).get("ami_type") == _BOTTLEROCKET_NVIDIA:
            findings.warning("%s.gpu_device_plugin.mode" % ADDONS_PATH,
                             "node group %s runs Bottlerocket's NVIDIA AMI, which ships the device plugin: installing "
                             "another runs two plugins for the same GPUs; set provided" % name)
