# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Taking a backup: read each component, store the chunks it lacks, write the manifest.

``type`` decides what is stored:
- ``incremental``: a chunk already in the store is not stored again, and a file whose
  source version (size and mtime, or ETag) is the one the previous backup of the kind
  recorded is not even read: the previous manifest's chunks are listed again;
- ``full``: every file is read and every chunk written again, so that the backup
  depends on nothing an earlier one stored;
- ``snapshot``: a point-in-time snapshot (Prometheus' TSDB) stored like an
  incremental backup (its blocks are immutable, so unchanged blocks are not stored again).

Every manifest is complete either way: any backup restores on its own. The manifest is
written last, after every chunk; while a backup runs, a lock object tells the pruning
not to delete chunks.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.mas.platform.plugins.module_utils.backup_crypto import CIPHER, load_key
from ansible_collections.mas.platform.plugins.module_utils.backup_format import (
    FORMAT,
    backup_id,
    chunk_file,
    chunk_records,
    encode_chunk,
    isoformat,
    item_entry,
    sha256_hex,
    totals,
    utcnow,
)
from ansible_collections.mas.platform.plugins.module_utils.backup_jobs import (
    JobRunner,
    mongodb_dump_job,
    neo4j_artifact,
    neo4j_dump_job,
    prometheus_upload_job,
)
from ansible_collections.mas.platform.plugins.module_utils.backup_kubernetes import (
    KubernetesState,
    record_key,
    summary,
    to_payload,
)
from ansible_collections.mas.platform.plugins.module_utils.backup_options import ENCRYPTED_COMPONENTS, KIND_COMPONENTS
from ansible_collections.mas.platform.plugins.module_utils.backup_rabbitmq import RabbitMQDefinitions
from ansible_collections.mas.platform.plugins.module_utils.backup_consul import ConsulKV
from ansible_collections.mas.platform.plugins.module_utils.backup_redis import RedisData
from ansible_collections.mas.platform.plugins.module_utils.backup_sources import (
    FileSource,
    ModelRegistry,
    PrometheusSnapshots,
    remove_snapshot,
    snapshot_files,
    tar_files,
)
from ansible_collections.mas.platform.plugins.module_utils.backup_store import BackupStore
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.k8s import connect


class ChunkWriter(object):
    """Stores the chunks of one backup, ``UPLOADS`` at a time, and counts what it stored."""

    UPLOADS = 8

    def __init__(self, store, known, rewrite, check_mode):
        self.store = store
        self.known = set(known)
        self.rewrite = rewrite
        self.check_mode = check_mode
        self.written = set()
        self.pool = ThreadPoolExecutor(max_workers=self.UPLOADS)
        self.pending = deque()
        self.stats = dict(chunks_uploaded=0, bytes_uploaded=0, stored_bytes_uploaded=0,
                          chunks_reused=0, bytes_reused=0, files_reused=0)

    def put(self, data):
        digest = sha256_hex(data)
        codec, stored = encode_chunk(data)
        ref = dict(sha256=digest, size=len(data), stored_size=len(stored), codec=codec)
        if digest in self.written or (digest in self.known and not self.rewrite):
            self.stats["chunks_reused"] += 1
            self.stats["bytes_reused"] += len(data)
            return ref
        if not self.check_mode:
            # At most 2 x UPLOADS chunks wait in memory (a file's chunks are 8 MiB).
            while len(self.pending) >= 2 * self.UPLOADS:
                self.pending.popleft().result()
            self.pending.append(self.pool.submit(self.store.put, self.store.chunk_key(digest), stored,
                                                 dict(codec=codec, sha256=digest)))
        self.written.add(digest)
        self.known.add(digest)
        self.stats["chunks_uploaded"] += 1
        self.stats["bytes_uploaded"] += len(data)
        self.stats["stored_bytes_uploaded"] += len(stored)
        return ref

    def finish(self):
        """Wait for every upload; the first failure is raised."""
        try:
            while self.pending:
                self.pending.popleft().result()
        finally:
            self.pool.shutdown(wait=True)

    def records_item(self, name, component, records, encrypt=None, meta=None):
        """A record-stream item; ``encrypt`` (a BackupKey) encrypts every payload."""
        if encrypt is not None:
            records = [(k, encrypt.encrypt(k, p)) for k, p in records]
        chunks, item_summary = chunk_records(records)
        refs = [self.put(chunk) for chunk in chunks]
        return item_entry(name, component, "records", item_summary, refs, encrypted=encrypt is not None, meta=meta)

    def file_item(self, source, previous):
        """A file item; reuses the previous backup's entry for an unchanged file."""
        before = previous.get(source.name)
        if not self.rewrite and before and source.source_version is not None \
                and before.get("source_version") == source.source_version \
                and all(c["sha256"] in self.known for c in before["chunks"]):
            self.stats["files_reused"] += 1
            self.stats["chunks_reused"] += len(before["chunks"])
            self.stats["bytes_reused"] += before["bytes"]
            entry = dict(before)
            if source.meta:
                entry["meta"] = source.meta
            return entry
        refs, whole, size = [], _Digest(), 0
        stream = source.open()
        try:
            for piece in chunk_file(stream):
                whole.update(piece)
                size += len(piece)
                refs.append(self.put(piece))
        finally:
            close = getattr(stream, "close", None)
            if close:
                close()
        return item_entry(source.name, source.component, "file", dict(bytes=size, sha256=whole.hexdigest()), refs,
                          meta=source.meta, source_version=source.source_version)


class _Digest(object):
    def __init__(self):
        import hashlib
        self._hash = hashlib.sha256()

    def update(self, data):
        self._hash.update(data)

    def hexdigest(self):
        return self._hash.hexdigest()


class BackupRun(object):
    """One backup of one kind."""

    def __init__(self, module, store=None):
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.kind = self.params["kind"]
        self.type = self.params["type"]
        self.components = components_for(self.kind, self.params.get("components"))
        needs_key = [c for c in self.components if c in ENCRYPTED_COMPONENTS]
        self.key = load_key(self.params.get("encryption_key"),
                            required_for="the %s records of this backup (Secrets, users, KV values are encrypted)"
                            % ", ".join(needs_key) if needs_key else None)
        self.store = store or BackupStore(self.params["store"])
        self.now = utcnow()
        self.id = backup_id(self.now)
        self.notes = []
        self._kube = None
        self._staged = []

    def kube(self):
        if self._kube is None:
            client, endpoint = connect(self.params)
            self._kube = KubernetesState(client, endpoint, self.params["kubernetes"], check_mode=self.check_mode)
        return self._kube

    def run(self):
        self.store.check_bucket()
        existing = self.store.manifest_ids(self.kind)
        if self.id in existing:
            # Ids are UTC seconds: a second backup of one kind within the same second waits
            # for the next one rather than fail (a retry, or a test, runs backups back to back).
            time.sleep(max(0.0, 1.0 - self.now.microsecond / 1e6) + 0.01)
            self.now = utcnow()
            self.id = backup_id(self.now)
        if self.id in existing:
            raise PlatformError("a %s backup with id %s already exists in %s (is the clock of this host behind the "
                                "store's?)" % (self.kind, self.id, self.store.url(self.store.prefix)))
        previous = {}
        if existing and self.type != "full":
            last = self.store.get_manifest(self.kind, existing[-1])
            previous = dict((item["name"], item) for item in last["items"] if item["format"] == "file")
        writer = ChunkWriter(self.store, self.store.stored_chunks(), rewrite=self.type == "full",
                             check_mode=self.check_mode)
        if not self.check_mode:
            self.store.put_lock(self.kind, self.id, isoformat(self.now))
        try:
            items, component_results = [], {}
            try:
                for component in self.components:
                    produced, result = COLLECTORS[component](self, writer, previous)
                    items.extend(produced)
                    component_results[component] = result
            finally:
                writer.finish()
            manifest = self.manifest(items, component_results, writer.stats)
            location = None
            if not self.check_mode:
                location = self.store.put_manifest(manifest)
        finally:
            if not self.check_mode:
                self._cleanup()
        return dict(changed=True, backup=dict(id=self.id, kind=self.kind, type=self.type, manifest=location,
                                              created=manifest["created"]),
                    totals=manifest["totals"], upload=writer.stats, components=component_results, notes=self.notes)

    def _cleanup(self):
        if self._staged:
            self.store.delete(self._staged)
        self.store.delete_lock(self.kind, self.id)

    def manifest(self, items, component_results, stats):
        manifest = dict(format=FORMAT, id=self.id, kind=self.kind, type=self.type, created=isoformat(self.now),
                        completed=isoformat(utcnow()), status="complete", components=component_results,
                        items=items, totals=totals(items), upload=dict(stats),
                        store=dict(bucket=self.store.bucket, prefix=self.store.prefix,
                                   server_side_encryption=self.store.sse["ServerSideEncryption"]))
        if self.key is not None:
            manifest["encryption"] = dict(cipher=CIPHER, key_id=self.key.key_id)
            manifest["signature"] = self.key.sign(manifest)
        return manifest

    def staged(self, component, filename):
        key = self.store.staging_key(self.id, "%s/%s" % (component, filename))
        self._staged.append(key)
        return key

    def staged_file(self, component, filename, meta=None):
        """A FileSource over an object a Job staged (spooled to a temporary file)."""
        key = self.staged(component, filename)
        spool = tempfile.TemporaryFile()
        body = self.store.call("get_object", self.store.url(key), Bucket=self.store.bucket, Key=key)["Body"]
        size = 0
        for piece in iter(lambda: body.read(1024 * 1024), b""):
            spool.write(piece)
            size += len(piece)
        spool.seek(0)
        return FileSource("%s/%s" % (component, filename), component, lambda: spool, size, meta=meta)

    def wait_timeout(self):
        return self.params["wait_timeout"]


def components_for(kind, wanted):
    allowed = KIND_COMPONENTS[kind]
    if not wanted:
        return list(allowed)
    unknown = [c for c in wanted if c not in allowed]
    if unknown:
        raise PlatformError("components: %s not part of a %s backup (it holds %s)"
                            % (", ".join(unknown), kind, ", ".join(allowed)))
    return [c for c in allowed if c in wanted]


# -- collectors: (run, writer, previous file items) -> (items, component result) --------------

def collect_kubernetes(run, writer, _previous):
    objects = run.kube().read()
    secrets = [o for o in objects if o["kind"] == "Secret"]
    plain = [o for o in objects if o["kind"] != "Secret"]
    state = summary(objects)
    items = [
        writer.records_item("kubernetes/objects", "kubernetes", [(record_key(o), to_payload(o)) for o in plain],
                            meta=state),
        writer.records_item("kubernetes/secrets", "kubernetes", [(record_key(o), to_payload(o)) for o in secrets],
                            encrypt=run.key, meta=dict(count=len(secrets))),
    ]
    return items, dict(objects=len(objects), kinds=state["counts"])


def collect_redis(run, writer, _previous):
    data = RedisData(run.params["redis"])
    items, keys = [], 0
    for db in data.databases():
        records = data.read(db)
        keys += len(records)
        items.append(writer.records_item("redis/db%d" % db, "redis", records, meta=dict(db=db)))
    return items, dict(keys=keys, databases=len(items))


def collect_rabbitmq(run, writer, _previous):
    definitions = RabbitMQDefinitions(run.params["rabbitmq"])
    plain, secret, version = definitions.records()
    meta = dict(version=version)
    items = [writer.records_item("rabbitmq/definitions", "rabbitmq", plain, meta=meta),
             writer.records_item("rabbitmq/secrets", "rabbitmq", secret, encrypt=run.key, meta=meta)]
    return items, dict(definitions=len(plain) + len(secret), version=version)


def collect_consul(run, writer, _previous):
    records = ConsulKV(run.params["consul"]).records()
    item = writer.records_item("consul/kv", "consul", records, encrypt=run.key,
                               meta=dict(prefix=run.params["consul"].get("prefix") or ""))
    return [item], dict(keys=len(records))


def collect_models(run, writer, previous):
    registry = ModelRegistry(run.params["models"], run.store.api)
    items = [writer.file_item(source, previous) for source in registry.sources()]
    return items, dict(files=len(items), bytes=sum(i["bytes"] for i in items), source=registry.url(registry.prefix))


def collect_prometheus(run, writer, previous):
    params = run.params["prometheus"]
    if run.check_mode:
        run.notes.append("check mode: no TSDB snapshot taken (it would be written to the Prometheus volume)")
        return [], dict(snapshot=None)
    snapshots = PrometheusSnapshots(params)
    name = snapshots.snapshot()
    if params.get("data_dir"):
        try:
            directory = os.path.join(params["data_dir"], "snapshots", name)
            if not os.path.isdir(directory):
                raise PlatformError("prometheus.data_dir: Prometheus wrote snapshot %s, but %s does not exist here; "
                                    "is data_dir the --storage.tsdb.path of the Prometheus at %s?"
                                    % (name, directory, snapshots.url))
            items = [writer.file_item(source, previous) for source in snapshot_files(directory)]
        finally:
            remove_snapshot(params["data_dir"], name)
    else:
        job_params = params["job"]
        kube = run.kube()
        pod = kube.current({"apiVersion": "v1", "kind": "Pod",
                            "metadata": {"name": job_params["pod"], "namespace": job_params["namespace"]}})
        if pod is None or not (pod.get("spec") or {}).get("nodeName"):
            raise PlatformError("prometheus.job.pod: %s/%s is not running on a node; its volume holds the snapshot"
                                % (job_params["namespace"], job_params["pod"]))
        job = prometheus_upload_job(run.store, run.id, name, job_params, run.params["jobs"], pod["spec"]["nodeName"])
        JobRunner(kube).run(job, run.wait_timeout())
        tar = run.staged_file("metrics", "snapshot.tar")
        items = [writer.file_item(source, previous) for source in tar_files(tar.open())]
    return items, dict(snapshot=name, files=len(items), bytes=sum(i["bytes"] for i in items))


def collect_mongodb(run, writer, previous):
    if run.check_mode:
        run.notes.append("check mode: the mongodump Job was not run")
        return [], dict(dumped=False)
    params = run.params["mongodb"]
    JobRunner(run.kube()).run(mongodb_dump_job(run.store, run.id, params, run.params["jobs"]), run.wait_timeout())
    import json
    before = json.loads(run.store.get(run.staged("mongodb", "counts-before.json")) or b"{}")
    after = json.loads(run.store.get(run.staged("mongodb", "counts-after.json")) or b"{}")
    # Counts are exact when nothing was written while the dump ran.
    meta = dict(counts=after, counts_exact=before == after)
    item = writer.file_item(run.staged_file("mongodb", "mongodb.archive.gz", meta=meta), previous)
    return [item], dict(collections=len(after), counts_exact=before == after, bytes=item["bytes"])


def collect_neo4j(run, writer, previous):
    if run.check_mode:
        run.notes.append("check mode: the Neo4j dump Job was not run")
        return [], dict(dumped=False)
    params = run.params["neo4j"]
    runner = JobRunner(run.kube())
    job = neo4j_dump_job(run.store, run.id, params, run.params["jobs"])
    if params["edition"] == "enterprise":
        runner.run(job, run.wait_timeout())
    else:
        # The community edition dumps only a stopped database.
        replicas = runner.scale(params["namespace"], params["statefulset"], 0)
        try:
            runner.wait_scaled(params["namespace"], params["statefulset"], 0, run.wait_timeout())
            runner.run(job, run.wait_timeout())
        finally:
            runner.scale(params["namespace"], params["statefulset"], replicas)
        runner.wait_scaled(params["namespace"], params["statefulset"], replicas, run.wait_timeout())
    artifact = neo4j_artifact(params)
    item = writer.file_item(run.staged_file("neo4j", artifact, meta=dict(database=params["database"],
                                                                         edition=params["edition"])), previous)
    return [item], dict(database=params["database"], bytes=item["bytes"])


COLLECTORS = dict(kubernetes=collect_kubernetes, redis=collect_redis, rabbitmq=collect_rabbitmq,
                  consul=collect_consul, models=collect_models, prometheus=collect_prometheus,
                  mongodb=collect_mongodb, neo4j=collect_neo4j)
