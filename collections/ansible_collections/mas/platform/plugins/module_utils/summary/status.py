# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform's status at the end of a deploy: what an operator acts on.

``platform_status`` takes what one read of the cluster returned (nodes, namespaces,
workloads, pods, ingresses) and the compiled platform's core services, and returns:

- ``nodes``: node group -> node count (a node's group is its EKS node group label, else
  its ``node-role`` label);
- ``namespaces``: the platform's namespaces present and missing;
- ``workloads``: every Deployment, StatefulSet and DaemonSet of the platform's namespaces
  with ready/desired, the node groups its pods run on, its state by the one readiness rule
  (k8s/readiness.py) and the images it runs;
- ``not_ready``: each workload that is not ready, with why - the readiness rule's reason,
  what its pods say (Pending: the scheduler's message; a crash loop; an image pull) and a
  controller's refusal to create pods (a quota);
- ``endpoints``: the ingress hosts and paths with their Services, and each core service's
  client address;
- ``versions``: image -> the tags running, and each core service's version in the spec;
- ``lines``: all of it as the text the summary prints.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.k8s.objects import object_id
from ansible_collections.mas.platform.plugins.module_utils.k8s.readiness import pod_summary, readiness

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
NODE_GROUP_LABELS = ("eks.amazonaws.com/nodegroup", "node-role")
# How many pods of a workload a not-ready line quotes.
PODS_QUOTED = 3


def node_group(node):
    labels = (node.get("metadata") or {}).get("labels") or {}
    for key in NODE_GROUP_LABELS:
        if labels.get(key):
            return labels[key]
    return "unlabelled"


def _meta(obj):
    return obj.get("metadata") or {}


def _replicas(obj):
    """(ready, desired) of a workload."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    if obj.get("kind") == "DaemonSet":
        return status.get("numberReady") or 0, status.get("desiredNumberScheduled") or 0
    desired = spec.get("replicas")
    return status.get("readyReplicas") or 0, 1 if desired is None else desired


def _selects(workload, pod):
    if _meta(pod).get("namespace") != _meta(workload).get("namespace"):
        return False
    wanted = ((workload.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    labels = _meta(pod).get("labels") or {}
    return bool(wanted) and all(labels.get(k) == v for k, v in wanted.items())


def _images(workload):
    template = ((workload.get("spec") or {}).get("template") or {}).get("spec") or {}
    return [c.get("image") for c in template.get("containers") or [] if c.get("image")]


def _refusal(workload):
    """A controller's refusal to create the workload's pods (a quota, an admission check)."""
    for condition in (workload.get("status") or {}).get("conditions") or []:
        if condition.get("type") == "ReplicaFailure" and condition.get("status") == "True":
            return "pods refused: %s" % (condition.get("message") or condition.get("reason"))
    return None


def _workload(obj, pods, groups):
    ready, desired = _replicas(obj)
    state = readiness(obj)
    own = [pod for pod in pods if _selects(obj, pod)]
    entry = dict(
        id=object_id(obj), kind=obj.get("kind"), namespace=_meta(obj).get("namespace"), name=_meta(obj).get("name"),
        ready=ready, desired=desired, state=state.state, reason=state.reason, images=_images(obj),
        node_groups=sorted(set(groups.get((pod.get("spec") or {}).get("nodeName"), "unscheduled") for pod in own)))
    if not state.ready:
        why = [state.reason]
        refusal = _refusal(obj)
        if refusal:
            why.append(refusal)
        pods_of = sorted((pod_summary(pod) for pod in own), key=lambda p: p["name"] or "")
        waiting = ["%s %s" % (p["name"], p["reason"]) for p in pods_of if not p["ready"]]
        if waiting:
            more = " and %d more" % (len(waiting) - PODS_QUOTED) if len(waiting) > PODS_QUOTED else ""
            why.append("; ".join(waiting[:PODS_QUOTED]) + more)
        elif not own and desired:
            why.append("no pod exists (a quota or an admission check may refuse them: see the events)")
        entry["why"] = " - ".join(why)
    return entry


def image_tag(image):
    """('registry/name', 'tag') of an image reference; a digest stands for its tag."""
    if "@" in image:
        name, digest = image.split("@", 1)
        return name, digest
    if ":" in image.rsplit("/", 1)[-1]:
        name, _sep, tag = image.rpartition(":")
        return name, tag
    return image, "latest"


def _ingress_endpoints(ingresses):
    found = []
    for ingress in ingresses:
        spec = ingress.get("spec") or {}
        tls_hosts = set(h for tls in spec.get("tls") or [] for h in tls.get("hosts") or [])
        for rule in spec.get("rules") or []:
            host = rule.get("host") or "*"
            scheme = "https" if host in tls_hosts else "http"
            for path in (rule.get("http") or {}).get("paths") or []:
                service = ((path.get("backend") or {}).get("service")) or {}
                port = service.get("port") or {}
                found.append(dict(url="%s://%s%s" % (scheme, host, path.get("path") or "/"),
                                  namespace=_meta(ingress).get("namespace"), service=service.get("name"),
                                  port=port.get("number") or port.get("name")))
    return sorted(found, key=lambda e: e["url"])


def platform_status(nodes, namespaces, workloads, pods, ingresses, platform_namespaces, core_services=None):
    """The status described above, from the objects as the API returned them."""
    wanted = set(platform_namespaces or [])
    groups = dict((_meta(n).get("name"), node_group(n)) for n in nodes)
    counts = {}
    for group in groups.values():
        counts[group] = counts.get(group, 0) + 1
    present = sorted(_meta(n).get("name") for n in namespaces if _meta(n).get("name") in wanted)
    ours = [w for w in workloads if w.get("kind") in WORKLOAD_KINDS and _meta(w).get("namespace") in wanted]
    ours.sort(key=lambda w: (_meta(w).get("namespace"), w.get("kind"), _meta(w).get("name")))
    pods = [p for p in pods if _meta(p).get("namespace") in wanted]
    entries = [_workload(w, pods, groups) for w in ours]
    images = {}
    for entry in entries:
        for image in entry["images"]:
            name, tag = image_tag(image)
            images.setdefault(name, set()).add(tag)
    core = dict((name, service) for name, service in (core_services or {}).items() if isinstance(service, dict))
    status = dict(
        nodes=counts,
        namespaces=dict(present=present, missing=sorted(wanted - set(present))),
        workloads=entries,
        not_ready=[dict(id=e["id"], why=e["why"]) for e in entries if "why" in e],
        endpoints=dict(ingress=_ingress_endpoints([i for i in ingresses if _meta(i).get("namespace") in wanted]),
                       core_services=dict((name, s.get("client")) for name, s in sorted(core.items())
                                          if s.get("client"))),
        versions=dict(images=dict((name, sorted(tags)) for name, tags in sorted(images.items())),
                      core_services=dict((name, str(s.get("version"))) for name, s in sorted(core.items())
                                         if s.get("version"))),
    )
    status["lines"] = status_lines(status)
    return status


def status_lines(status):
    """The status as the lines the deploy's summary prints."""
    ready = sum(1 for w in status["workloads"] if w["state"] == "ready")
    lines = ["nodes: %d (%s)" % (sum(status["nodes"].values()),
                                 ", ".join("%s: %d" % item for item in sorted(status["nodes"].items()))),
             "namespaces: %s%s" % (", ".join(status["namespaces"]["present"]) or "none",
                                   "; missing: %s" % ", ".join(status["namespaces"]["missing"])
                                   if status["namespaces"]["missing"] else ""),
             "workloads: %d of %d ready" % (ready, len(status["workloads"]))]
    for w in status["workloads"]:
        state = "ready" if w["state"] == "ready" else "NOT READY"
        groups = ", ".join(w["node_groups"]) or "no node"
        lines.append("  %-60s %3d/%-3d %-9s on %s" % (w["id"], w["ready"], w["desired"], state, groups))
    if status["not_ready"]:
        lines.append("not ready:")
        lines.extend("  %s: %s" % (entry["id"], entry["why"]) for entry in status["not_ready"])
    endpoints = status["endpoints"]
    if endpoints["ingress"]:
        lines.append("ingress:")
        lines.extend("  %s -> %s/%s:%s" % (e["url"], e["namespace"], e["service"], e["port"])
                     for e in endpoints["ingress"])
    versions = status["versions"]
    names = sorted(set(endpoints["core_services"]) | set(versions["core_services"]))
    if names:
        lines.append("core services:")
        lines.extend("  %-14s %-10s %s" % (name, versions["core_services"].get(name, ""),
                                           endpoints["core_services"].get(name) or "") for name in names)
    if versions["images"]:
        lines.append("images:")
        lines.extend("  %s:%s" % (name, ", ".join(tags)) for name, tags in versions["images"].items())
    return lines
