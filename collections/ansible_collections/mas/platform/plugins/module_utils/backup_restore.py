# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restoring a backup: verify everything, say what will be overwritten, write, validate.

1. Resolve the backup (an id, or ``latest``: the newest complete backup of the kind) and
   check its signature with the encryption key.
2. Download every chunk of the selected items and verify it: each chunk's SHA-256, each
   item's byte count, SHA-256 and record count, and the decryption of encrypted records.
   The first mismatch fails the restore, naming the item and the chunk object, before
   anything is written.
3. Plan, component by component, against what is there now: which Kubernetes objects,
   keys, definitions and files would be created or overwritten, which databases replaced.
   Check mode stops here and reports the plan.
4. Write, in dependency order (module_utils/backup_options.py ``RESTORE_ORDER``).
5. Validate: read everything back and compare it with the backup (record counts and
   content; MongoDB collection counts and replica set health). A failed validation fails
   the module with what did not match.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.mas.platform.plugins.module_utils.backup_crypto import check_key_matches, load_key
from ansible_collections.mas.platform.plugins.module_utils.backup_format import parse_records
from ansible_collections.mas.platform.plugins.module_utils.backup_jobs import (
    JobRunner,
    mongodb_restore_job,
    mongodb_validation,
    neo4j_artifact,
    neo4j_check_job,
    neo4j_load_job,
    parse_log_values,
)
from ansible_collections.mas.platform.plugins.module_utils.backup_kubernetes import (
    KubernetesState,
    from_payload,
    parse_selector,
    selector_matches_object,
)
from ansible_collections.mas.platform.plugins.module_utils.backup_options import KIND_COMPONENTS, RESTORE_ORDER
from ansible_collections.mas.platform.plugins.module_utils.backup_rabbitmq import RabbitMQDefinitions, compare, describe_key
from ansible_collections.mas.platform.plugins.module_utils.backup_consul import ConsulKV
from ansible_collections.mas.platform.plugins.module_utils.backup_redis import RedisData
from ansible_collections.mas.platform.plugins.module_utils.backup_sources import ModelRegistry, write_restored_file
from ansible_collections.mas.platform.plugins.module_utils.backup_store import BackupStore
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.k8s import connect

# How many names of created or overwritten things a plan lists per component.
PLAN_EXAMPLES = 20


class VerifiedItem(object):
    """An item whose every chunk was verified: records in memory, a file spooled."""

    def __init__(self, entry, records=None, spool=None):
        self.entry = entry
        self.records = records
        self.spool = spool

    @property
    def name(self):
        return self.entry["name"]

    def read(self):
        self.spool.seek(0)
        return self.spool.read()

    def stream(self):
        self.spool.seek(0)
        return self.spool


class RestoreRun(object):
    def __init__(self, module, store=None):
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.kind = self.params["kind"]
        self.store = store or BackupStore(self.params["store"])
        self.key = load_key(self.params.get("encryption_key"))
        self._kube = None
        self.notes = []

    def kube(self):
        if self._kube is None:
            client, endpoint = connect(self.params)
            self._kube = KubernetesState(client, endpoint, self.params["kubernetes"], check_mode=self.check_mode)
        return self._kube

    # -- 1. resolve ---------------------------------------------------------------------------

    def resolve(self):
        self.store.check_bucket()
        wanted = self.params.get("backup") or "latest"
        ids = self.store.manifest_ids(self.kind)
        if not ids:
            raise PlatformError("no %s backup in %s" % (self.kind, self.store.url(self.store.key("manifests", self.kind))))
        if wanted != "latest":
            if wanted not in ids:
                raise PlatformError("backup: no %s backup %s in %s (the newest is %s)"
                                    % (self.kind, wanted, self.store.url(self.store.prefix), ids[-1]))
            manifest = self.store.get_manifest(self.kind, wanted)
        else:
            manifest = None
            for candidate in reversed(ids):
                found = self.store.get_manifest(self.kind, candidate)
                if found.get("status") == "complete":
                    manifest = found
                    break
            if manifest is None:
                raise PlatformError("no complete %s backup in %s" % (self.kind, self.store.url(self.store.prefix)))
        where = self.store.url(self.store.manifest_key(self.kind, manifest["id"]))
        if manifest.get("status") != "complete":
            raise PlatformError("%s is not a complete backup (status %s)" % (where, manifest.get("status")))
        check_key_matches(manifest, self.key, where)
        return manifest

    def components(self, manifest):
        present = [c for c in RESTORE_ORDER if any(i["component"] == c for i in manifest["items"])]
        wanted = self.params.get("components")
        if not wanted:
            return present
        allowed = KIND_COMPONENTS[self.kind]
        unknown = [c for c in wanted if c not in allowed]
        if unknown:
            raise PlatformError("components: %s not part of a %s backup (it holds %s)"
                                % (", ".join(unknown), self.kind, ", ".join(allowed)))
        absent = [c for c in wanted if c not in present]
        if absent:
            raise PlatformError("components: backup %s holds no %s" % (manifest["id"], ", ".join(absent)))
        return [c for c in present if c in wanted]

    # -- 2. verify ----------------------------------------------------------------------------

    def verify(self, manifest, components):
        verified = {}
        for entry in manifest["items"]:
            if entry["component"] not in components:
                continue
            where = "item %s of backup %s/%s" % (entry["name"], self.kind, manifest["id"])
            digest, size = hashlib.sha256(), 0
            spool = tempfile.TemporaryFile()
            for data in self.fetch(entry["chunks"], where):
                digest.update(data)
                size += len(data)
                spool.write(data)
            if size != entry["bytes"] or digest.hexdigest() != entry["sha256"]:
                raise PlatformError("checksum mismatch in %s: its chunks hold %d bytes with SHA-256 %s, the manifest "
                                    "says %d bytes with %s; nothing was restored"
                                    % (where, size, digest.hexdigest(), entry["bytes"], entry["sha256"]))
            item = VerifiedItem(entry, spool=spool)
            if entry["format"] == "records":
                records = parse_records(item.read(), where)
                spool.close()
                if len(records) != entry.get("records", len(records)):
                    raise PlatformError("record count mismatch in %s: %d records, the manifest says %d"
                                        % (where, len(records), entry["records"]))
                if entry.get("encrypted"):
                    if self.key is None:
                        raise PlatformError("%s is encrypted: set encryption_key (or MAS_BACKUP_ENCRYPTION_KEY)" % where)
                    records = [(k, self.key.decrypt(k, p, where)) for k, p in records]
                item = VerifiedItem(entry, records=records)
            verified.setdefault(entry["component"], []).append(item)
        return verified

    def fetch(self, refs, where, parallel=8):
        """The verified chunks, in order, downloaded ``parallel`` at a time."""
        with ThreadPoolExecutor(max_workers=parallel) as pool:
            for start in range(0, len(refs), 4 * parallel):
                yield from pool.map(lambda ref: self.store.get_chunk(ref, where), refs[start:start + 4 * parallel])

    # -- 3.-5. --------------------------------------------------------------------------------

    def run(self):
        manifest = self.resolve()
        self.backup = manifest["id"]
        components = self.components(manifest)
        verified = self.verify(manifest, components)
        plans, private = {}, {}
        for component in components:
            plans[component], private[component] = HANDLERS[component].plan(self, verified.get(component, []))
        result = dict(backup=dict(id=manifest["id"], kind=self.kind, created=manifest["created"]),
                      components=components, plan=plans, notes=self.notes)
        if not self.check_mode:
            validation = {}
            for component in components:
                handler = HANDLERS[component]
                if plans[component].get("changed"):
                    handler.apply(self, verified.get(component, []), plans[component], private[component])
                validation[component] = handler.validate(self, verified.get(component, []), plans[component],
                                                         private[component])
            result["validation"] = validation
            failed = [c for c, v in validation.items() if not v.get("ok")]
            if failed:
                raise PlatformError("restored backup %s/%s, but the validation failed for %s: %s"
                                    % (self.kind, manifest["id"], ", ".join(failed),
                                       "; ".join("%s: %s" % (c, _failure(validation[c])) for c in failed)),
                                    validation=validation, plan=plans)
        result["changed"] = any(plan.get("changed") for plan in plans.values())
        result["diff"] = dict(
            before=dict((c, dict(absent=p.get("create"), different=p.get("overwrite"), replaced=p.get("replace")))
                        for c, p in plans.items() if p.get("changed")),
            after=dict((c, "as in backup %s/%s" % (self.kind, manifest["id"])) for c, p in plans.items() if p.get("changed")))
        return result


def _failure(validation):
    return ", ".join("%s %s" % (k, v) for k, v in sorted(validation.items())
                     if k not in ("ok",) and v not in (0, [], {}, None, True))


def _names(keys):
    return [k.decode("utf-8", "replace") if isinstance(k, bytes) else k for k in keys[:PLAN_EXAMPLES]]


# -- component handlers ------------------------------------------------------------------------
# plan(run, items) -> (plan for the result, private state); apply(run, items, plan, private);
# validate(run, items, plan, private) -> dict with ok.

class KubernetesHandler(object):
    @staticmethod
    def objects(run, items):
        params = run.params["kubernetes"]
        kinds = params.get("kinds")
        namespaces = params.get("namespaces") or []
        selector = parse_selector(params.get("label_selector") or "")
        objects = []
        for item in items:
            for _key, payload in item.records:
                obj = from_payload(payload)
                if kinds and "%s/%s" % (obj["apiVersion"], obj["kind"]) not in kinds:
                    continue
                namespace = (obj.get("metadata") or {}).get("namespace")
                if namespaces and namespace and namespace not in namespaces:
                    continue
                if not selector_matches_object(selector, obj):
                    continue
                objects.append(obj)
        return objects

    @staticmethod
    def _describe(plan, objects):
        return dict(objects=len(objects), create=plan["create"], overwrite=plan["overwrite"],
                    unchanged=len(plan["unchanged"]), fields=plan["fields"],
                    changed=bool(plan["create"] or plan["overwrite"]))

    def plan(self, run, items):
        objects = self.objects(run, items)
        # A server-side dry run: exactly what the apply would change.
        dry_run = KubernetesState(run.kube().client, run.kube().endpoint, run.params["kubernetes"], check_mode=True)
        return self._describe(dry_run.apply(objects), objects), objects

    def apply(self, run, items, plan, objects):
        plan.update(self._describe(run.kube().apply(objects), objects))
        if run.params["wait"]:
            run.kube().wait_for_workloads(objects, run.params["wait_timeout"])

    def validate(self, run, items, plan, objects):
        return run.kube().validate(objects)


class RedisHandler(object):
    def plan(self, run, items):
        data = RedisData(run.params["redis"])
        dbs = {}
        for item in items:
            db = item.entry.get("meta", {}).get("db", 0)
            dbs[db] = data.plan(db, item.records)
        create = sum((p["create"] for p in dbs.values()), [])
        overwrite = sum((p["overwrite"] for p in dbs.values()), [])
        deleting = run.params["redis"].get("delete_extra_keys")
        extra = sum(len(p["extra"]) for p in dbs.values())
        plan = dict(changed=bool(create or overwrite or (deleting and extra)),
                    create=_names(create), overwrite=_names(overwrite),
                    create_count=len(create), overwrite_count=len(overwrite),
                    unchanged=sum(p["unchanged"] for p in dbs.values()),
                    expired=sum(len(p["expired"]) for p in dbs.values()),
                    extra=extra, delete_extra=bool(deleting))
        return plan, dbs

    def apply(self, run, items, plan, dbs):
        data = RedisData(run.params["redis"])
        for item in items:
            db = item.entry.get("meta", {}).get("db", 0)
            data.restore(db, item.records, dbs[db])

    def validate(self, run, items, plan, dbs):
        data = RedisData(run.params["redis"])
        results = [data.validate(item.entry.get("meta", {}).get("db", 0), item.records) for item in items]
        return dict(keys=sum(r["keys"] for r in results), missing=sum(r["missing"] for r in results),
                    differ=sum(r["differ"] for r in results), examples=sum((r["examples"] for r in results), [])[:5],
                    ok=all(r["ok"] for r in results))


class RabbitMQHandler(object):
    @staticmethod
    def records(items):
        return [record for item in items for record in item.records]

    def plan(self, run, items):
        plain, secret, _version = RabbitMQDefinitions(run.params["rabbitmq"]).records()
        plan = compare(self.records(items), plain + secret)
        return dict(changed=bool(plan["create"] or plan["overwrite"]),
                    create=[describe_key(k) for k in plan["create"]][:PLAN_EXAMPLES],
                    overwrite=[describe_key(k) for k in plan["overwrite"]][:PLAN_EXAMPLES],
                    create_count=len(plan["create"]), overwrite_count=len(plan["overwrite"]),
                    unchanged=plan["unchanged"], extra=len(plan["extra"])), None

    def apply(self, run, items, plan, _private):
        version = next((i.entry.get("meta", {}).get("version") for i in items if i.entry.get("meta")), None)
        RabbitMQDefinitions(run.params["rabbitmq"]).import_records(self.records(items), version)

    def validate(self, run, items, plan, _private):
        plain, secret, _version = RabbitMQDefinitions(run.params["rabbitmq"]).records()
        after = compare(self.records(items), plain + secret)
        return dict(definitions=len(self.records(items)), missing=[describe_key(k) for k in after["create"]],
                    differ=[describe_key(k) for k in after["overwrite"]],
                    ok=not after["create"] and not after["overwrite"])


class ConsulHandler(object):
    def plan(self, run, items):
        current = ConsulKV(run.params["consul"]).records()
        records = [r for item in items for r in item.records]
        plan = compare(records, current)
        todo = set(plan["create"]) | set(plan["overwrite"])
        return dict(changed=bool(todo), create=_names(plan["create"]), overwrite=_names(plan["overwrite"]),
                    create_count=len(plan["create"]), overwrite_count=len(plan["overwrite"]),
                    unchanged=plan["unchanged"], extra=len(plan["extra"])), [r for r in records if r[0] in todo]

    def apply(self, run, items, plan, todo):
        ConsulKV(run.params["consul"]).write(todo)

    def validate(self, run, items, plan, _todo):
        after = compare([r for item in items for r in item.records], ConsulKV(run.params["consul"]).records())
        return dict(keys=sum(len(i.records) for i in items), missing=_names(after["create"]),
                    differ=_names(after["overwrite"]), ok=not after["create"] and not after["overwrite"])


class MongoDBHandler(object):
    def plan(self, run, items):
        meta = items[0].entry.get("meta") or {}
        return dict(changed=True, replace="every database of the replica set (mongorestore --drop)",
                    collections=len(meta.get("counts") or {}), bytes=items[0].entry["bytes"]), {}

    def apply(self, run, items, plan, private):
        key = run.store.staging_key(run.backup, "mongodb/mongodb.archive.gz")
        run.store.put(key, items[0].stream())
        try:
            job = mongodb_restore_job(run.store, run.backup, run.params["mongodb"], run.params["jobs"])
            private["log"] = JobRunner(run.kube()).run(job, run.params["wait_timeout"])
        finally:
            run.store.delete([key])

    def validate(self, run, items, plan, private):
        meta = items[0].entry.get("meta") or {}
        result = mongodb_validation(private.get("log", ""), meta.get("counts") or {})
        if not meta.get("counts_exact", True) and result["differ"]:
            # Writes landed while the backup's dump ran: its counts are not exact.
            run.notes.append("MongoDB counts differ from the backup's, which were read while the database was written "
                             "to: %s" % result["differ"])
            result["ok"] = not result["missing"] and result["replica_set_healthy"]
        return result


class Neo4jHandler(object):
    def plan(self, run, items):
        params = run.params["neo4j"]
        return dict(changed=True, replace="database %s (neo4j-admin, server stopped while it loads)" % params["database"],
                    bytes=items[0].entry["bytes"]), {}

    def apply(self, run, items, plan, private):
        params = run.params["neo4j"]
        key = run.store.staging_key(run.backup, "neo4j/%s" % neo4j_artifact(params))
        run.store.put(key, items[0].stream())
        runner = JobRunner(run.kube())
        timeout = run.params["wait_timeout"]
        try:
            replicas = runner.scale(params["namespace"], params["statefulset"], 0)
            try:
                runner.wait_scaled(params["namespace"], params["statefulset"], 0, timeout)
                runner.run(neo4j_load_job(run.store, run.backup, params, run.params["jobs"]), timeout)
            finally:
                runner.scale(params["namespace"], params["statefulset"], replicas or 1)
            runner.wait_scaled(params["namespace"], params["statefulset"], replicas or 1, timeout)
            private["log"] = runner.run(neo4j_check_job(run.backup, params, run.params["jobs"]), timeout)
        finally:
            run.store.delete([key])

    def validate(self, run, items, plan, private):
        values = parse_log_values(private.get("log", ""))
        online = "nodes" in values and "relationships" in values
        return dict(online=online, nodes=values.get("nodes"), relationships=values.get("relationships"), ok=online)


class ModelsHandler(object):
    def plan(self, run, items):
        registry = ModelRegistry(run.params["models"], run.store.api)
        create, overwrite, unchanged = [], [], 0
        for item in items:
            key = registry.key_of(item.name)
            head = registry.head(key)
            if head is None:
                create.append(key)
            elif not _same_object(head, item.entry):
                overwrite.append(key)
            else:
                unchanged += 1
        return dict(changed=bool(create or overwrite), create=create[:PLAN_EXAMPLES], overwrite=overwrite[:PLAN_EXAMPLES],
                    create_count=len(create), overwrite_count=len(overwrite), unchanged=unchanged), \
            set(create) | set(overwrite)

    def apply(self, run, items, plan, todo):
        registry = ModelRegistry(run.params["models"], run.store.api)
        for item in items:
            key = registry.key_of(item.name)
            if key in todo:
                registry.write(key, item.stream())

    def validate(self, run, items, plan, _todo):
        registry = ModelRegistry(run.params["models"], run.store.api)
        wrong = [registry.key_of(i.name) for i in items if not _same_object(registry.head(registry.key_of(i.name)), i.entry)]
        return dict(files=len(items), differ=wrong[:PLAN_EXAMPLES], ok=not wrong)


def _same_object(head, entry):
    """An object in the registry holds the item's content: same size, and the same SHA-256
    when S3 has a full-object checksum (else the same ETag as at backup time)."""
    if head is None or head.get("ContentLength") != entry["bytes"]:
        return False
    checksum = head.get("ChecksumSHA256")
    if checksum and "-" not in checksum:
        return base64.b64decode(checksum).hex() == entry["sha256"]
    version = entry.get("source_version") or ""
    return version.split(":", 1)[-1] == (head.get("ETag") or "").strip('"')


class MetricsHandler(object):
    def plan(self, run, items):
        directory = run.params["prometheus"].get("restore_dir")
        if not directory:
            raise PlatformError("prometheus.restore_dir: where to write the snapshot's blocks (a Prometheus data "
                                "directory with Prometheus stopped, or a new one to start Prometheus on)")
        create, overwrite, unchanged = [], [], 0
        for item in items:
            relative = item.name.split("/", 1)[1]
            path = os.path.join(directory, relative)
            if not os.path.exists(path):
                create.append(relative)
            elif _file_sha256(path) != item.entry["sha256"]:
                overwrite.append(relative)
            else:
                unchanged += 1
        return dict(changed=bool(create or overwrite), directory=directory, create=create[:PLAN_EXAMPLES],
                    overwrite=overwrite[:PLAN_EXAMPLES], create_count=len(create), overwrite_count=len(overwrite),
                    unchanged=unchanged), None

    def apply(self, run, items, plan, _private):
        for item in items:
            write_restored_file(plan["directory"], item.name.split("/", 1)[1], item.read())

    def validate(self, run, items, plan, _private):
        wrong = [i.name for i in items
                 if _file_sha256(os.path.join(plan["directory"], i.name.split("/", 1)[1])) != i.entry["sha256"]]
        return dict(files=len(items), differ=wrong[:PLAN_EXAMPLES], ok=not wrong)


def _file_sha256(path):
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for piece in iter(lambda: handle.read(1024 * 1024), b""):
                digest.update(piece)
    except OSError:
        return None
    return digest.hexdigest()


HANDLERS = dict(kubernetes=KubernetesHandler(), redis=RedisHandler(), rabbitmq=RabbitMQHandler(),
                consul=ConsulHandler(), mongodb=MongoDBHandler(), neo4j=Neo4jHandler(), models=ModelsHandler(),
                prometheus=MetricsHandler())
