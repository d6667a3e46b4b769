# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Taking a backup: dump each component into a private directory, then one ``restic
backup`` of it, tagged with the kind, the platform and the components.

Every snapshot is complete (it restores on its own) and restic stores only the chunks
the repository lacks, whatever ``type`` says. ``type`` decides how much is re-read:
``full`` passes ``--force`` (restic re-reads every file, trusting no earlier snapshot);
``incremental`` and ``snapshot`` let restic skip what its parent snapshot already has.
The repository is created by the first backup. In check mode the components are read
(the ones that can be read without writing) and ``restic backup --dry-run`` says what
would be added.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import io
import json
import os
import time

from ansible_collections.mas.platform.plugins.module_utils.backup.consul import Consul
from ansible_collections.mas.platform.plugins.module_utils.backup.jobs import (
    JobRunner,
    mongodb_dump_job,
    neo4j_artifact,
    neo4j_dump_job,
    prometheus_upload_job,
)
from ansible_collections.mas.platform.plugins.module_utils.backup.kubernetes import KubernetesState, summary
from ansible_collections.mas.platform.plugins.module_utils.backup.options import components_for, open_repository
from ansible_collections.mas.platform.plugins.module_utils.backup.rabbitmq import RabbitMQDefinitions
from ansible_collections.mas.platform.plugins.module_utils.backup.redis import RedisData, record_lines
from ansible_collections.mas.platform.plugins.module_utils.backup.restic import describe, snapshot_tags
from ansible_collections.mas.platform.plugins.module_utils.backup.snapshot import Spool
from ansible_collections.mas.platform.plugins.module_utils.backup.sources import (
    ModelRegistry,
    PrometheusSnapshots,
    remove_snapshot,
    spool_directory,
    spool_tar,
)
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.k8s.client import connect


class BackupRun(object):
    """One backup of one kind."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.kind = self.params["kind"]
        self.type = self.params["type"]
        self.platform = self.params["platform"]
        self.components = components_for(self.kind, self.params.get("components"))
        self.location, self.repository = open_repository(module)
        # Names the staging objects and Jobs of this run.
        self.id = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
        self.notes = []
        self._kube = None
        self._staged = []

    def kube(self):
        if self._kube is None:
            client, endpoint = connect(self.params)
            self._kube = KubernetesState(client, endpoint, self.params["kubernetes"], check_mode=self.check_mode)
        return self._kube

    def run(self):
        self.location.check_bucket()
        ours = ["kind=%s" % self.kind, "platform=%s" % self.platform]
        before = self.repository.snapshots(host=self.platform, tags=ours, missing_ok=True)
        exists = before is not None
        before = before or []
        spool = Spool(self.kind, self.type, self.platform)
        try:
            for component in self.components:
                COLLECTORS[component](self, spool)
            totals = spool.finish()
            tags = snapshot_tags(self.kind, self.platform, self.components)
            if not exists and self.check_mode:
                self.notes.append("check mode: the repository %s does not exist yet; the backup would create it"
                                  % self.repository.url)
                added = None
            else:
                if not exists:
                    self.repository.init()
                    self.notes.append("created the restic repository %s" % self.repository.url)
                added = self.repository.backup(spool.root, self.platform, tags, force=self.type == "full",
                                               dry_run=self.check_mode)
        finally:
            spool.cleanup()
            if self._staged and not self.check_mode:
                self.location.delete(self._staged)
        if added and not self.check_mode:
            backup = describe(dict(id=added["snapshot_id"], short_id=added["snapshot_id"][:8], time=added["backup_start"],
                                   tags=tags, hostname=self.platform))
        else:
            backup = dict(id=None, snapshot_id=None, created=None, components=self.components)
        backup.update(kind=self.kind, type=self.type, platform=self.platform, repository=self.repository.url)
        upload = dict((k, (added or {}).get(k, 0)) for k in (
            "data_added", "data_added_packed", "files_new", "files_changed", "files_unmodified", "total_bytes_processed"))
        after = [s["short_id"] for s in before] + ([backup["id"]] if backup["id"] else ["(new)"])
        return dict(changed=True, backup=backup, totals=totals, upload=upload, components=spool.contents["components"],
                    notes=self.notes,
                    diff=dict(before=dict(snapshots=[s["short_id"] for s in before]), after=dict(snapshots=after)))

    def staged(self, component, filename):
        key = self.location.staging_key(self.id, "%s/%s" % (component, filename))
        self._staged.append(key)
        return key

    def open_staged(self, component, filename):
        """The body of an object a Job staged (a stream)."""
        return self.location.open(self.staged(component, filename))

    def wait_timeout(self):
        return self.params["wait_timeout"]


# -- collectors: (run, spool) -> the component's files and summary ------------------------------

def collect_kubernetes(run, spool):
    objects = run.kube().read()
    state = summary(objects)
    spool.write_lines("kubernetes/objects.jsonl", "kubernetes", objects, meta=state)
    spool.summary("kubernetes", dict(objects=len(objects), kinds=state["counts"]))


def collect_redis(run, spool):
    data = RedisData(run.params["redis"])
    keys, databases = 0, 0
    for db in data.databases():
        records = data.read(db)
        keys += len(records)
        databases += 1
        spool.write_lines("redis/db%d.jsonl" % db, "redis", record_lines(records), meta=dict(db=db))
    spool.summary("redis", dict(keys=keys, databases=databases))


def collect_rabbitmq(run, spool):
    body = RabbitMQDefinitions(run.params["rabbitmq"]).snapshot()
    count = sum(len(v) for v in body.values() if isinstance(v, list))
    spool.write_json("rabbitmq/definitions.json", "rabbitmq", body, records=count)
    spool.summary("rabbitmq", dict(definitions=count, version=body.get("rabbit_version")))


def collect_consul(run, spool):
    consul = Consul(run.params["consul"])
    state = spool.write_stream("consul/state.snap", "consul", io.BytesIO(consul.snapshot()))
    # The keys as they were right after the snapshot: what the validation of a restore reads back.
    entries = consul.kv()
    spool.write_lines("consul/kv.jsonl", "consul", entries)
    spool.summary("consul", dict(keys=len(entries), snapshot_bytes=state["bytes"]))


def collect_models(run, spool):
    registry = ModelRegistry(run.params["models"], run.location.api)
    count = registry.spool(spool)
    spool.summary("models", dict(files=count, bytes=sum(e["bytes"] for e in spool.files_of("models").values()),
                                 source=registry.url(registry.prefix)))


def collect_prometheus(run, spool):
    params = run.params["prometheus"]
    if run.check_mode:
        run.notes.append("check mode: no TSDB snapshot taken (it would be written to the Prometheus volume)")
        spool.summary("prometheus", dict(snapshot=None))
        return
    snapshots = PrometheusSnapshots(params)
    name = snapshots.snapshot()
    if params.get("data_dir"):
        try:
            directory = os.path.join(params["data_dir"], "snapshots", name)
            if not os.path.isdir(directory):
                raise PlatformError("prometheus.data_dir: Prometheus wrote snapshot %s, but %s does not exist here; "
                                    "is data_dir the --storage.tsdb.path of the Prometheus at %s?"
                                    % (name, directory, snapshots.url))
            spool_directory(spool, directory)
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
        job = prometheus_upload_job(run.location, run.id, name, job_params, run.params["jobs"], pod["spec"]["nodeName"])
        JobRunner(kube).run(job, run.wait_timeout())
        spool_tar(spool, run.open_staged("metrics", "snapshot.tar"))
    files = spool.files_of("prometheus")
    spool.summary("prometheus", dict(snapshot=name, files=len(files), bytes=sum(e["bytes"] for e in files.values())))


def collect_mongodb(run, spool):
    if run.check_mode:
        run.notes.append("check mode: the mongodump Job was not run")
        spool.summary("mongodb", dict(dumped=False))
        return
    params = run.params["mongodb"]
    JobRunner(run.kube()).run(mongodb_dump_job(run.location, run.id, params, run.params["jobs"]), run.wait_timeout())
    before = json.loads(run.open_staged("mongodb", "counts-before.json").read() or b"{}")
    after = json.loads(run.open_staged("mongodb", "counts-after.json").read() or b"{}")
    # Counts are exact when nothing was written while the dump ran.
    entry = spool.write_stream("mongodb/mongodb.archive.gz", "mongodb", run.open_staged("mongodb", "mongodb.archive.gz"),
                               meta=dict(counts=after, counts_exact=before == after))
    spool.summary("mongodb", dict(collections=len(after), counts_exact=before == after, bytes=entry["bytes"]))


def collect_neo4j(run, spool):
    if run.check_mode:
        run.notes.append("check mode: the Neo4j dump Job was not run")
        spool.summary("neo4j", dict(dumped=False))
        return
    params = run.params["neo4j"]
    runner = JobRunner(run.kube())
    job = neo4j_dump_job(run.location, run.id, params, run.params["jobs"])
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
    entry = spool.write_stream("neo4j/%s" % artifact, "neo4j", run.open_staged("neo4j", artifact),
                               meta=dict(database=params["database"], edition=params["edition"]))
    spool.summary("neo4j", dict(database=params["database"], bytes=entry["bytes"]))


COLLECTORS = dict(kubernetes=collect_kubernetes, redis=collect_redis, rabbitmq=collect_rabbitmq,
                  consul=collect_consul, models=collect_models, prometheus=collect_prometheus,
                  mongodb=collect_mongodb, neo4j=collect_neo4j)
