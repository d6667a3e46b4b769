# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes objects as dicts: their id in messages, the part of them that says what a
role asked for, and a copy fit for output (Secret values hidden). Pure Python, without
the kubernetes library: the filter plugins use it on the control node."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

HIDDEN = "VALUE_HIDDEN"
# Fields the server sets and that say nothing about what a role asked for.
_SERVER_METADATA = ("managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink")


def replicas_of(obj):
    """The replicas a Deployment or StatefulSet asks for (Kubernetes' default is 1)."""
    replicas = (obj.get("spec") or {}).get("replicas")
    return 1 if replicas is None else int(replicas)


def object_id(obj):
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    return "%s/%s%s" % (obj.get("kind"), ns + "/" if ns else "", meta.get("name"))


def comparable(obj):
    """The object without server-set fields and status, for before/after comparison."""
    if not obj:
        return {}
    obj = copy.deepcopy(obj)
    obj.pop("status", None)
    meta = obj.get("metadata") or {}
    for field in _SERVER_METADATA:
        meta.pop(field, None)
    annotations = meta.get("annotations") or {}
    annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)
    annotations.pop("deployment.kubernetes.io/revision", None)
    if not annotations:
        meta.pop("annotations", None)
    return obj


def owned_fields(obj, manager):
    """What ``manager`` owns of ``obj`` by server-side apply (its managedFields entries,
    without their time): an apply that changes nothing leaves them as they were."""
    return [dict((key, value) for key, value in entry.items() if key != "time")
            for entry in ((obj or {}).get("metadata") or {}).get("managedFields") or []
            if entry.get("manager") == manager and entry.get("operation") == "Apply"]


def applied_change(before, after, manager):
    """Whether an apply by ``manager`` changed the object: it was created, or what the
    object says (status aside) or what the manager owns of it differs. A new
    resourceVersion alone is not a change of ours: a controller may have written the
    status between the read and the apply."""
    if before is None:
        return True
    if (before.get("metadata") or {}).get("resourceVersion") == (after.get("metadata") or {}).get("resourceVersion"):
        return False
    return comparable(before) != comparable(after) or owned_fields(before, manager) != owned_fields(after, manager)


def redact(obj):
    """A copy fit for output: Secret values replaced, so that no secret is printed."""
    if not obj or obj.get("kind") != "Secret":
        return obj
    obj = copy.deepcopy(obj)
    for field in ("data", "stringData"):
        if isinstance(obj.get(field), dict):
            obj[field] = dict((key, HIDDEN) for key in obj[field])
    # A client-side `kubectl apply` keeps the whole Secret, values included, here.
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if "kubectl.kubernetes.io/last-applied-configuration" in annotations:
        annotations["kubectl.kubernetes.io/last-applied-configuration"] = HIDDEN
    return obj
