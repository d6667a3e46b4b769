"""The Jobs that dump and restore MongoDB and Neo4j and upload a Prometheus snapshot.

MongoDB and Neo4j cannot run on the development machines, and containers do not execute
on the local cluster: these tests check the commands and the Jobs as rendered (the
manifests the API server would get). docs/runbooks/backup-and-recovery.md says so.
"""

import pytest

from ansible_collections.mas.platform.plugins.module_utils.backup.jobs import (
    job_name,
    JOB_OPTIONS,
    mongodb_dump_job,
    MONGODB_OPTIONS,
    mongodb_restore_job,
    mongodb_validation,
    neo4j_check_job,
    neo4j_dump_job,
    neo4j_load_job,
    NEO4J_OPTIONS,
    parse_log_values,
    PROMETHEUS_JOB_OPTIONS,
    prometheus_upload_job,
)
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError

BACKUP = "20261128T010500Z"


def defaults(options, **overrides):
    values = dict((name, spec.get("default")) for name, spec in options.items())
    values.update(overrides)
    return values


class Api:
    region = "eu-west-1"
    endpoint_url = None


class Store:
    """The parts of BackupStore the renderers use."""

    def __init__(self, kms=None):
        self.api = Api()
        self.sse = dict(ServerSideEncryption="aws:kms", SSEKMSKeyId=kms) if kms else dict(ServerSideEncryption="AES256")

    def url(self, key):
        return "s3://mas-production-backups/%s" % key

    def staging_key(self, backup, name):
        return "platform/staging/%s/%s" % (backup, name)


JOBS = defaults(JOB_OPTIONS)


def containers(job):
    spec = job["spec"]["template"]["spec"]
    return dict((c["name"], c) for c in spec.get("initContainers", []) + spec["containers"])


def script(container):
    assert container["command"][:2] == ["/bin/sh", "-ec"]
    return container["command"][2]


def assert_restricted(job):
    pod = job["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] and pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    assert pod["restartPolicy"] == "Never" and job["spec"]["backoffLimit"] == 0
    for container in containers(job).values():
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False and context["capabilities"] == {"drop": ["ALL"]}
        assert context["runAsNonRoot"] and context["runAsUser"] > 0
        assert container["resources"]["limits"]
    labels = job["metadata"]["labels"]
    assert labels["app.kubernetes.io/part-of"] == "mas-platform"
    assert labels["app.kubernetes.io/managed-by"] == "mas.platform"


def test_mongodb_dump_is_a_point_in_time_dump_from_a_secondary_uploaded_to_staging():
    job = mongodb_dump_job(Store(kms="alias/mas-backups"), BACKUP, defaults(MONGODB_OPTIONS), JOBS)
    assert_restricted(job)
    assert job["metadata"] == dict(job["metadata"], name="mas-backup-mongodb-20261128t010500z", namespace="core-services")
    dump, upload = containers(job)["dump"], containers(job)["upload"]
    assert dump["image"] == "mongo:6.0.0"
    assert ('mongodump --uri="$MONGODB_URI" --readPreference=secondaryPreferred --oplog --gzip '
            '--archive=/staging/mongodb.archive.gz') in script(dump)
    # Counts before and after: equal means nothing was written while the dump ran.
    assert script(dump).index("counts-before.json") < script(dump).index("mongodump") < script(dump).index("counts-after.json")
    env = dict((e["name"], e) for e in dump["env"])
    assert env["MONGODB_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "mongodb-credentials", "key": "root-password"}
    assert env["MONGODB_URI"]["value"] == ("mongodb://$(MONGODB_USERNAME):$(MONGODB_PASSWORD)@"
                                           "mongodb-headless.core-services.svc:27017/?replicaSet=rs0&authSource=admin")
    assert ("aws s3 cp /staging/mongodb.archive.gz s3://mas-production-backups/platform/staging/%s/mongodb/"
            "mongodb.archive.gz --sse aws:kms --sse-kms-key-id alias/mas-backups" % BACKUP) in script(upload)
    assert upload["image"] == "amazon/aws-cli:2.17.0"
    assert {"name": "AWS_REGION", "value": "eu-west-1"} in upload["env"]
    assert job["spec"]["template"]["spec"]["serviceAccountName"] == "mas-backup"


def test_mongodb_restore_replaces_the_data_then_reports_counts_and_members():
    job = mongodb_restore_job(Store(), BACKUP, defaults(MONGODB_OPTIONS), JOBS)
    assert_restricted(job)
    download, restore = containers(job)["download"], containers(job)["restore"]
    assert script(download).startswith("aws s3 cp s3://mas-production-backups/platform/staging/%s/mongodb/"
                                       "mongodb.archive.gz /staging/mongodb.archive.gz" % BACKUP)
    assert ('mongorestore --uri="$MONGODB_URI" --drop --oplogReplay --gzip --archive=/staging/mongodb.archive.gz'
            in script(restore))
    assert 'echo "counts=$(mongosh' in script(restore) and 'echo "members=$(mongosh' in script(restore)
    # The restore container is the one whose log the module reads.
    assert job["spec"]["template"]["spec"]["containers"][0]["name"] == "restore"


LOG = ('2026-11-28T01:10:00.000+0000 finished restoring platform.tasks (1200 documents, 0 failures)\n'
       'counts={"platform.tasks": 1200, "platform.agents": 5}\n'
       'members=[{"name": "mongodb-0:27017", "state": "PRIMARY", "health": 1},'
       ' {"name": "mongodb-1:27017", "state": "SECONDARY", "health": 1}]\n')


@pytest.mark.parametrize("log, counts, ok, problem", [
    (LOG, {"platform.tasks": 1200, "platform.agents": 5}, True, None),
    (LOG, {"platform.tasks": 1201, "platform.agents": 5}, False, "differ"),
    (LOG, {"platform.tasks": 1200, "platform.gone": 3}, False, "missing"),
    (LOG.replace('"health": 1}]', '"health": 0}]'), {"platform.tasks": 1200}, False, "replica_set_healthy"),
    ("no lines", {"platform.tasks": 1200}, False, "replica_set_healthy"),
])
def test_mongodb_validation_reads_counts_and_replica_set_health(log, counts, ok, problem):
    result = mongodb_validation(log, counts)
    assert result["ok"] is ok
    if problem == "differ":
        assert result["differ"] == {"platform.tasks": {"backup": 1201, "restored": 1200}}
    elif problem == "missing":
        assert result["missing"] == ["platform.gone"]
    elif problem:
        assert result["replica_set_healthy"] is False


def test_a_log_line_that_is_not_json_is_named():
    with pytest.raises(PlatformError, match="printed counts that is not JSON"):
        parse_log_values("counts={broken")


def test_neo4j_community_dumps_from_the_stopped_servers_volume():
    job = neo4j_dump_job(Store(), BACKUP, defaults(NEO4J_OPTIONS), JOBS)
    assert_restricted(job)
    dump = containers(job)["dump"]
    assert script(dump) == ("mkdir -p /staging/dump && neo4j-admin database dump neo4j --to-path=/staging/dump && "
                            "mv /staging/dump/neo4j.dump /staging/neo4j.dump")
    assert {"name": "data", "mountPath": "/data"} in dump["volumeMounts"]
    volumes = dict((v["name"], v) for v in job["spec"]["template"]["spec"]["volumes"])
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] == "data-neo4j-0"
    assert "staging/%s/neo4j/neo4j.dump" % BACKUP in script(containers(job)["upload"])


def test_neo4j_enterprise_takes_an_online_backup_and_restores_it():
    neo4j = defaults(NEO4J_OPTIONS, edition="enterprise", image="neo4j:5.11.0-enterprise")
    job = neo4j_dump_job(Store(), BACKUP, neo4j, JOBS)
    assert script(containers(job)["dump"]).startswith(
        "mkdir -p /staging/backup && neo4j-admin database backup --from=neo4j.core-services:6362 --to-path=/staging/backup neo4j")
    assert "data" not in dict((v["name"], v) for v in job["spec"]["template"]["spec"]["volumes"])
    load = neo4j_load_job(Store(), BACKUP, neo4j, JOBS)
    assert script(containers(load)["load"]) == (
        "neo4j-admin database restore --from-path=/staging/neo4j.backup --overwrite-destination=true neo4j")


def test_neo4j_community_load_overwrites_the_database():
    job = neo4j_load_job(Store(), BACKUP, defaults(NEO4J_OPTIONS, database="graph"), JOBS)
    assert_restricted(job)
    assert script(containers(job)["download"]).startswith(
        "aws s3 cp s3://mas-production-backups/platform/staging/%s/neo4j/neo4j.dump /staging/graph.dump" % BACKUP)
    assert script(containers(job)["load"]) == (
        "neo4j-admin database load graph --from-path=/staging --overwrite-destination=true")


def test_neo4j_check_counts_through_bolt_with_the_stored_password():
    job = neo4j_check_job(BACKUP, defaults(NEO4J_OPTIONS), JOBS)
    check = containers(job)["check"]
    assert "cypher-shell -a neo4j://neo4j.core-services:7687 --format plain 'MATCH (n) RETURN count(n)'" in script(check)
    env = dict((e["name"], e) for e in check["env"])
    assert env["NEO4J_PASSWORD"]["valueFrom"]["secretKeyRef"] == {"name": "neo4j-credentials", "key": "password"}
    values = parse_log_values("nodes=1520\nrelationships=4210\n")
    assert values == {"nodes": 1520, "relationships": 4210}


def test_prometheus_snapshot_is_packed_on_the_pods_node_and_removed():
    job = prometheus_upload_job(Store(), BACKUP, "20261128T014500Z-2f9a1c", defaults(PROMETHEUS_JOB_OPTIONS), JOBS,
                                node_name="ip-10-0-10-21")
    assert_restricted(job)
    pod = job["spec"]["template"]["spec"]
    assert pod["nodeName"] == "ip-10-0-10-21"
    assert dict((v["name"], v) for v in pod["volumes"])["data"]["persistentVolumeClaim"]["claimName"] == "data-prometheus-0"
    assert script(containers(job)["pack"]) == (
        "tar -C /prometheus/snapshots/20261128T014500Z-2f9a1c -cf /staging/snapshot.tar . && "
        "rm -rf /prometheus/snapshots/20261128T014500Z-2f9a1c")
    with pytest.raises(PlatformError, match="is not a snapshot name"):
        prometheus_upload_job(Store(), BACKUP, "../../etc", defaults(PROMETHEUS_JOB_OPTIONS), JOBS, "n")


def test_job_names_are_dns_labels():
    name = job_name("mongodb", "restore", "20261128T010500Z")
    assert name == "mas-restore-mongodb-20261128t010500z" and len(name) <= 63
