# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Restoring a backup: verify it all, say what will be overwritten, write, validate.

1. Open the repository and resolve the snapshot (an id, or ``latest``: the newest
   snapshot of the kind and platform that holds the components asked for). A missing
   repository, a wrong password, a snapshot of another kind or platform: refused.
2. ``restic restore`` the snapshot's files (the components asked for) into a private
   temporary directory. restic authenticates every blob it reads: a damaged, truncated
   or missing pack fails the restore here. Then every file is checked against the
   snapshot's contents.json (size, SHA-256). Any failure refuses the restore, naming the
   repository and the snapshot, before anything is planned or written.
3. Plan, component by component, against what is there now: which Kubernetes objects,
   keys, definitions and files would be created or overwritten, which databases
   replaced. Check mode stops here and reports the plan.
4. Write, in dependency order (module_utils/backup/options.py ``RESTORE_ORDER``).
5. Validate: read everything back and compare it with the snapshot (record counts and
   content, file digests; MongoDB collection counts and replica set health). A failed
   validation fails the module with what did not match.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import os
import shutil
import time

from ansible_collections.mas.platform.plugins.module_utils.backup.consul import Consul, records_from_kv
from ansible_collections.mas.platform.plugins.module_utils.backup.jobs import (
    JobRunner,
    mongodb_restore_job,
    mongodb_validation,
    neo4j_artifact,
    neo4j_check_job,
    neo4j_load_job,
    parse_log_values,
)
from ansible_collections.mas.platform.plugins.module_utils.backup.kubernetes import (
    KubernetesState,
    parse_selector,
    selector_matches_object,
)
from ansible_collections.mas.platform.plugins.module_utils.backup.options import (
    components_for,
    open_repository,
    RESTORE_ORDER,
)
from ansible_collections.mas.platform.plugins.module_utils.backup.rabbitmq import (
    definition_records,
    describe_key,
    RabbitMQDefinitions,
)
from ansible_collections.mas.platform.plugins.module_utils.backup.redis import RedisData, records_from_lines
from ansible_collections.mas.platform.plugins.module_utils.backup.restic import describe, tag_values
from ansible_collections.mas.platform.plugins.module_utils.backup.snapshot import (
    compare,
    CONTENTS,
    file_sha256,
    private_directory,
    RestoredSnapshot,
)
from ansible_collections.mas.platform.plugins.module_utils.backup.sources import ModelRegistry, write_restored_file
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.k8s.client import connect

# How many names of created or overwritten things a plan lists per component.
PLAN_EXAMPLES = 20


class RestoreRun(object):
    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.kind = self.params["kind"]
        self.platform = self.params["platform"]
        self.wanted = self.params.get("backup") or "latest"
        self.location, self.repository = open_repository(module)
        # Names the staging objects and Jobs of this run.
        self.staging_run = time.strftime("restore-%Y%m%dT%H%M%SZ", time.gmtime())
        self._kube = None
        self.notes = []

    def kube(self):
        if self._kube is None:
            client, endpoint = connect(self.params)
            self._kube = KubernetesState(client, endpoint, self.params["kubernetes"], check_mode=self.check_mode)
        return self._kube

    # -- 1.-2. resolve and verify -----------------------------------------------------------------

    def resolve(self, components):
        """The snapshot to restore; PlatformError when there is none or it is not ours."""
        self.location.check_bucket()
        ours = ["kind=%s" % self.kind, "platform=%s" % self.platform]
        listed = self.repository.snapshots(tags=ours if self.wanted == "latest" else None, missing_ok=True)
        if listed is None:
            raise PlatformError("no restic repository at %s" % self.repository.url)
        if self.wanted == "latest":
            candidates = [s for s in listed if set(components or ()) <= set(tag_values(s, "component"))]
            if not candidates:
                raise PlatformError("no %s snapshot of platform %s%s in %s" % (
                    self.kind, self.platform, " holding %s" % ", ".join(components) if components else "",
                    self.repository.url))
            return candidates[-1]
        snapshot = self.repository.find(self.wanted, listed)
        if snapshot is None:
            raise PlatformError("backup: no snapshot %s in %s" % (self.wanted, self.repository.url))
        if tag_values(snapshot, "kind") != [self.kind] or tag_values(snapshot, "platform") != [self.platform]:
            raise PlatformError("snapshot %s in %s is not a %s snapshot of platform %s (its tags: %s)" % (
                snapshot["short_id"], self.repository.url, self.kind, self.platform,
                ", ".join(snapshot.get("tags") or []) or "none"))
        return snapshot

    def components(self, snapshot):
        """The components to restore: those asked for (all of the snapshot's when none)."""
        present = [c for c in RESTORE_ORDER if c in tag_values(snapshot, "component")]
        wanted = self.params.get("components")
        if not wanted:
            return present
        wanted = components_for(self.kind, wanted)
        absent = [c for c in wanted if c not in present]
        if absent:
            raise PlatformError("components: snapshot %s in %s holds no %s" % (
                snapshot["short_id"], self.repository.url, ", ".join(absent)))
        return [c for c in present if c in wanted]

    def fetch(self, snapshot, components, directory):
        """restic restores the snapshot's files into ``directory``; every file is checked."""
        self.repository.restore(snapshot["id"], directory, ["/" + CONTENTS] + ["/%s" % c for c in components])
        restored = RestoredSnapshot(directory, "snapshot %s in %s" % (snapshot["short_id"], self.repository.url))
        restored.verify(components)
        return restored

    # -- 3.-5. ---------------------------------------------------------------------------------

    def run(self):
        directory = private_directory("mas-restore-")
        snapshot = None
        try:
            try:
                wanted = self.params.get("components")
                snapshot = self.resolve(components_for(self.kind, wanted) if wanted else None)
                components = self.components(snapshot)
                restored = self.fetch(snapshot, components, directory)
            except PlatformError as exc:
                label = self.wanted
                if snapshot is not None and not snapshot["id"].startswith(self.wanted):
                    label = "%s (%s)" % (self.wanted, snapshot["short_id"])
                raise PlatformError("restore refused, nothing was restored: %s (store s3://%s/%s, %s snapshot %s of "
                                    "platform %s)" % (exc.msg, self.location.bucket, self.location.prefix, self.kind,
                                                      label, self.platform))
            return self.restore(snapshot, components, restored)
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    def restore(self, snapshot, components, restored):
        plans, private = {}, {}
        files = dict((c, restored.files(c)) for c in components)
        for component in components:
            plans[component], private[component] = HANDLERS[component].plan(self, files[component])
        backup = describe(snapshot)
        result = dict(backup=backup, components=components, plan=plans, notes=self.notes)
        if not self.check_mode:
            validation = {}
            for component in components:
                handler = HANDLERS[component]
                if plans[component].get("changed"):
                    handler.apply(self, files[component], plans[component], private[component])
                validation[component] = handler.validate(self, files[component], plans[component], private[component])
            result["validation"] = validation
            failed = [c for c, v in validation.items() if not v.get("ok")]
            if failed:
                raise PlatformError("restored snapshot %s, but the validation failed for %s: %s"
                                    % (backup["id"], ", ".join(failed),
                                       "; ".join("%s: %s" % (c, _failure(validation[c])) for c in failed)),
                                    validation=validation, plan=plans)
        result["changed"] = any(plan.get("changed") for plan in plans.values())
        result["diff"] = dict(
            before=dict((c, dict(absent=p.get("create"), different=p.get("overwrite"), replaced=p.get("replace")))
                        for c, p in plans.items() if p.get("changed")),
            after=dict((c, "as in snapshot %s" % backup["id"]) for c, p in plans.items() if p.get("changed")))
        return result


def _failure(validation):
    return ", ".join("%s %s" % (k, v) for k, v in sorted(validation.items())
                     if k not in ("ok",) and v not in (0, [], {}, None, True))


def _names(keys):
    return [k.decode("utf-8", "replace") if isinstance(k, bytes) else k for k in keys[:PLAN_EXAMPLES]]


def _record_plan(records, current, describe_name=None):
    """The plan of a component restored record by record (Redis aside)."""
    plan = compare(records, current)
    name = describe_name or (lambda k: k.decode("utf-8", "replace"))
    return dict(changed=bool(plan["create"] or plan["overwrite"]),
                create=[name(k) for k in plan["create"]][:PLAN_EXAMPLES],
                overwrite=[name(k) for k in plan["overwrite"]][:PLAN_EXAMPLES],
                create_count=len(plan["create"]), overwrite_count=len(plan["overwrite"]),
                unchanged=plan["unchanged"], extra=len(plan["extra"]))


# -- component handlers ------------------------------------------------------------------------
# plan(run, files) -> (plan for the result, private state); apply(run, files, plan, private);
# validate(run, files, plan, private) -> dict with ok.

class KubernetesHandler(object):
    @staticmethod
    def objects(run, files):
        params = run.params["kubernetes"]
        kinds = params.get("kinds")
        namespaces = params.get("namespaces") or []
        selector = parse_selector(params.get("label_selector") or "")
        objects = []
        for restored in files:
            for obj in restored.lines():
                if kinds and "%s/%s" % (obj["apiVersion"], obj["kind"]) not in kinds:
                    continue
                namespace = (obj.get("metadata") or {}).get("namespace")
                if namespaces and namespace and namespace not in namespaces:
                    continue
                if selector_matches_object(selector, obj):
                    objects.append(obj)
        return objects

    @staticmethod
    def _describe(plan, objects):
        return dict(objects=len(objects), create=plan["create"], overwrite=plan["overwrite"],
                    unchanged=len(plan["unchanged"]), fields=plan["fields"],
                    changed=bool(plan["create"] or plan["overwrite"]))

    def plan(self, run, files):
        objects = self.objects(run, files)
        # A server-side dry run: exactly what the apply would change.
        dry_run = KubernetesState(run.kube().client, run.kube().endpoint, run.params["kubernetes"], check_mode=True)
        return self._describe(dry_run.apply(objects), objects), objects

    def apply(self, run, files, plan, objects):
        plan.update(self._describe(run.kube().apply(objects), objects))
        if run.params["wait"]:
            run.kube().wait_for_workloads(objects, run.params["wait_timeout"])

    def validate(self, run, files, plan, objects):
        return run.kube().validate(objects)


class RedisHandler(object):
    @staticmethod
    def databases(files):
        return [(f.meta.get("db", 0), records_from_lines(f.lines())) for f in files]

    def plan(self, run, files):
        data = RedisData(run.params["redis"])
        databases = self.databases(files)
        dbs = dict((db, data.plan(db, records)) for db, records in databases)
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
        return plan, dict(dbs=dbs, databases=databases)

    def apply(self, run, files, plan, private):
        data = RedisData(run.params["redis"])
        for db, records in private["databases"]:
            data.restore(db, records, private["dbs"][db])

    def validate(self, run, files, plan, private):
        data = RedisData(run.params["redis"])
        results = [data.validate(db, records) for db, records in private["databases"]]
        return dict(keys=sum(r["keys"] for r in results), missing=sum(r["missing"] for r in results),
                    differ=sum(r["differ"] for r in results), examples=sum((r["examples"] for r in results), [])[:5],
                    ok=all(r["ok"] for r in results))


class RabbitMQHandler(object):
    def plan(self, run, files):
        body = files[0].json()
        records = definition_records(body)
        current = RabbitMQDefinitions(run.params["rabbitmq"]).records()
        return _record_plan(records, current, describe_key), dict(body=body, records=records)

    def apply(self, run, files, plan, private):
        RabbitMQDefinitions(run.params["rabbitmq"]).import_definitions(private["body"])

    def validate(self, run, files, plan, private):
        after = compare(private["records"], RabbitMQDefinitions(run.params["rabbitmq"]).records())
        return dict(definitions=len(private["records"]), missing=[describe_key(k) for k in after["create"]],
                    differ=[describe_key(k) for k in after["overwrite"]],
                    ok=not after["create"] and not after["overwrite"])


class ConsulHandler(object):
    """A Consul snapshot replaces the servers' whole state: KV, ACLs, sessions, catalog."""

    @staticmethod
    def _files(files):
        return dict((f.name.rsplit("/", 1)[-1], f) for f in files)

    def plan(self, run, files):
        records = records_from_kv(self._files(files)["kv.jsonl"].lines())
        plan = _record_plan(records, records_from_kv(Consul(run.params["consul"]).kv()))
        plan.update(changed=True, replace="the Consul servers' state (KV, ACLs, sessions, catalog) with the snapshot's",
                    delete_count=plan.pop("extra"))
        return plan, records

    def apply(self, run, files, plan, records):
        with self._files(files)["state.snap"].open() as handle:
            Consul(run.params["consul"]).restore(handle.read())

    def validate(self, run, files, plan, records):
        after = compare(records, records_from_kv(Consul(run.params["consul"]).kv()))
        return dict(keys=len(records), missing=_names(after["create"]), differ=_names(after["overwrite"]),
                    extra=_names(after["extra"]), ok=not (after["create"] or after["overwrite"] or after["extra"]))


class MongoDBHandler(object):
    def plan(self, run, files):
        return dict(changed=True, replace="every database of the replica set (mongorestore --drop)",
                    collections=len(files[0].meta.get("counts") or {}), bytes=files[0].entry["bytes"]), {}

    def apply(self, run, files, plan, private):
        _stage(run, "mongodb/mongodb.archive.gz", files[0])
        try:
            job = mongodb_restore_job(run.location, run.staging_run, run.params["mongodb"], run.params["jobs"])
            private["log"] = JobRunner(run.kube()).run(job, run.params["wait_timeout"])
        finally:
            run.location.delete([run.location.staging_key(run.staging_run, "mongodb/mongodb.archive.gz")])

    def validate(self, run, files, plan, private):
        meta = files[0].meta
        result = mongodb_validation(private.get("log", ""), meta.get("counts") or {})
        if not meta.get("counts_exact", True) and result["differ"]:
            # Writes landed while the backup's dump ran: its counts are not exact.
            run.notes.append("MongoDB counts differ from the backup's, which were read while the database was written "
                             "to: %s" % result["differ"])
            result["ok"] = not result["missing"] and result["replica_set_healthy"]
        return result


class Neo4jHandler(object):
    def plan(self, run, files):
        params = run.params["neo4j"]
        return dict(changed=True, replace="database %s (neo4j-admin, server stopped while it loads)" % params["database"],
                    bytes=files[0].entry["bytes"]), {}

    def apply(self, run, files, plan, private):
        params = run.params["neo4j"]
        name = "neo4j/%s" % neo4j_artifact(params)
        _stage(run, name, files[0])
        runner = JobRunner(run.kube())
        timeout = run.params["wait_timeout"]
        try:
            replicas = runner.scale(params["namespace"], params["statefulset"], 0)
            try:
                runner.wait_scaled(params["namespace"], params["statefulset"], 0, timeout)
                runner.run(neo4j_load_job(run.location, run.staging_run, params, run.params["jobs"]), timeout)
            finally:
                runner.scale(params["namespace"], params["statefulset"], replicas or 1)
            runner.wait_scaled(params["namespace"], params["statefulset"], replicas or 1, timeout)
            private["log"] = runner.run(neo4j_check_job(run.staging_run, params, run.params["jobs"]), timeout)
        finally:
            run.location.delete([run.location.staging_key(run.staging_run, name)])

    def validate(self, run, files, plan, private):
        values = parse_log_values(private.get("log", ""))
        online = "nodes" in values and "relationships" in values
        return dict(online=online, nodes=values.get("nodes"), relationships=values.get("relationships"), ok=online)


def _stage(run, name, restored):
    """Hand a restored dump to a restore Job: the store's staging area."""
    with restored.open() as handle:
        run.location.put(run.location.staging_key(run.staging_run, name), handle)


class ModelsHandler(object):
    def plan(self, run, files):
        registry = ModelRegistry(run.params["models"], run.location.api)
        create, overwrite, unchanged = [], [], 0
        for restored in files:
            key = registry.key_of(restored.name)
            head = registry.head(key)
            if head is None:
                create.append(key)
            elif not _same_object(head, restored.entry):
                overwrite.append(key)
            else:
                unchanged += 1
        return dict(changed=bool(create or overwrite), create=create[:PLAN_EXAMPLES], overwrite=overwrite[:PLAN_EXAMPLES],
                    create_count=len(create), overwrite_count=len(overwrite), unchanged=unchanged), \
            set(create) | set(overwrite)

    def apply(self, run, files, plan, todo):
        registry = ModelRegistry(run.params["models"], run.location.api)
        for restored in files:
            key = registry.key_of(restored.name)
            if key in todo:
                with restored.open() as handle:
                    registry.write(key, handle)

    def validate(self, run, files, plan, _todo):
        registry = ModelRegistry(run.params["models"], run.location.api)
        wrong = [registry.key_of(f.name) for f in files
                 if not _same_object(registry.head(registry.key_of(f.name)), f.entry)]
        return dict(files=len(files), differ=wrong[:PLAN_EXAMPLES], ok=not wrong)


def _same_object(head, entry):
    """An object in the registry holds the file's content: same size, and the same SHA-256
    when S3 has a full-object checksum (else the same ETag as at backup time)."""
    if head is None or head.get("ContentLength") != entry["bytes"]:
        return False
    checksum = head.get("ChecksumSHA256")
    if checksum and "-" not in checksum:
        return base64.b64decode(checksum).hex() == entry["sha256"]
    return (entry.get("meta") or {}).get("etag") == (head.get("ETag") or "").strip('"')


class MetricsHandler(object):
    def plan(self, run, files):
        directory = run.params["prometheus"].get("restore_dir")
        if not directory:
            raise PlatformError("prometheus.restore_dir: where to write the snapshot's blocks (a Prometheus data "
                                "directory with Prometheus stopped, or a new one to start Prometheus on)")
        create, overwrite, unchanged = [], [], 0
        for restored in files:
            relative = restored.name.split("/", 1)[1]
            path = os.path.join(directory, relative)
            if not os.path.exists(path):
                create.append(relative)
            elif file_sha256(path) != restored.entry["sha256"]:
                overwrite.append(relative)
            else:
                unchanged += 1
        return dict(changed=bool(create or overwrite), directory=directory, create=create[:PLAN_EXAMPLES],
                    overwrite=overwrite[:PLAN_EXAMPLES], create_count=len(create), overwrite_count=len(overwrite),
                    unchanged=unchanged), None

    def apply(self, run, files, plan, _private):
        for restored in files:
            write_restored_file(plan["directory"], restored.name.split("/", 1)[1], restored.path)

    def validate(self, run, files, plan, _private):
        wrong = [f.name for f in files
                 if file_sha256(os.path.join(plan["directory"], f.name.split("/", 1)[1])) != f.entry["sha256"]]
        return dict(files=len(files), differ=wrong[:PLAN_EXAMPLES], ok=not wrong)


HANDLERS = dict(kubernetes=KubernetesHandler(), redis=RedisHandler(), rabbitmq=RabbitMQHandler(),
                consul=ConsulHandler(), mongodb=MongoDBHandler(), neo4j=Neo4jHandler(), models=ModelsHandler(),
                prometheus=MetricsHandler())
