"""Data corruption, end to end through the playbooks: 10,000 Redis keys and a RabbitMQ
definition set are backed up (playbooks/backup.yml), corrupted and deleted, and
playbooks/recovery.yml (data_corruption) brings every key and definition back, with the
writers stopped and task intake paused meanwhile. A first recovery run, killed once it has
stopped the writers, leaves their replicas in the state ConfigMap, and the run again brings
them back. A damaged pack in the bucket is refused, naming the store and the snapshot,
before anything is stopped or written."""

import json
import os
import urllib.parse

import pytest

from backup_helpers import (
    ENCRYPTION_KEY,
    PLATFORM,
    PLATFORM_LABELS,
    agent_deployment,
    create,
    damage_pack,
    read,
    redis_dumps,
    snapshots,
    spec_section,
    wait_until,
)

KEYS = 10000
# The state ConfigMap of the test (in its namespace), and the key of the writers' record.
STATE = "mas-platform-state"
RECORD = "recovery-writers.json"


def write_keys(client, unique):
    """10,000 keys of the kinds an agent platform keeps, some with a TTL."""
    pipe = client.pipeline(transaction=False)
    for i in range(KEYS):
        kind = i % 4
        key = "%s:%d:%05d" % (unique, kind, i)
        if kind == 0:
            pipe.set(key, "task-result-%d" % i)
        elif kind == 1:
            pipe.hset(key, mapping={"state": "done", "attempts": i % 7, "agent": "executor-%d" % (i % 5)})
        elif kind == 2:
            pipe.rpush(key, *["step-%d" % s for s in range(5)])
        else:
            pipe.set(key, "session-%d" % i, ex=86400)
    pipe.execute()


def define_broker(rabbitmq, unique):
    """A vhost with exchanges, queues, bindings, a policy, and a user with permissions."""
    vhost = "mas-%s" % unique
    v = urllib.parse.quote(vhost, safe="")
    calls = [
        ("PUT", "vhosts/%s" % v, {"description": "agents of test %s" % unique}),
        ("PUT", "users/agent-%s" % unique, {"password": "secret-%s" % unique, "tags": ""}),
        ("PUT", "permissions/%s/agent-%s" % (v, unique), {"configure": "^tasks", "write": ".*", "read": ".*"}),
        ("PUT", "exchanges/%s/tasks" % v, {"type": "topic", "durable": True}),
        ("PUT", "exchanges/%s/results" % v, {"type": "direct", "durable": True, "arguments": {"alternate-exchange": "tasks"}}),
        ("PUT", "queues/%s/tasks.default" % v, {"durable": True, "arguments": {"x-max-priority": 5}}),
        ("PUT", "queues/%s/tasks.learning" % v, {"durable": True, "arguments": {"x-queue-type": "quorum"}}),
        ("POST", "bindings/%s/e/tasks/q/tasks.default" % v, {"routing_key": "task.#"}),
        ("POST", "bindings/%s/e/tasks/q/tasks.learning" % v, {"routing_key": "learning.#"}),
        ("PUT", "policies/%s/results-ttl" % v, {"pattern": "^results", "definition": {"message-ttl": 60000},
                                                "apply-to": "queues", "priority": 1}),
    ]
    for method, path, body in calls:
        status, answer = rabbitmq.api(method, path, body)
        assert status in (201, 204), (path, status, answer)
    return vhost


def broker_state(rabbitmq, vhost, unique):
    """What the test compares: the vhost's definitions and the user's permissions."""
    status, definitions = rabbitmq.api("GET", "definitions")
    assert status == 200
    state = {}
    for section in ("exchanges", "queues", "bindings", "policies", "permissions"):
        state[section] = sorted((d for d in definitions[section] if d.get("vhost") == vhost),
                                key=lambda d: sorted(d.items()).__repr__())
    state["user"] = [u for u in definitions["users"] if u["name"] == "agent-%s" % unique]
    return state


def corrupt(client, rabbitmq, vhost, unique):
    """Overwrite some keys, delete others, and delete the vhost and the user."""
    keys = sorted(client.scan_iter(match="%s:*" % unique, count=1000))
    pipe = client.pipeline(transaction=False)
    for key in keys[:3000]:
        pipe.delete(key)
    for key in keys[3000:3500]:
        pipe.delete(key)
        pipe.set(key, "garbage")
    pipe.execute()
    assert rabbitmq.api("DELETE", "vhosts/%s" % urllib.parse.quote(vhost, safe=""))[0] == 204
    assert rabbitmq.api("DELETE", "users/agent-%s" % unique)[0] == 204


@pytest.fixture
def settings(store, redis_args, rabbitmq_args, namespace, unique):
    """Extra variables of the playbooks: the test's store, services and namespace."""
    procedures = spec_section("backup_procedures")
    procedures["store"] = dict(store, server_side_encryption="AES256")
    return dict(
        backup_kind="system_state",
        backup_procedures=procedures,
        backup_components=["redis", "rabbitmq"],
        backup_redis_url=redis_args["url"], backup_redis_password=redis_args["password"], backup_redis_cluster=False,
        backup_rabbitmq_api_url=rabbitmq_args["api_url"], backup_rabbitmq_username=rabbitmq_args["username"],
        backup_rabbitmq_password=rabbitmq_args["password"],
        backup_kubernetes_label_selector="app.kubernetes.io/part-of=mas-platform,mas-platform.test/run=%s" % unique,
        recovery_agent_namespaces=[namespace],
        recovery_task_queue_pattern=r"^tasks\.%s" % unique,
        runbooks_state_configmap=dict(name=STATE, namespace=namespace),
    )


@pytest.fixture
def writer(kube, namespace, unique):
    """An agent Deployment that writes to the data (2 replicas), rolled out."""
    labels = dict(PLATFORM_LABELS, **{"mas-platform.test/run": unique})
    create(kube, agent_deployment(namespace, "task-executor", 2, labels))
    wait_until(lambda: (read(kube, "apps/v1", "Deployment", namespace, "task-executor")["status"]
                        .get("availableReplicas") == 2), what="the writer to roll out")
    return "task-executor"


def test_every_key_and_definition_comes_back(playbook, settings, redis_server, rabbitmq, s3, store, kube, namespace,
                                             writer, unique):
    client = redis_server.client()
    write_keys(client, unique)
    vhost = define_broker(rabbitmq, unique)
    before_keys, before_broker = redis_dumps(client, unique), broker_state(rabbitmq, vhost, unique)
    assert len(before_keys) == KEYS
    env = dict(MAS_BACKUP_ENCRYPTION_KEY=ENCRYPTION_KEY)

    backup = playbook("backup.yml", settings, env=env)
    assert backup.ok, backup.failure()
    taken = backup.result("Take the backup")
    assert taken["components"]["redis"]["keys"] >= KEYS
    assert [s["short_id"] for s in snapshots(store, "kind=system_state", "platform=%s" % PLATFORM)] == [
        taken["backup"]["id"]]
    assert backup.result("Apply the retention and check the repository")["checked"]

    corrupt(client, rabbitmq, vhost, unique)
    assert len(redis_dumps(client, unique)) == KEYS - 3000

    # The first run dies as soon as it has scaled the writer down, before the restore. The
    # check is a typed read (milliseconds; a dynamic client's discovery on each poll took
    # long enough under load for the killed run to restore first).
    from kubernetes import client as k8s_client
    apps = k8s_client.AppsV1Api(kube)
    settings = dict(settings, recovery_scenario="data_corruption")
    killed = playbook("recovery.yml", settings, env=env, kill_when=lambda: apps.read_namespaced_deployment(
        writer, namespace).spec.replicas == 0)
    assert killed.rc == -9, killed.explain()
    assert read(kube, "apps/v1", "Deployment", namespace, writer)["spec"]["replicas"] == 0
    record = json.loads(read(kube, "v1", "ConfigMap", namespace, STATE)["data"][RECORD])
    assert record["writers"] == [{"namespace": namespace, "name": writer, "replicas": 2}]

    recovery = playbook("recovery.yml", settings, env=env)
    assert recovery.ok, recovery.failure()
    plan = recovery.result("Verify the backup and plan the restore (what it will overwrite)")["plan"]
    assert plan["redis"]["create_count"] == 3000 and plan["redis"]["overwrite_count"] == 500
    assert any("vhost mas-%s" % unique in name for name in plan["rabbitmq"]["create"])
    restored = recovery.result("Restore from the backup (restore_from_backup, validate_data_consistency)")
    assert restored["validation"]["redis"]["ok"] and restored["validation"]["redis"]["missing"] == 0
    assert restored["validation"]["rabbitmq"]["ok"]

    assert redis_dumps(client, unique) == before_keys
    assert broker_state(rabbitmq, vhost, unique) == before_broker
    # Isolated while restoring, resumed after: the writer, at 0 when this run began, is
    # back at the replicas the killed run recorded, and the record is gone.
    stopped = recovery.result("Stop the writers (isolate_affected_components)")
    assert stopped["writers"] == record["writers"] and stopped["scaled"] == []
    started = recovery.result("Start the writers again (resume_operations)")
    assert started["scaled"] == ["%s/%s: 0 -> 2" % (namespace, writer)]
    deployment = read(kube, "apps/v1", "Deployment", namespace, writer)
    assert deployment["spec"]["replicas"] == 2
    assert RECORD not in (read(kube, "v1", "ConfigMap", namespace, STATE).get("data") or {})
    assert rabbitmq.api("GET", "policies/%2F/mas-intake-pause")[0] == 404


def test_a_tampered_backup_is_refused_naming_the_file(playbook, settings, redis_server, rabbitmq, s3, store, kube,
                                                      namespace, writer, unique):
    client = redis_server.client()
    write_keys(client, unique)
    env = dict(MAS_BACKUP_ENCRYPTION_KEY=ENCRYPTION_KEY)
    backup = playbook("backup.yml", settings, env=env)
    assert backup.ok, backup.failure()

    # Alter the largest pack of the repository (the Redis data), as a damaged or tampered file would be.
    damage_pack(s3, store["bucket"])
    taken = backup.result("Take the backup")["backup"]

    keys = sorted(client.scan_iter(match="%s:*" % unique, count=1000))
    client.delete(*keys[:100])
    recovery = playbook("recovery.yml", dict(settings, recovery_scenario="data_corruption"), env=env)

    assert not recovery.ok
    message = recovery.failure()
    assert message.startswith("Verify the backup and plan the restore (what it will overwrite): restore refused, "
                              "nothing was restored: restic restore of snapshot %s failed" % taken["snapshot_id"]), message
    assert "ciphertext verification failed" in message, message
    assert message.endswith("(store s3://%s/platform, system_state snapshot latest (%s) of platform %s)"
                            % (store["bucket"], taken["id"], PLATFORM)), message
    # Refused before anything was stopped or written.
    assert "Stop the writers (isolate_affected_components)" not in recovery.task_names()
    assert read(kube, "apps/v1", "Deployment", namespace, writer)["spec"]["replicas"] == 2
    assert len(redis_dumps(client, unique)) == KEYS - 100
    assert os.environ.get("MAS_BACKUP_ENCRYPTION_KEY") is None
