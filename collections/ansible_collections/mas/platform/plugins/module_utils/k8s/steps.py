# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A phase of the deploy in one process: steps applied in order, each gated on readiness.

``run_steps`` is what ``k8s_apply`` does. A step (a core service, an agent phase, the
foundation...) is a list of rendered objects and what goes with them:

1. its credentials, generated once and kept (credentials.py), written as Secrets and
   substituted for the placeholders of the step's Secrets;
2. ``create_only`` objects, applied only when missing (the seed's replicas of a
   Deployment that an autoscaler owns once it exists);
3. the objects, server-side applied (apply.py; one list per kind and namespace first);
4. ``prune``: the objects a label selection finds that the step no longer renders (a
   formation Job of an earlier spec, a NetworkPolicy the spec no longer calls for);
5. the wait: every object of a watched kind (workloads, CRDs; Jobs where asked) until it
   is ready by the one readiness rule (readiness.py), or a failure that names each object
   that is not ready and what its pods say. An object already ready after its apply is
   not polled: a re-run with nothing to do makes no extra call.

The next step starts only when the previous one is ready: the seed's per-service and
per-phase gating. The result holds, per step, what changed and the live objects (and,
with ``report_pods``, their pods) that a verify needs: no second read.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import time

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.k8s.apply import DEFAULT_CLASS_ANNOTATION, Applier
from ansible_collections.mas.platform.plugins.module_utils.k8s.client import connect
from ansible_collections.mas.platform.plugins.module_utils.k8s.objects import comparable, object_id, redact
from ansible_collections.mas.platform.plugins.module_utils.k8s.credentials import (
    complete,
    credentials_secret,
    decode_data,
    substitute,
)
from ansible_collections.mas.platform.plugins.module_utils.k8s.readiness import pod_summary, readiness
from ansible_collections.mas.platform.plugins.module_utils.k8s.verify import Verifier
from ansible_collections.mas.platform.plugins.module_utils.k8s.wait import Reader, wait_ready

WAIT_KINDS = ["Deployment", "StatefulSet", "DaemonSet", "CustomResourceDefinition"]

STEP_OPTIONS = dict(
    name=dict(type="str", required=True),
    definitions=dict(type="list", elements="raw", default=[]),
    field_manager=dict(type="str"),
    create_only=dict(type="list", elements="raw", default=[]),
    credentials=dict(type="list", elements="dict", default=[], options=dict(
        name=dict(type="str", required=True),
        namespace=dict(type="str", required=True),
        labels=dict(type="dict", default={}),
        # How to make each key (a kind and a length, or a fixed non-secret value such as a user
        # name); the values made are never returned, so there is nothing here to mask.
        keys=dict(type="dict", required=True, no_log=False),
        vault=dict(type="dict", options=dict(
            url=dict(type="str", required=True),
            token=dict(type="str", no_log=True),
            mount=dict(type="str", required=True),
            path=dict(type="str", required=True),
        )),
    )),
    prune=dict(type="list", elements="dict", default=[], options=dict(
        api_version=dict(type="str", default="v1"),
        kind=dict(type="str", required=True),
        namespace=dict(type="str"),
        namespaces=dict(type="list", elements="str"),
        label_selectors=dict(type="list", elements="str", required=True),
    )),
    wait=dict(type="bool", default=True),
    wait_kinds=dict(type="list", elements="str", default=WAIT_KINDS),
    recreate_immutable=dict(type="bool", default=False),
    adopt=dict(type="list", elements="str", default=[]),
    immutable_hint=dict(type="str"),
    report_pods=dict(type="bool", default=False),
    existing_only=dict(type="bool", default=False),
)

_NOISE = ("managedFields",)


def _live(obj):
    """An object fit for the result: no managed fields, no Secret values."""
    if not obj:
        return obj
    obj = dict(obj)
    meta = dict(obj.get("metadata") or {})
    for field in _NOISE:
        meta.pop(field, None)
    obj["metadata"] = meta
    return redact(obj)


def action(changed, before, after):
    """What applying did to one object (or would do, in check mode): created, changed,
    deleted or unchanged."""
    if not changed:
        return "unchanged"
    if after is None:
        return "deleted"
    return "created" if before is None else "changed"


class StepRunner(object):
    """Runs the steps of one k8s_apply call."""

    def __init__(self, module, params):
        self.module = module
        self.params = params
        self.check_mode = module.check_mode
        self.client, self.endpoint = connect(params)
        self.applier = Applier(self.client, self.endpoint, params["field_manager"], params["force_conflicts"],
                               self.check_mode)
        self.reader = Reader(self.client, self.endpoint)
        self.verifier = Verifier(self.client, self.endpoint, self.reader)
        self.objects, self.diffs, self.results = [], [], []

    # -- credentials ---------------------------------------------------------------------

    def _credentials(self, step):
        """secret name -> values, and the credentials Secrets to apply."""
        values, secrets = {}, []
        for spec in step["credentials"]:
            stored_secret = {"apiVersion": "v1", "kind": "Secret",
                             "metadata": {"name": spec["name"], "namespace": spec["namespace"]}}
            resource, namespace = self.applier.placed(stored_secret)
            stored = decode_data(self.applier.current(stored_secret, resource, namespace))
            vault_values, vault_session, version = None, None, None
            if spec.get("vault"):
                vault_session, vault_values, version = self._vault_read(spec)
            current, generated = complete(spec["keys"], stored, vault_values)
            if vault_session is not None and set(current) - set(vault_values or {}) and not self.check_mode:
                self._vault_write(vault_session, spec, current, version)
            values[spec["name"]] = current
            secrets.append(credentials_secret(spec, current))
        return values, secrets

    def _vault_read(self, spec):
        from ansible_collections.mas.platform.plugins.module_utils.vault.client import VaultSession
        from ansible_collections.mas.platform.plugins.module_utils.vault.kv import read_kv
        vault = spec["vault"]
        session = VaultSession(dict(url=vault["url"], token=vault.get("token") or os.environ.get("VAULT_TOKEN"),
                                    ca_cert=os.environ.get("VAULT_CACERT"), validate_certs=True))
        data, version = read_kv(session, vault["mount"], vault["path"])
        return session, data or {}, version

    def _vault_write(self, session, spec, values, version):
        from ansible_collections.mas.platform.plugins.module_utils.vault.kv import write_kv
        write_kv(session, spec["vault"]["mount"], spec["vault"]["path"], values, version)

    # -- one step ------------------------------------------------------------------------

    def _record(self, obj, changed, before, after):
        self.objects.append(dict(id=object_id(obj), changed=changed, action=action(changed, before, after)))
        if changed:
            self.diffs.append(dict(before=redact(comparable(before)), after=redact(comparable(after)),
                                   before_header=object_id(obj), after_header=object_id(obj)))

    def _adopt(self, obj, default_namespace, kinds, changed_ids):
        """Take over an object that a controller of one of ``kinds`` owns (cert-manager's
        ingress-shim makes <agent>-ingress-tls owned by the Ingress, and would keep
        rewriting it): its controller owner reference is dropped, nothing else."""
        resource, namespace = self.applier.placed(obj, default_namespace)
        live = self.applier.current(obj, resource, namespace)
        owners = ((live or {}).get("metadata") or {}).get("ownerReferences") or []
        if not any(o.get("kind") in kinds and o.get("controller") for o in owners):
            return
        kept = [o for o in owners if not (o.get("kind") in kinds and o.get("controller"))]
        if not self.check_mode:
            self.applier.release_owners(resource, live, kept)
        self._record(obj, True, live, dict(live, metadata=dict(live["metadata"], ownerReferences=kept)))
        changed_ids.append(object_id(obj))

    def _require_existing(self, step, definitions, default_namespace):
        """A step that only changes existing objects refuses to create one: the server-side
        apply would make it with the step's fields alone (a namespace without its quota and
        Pod Security labels)."""
        missing = []
        for obj in definitions:
            resource, namespace = self.applier.placed(obj, default_namespace)
            if self.applier.current(obj, resource, namespace) is None:
                missing.append(object_id(obj))
        if missing:
            raise PlatformError("this step changes existing objects only, and %s %s not exist: the role or step that "
                                "makes %s runs first" % (", ".join(missing), "does" if len(missing) == 1 else "do",
                                                         "it" if len(missing) == 1 else "them"))

    def run_step(self, step, default_namespace, timeout):
        started = time.monotonic()
        credentials, secrets = self._credentials(step)
        definitions = secrets + [substitute(d, credentials) for d in step["definitions"] if d]
        create_only = [d for d in step["create_only"] if d]
        self.applier.prefetch(definitions + create_only, default_namespace)
        if step["existing_only"] and not self.check_mode:
            self._require_existing(step, definitions, default_namespace)
        changed_ids, applied = [], []
        for obj in create_only:
            changed, before, after = self.applier.create_only(obj, default_namespace,
                                                              field_manager=self.params["field_manager"] + "-initial")
            if changed:
                self._record(obj, changed, before, after)
                changed_ids.append(object_id(obj))
        for obj in definitions:
            if step["adopt"]:
                self._adopt(obj, default_namespace, step["adopt"], changed_ids)
            try:
                changed, before, after = self.applier.apply(obj, default_namespace, step["recreate_immutable"])
            except PlatformError as exc:
                if step.get("immutable_hint") and exc.details.get("status") == 422:
                    raise PlatformError("%s; %s" % (exc.msg, step["immutable_hint"]), **exc.details)
                raise
            self._record(obj, changed, before, after)
            if changed:
                changed_ids.append(object_id(obj))
            applied.append(after)
            if obj["kind"] == "StorageClass" and \
                    ((obj.get("metadata") or {}).get("annotations") or {}).get(DEFAULT_CLASS_ANNOTATION) == "true":
                for other in self.applier.unmark_other_default_classes(obj["metadata"]["name"]):
                    marked = dict(other, metadata=dict(other["metadata"], annotations=dict(
                        other["metadata"].get("annotations") or {}, **{DEFAULT_CLASS_ANNOTATION: "false"})))
                    self._record(other, True, other, marked)
                    changed_ids.append(object_id(other))
        wanted = set(object_id(a) for a in applied)
        for selection in step["prune"]:
            for stale in self.applier.stale(selection, wanted):
                changed, before = self.applier.delete(stale)
                self._record(stale, changed, before, None)
                if changed:
                    changed_ids.append(object_id(stale))
        watched = [a for a in applied if a and a.get("kind") in step["wait_kinds"]]
        live = dict((object_id(a), a) for a in watched)
        waited = 0.0
        if step["wait"] and self.params["wait"] and not self.check_mode and watched:
            if not all(readiness(a).ready for a in watched):
                wait_started = time.monotonic()
                live = wait_ready(self.reader, watched, timeout)
                waited = time.monotonic() - wait_started
        result = dict(
            name=step["name"],
            changed=bool(changed_ids),
            changed_objects=changed_ids,
            workloads=[_live(o) for o in live.values()],
            readiness=dict((oid, readiness(o).as_dict()) for oid, o in live.items()),
            waited=round(waited, 1),
            seconds=round(time.monotonic() - started, 1),
        )
        if step["report_pods"] and not self.check_mode:
            result["pods"] = {}
            problems = []
            for oid, obj in live.items():
                if obj and obj.get("kind") in ("Deployment", "StatefulSet"):
                    pods = self.reader.pods(obj)
                    result["pods"][oid] = [pod_summary(p) for p in pods]
                    if step["wait"] and self.params["wait"]:
                        problems.extend(self.verifier.verify_workload(obj, pods))
            if problems:
                raise PlatformError("not as the spec says: %s" % "; ".join(problems), step=result)
        return result

    def run(self, steps):
        timeout = self.params["wait_timeout"]
        for step in steps:
            self.applier.field_manager = step.get("field_manager") or self.params["field_manager"]
            try:
                self.results.append(self.run_step(step, self.params["namespace"], timeout))
            except PlatformError as exc:
                raise PlatformError("step %s: %s" % (step["name"], exc.msg),
                                    steps=self.results, changed=bool(self.changed_objects()), **exc.details)
        return dict(
            changed=bool(self.changed_objects()),
            objects=self.objects,
            changed_objects=self.changed_objects(),
            steps=self.results,
            diff=self.diffs,
        )

    def delete(self, definitions):
        """Delete the objects that exist (state=absent)."""
        for obj in [d for d in definitions if d]:
            changed, before = self.applier.delete(obj, self.params["namespace"])
            self._record(obj, changed, before, None)
        return dict(changed=bool(self.changed_objects()), objects=self.objects,
                    changed_objects=self.changed_objects(), steps=[], diff=self.diffs)

    def changed_objects(self):
        return [o["id"] for o in self.objects if o["changed"]]


def normalize_steps(params):
    """The steps of a call: ``steps`` as given (validated by the module's argument spec,
    STEP_OPTIONS), or one step of ``definitions``."""
    if params.get("steps") is None:
        step = dict((key, spec.get("default")) for key, spec in STEP_OPTIONS.items())
        step.update(name="apply", definitions=params.get("definitions") or [])
        return [step]
    return params["steps"]
