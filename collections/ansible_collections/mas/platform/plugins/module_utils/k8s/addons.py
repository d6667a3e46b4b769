# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Are the cluster add-ons the platform relies on present on the live cluster?

For each add-on of the compiled platform (model/addons.py) that is installed or
provided, ``queries(addon)`` says what to read and ``evaluate(addon, found)`` decides from
what was read, without an API call (unit-tested):

- its workload, where known, is ready (the one readiness rule, k8s/readiness.py);
- the device plugin: every node of each GPU node group advertises its GPUs;
- metrics-server: the APIService of the resource metrics API is Available;
- the ingress controller: its IngressClass exists;
- the log backend and the trace collector: the Service their endpoint names exists,
  publishes that port and has a ready endpoint. An endpoint outside the cluster is not
  checked from here (``not_verified``).

``check(client, endpoint, addons, check_installed, plan)`` reads and evaluates them all.
The status of each: ``present``, ``missing`` (with what is missing and what relies on it),
``not_verified`` (not installed on this cluster, outside it, or in a plan not installed
yet), ``none``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.k8s.client import read
from ansible_collections.mas.platform.plugins.module_utils.k8s.readiness import readiness
from ansible_collections.mas.platform.plugins.module_utils.preflight.capacity import GPU_RESOURCE
from ansible_collections.mas.platform.plugins.module_utils.spec.addons import INSTALL, NONE
from ansible_collections.mas.platform.plugins.module_utils.spec.common import NODE_ROLE_LABEL

PRESENT, MISSING, NOT_VERIFIED = "present", "missing", "not_verified"

# What happens without each, said after what relies on it.
_WITHOUT = {
    "gpu_device_plugin": "would stay Pending (no node advertises %s)" % GPU_RESOURCE,
    "metrics_server": "would never scale (no CPU or memory metrics)",
    "ingress_controller": "would serve nothing",
    "log_collector": "would be collected by nothing",
    "log_backend": "would be stored nowhere",
    "trace_collector": "would be received by nothing",
}


def queries(addon):
    """(key, query) pairs of what to read for one add-on."""
    result = []
    workload = addon.get("workload")
    if workload:
        result.append(("workload", dict(workload)))
    evidence = addon.get("evidence") or {}
    for group in evidence.get("node_groups") or []:
        result.append(("nodes:" + group["name"], {"api_version": "v1", "kind": "Node",
                                                  "label_selectors": ["%s=%s" % (NODE_ROLE_LABEL, group["role"])]}))
    if evidence.get("api_service"):
        result.append(("api_service", {"api_version": "apiregistration.k8s.io/v1", "kind": "APIService",
                                       "name": evidence["api_service"]}))
    if evidence.get("ingress_class"):
        result.append(("ingress_class", {"api_version": "networking.k8s.io/v1", "kind": "IngressClass",
                                         "name": evidence["ingress_class"]}))
    service = evidence.get("service")
    if service:
        result.append(("service", {"api_version": "v1", "kind": "Service", "namespace": service["namespace"],
                                   "name": service["name"]}))
        result.append(("endpoint_slices", {"api_version": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                                           "namespace": service["namespace"],
                                           "label_selectors": ["kubernetes.io/service-name=%s" % service["name"]]}))
    return result


def _one(found, key):
    objects = found.get(key) or []
    return objects[0] if objects else None


def _ref(query):
    where = "%s/" % query["namespace"] if query.get("namespace") else ""
    return "%s %s%s" % (query["kind"], where, query["name"])


def _workload_problems(addon, found):
    workload = addon.get("workload")
    if not workload:
        return []
    state = readiness(_one(found, "workload"))
    return [] if state.ready else ["%s %s" % (_ref(workload), state.reason)]


def _gpu_problems(addon, found):
    problems = []
    for group in (addon.get("evidence") or {}).get("node_groups") or []:
        nodes = found.get("nodes:" + group["name"]) or []
        if not nodes and group.get("count"):
            problems.append("no node of group %s (%s=%s) has joined" % (group["name"], NODE_ROLE_LABEL, group["role"]))
        for node in nodes:
            advertised = ((node.get("status") or {}).get("allocatable") or {}).get(GPU_RESOURCE)
            count = int(advertised) if str(advertised or "").isdigit() else 0
            if count < group["gpus"]:
                problems.append("node %s of group %s advertises %d of its %d %s" % (
                    (node.get("metadata") or {}).get("name"), group["name"], count, group["gpus"], GPU_RESOURCE))
    return problems


def _api_problems(addon, found):
    evidence = addon.get("evidence") or {}
    problems = []
    if evidence.get("api_service"):
        state = readiness(_one(found, "api_service"))
        if not state.ready:
            problems.append("APIService %s %s" % (evidence["api_service"], state.reason))
    if evidence.get("ingress_class") and _one(found, "ingress_class") is None:
        problems.append("IngressClass %s does not exist" % evidence["ingress_class"])
    return problems


def _service_problems(addon, found):
    service = (addon.get("evidence") or {}).get("service")
    if not service:
        return []
    name = "Service %s/%s" % (service["namespace"], service["name"])
    obj = _one(found, "service")
    if obj is None:
        return ["%s does not exist" % name]
    ports = [p.get("port") for p in (obj.get("spec") or {}).get("ports") or []]
    if service.get("port") and service["port"] not in ports:
        return ["%s publishes no port %s (it has %s)" % (name, service["port"], ", ".join(str(p) for p in ports) or "none")]
    ready = [e for s in found.get("endpoint_slices") or [] for e in s.get("endpoints") or []
             if (e.get("conditions") or {}).get("ready") is not False]
    return [] if ready else ["%s has no ready endpoint" % name]


def evaluate(addon, found, installed=True, plan=False):
    """The result of one add-on: {name, mode, status, problems, message, needed_by}.

    ``found``: key -> the objects read for that key of ``queries(addon)``; ``installed``:
    false where the platform installs it but did not on this cluster; ``plan``: a run in
    check mode, where an add-on the deploy installs may not be there yet."""
    result = {"name": addon["name"], "mode": addon["mode"], "needed_by": [n["what"] for n in addon.get("needed_by") or []],
              "problems": [], "message": ""}
    evidence = addon.get("evidence") or {}
    if addon["mode"] == NONE:
        result.update(status=NONE, message="%s: none (nothing relies on it)" % addon["name"])
        return result
    if not installed:
        result.update(status=NOT_VERIFIED, message="%s: NOT verified, not installed on this cluster" % addon["name"])
        return result
    problems = (_workload_problems(addon, found) + _gpu_problems(addon, found) + _api_problems(addon, found)
                + _service_problems(addon, found))
    result["problems"] = problems
    if problems and plan and addon["mode"] == INSTALL:
        result.update(status=NOT_VERIFIED, message="%s: not present yet (%s); the deploy installs it" % (
            addon["name"], "; ".join(problems)))
    elif problems:
        relied = ", ".join(result["needed_by"]) or "nothing in the spec"
        result.update(status=MISSING, message="%s (%s): %s; without it, %s %s" % (
            addon["name"], addon["mode"], "; ".join(problems), relied, _WITHOUT[addon["name"]]))
    elif evidence.get("endpoint") and not evidence.get("service"):
        result.update(status=NOT_VERIFIED, message="%s: NOT verified, %s is outside the cluster" % (
            addon["name"], evidence["endpoint"]))
    else:
        result.update(status=PRESENT, message="%s (%s): present" % (addon["name"], addon["mode"]))
    return result


def check(client, endpoint, addons, check_installed=True, plan=False):
    """The result of every add-on (see evaluate), reading each query once; without
    ``check_installed``, the add-ons of mode install are not verified."""
    results = []
    for name, addon in addons.items():
        installed = check_installed or addon["mode"] != INSTALL
        found = {}
        if addon["mode"] != NONE and installed:
            for key, query in queries(addon):
                found[key] = read(client, endpoint, query, "add-on %s: %s" % (name, key))
        results.append(evaluate(addon, found, installed, plan))
    return results
