#!/usr/bin/env python3
"""Benchmark of the backups on restic (not a test), through the playbooks the schedule and
the operator run, against real services started as the tests start them (moto's S3, Redis,
RabbitMQ) and the local cluster (`make local-up`):

- an hourly backup of an unchanged platform: playbooks/backup.yml (system_state: the
  platform's Kubernetes objects in a namespace of its own, Redis, RabbitMQ definitions;
  retention and a check of 5 % of the data included) twice, and what the second one adds
  to the repository, counted in the bucket. Target: under 1 % of what the first one
  stored.
- a restore after corrupting Redis and RabbitMQ: keys deleted and overwritten, a vhost and
  a user deleted, then playbooks/recovery.yml (data_corruption), and the records counted
  back against the ones taken before. Target: 100 % of them.

    python tools/bench/backup_bench.py [--keys 50000] [--queues 40]

Prints the figures and exits non-zero when a target is missed.
"""

import argparse
import base64
import os
import pathlib
import random
import shutil
import sys
import tempfile
import time
import urllib.parse
import uuid

REPO = pathlib.Path(__file__).resolve().parents[2]
# What pytest.ini puts on the path for the tests, and the backup tests' helpers.
sys.path[:0] = [str(REPO / "collections"), str(REPO / "tests"), str(REPO / "tests" / "integration"),
                str(REPO / "tests" / "integration" / "backup")]

PASSWORD = base64.b64encode(os.urandom(32)).decode()


def fill_redis(client, keys, tag):
    """An agent platform's keys: states (hashes), task results, sessions with a TTL, plans (lists)."""
    rng = random.Random(7)
    pipe = client.pipeline(transaction=False)
    for i in range(keys):
        kind = i % 4
        key = "%s:%d:%06d" % (tag, kind, i)
        if kind == 0:
            pipe.hset(key, mapping={"state": rng.choice(["idle", "busy", "draining"]), "load": rng.randint(0, 100),
                                    "agent": "executor-%d" % rng.randint(0, 24), "task": uuid.UUID(int=rng.getrandbits(128)).hex})
        elif kind == 1:
            pipe.set(key, "result:%s:%s" % (uuid.UUID(int=rng.getrandbits(128)).hex, "x" * rng.randint(50, 400)))
        elif kind == 2:
            pipe.set(key, "session-%d" % i, ex=7 * 86400)
        else:
            pipe.rpush(key, *["step-%d:%s" % (s, rng.choice(["plan", "act", "check"])) for s in range(rng.randint(2, 8))])
        if i % 5000 == 4999:
            pipe.execute()
    pipe.execute()


def define_broker(rabbitmq, tag, queues):
    vhost = "mas-%s" % tag
    v = urllib.parse.quote(vhost, safe="")
    calls = [("PUT", "vhosts/%s" % v, {}), ("PUT", "users/agent-%s" % tag, {"password": "pw-%s" % tag, "tags": ""}),
             ("PUT", "permissions/%s/agent-%s" % (v, tag), {"configure": ".*", "write": ".*", "read": ".*"}),
             ("PUT", "exchanges/%s/tasks" % v, {"type": "topic", "durable": True}),
             ("PUT", "policies/%s/results-ttl" % v, {"pattern": "^results", "definition": {"message-ttl": 60000},
                                                      "apply-to": "queues"})]
    for i in range(queues):
        calls.append(("PUT", "queues/%s/tasks.q%02d" % (v, i), {"durable": True}))
        calls.append(("POST", "bindings/%s/e/tasks/q/tasks.q%02d" % (v, i), {"routing_key": "task.%02d.#" % i}))
    for method, path, body in calls:
        status, answer = rabbitmq.api(method, path, body)
        if status not in (201, 204):
            raise SystemExit("RabbitMQ refused %s %s: %s %s" % (method, path, status, answer))
    return vhost


def broker_state(rabbitmq, vhost, tag):
    status, definitions = rabbitmq.api("GET", "definitions")
    state = set()
    for section in ("queues", "exchanges", "bindings", "policies", "permissions"):
        for d in definitions[section]:
            if d.get("vhost") == vhost:
                state.add((section, repr(sorted(d.items()))))
    state |= set(("users", repr(sorted(u.items()))) for u in definitions["users"] if u["name"] == "agent-%s" % tag)
    return state


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keys", type=int, default=50000)
    parser.add_argument("--queues", type=int, default=40)
    args = parser.parse_args()
    import services
    from backup_helpers import PLATFORM_LABELS, agent_deployment, create, redis_dumps, repository_bytes, spec_section
    from playbook_run import run_playbook
    from kubernetes import client as kube_client

    workdir = pathlib.Path(tempfile.mkdtemp(prefix="mas-backup-bench-"))
    tag = "bench" + uuid.uuid4().hex[:6]
    rabbitmq = redis = moto = None
    kube = services.connect_kube()
    namespace = "mas-backup-bench-%s" % tag[5:]
    core = kube_client.CoreV1Api(kube)
    failed = []
    try:
        for name in ("rabbitmq", "redis", "moto"):
            (workdir / name).mkdir()
        rabbitmq = services.RabbitMQServer(workdir / "rabbitmq").start()
        redis = services.RedisServer(workdir / "redis").start()
        moto = services.MotoServer(workdir / "moto").start()
        bucket = "mas-bench-%s" % tag[5:]
        s3 = moto.client()
        s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
        core.create_namespace(kube_client.V1Namespace(metadata=kube_client.V1ObjectMeta(name=namespace)))
        labels = dict(PLATFORM_LABELS, **{"mas-platform.test/run": tag})
        for name, replicas in (("resource-manager", 2), ("coordinator-agent", 3), ("task-executor", 5)):
            create(kube, agent_deployment(namespace, name, replicas, labels))
        for i in range(20):
            create(kube, {"apiVersion": "v1", "kind": "ConfigMap",
                          "metadata": {"name": "agent-config-%02d" % i, "namespace": namespace, "labels": labels},
                          "data": {"config.yaml": "strategy: auction\nslot: %d\n" % i}})
        client = redis.client()
        fill_redis(client, args.keys, tag)
        vhost = define_broker(rabbitmq, tag, args.queues)
        procedures = spec_section("backup_procedures")
        procedures["store"] = dict(bucket=bucket, prefix="platform", region="eu-west-1", endpoint_url=moto.url,
                                   server_side_encryption="AES256")
        settings = dict(
            backup_kind="system_state", backup_procedures=procedures, backup_components=["kubernetes", "redis", "rabbitmq"],
            backup_redis_url=redis.url, backup_redis_password=redis.password, backup_redis_cluster=False,
            backup_rabbitmq_api_url=rabbitmq.api_url, backup_rabbitmq_username=rabbitmq.user,
            backup_rabbitmq_password=rabbitmq.password, backup_kubernetes_namespaces=[namespace],
            backup_kubernetes_label_selector="app.kubernetes.io/part-of=mas-platform,mas-platform.test/run=%s" % tag,
            recovery_agent_namespaces=[namespace], recovery_task_queue_pattern=r"^tasks\.%s" % tag)
        env = dict(MAS_BACKUP_ENCRYPTION_KEY=PASSWORD, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
                   K8S_AUTH_KUBECONFIG=str(services.KUBECONFIG), RESTIC_CACHE_DIR=str(workdir / "restic-cache"))

        first = run_playbook("backup.yml", extra_vars=settings, env=env, workdir=workdir)
        if not first.ok:
            raise SystemExit("the first backup failed: %s" % first.explain())
        size_first = repository_bytes(s3, bucket)
        taken = first.result("Take the backup")
        second = run_playbook("backup.yml", extra_vars=settings, env=env, workdir=workdir)
        if not second.ok:
            raise SystemExit("the second backup failed: %s" % second.explain())
        added = repository_bytes(s3, bucket) - size_first
        share = 100.0 * added / size_first
        print("hourly backup of an unchanged platform: the first stored %d bytes (%d files, %d records, %d bytes of "
              "dumps) in %.1fs; the second added %d bytes = %.2f %% (target < 1 %%) in %.1fs"
              % (size_first, taken["totals"]["files"], taken["totals"]["records"], taken["totals"]["bytes"],
                 first.seconds, added, share, second.seconds), flush=True)
        if share >= 1.0:
            failed.append("unchanged backup adds %.2f %%" % share)

        before_keys, before_broker = redis_dumps(client, tag), broker_state(rabbitmq, vhost, tag)
        keys = sorted(before_keys)
        pipe = client.pipeline(transaction=False)
        for key in keys[: len(keys) * 3 // 10]:
            pipe.delete(key)
        for key in keys[len(keys) * 3 // 10: len(keys) * 35 // 100]:
            pipe.delete(key)
            pipe.set(key, "garbage")
        pipe.execute()
        rabbitmq.api("DELETE", "vhosts/%s" % urllib.parse.quote(vhost, safe=""))
        rabbitmq.api("DELETE", "users/agent-%s" % tag)
        corrupted = redis_dumps(client, tag)
        started = time.monotonic()
        recovery = run_playbook("recovery.yml", extra_vars=dict(settings, recovery_scenario="data_corruption",
                                                                recovery_components=["redis", "rabbitmq"]),
                                env=env, workdir=workdir)
        if not recovery.ok:
            raise SystemExit("the recovery failed: %s" % recovery.explain())
        after_keys, after_broker = redis_dumps(client, tag), broker_state(rabbitmq, vhost, tag)
        same_keys = sum(1 for k, v in before_keys.items() if after_keys.get(k) == v)
        same_definitions = len(before_broker & after_broker)
        wrong_before = sum(1 for k, v in before_keys.items() if corrupted.get(k) != v)
        print("restore after corrupting Redis and RabbitMQ (%d of %d keys deleted or overwritten, the vhost and its "
              "user deleted): %d of %d keys (%.2f %%) and %d of %d definitions (%.2f %%) back, in %.1fs (recovery.yml)"
              % (wrong_before, len(before_keys), same_keys, len(before_keys), 100.0 * same_keys / len(before_keys),
                 same_definitions, len(before_broker), 100.0 * same_definitions / len(before_broker),
                 time.monotonic() - started), flush=True)
        if same_keys != len(before_keys) or same_definitions != len(before_broker) or len(after_keys) != len(before_keys):
            failed.append("restore brought back %d/%d keys, %d/%d definitions"
                          % (same_keys, len(before_keys), same_definitions, len(before_broker)))
    finally:
        try:
            core.delete_namespace(namespace)
        except Exception:  # noqa: BLE001 - best effort
            pass
        for server in (rabbitmq, redis, moto):
            if server is not None:
                server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    if failed:
        print("targets missed: %s" % "; ".join(failed))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
