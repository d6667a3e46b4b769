# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a workload that has rolled out must also be: each of its pods ready on a node of
the node group its nodeSelector names, no two on one node where it requires it, and (a
StatefulSet) every member's claim Bound with the class of its template.

``verify_workload`` reads what it needs (the pods, the nodes of the selector, the claims)
in the same process as the apply and the wait, and returns a list of problems (empty:
verified), each naming the object.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.k8s.client import call_api, find_resource
from ansible_collections.mas.platform.plugins.module_utils.k8s.objects import object_id
from ansible_collections.mas.platform.plugins.module_utils.k8s.readiness import pod_summary


def _required_distinct_nodes(template_spec):
    anti = ((template_spec.get("affinity") or {}).get("podAntiAffinity") or {})
    return any(term.get("topologyKey") == "kubernetes.io/hostname"
               for term in anti.get("requiredDuringSchedulingIgnoredDuringExecution") or [])


class Verifier(object):
    def __init__(self, client, endpoint, reader):
        self.client = client
        self.endpoint = endpoint
        self.reader = reader
        self._nodes = {}

    def nodes(self, selector):
        """Names of the nodes that carry every label of ``selector`` (one list per selector)."""
        key = tuple(sorted(selector.items()))
        if key not in self._nodes:
            resource = find_resource(self.client, "v1", "Node", "reading nodes")
            listed = call_api(self.endpoint, "reading the nodes of %s" % dict(key), self.client.get, resource,
                              label_selector=",".join("%s=%s" % item for item in key) or None).to_dict()
            self._nodes[key] = set((n.get("metadata") or {}).get("name") for n in listed.get("items") or [])
        return self._nodes[key]

    def claims(self, statefulset):
        namespace = statefulset["metadata"]["namespace"]
        resource = find_resource(self.client, "v1", "PersistentVolumeClaim", "reading claims")
        listed = call_api(self.endpoint, "reading the claims of %s" % object_id(statefulset), self.client.get, resource,
                          namespace=namespace).to_dict()
        return dict(((c.get("metadata") or {}).get("name"), c) for c in listed.get("items") or [])

    def verify_workload(self, obj, pods):
        """Problems of one rolled-out Deployment or StatefulSet; ``pods``: its pods (as the API returns them)."""
        problems = []
        oid = object_id(obj)
        spec = obj.get("spec") or {}
        template = (spec.get("template") or {}).get("spec") or {}
        want = spec.get("replicas", 1)
        summaries = [pod_summary(p) for p in pods if not (p.get("metadata") or {}).get("deletionTimestamp")]
        ready = [p for p in summaries if p["ready"]]
        if len(ready) != want:
            problems.append("%s: %d of %d pods ready (%s)" % (oid, len(ready), want, "; ".join(
                "%s %s" % (p["name"], p["reason"]) for p in summaries if not p["ready"]) or "no pod"))
        selector = template.get("nodeSelector") or {}
        if selector:
            allowed = self.nodes(selector)
            astray = ["%s on %s" % (p["name"], p["node"]) for p in ready if p["node"] not in allowed]
            if astray:
                problems.append("%s: pods on nodes outside the node group %s: %s" % (oid, selector, ", ".join(astray)))
        if _required_distinct_nodes(template):
            nodes = [p["node"] for p in ready]
            if len(set(nodes)) != len(nodes):
                problems.append("%s: members share a node although its anti-affinity requires one per node: %s"
                                % (oid, ", ".join(sorted(nodes))))
        if obj.get("kind") == "StatefulSet" and spec.get("volumeClaimTemplates"):
            claims = self.claims(obj)
            for template_claim in spec["volumeClaimTemplates"]:
                name = (template_claim.get("metadata") or {}).get("name")
                want_class = (template_claim.get("spec") or {}).get("storageClassName")
                for index in range(want):
                    claim_name = "%s-%s-%d" % (name, obj["metadata"]["name"], index)
                    claim = claims.get(claim_name)
                    phase = ((claim or {}).get("status") or {}).get("phase")
                    got_class = ((claim or {}).get("spec") or {}).get("storageClassName")
                    if claim is None or phase != "Bound" or got_class != want_class:
                        problems.append("%s: claim %s is %s%s (want Bound, class %s)" % (
                            oid, claim_name, phase or "missing", ", class %s" % got_class if claim else "", want_class))
        return problems
