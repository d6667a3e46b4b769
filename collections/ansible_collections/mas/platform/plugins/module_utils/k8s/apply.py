# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Server-side apply of rendered objects.

This is kubernetes.core's server-side apply with what the platform needs besides:
- one read per kind and namespace before a batch (``prefetch``), not one per object:
  what an object was before its apply decides ``changed``, together with its
  resourceVersion after (a server-side apply that changes nothing keeps it);
- check mode works on an empty cluster: an object whose namespace does not exist yet
  (the namespaces come in the same run) is reported as to be created instead of failing
  the whole plan with the API server's 404; every other object is applied with a
  server-side dry run, so admission (quotas, Pod Security, schemas) is checked as for real;
- objects whose immutable fields must change (a StorageClass's parameters) can be
  recreated, and applying the default StorageClass unmarks any other default one;
- Secret data never reaches the diff or the result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.k8s.client import call_api, find_resource, get_or_none
from ansible_collections.mas.platform.plugins.module_utils.k8s.objects import applied_change, comparable, object_id

DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"


def _key(api_version, kind, namespace, name):
    return (api_version, kind, namespace or "", name)


class Applier(object):
    """Server-side applies objects; in check mode a server-side dry run."""

    def __init__(self, client, endpoint, field_manager, force_conflicts, check_mode):
        self.client = client
        self.endpoint = endpoint
        self.field_manager = field_manager
        self.force_conflicts = force_conflicts
        self.check_mode = check_mode
        self._namespaces = {}
        self._known = {}  # _key -> the object as read (None: read, and absent)
        self._listed = set()  # (api_version, kind, namespace) read whole

    def _call(self, what, func, *args, **kwargs):
        return call_api(self.endpoint, what, func, *args, **kwargs)

    def resource(self, obj):
        return find_resource(self.client, obj["apiVersion"], obj["kind"], object_id(obj))

    # -- what exists ------------------------------------------------------------------

    def placed(self, obj, default_namespace=None):
        """(resource, namespace) of an object, its namespace filled in when namespaced."""
        if not isinstance(obj, dict) or not obj.get("apiVersion") or not obj.get("kind") \
                or not (obj.get("metadata") or {}).get("name"):
            raise PlatformError("each definition needs apiVersion, kind and metadata.name; got %s" % (str(obj)[:200],))
        resource = self.resource(obj)
        if not resource.namespaced:
            return resource, None
        namespace = obj["metadata"].get("namespace") or default_namespace
        if not namespace:
            raise PlatformError("%s is namespaced: set metadata.namespace or the namespace option" % object_id(obj))
        return resource, namespace

    def prefetch(self, objects, default_namespace=None):
        """Read, with one list per kind and namespace, what ``objects`` are now."""
        groups = {}
        for obj in objects:
            resource, namespace = self.placed(obj, default_namespace)
            groups.setdefault((obj["apiVersion"], obj["kind"], namespace or ""), resource)
        for (api_version, kind, namespace), resource in groups.items():
            if (api_version, kind, namespace) in self._listed:
                continue
            if namespace and not self.namespace_exists(namespace):
                items = []
            else:
                listed = self._call("reading the %s objects%s" % (kind, " of " + namespace if namespace else ""),
                                    self.client.get, resource, namespace=namespace or None).to_dict()
                items = listed.get("items") or []
            for item in items:
                item.setdefault("apiVersion", api_version)
                item.setdefault("kind", kind)
                meta = item.get("metadata") or {}
                self._known[_key(api_version, kind, meta.get("namespace"), meta.get("name"))] = item
            self._listed.add((api_version, kind, namespace))

    def current(self, obj, resource, namespace):
        """The object as it is on the cluster, or None."""
        name = obj["metadata"]["name"]
        key = _key(obj["apiVersion"], obj["kind"], namespace, name)
        if key not in self._known:
            if (obj["apiVersion"], obj["kind"], namespace or "") in self._listed:
                return None
            self._known[key] = self._call("reading " + object_id(obj), get_or_none, self.client, resource, name, namespace)
        return self._known[key]

    def namespace_exists(self, namespace):
        if namespace not in self._namespaces:
            key = _key("v1", "Namespace", None, namespace)
            if key in self._known:
                self._namespaces[namespace] = self._known[key] is not None
            else:
                ns_resource = self.client.resources.get(api_version="v1", kind="Namespace")
                self._namespaces[namespace] = self._call(
                    "reading namespace %s" % namespace, get_or_none, self.client, ns_resource, namespace, None) is not None
        return self._namespaces[namespace]

    # -- changes ----------------------------------------------------------------------

    def apply(self, obj, default_namespace=None, recreate_immutable=False):
        """Apply one object; return (changed, before, after)."""
        resource, namespace = self.placed(obj, default_namespace)
        obj = copy.deepcopy(obj)
        if namespace:
            obj["metadata"]["namespace"] = namespace
        before = self.current(obj, resource, namespace)
        if before is None and self.check_mode and namespace and not self.namespace_exists(namespace):
            # The namespace comes with this deploy: nothing to dry-run against yet.
            return True, None, obj
        try:
            after = self._server_side_apply(resource, obj, namespace)
        except PlatformError as exc:
            if not (recreate_immutable and before is not None and exc.details.get("status") == 422):
                raise
            # Fields the API cannot update (a StorageClass's parameters): delete, then create.
            if not self.check_mode:
                self._call("deleting %s to recreate it" % object_id(obj), self.client.delete, resource,
                           name=obj["metadata"]["name"], namespace=namespace)
                after = self._server_side_apply(resource, obj, namespace)
            else:
                after = obj
        self._remember(after)
        if obj["kind"] == "Namespace" and not self.check_mode:
            self._namespaces[obj["metadata"]["name"]] = True
        if self.check_mode:
            changed = comparable(before) != comparable(after)
        else:
            changed = applied_change(before, after, self.field_manager)
        return changed, before, after

    def _server_side_apply(self, resource, obj, namespace):
        kwargs = dict(field_manager=self.field_manager, force_conflicts=self.force_conflicts)
        if self.check_mode:
            kwargs["dry_run"] = "All"
        return self._call("applying %s" % object_id(obj), self.client.server_side_apply, resource, body=obj,
                          name=obj["metadata"]["name"], namespace=namespace, **kwargs).to_dict()

    def _remember(self, obj):
        if obj and not self.check_mode:
            meta = obj.get("metadata") or {}
            self._known[_key(obj.get("apiVersion"), obj.get("kind"), meta.get("namespace"), meta.get("name"))] = obj

    def create_only(self, obj, default_namespace=None, field_manager=None):
        """Apply an object only when it does not exist yet (fields that another owner, such
        as an autoscaler, takes over once created); return (changed, before, after)."""
        resource, namespace = self.placed(obj, default_namespace)
        before = self.current(obj, resource, namespace)
        if before is not None:
            return False, before, before
        saved, self.field_manager = self.field_manager, field_manager or self.field_manager
        try:
            return self.apply(obj, default_namespace)
        finally:
            self.field_manager = saved

    def release_owners(self, resource, live, kept):
        """Replace the owner references of a live object by ``kept`` (a merge patch: owner
        references that another manager set are not ours to drop by an apply)."""
        meta = live["metadata"]
        patched = self._call("dropping the owner of %s" % object_id(live), self.client.patch, resource,
                             name=meta["name"], namespace=meta.get("namespace"),
                             body={"metadata": {"ownerReferences": kept or None}},
                             content_type="application/merge-patch+json").to_dict()
        self._remember(patched)
        return patched

    def delete(self, obj, default_namespace=None):
        """Delete one object if it exists; return (changed, before)."""
        resource, namespace = self.placed(obj, default_namespace)
        before = self.current(obj, resource, namespace)
        if before is None:
            return False, None
        if not self.check_mode:
            self._call("deleting " + object_id(obj), self.client.delete, resource, name=obj["metadata"]["name"],
                       namespace=namespace, body={"propagationPolicy": "Background"})
            self._known[_key(obj["apiVersion"], obj["kind"], namespace, obj["metadata"]["name"])] = None
        return True, before

    def stale(self, selection, wanted):
        """The objects a prune ``selection`` (api_version, kind, namespace or namespaces,
        label_selectors) finds that are not among ``wanted`` (object ids)."""
        api_version, kind = selection.get("api_version") or "v1", selection["kind"]
        try:
            resource = find_resource(self.client, api_version, kind, "prune of %s" % kind)
        except PlatformError:
            return []  # a kind the API server does not serve has no objects to prune
        namespaces = selection.get("namespaces") or [selection.get("namespace")]
        found = []
        for namespace in namespaces:
            if namespace and not self.namespace_exists(namespace):
                continue
            kwargs = dict(namespace=namespace if resource.namespaced else None)
            if selection.get("label_selectors"):
                kwargs["label_selector"] = ",".join(selection["label_selectors"])
            listed = self._call("reading the %s objects to prune" % kind, self.client.get, resource, **kwargs).to_dict()
            for item in listed.get("items") or []:
                item.setdefault("apiVersion", api_version)
                item.setdefault("kind", kind)
                if object_id(item) not in wanted:
                    found.append(item)
        return found

    def unmark_other_default_classes(self, default_name):
        """Applying the default StorageClass: every other class marked default is unmarked
        (two defaults make the API server refuse claims without a class). Returns the
        (id, before) of the classes it changed."""
        resource = find_resource(self.client, "storage.k8s.io/v1", "StorageClass", "the default storage class")
        listed = self._call("reading the storage classes", self.client.get, resource).to_dict()
        changed = []
        for item in listed.get("items") or []:
            meta = item.get("metadata") or {}
            if meta.get("name") == default_name or (meta.get("annotations") or {}).get(DEFAULT_CLASS_ANNOTATION) != "true":
                continue
            item.setdefault("apiVersion", "storage.k8s.io/v1")
            item.setdefault("kind", "StorageClass")
            if not self.check_mode:
                self._call("unmarking the default storage class %s" % meta["name"], self.client.patch, resource,
                           name=meta["name"], body={"metadata": {"annotations": {DEFAULT_CLASS_ANNOTATION: "false"}}},
                           content_type="application/merge-patch+json")
            changed.append(item)
        return changed
