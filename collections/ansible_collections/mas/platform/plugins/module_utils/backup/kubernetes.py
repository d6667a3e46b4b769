# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform's Kubernetes objects in a backup: workloads with their replica counts,
autoscalers with their bounds, configuration, Secrets, policies (in the snapshot's
kubernetes/objects.jsonl, one object per line).

Backup lists the kinds of ``kinds`` in the platform's namespaces (and the cluster-scoped
ones) with the platform's label selector, and keeps each object as it would be applied
again: without status, server-set metadata and fields the API server assigns (a
Service's cluster IP). Objects that a controller owns (a Job of a CronJob) are left to
their owner; service-account token Secrets to the API server.

Restore is a server-side apply of each object (module_utils/k8s.py's ``Applier``, field
manager ``mas-platform``), in dependency order: namespaces and accounts first, workloads
after their configuration, autoscalers last. In check mode it is a server-side dry run,
so the plan says exactly which objects would be created or overwritten. Objects that
exist now and are not in the backup are left alone.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.k8s.apply import Applier
from ansible_collections.mas.platform.plugins.module_utils.k8s.client import comparable, get_or_none, object_id
from ansible_collections.mas.platform.plugins.module_utils.k8s.wait import Reader, wait_ready

PLATFORM_SELECTOR = "app.kubernetes.io/part-of=mas-platform"
# apiVersion/Kind, in the order a restore applies them.
DEFAULT_KINDS = (
    "v1/Namespace",
    "v1/ServiceAccount",
    "rbac.authorization.k8s.io/v1/ClusterRole",
    "rbac.authorization.k8s.io/v1/ClusterRoleBinding",
    "rbac.authorization.k8s.io/v1/Role",
    "rbac.authorization.k8s.io/v1/RoleBinding",
    "v1/ResourceQuota",
    "v1/LimitRange",
    "v1/ConfigMap",
    "v1/Secret",
    "v1/Service",
    "networking.k8s.io/v1/NetworkPolicy",
    "policy/v1/PodDisruptionBudget",
    "apps/v1/StatefulSet",
    "apps/v1/Deployment",
    "apps/v1/DaemonSet",
    "autoscaling/v2/HorizontalPodAutoscaler",
    "batch/v1/CronJob",
)
KUBERNETES_OPTIONS = dict(
    namespaces=dict(type="list", elements="str", default=[]),
    label_selector=dict(type="str", default=PLATFORM_SELECTOR),
    kinds=dict(type="list", elements="str"),
)
_DROPPED_METADATA = ("uid", "resourceVersion", "generation", "creationTimestamp", "managedFields", "selfLink",
                     "ownerReferences", "finalizers", "deletionTimestamp", "deletionGracePeriodSeconds")
_DROPPED_ANNOTATIONS = ("kubectl.kubernetes.io/last-applied-configuration", "deployment.kubernetes.io/revision",
                        "autoscaling.alpha.kubernetes.io/conditions", "autoscaling.alpha.kubernetes.io/current-metrics")


def parse_kind(text):
    """'apps/v1/Deployment' -> ('apps/v1', 'Deployment')."""
    if not isinstance(text, str) or "/" not in text:
        raise PlatformError("kubernetes.kinds: %r is not apiVersion/Kind (such as apps/v1/Deployment)" % (text,))
    api_version, kind = text.rsplit("/", 1)
    if not api_version or not kind:
        raise PlatformError("kubernetes.kinds: %r is not apiVersion/Kind (such as apps/v1/Deployment)" % (text,))
    return api_version, kind


def kind_rank(obj, kinds=DEFAULT_KINDS):
    name = "%s/%s" % (obj.get("apiVersion"), obj.get("kind"))
    return kinds.index(name) if name in kinds else len(kinds)


def restorable(obj):
    """The object as it would be applied again, or None when it is not ours to restore."""
    meta = obj.get("metadata") or {}
    if any(ref.get("controller") for ref in meta.get("ownerReferences") or []):
        return None
    if obj.get("kind") == "Secret" and obj.get("type") == "kubernetes.io/service-account-token":
        return None
    obj = copy.deepcopy(obj)
    obj.pop("status", None)
    meta = obj.setdefault("metadata", {})
    for field in _DROPPED_METADATA:
        meta.pop(field, None)
    annotations = meta.get("annotations") or {}
    for name in _DROPPED_ANNOTATIONS:
        annotations.pop(name, None)
    if not annotations:
        meta.pop("annotations", None)
    if obj.get("kind") == "Service":
        spec = obj.get("spec") or {}
        if spec.get("clusterIP") != "None":
            spec.pop("clusterIP", None)
            spec.pop("clusterIPs", None)
    if obj.get("kind") == "Namespace":
        obj.pop("spec", None)
    if obj.get("kind") == "ServiceAccount":
        obj.pop("secrets", None)
    return obj


def summary(objects):
    """What the operator wants to see of the state: counts, replicas and HPA bounds."""
    counts, replicas, autoscalers = {}, {}, {}
    for obj in objects:
        counts[obj["kind"]] = counts.get(obj["kind"], 0) + 1
        spec = obj.get("spec") or {}
        if obj["kind"] in ("Deployment", "StatefulSet") and "replicas" in spec:
            replicas[object_id(obj)] = spec["replicas"]
        if obj["kind"] == "HorizontalPodAutoscaler":
            autoscalers[object_id(obj)] = dict(min=spec.get("minReplicas", 1), max=spec.get("maxReplicas"),
                                               target=(spec.get("scaleTargetRef") or {}).get("name"))
    return dict(counts=counts, replicas=replicas, autoscalers=autoscalers)


def differences(wanted, current):
    """The top-level fields (and metadata labels/annotations) in which two objects differ."""
    wanted, current = comparable(wanted), comparable(restorable(current) or {})
    fields = []
    for key in sorted(set(wanted) | set(current)):
        if key == "metadata":
            for sub in ("labels", "annotations"):
                if (wanted.get("metadata") or {}).get(sub) != (current.get("metadata") or {}).get(sub):
                    fields.append("metadata.%s" % sub)
        elif wanted.get(key) != current.get(key):
            fields.append(key)
    return fields


class KubernetesState(object):
    """Reads and restores the platform's objects through one API connection."""

    def __init__(self, client, endpoint, params, check_mode=False):
        self.client = client
        self.endpoint = endpoint
        self.namespaces = list(params.get("namespaces") or [])
        self.selector = params.get("label_selector") or None
        self.kinds = tuple(params.get("kinds") or DEFAULT_KINDS)
        for text in self.kinds:
            parse_kind(text)
        self.applier = Applier(client, endpoint, "mas-platform", True, check_mode)

    def read(self):
        """Every restorable object of the selection, sorted by kind rank then id."""
        objects = []
        for text in self.kinds:
            api_version, kind = parse_kind(text)
            probe = {"apiVersion": api_version, "kind": kind, "metadata": {"name": "probe"}}
            try:
                resource = self.applier.resource(probe)
            except PlatformError:
                continue  # a kind this cluster does not serve holds nothing to back up
            scopes = self.namespaces if resource.namespaced else [None]
            for namespace in scopes:
                listed = self.applier._call("listing %s%s" % (kind, " in %s" % namespace if namespace else ""),
                                            self.client.get, resource, namespace=namespace,
                                            label_selector=self.selector)
                for item in listed.to_dict().get("items") or []:
                    item.setdefault("apiVersion", api_version)
                    item.setdefault("kind", kind)
                    obj = restorable(item)
                    if obj is not None:
                        objects.append(obj)
        return sorted(objects, key=lambda o: (kind_rank(o, self.kinds), object_id(o)))

    def apply(self, objects):
        """Apply (or dry-run) every object; returns the plan: create, overwrite, unchanged."""
        plan = dict(create=[], overwrite=[], unchanged=[], fields={})
        for obj in sorted(objects, key=lambda o: (kind_rank(o, self.kinds), object_id(o))):
            changed, before, _after = self.applier.apply(obj)
            name = object_id(obj)
            if before is None:
                plan["create"].append(name)
            elif changed:
                plan["overwrite"].append(name)
                plan["fields"][name] = differences(obj, before)
            else:
                plan["unchanged"].append(name)
        return plan

    def current(self, obj):
        """The object as it is on the cluster now (never a cached read), or None."""
        resource, namespace = self.applier.placed(obj)
        return self.applier._call("reading " + object_id(obj), get_or_none, self.applier.client, resource,
                                  obj["metadata"]["name"], namespace)

    def wait_for_workloads(self, objects, timeout):
        """Wait until every Deployment and StatefulSet among ``objects`` is ready (the
        platform's one readiness rule, k8s/readiness.py)."""
        workloads = [o for o in objects if o["kind"] in ("Deployment", "StatefulSet")]
        if workloads:
            wait_ready(Reader(self.applier.client, self.applier.endpoint), workloads, timeout)

    def validate(self, objects):
        """Every object of the backup is there, as the backup has it."""
        missing, differ = [], {}
        for obj in objects:
            live = self.current(obj)
            if live is None:
                missing.append(object_id(obj))
                continue
            fields = differences(obj, live)
            if fields:
                differ[object_id(obj)] = fields
        return dict(objects=len(objects), missing=missing, differ=differ, ok=not missing and not differ)


def parse_selector(text):
    """A label selector string ('a=b,c!=d,e,!f,g in (x,y)') as requirements
    [(key, operator, values)]; PlatformError naming kubernetes.label_selector."""
    requirements = []
    for part in _split_selector(text or ""):
        part = part.strip()
        if not part:
            continue
        lowered = part.replace("\t", " ")
        if " notin " in lowered or " in " in lowered:
            operator = "NotIn" if " notin " in lowered else "In"
            key, values = lowered.split(" notin " if operator == "NotIn" else " in ", 1)
            values = values.strip()
            if not (values.startswith("(") and values.endswith(")")):
                raise PlatformError("kubernetes.label_selector: %r: expected a set such as (a, b)" % part)
            requirements.append((key.strip(), operator, [v.strip() for v in values[1:-1].split(",") if v.strip()]))
        elif "!=" in part:
            key, value = part.split("!=", 1)
            requirements.append((key.strip(), "NotIn", [value.strip()]))
        elif "=" in part:
            key, value = part.split("==", 1) if "==" in part else part.split("=", 1)
            requirements.append((key.strip(), "In", [value.strip()]))
        elif part.startswith("!"):
            requirements.append((part[1:].strip(), "DoesNotExist", []))
        else:
            requirements.append((part, "Exists", []))
    for key, _operator, _values in requirements:
        if not key:
            raise PlatformError("kubernetes.label_selector: %r has a requirement without a key" % text)
    return requirements


def _split_selector(text):
    """Split on the commas that are not inside a set's parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        if char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def selector_matches_object(requirements, obj):
    labels = (obj.get("metadata") or {}).get("labels") or {}
    for key, operator, values in requirements:
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True
