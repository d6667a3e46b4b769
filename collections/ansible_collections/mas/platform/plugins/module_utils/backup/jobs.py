# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes Jobs that dump and restore what only a tool next to the data can read:
MongoDB (mongodump/mongorestore), Neo4j (neo4j-admin) and a Prometheus TSDB snapshot
on its volume.

The hand-over between a Job and the backup is the store's staging area: a dump Job
writes its archive to ``<prefix>/staging/<run>/<component>/`` (the aws CLI, with the
store's server-side encryption), and the backup then copies it into the snapshot's files
(module_utils/backup/snapshot.py) and deletes it. A restore first restores the snapshot
from restic (which authenticates every blob), stages the archive, and only then starts
the restore Job, which reads it from there. The Jobs' ServiceAccount needs read and
write access to the staging prefix only (IRSA on EKS), never the restic repository.

The functions that render the Jobs are pure (tests/unit/backup/test_backup_jobs.py checks
their commands); ``JobRunner`` creates a Job, waits for it and returns its log.

MongoDB and Neo4j cannot run on the development machines, so these Jobs are tested
on what they render, not by running them (docs/runbooks/backup-and-recovery.md).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import shlex

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError, wait_for

JOB_OPTIONS = dict(
    service_account=dict(type="str", default="mas-backup"),
    transfer_image=dict(type="str", default="amazon/aws-cli:2.17.0"),
    ttl_seconds_after_finished=dict(type="int", default=86400),
)
MONGODB_OPTIONS = dict(
    namespace=dict(type="str", default="core-services"),
    image=dict(type="str", default="mongo:6.0.0"),
    # The replica set as the Jobs reach it; the driver discovers the members from any.
    hosts=dict(type="str", default="mongodb-headless.core-services.svc:27017"),
    replica_set=dict(type="str", default="rs0"),
    # The Secret of the mongodb role (core_service's <name>-credentials).
    # Names of a Secret and its keys, not secrets themselves.
    credentials_secret=dict(type="str", default="mongodb-credentials", no_log=False),
    username_key=dict(type="str", default="root-username", no_log=False),
    password_key=dict(type="str", default="root-password", no_log=False),
)
NEO4J_OPTIONS = dict(
    namespace=dict(type="str", default="core-services"),
    statefulset=dict(type="str", default="neo4j"),
    claim=dict(type="str", default="data-neo4j-0"),
    database=dict(type="str", default="neo4j"),
    image=dict(type="str", default="neo4j:5.11.0-community"),
    edition=dict(type="str", choices=["community", "enterprise"], default="community"),
    # Enterprise: the running server's backup listener, for an online backup.
    backup_address=dict(type="str", default="neo4j.core-services:6362"),
    bolt_url=dict(type="str", default="neo4j://neo4j.core-services:7687"),
    credentials_secret=dict(type="str", default="neo4j-credentials", no_log=False),
    username=dict(type="str", default="neo4j"),
    password_key=dict(type="str", default="password", no_log=False),
)
PROMETHEUS_JOB_OPTIONS = dict(
    namespace=dict(type="str", default="monitoring"),
    pod=dict(type="str", default="prometheus-0"),
    claim=dict(type="str", default="data-prometheus-0"),
    data_path=dict(type="str", default="/prometheus"),
    image=dict(type="str", default="prom/prometheus:v2.45.0"),
)

LABELS = {
    "app.kubernetes.io/name": "mas-backup",
    "app.kubernetes.io/part-of": "mas-platform",
    "app.kubernetes.io/managed-by": "mas.platform",
}
BACKUP_ID_LABEL = "mas-platform.io/backup-id"
_RESTRICTED = dict(allowPrivilegeEscalation=False, runAsNonRoot=True, capabilities=dict(drop=["ALL"]),
                   seccompProfile=dict(type="RuntimeDefault"))
# The mongosh script that prints the document count of every collection as one JSON line.
MONGO_COUNTS_JS = (
    "const out = {};"
    " db.adminCommand({listDatabases: 1}).databases.forEach(function (d) {"
    " if (['admin', 'local', 'config'].indexOf(d.name) >= 0) { return; }"
    " const s = db.getSiblingDB(d.name);"
    " s.getCollectionNames().forEach(function (c) { out[d.name + '.' + c] = s.getCollection(c).countDocuments({}); });"
    " });"
    " print(JSON.stringify(out));"
)
MONGO_MEMBERS_JS = (
    "print(JSON.stringify(rs.status().members.map(function (m) {"
    " return {name: m.name, state: m.stateStr, health: m.health}; })));"
)


def job_name(component, action, backup):
    name = "mas-%s-%s-%s" % (action, component, backup.lower())
    return re.sub(r"[^a-z0-9-]", "-", name)[:63].rstrip("-")


def staging_url(store, backup, component, filename):
    return store.url(store.staging_key(backup, "%s/%s" % (component, filename)))


def sse_flags(store):
    flags = ["--sse", store.sse["ServerSideEncryption"]]
    if store.sse.get("SSEKMSKeyId"):
        flags += ["--sse-kms-key-id", store.sse["SSEKMSKeyId"]]
    return " ".join(shlex.quote(f) for f in flags)


def transfer_env(store):
    env = [dict(name="AWS_REGION", value=store.api.region), dict(name="HOME", value="/tmp")]
    if store.api.endpoint_url:
        env.append(dict(name="AWS_ENDPOINT_URL_S3", value=store.api.endpoint_url))
    return env


def _container(name, image, script, env=None, mounts=None, user=1000):
    container = dict(name=name, image=image, command=["/bin/sh", "-ec", script],
                     securityContext=dict(_RESTRICTED, runAsUser=user, runAsGroup=user),
                     volumeMounts=mounts or [dict(name="staging", mountPath="/staging")],
                     resources=dict(requests=dict(cpu="250m", memory="512Mi"), limits=dict(cpu="1", memory="2Gi")))
    if env:
        container["env"] = env
    return container


def _job(name, namespace, backup, jobs, init, main, volumes=None, node_name=None, fs_group=1000):
    labels = dict(LABELS, **{"app.kubernetes.io/instance": name, "app.kubernetes.io/component": "backup",
                             BACKUP_ID_LABEL: backup.lower()})
    pod = dict(restartPolicy="Never", serviceAccountName=jobs["service_account"],
               securityContext=dict(runAsNonRoot=True, fsGroup=fs_group, seccompProfile=dict(type="RuntimeDefault")),
               volumes=[dict(name="staging", emptyDir={})] + (volumes or []),
               initContainers=init, containers=main)
    if node_name:
        pod["nodeName"] = node_name
    return {"apiVersion": "batch/v1", "kind": "Job",
            "metadata": {"name": name, "namespace": namespace, "labels": labels},
            "spec": {"backoffLimit": 0, "ttlSecondsAfterFinished": jobs["ttl_seconds_after_finished"],
                     "template": {"metadata": {"labels": labels}, "spec": pod}}}


def _secret_env(name, secret, key):
    return dict(name=name, valueFrom=dict(secretKeyRef=dict(name=secret, key=key)))


def mongodb_env(mongodb):
    """The credentials from the Secret, and the URI built from them (authSource admin)."""
    return [
        _secret_env("MONGODB_USERNAME", mongodb["credentials_secret"], mongodb["username_key"]),
        _secret_env("MONGODB_PASSWORD", mongodb["credentials_secret"], mongodb["password_key"]),
        dict(name="MONGODB_URI", value="mongodb://$(MONGODB_USERNAME):$(MONGODB_PASSWORD)@%s/?replicaSet=%s&authSource=admin"
             % (mongodb["hosts"], mongodb["replica_set"])),
    ]


# -- MongoDB -------------------------------------------------------------------------------

def mongodb_dump_job(store, backup, mongodb, jobs):
    """mongodump of the whole replica set (point in time with --oplog), read from a
    secondary, with the document counts before and after, uploaded to staging."""
    counts = "mongosh \"$MONGODB_URI\" --quiet --eval %s" % shlex.quote(MONGO_COUNTS_JS)
    dump = " && ".join([
        "%s > /staging/counts-before.json" % counts,
        "mongodump --uri=\"$MONGODB_URI\" --readPreference=secondaryPreferred --oplog --gzip "
        "--archive=/staging/mongodb.archive.gz",
        "%s > /staging/counts-after.json" % counts,
    ])
    upload = " && ".join(
        "aws s3 cp /staging/%s %s %s --only-show-errors" % (f, staging_url(store, backup, "mongodb", f), sse_flags(store))
        for f in ("mongodb.archive.gz", "counts-before.json", "counts-after.json"))
    return _job(job_name("mongodb", "backup", backup), mongodb["namespace"], backup, jobs,
                [_container("dump", mongodb["image"], dump, mongodb_env(mongodb), user=999)],
                [_container("upload", jobs["transfer_image"], upload, transfer_env(store))], fs_group=999)


def mongodb_restore_job(store, backup, mongodb, jobs):
    """Download the staged archive, mongorestore it over the databases (--drop), then
    print the counts and the replica set members as one JSON line for the validation."""
    archive = staging_url(store, backup, "mongodb", "mongodb.archive.gz")
    download = "aws s3 cp %s /staging/mongodb.archive.gz --only-show-errors" % archive
    restore = " && ".join([
        "mongorestore --uri=\"$MONGODB_URI\" --drop --oplogReplay --gzip --archive=/staging/mongodb.archive.gz",
        "echo \"counts=$(mongosh \"$MONGODB_URI\" --quiet --eval %s)\"" % shlex.quote(MONGO_COUNTS_JS),
        "echo \"members=$(mongosh \"$MONGODB_URI\" --quiet --eval %s)\"" % shlex.quote(MONGO_MEMBERS_JS),
    ])
    return _job(job_name("mongodb", "restore", backup), mongodb["namespace"], backup, jobs,
                [_container("download", jobs["transfer_image"], download, transfer_env(store))],
                [_container("restore", mongodb["image"], restore, mongodb_env(mongodb), user=999)], fs_group=999)


def mongodb_validation(log, counts):
    """The validation of a MongoDB restore from the restore Job's log: every collection
    of the backup with its count, and every replica set member healthy."""
    found = parse_log_values(log)
    restored = found.get("counts") or {}
    members = found.get("members") or []
    missing = sorted(c for c in counts if c not in restored)
    differ = dict((c, dict(backup=counts[c], restored=restored[c])) for c in counts
                  if c in restored and restored[c] != counts[c])
    unhealthy = [m for m in members if m.get("health") != 1 or m.get("state") not in ("PRIMARY", "SECONDARY", "ARBITER")]
    return dict(collections=len(counts), missing=missing, differ=differ, members=members,
                replica_set_healthy=bool(members) and not unhealthy,
                ok=not missing and not differ and bool(members) and not unhealthy)


def parse_log_values(log):
    """name=<JSON> lines of a Job's log."""
    values = {}
    for line in (log or "").splitlines():
        match = re.match(r"^(counts|members|nodes|relationships)=(.*)$", line.strip())
        if match:
            try:
                values[match.group(1)] = json.loads(match.group(2))
            except ValueError:
                raise PlatformError("the restore Job printed %s that is not JSON: %s" % (match.group(1), match.group(2)[:200]))
    return values


# -- Neo4j ---------------------------------------------------------------------------------

def _claim_volume(claim, read_only=False):
    return dict(name="data", persistentVolumeClaim=dict(claimName=claim, readOnly=read_only))


def neo4j_artifact(neo4j):
    """The staged file: a dump (community) or an online backup (enterprise)."""
    return "neo4j.backup" if neo4j["edition"] == "enterprise" else "neo4j.dump"


def neo4j_dump_job(store, backup, neo4j, jobs):
    """Community: neo4j-admin database dump from the data volume, with the server stopped
    (the caller scales the StatefulSet to 0 first). Enterprise: an online backup from
    the running server's backup listener."""
    db = shlex.quote(neo4j["database"])
    artifact = neo4j_artifact(neo4j)
    mounts = [dict(name="staging", mountPath="/staging")]
    volumes = []
    if neo4j["edition"] == "enterprise":
        dump = ("mkdir -p /staging/backup && neo4j-admin database backup --from=%s --to-path=/staging/backup %s && "
                "mv /staging/backup/%s-*.backup /staging/%s" % (shlex.quote(neo4j["backup_address"]), db, db, artifact))
    else:
        dump = "mkdir -p /staging/dump && neo4j-admin database dump %s --to-path=/staging/dump && mv /staging/dump/%s.dump /staging/%s" % (
            db, db, artifact)
        mounts.append(dict(name="data", mountPath="/data"))
        volumes.append(_claim_volume(neo4j["claim"]))
    target = staging_url(store, backup, "neo4j", artifact)
    upload = "aws s3 cp /staging/%s %s %s --only-show-errors" % (artifact, target, sse_flags(store))
    return _job(job_name("neo4j", "backup", backup), neo4j["namespace"], backup, jobs,
                [_container("dump", neo4j["image"], dump, mounts=mounts, user=7474)],
                [_container("upload", jobs["transfer_image"], upload, transfer_env(store))],
                volumes=volumes, fs_group=7474)


def neo4j_load_job(store, backup, neo4j, jobs):
    """Load the dump (community: neo4j-admin database load) or restore the online backup
    (enterprise: neo4j-admin database restore) over the database, with the server stopped."""
    db = shlex.quote(neo4j["database"])
    artifact = neo4j_artifact(neo4j)
    if neo4j["edition"] == "enterprise":
        local = "/staging/%s" % artifact
        load = "neo4j-admin database restore --from-path=%s --overwrite-destination=true %s" % (local, db)
    else:
        local = "/staging/%s.dump" % neo4j["database"]
        load = "neo4j-admin database load %s --from-path=/staging --overwrite-destination=true" % db
    download = "aws s3 cp %s %s --only-show-errors" % (staging_url(store, backup, "neo4j", artifact), shlex.quote(local))
    return _job(job_name("neo4j", "restore", backup), neo4j["namespace"], backup, jobs,
                [_container("download", jobs["transfer_image"], download, transfer_env(store))],
                [_container("load", neo4j["image"], load, mounts=[dict(name="staging", mountPath="/staging"),
                                                                  dict(name="data", mountPath="/data")], user=7474)],
                volumes=[_claim_volume(neo4j["claim"])], fs_group=7474)


def neo4j_check_job(backup, neo4j, jobs):
    """Counts of nodes and relationships through Bolt, once the server is back."""
    query = "cypher-shell -a %s --format plain" % shlex.quote(neo4j["bolt_url"])
    script = " && ".join([
        "echo \"nodes=$(%s 'MATCH (n) RETURN count(n)' | tail -n 1)\"" % query,
        "echo \"relationships=$(%s 'MATCH ()-[r]->() RETURN count(r)' | tail -n 1)\"" % query,
    ])
    return _job(job_name("neo4j", "check", backup), neo4j["namespace"], backup, jobs, [],
                [_container("check", neo4j["image"], script,
                            [dict(name="NEO4J_USERNAME", value=neo4j["username"]),
                             _secret_env("NEO4J_PASSWORD", neo4j["credentials_secret"], neo4j["password_key"])],
                            user=7474)],
                fs_group=7474)


# -- Prometheus ----------------------------------------------------------------------------

def prometheus_upload_job(store, backup, snapshot, prometheus, jobs, node_name):
    """Tar a TSDB snapshot on the Prometheus volume (on that pod's node: the volume is
    ReadWriteOnce), upload it to staging, and delete the snapshot from the volume."""
    if not re.match(r"^[A-Za-z0-9-]+$", snapshot or ""):
        raise PlatformError("prometheus: %r is not a snapshot name" % (snapshot,))
    path = "%s/snapshots/%s" % (prometheus["data_path"].rstrip("/"), snapshot)
    pack = "tar -C %s -cf /staging/snapshot.tar . && rm -rf %s" % (shlex.quote(path), shlex.quote(path))
    upload = "aws s3 cp /staging/snapshot.tar %s %s --only-show-errors" % (
        staging_url(store, backup, "metrics", "snapshot.tar"), sse_flags(store))
    return _job(job_name("metrics", "backup", backup), prometheus["namespace"], backup, jobs,
                [_container("pack", prometheus["image"], pack,
                            mounts=[dict(name="staging", mountPath="/staging"),
                                    dict(name="data", mountPath=prometheus["data_path"])], user=65534)],
                [_container("upload", jobs["transfer_image"], upload, transfer_env(store))],
                volumes=[_claim_volume(prometheus["claim"])], node_name=node_name, fs_group=65534)


# -- running Jobs --------------------------------------------------------------------------

class JobRunner(object):
    """Create a Job, wait until it succeeds or fails, return its main container's log."""

    def __init__(self, state):
        self.state = state  # a KubernetesState (module_utils/backup/kubernetes.py)
        self.applier = state.applier
        self.client = state.client

    def run(self, job, timeout):
        resource = self.applier.resource(job)
        meta = job["metadata"]
        if self.state.current(job) is not None:
            raise PlatformError("Job %s/%s already exists: another backup or restore with this id is running "
                                "(or failed: read its log, then delete it)" % (meta["namespace"], meta["name"]))
        self.applier._call("creating Job %s/%s" % (meta["namespace"], meta["name"]), self.client.create, resource,
                           body=job, namespace=meta["namespace"])
        final = {}

        def finished():
            live = self.state.current(job) or {}
            status = live.get("status") or {}
            if status.get("succeeded"):
                final["state"] = "succeeded"
            elif status.get("failed"):
                final["state"] = "failed"
            return final.get("state")

        try:
            wait_for(finished, timeout, "Job %s/%s to finish" % (meta["namespace"], meta["name"]))
        except PlatformError:
            raise PlatformError("timed out after %ss waiting for Job %s/%s to finish (its pod's log tells why)"
                                % (timeout, meta["namespace"], meta["name"]))
        container = job["spec"]["template"]["spec"]["containers"][0]["name"]
        log = self.log(meta["namespace"], meta["name"], container)
        if final["state"] == "failed":
            raise PlatformError("Job %s/%s failed: %s" % (meta["namespace"], meta["name"], log[-500:] or "no log"))
        self.applier._call("deleting Job %s/%s" % (meta["namespace"], meta["name"]), self.client.delete, resource,
                           name=meta["name"], namespace=meta["namespace"],
                           body={"propagationPolicy": "Background"})
        return log

    def log(self, namespace, job, container):
        from kubernetes.client import CoreV1Api
        core = CoreV1Api(self.client.client)
        pods = self.applier._call("listing the pods of Job %s/%s" % (namespace, job), core.list_namespaced_pod,
                                  namespace, label_selector="job-name=%s" % job)
        if not pods.items:
            return ""
        return self.applier._call("reading the log of Job %s/%s" % (namespace, job), core.read_namespaced_pod_log,
                                  pods.items[0].metadata.name, namespace, container=container) or ""

    def scale(self, namespace, name, replicas):
        """Set a StatefulSet's replicas; returns the replicas it had."""
        obj = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name, "namespace": namespace}}
        live = self.state.current(obj)
        if live is None:
            raise PlatformError("StatefulSet %s/%s does not exist" % (namespace, name))
        before = (live.get("spec") or {}).get("replicas", 1)
        resource = self.applier.resource(obj)
        self.applier._call("scaling StatefulSet %s/%s" % (namespace, name), self.client.patch, resource, name=name,
                           namespace=namespace, body={"spec": {"replicas": replicas}},
                           content_type="application/merge-patch+json")
        return before

    def wait_scaled(self, namespace, name, replicas, timeout):
        obj = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": name, "namespace": namespace}}

        def done():
            status = (self.state.current(obj) or {}).get("status") or {}
            if replicas == 0:
                return status.get("replicas", 0) == 0
            return status.get("readyReplicas", 0) >= replicas
        wait_for(done, timeout, "StatefulSet %s/%s to have %d ready replicas" % (namespace, name, replicas))
