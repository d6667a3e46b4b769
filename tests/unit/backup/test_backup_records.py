"""How RabbitMQ definitions, Consul KV entries, Redis keys and Kubernetes objects become a
snapshot's files and records (pure)."""

import base64
import json

import pytest

from ansible_collections.mas.platform.plugins.module_utils.backup.consul import kv_lines, records_from_kv
from ansible_collections.mas.platform.plugins.module_utils.backup.kubernetes import (
    differences,
    parse_selector,
    restorable,
    selector_matches_object,
    summary,
)
from ansible_collections.mas.platform.plugins.module_utils.backup.rabbitmq import (
    definition_records,
    describe_key,
    snapshot_definitions,
)
from ansible_collections.mas.platform.plugins.module_utils.backup.redis import (
    record_lines,
    record_payload,
    records_from_lines,
)
from ansible_collections.mas.platform.plugins.module_utils.backup.snapshot import compare
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError

# The shape of GET /api/definitions of RabbitMQ 3.12 (recorded; values shortened).
DEFINITIONS = {
    "rabbit_version": "3.12.0", "rabbitmq_version": "3.12.0",
    "users": [{"name": "agents", "password_hash": "kI3GCqW5JLMJa4iX1lo7X4D6XbYqlLgxIs30+P6tENUV2POR",
               "hashing_algorithm": "rabbit_password_hashing_sha256", "tags": [], "limits": {}}],
    "vhosts": [{"name": "/", "limits": [], "metadata": {"description": "Default virtual host", "tags": []}}],
    "permissions": [{"user": "agents", "vhost": "/", "configure": ".*", "write": ".*", "read": ".*"}],
    "topic_permissions": [],
    "parameters": [],
    "global_parameters": [{"name": "cluster_name", "value": "rabbit@rabbitmq-0"},
                          {"name": "internal_cluster_id", "value": "rabbitmq-cluster-id-bK7dHS_JHaVz6ed1yQjXHw"}],
    "policies": [{"vhost": "/", "name": "tasks-ttl", "pattern": "^tasks\\.", "apply-to": "queues",
                  "definition": {"message-ttl": 3600000}, "priority": 0},
                 {"vhost": "/", "name": "mas-intake-pause", "pattern": "^tasks\\.", "apply-to": "queues",
                  "definition": {"overflow": "reject-publish", "max-length": 0}, "priority": 6}],
    "queues": [{"name": "tasks.default", "vhost": "/", "durable": True, "auto_delete": False,
                "arguments": {"x-queue-type": "classic"}}],
    "exchanges": [{"name": "tasks", "vhost": "/", "type": "topic", "durable": True, "auto_delete": False,
                   "internal": False, "arguments": {}}],
    "bindings": [{"source": "tasks", "vhost": "/", "destination": "tasks.default", "destination_type": "queue",
                  "routing_key": "task.#", "arguments": {}}],
}


def test_definitions_become_records_without_the_gate_and_the_cluster_id():
    records = definition_records(DEFINITIONS, exclude_policies=("mas-intake-pause",))
    assert [k.decode() for k, _ in records] == sorted([
        'vhosts/["/"]', 'users/["agents"]', 'permissions/["agents","/"]', 'global_parameters/["cluster_name"]',
        'policies/["/","tasks-ttl"]', 'exchanges/["/","tasks"]', 'queues/["/","tasks.default"]',
        'bindings/["/","tasks","tasks.default","queue","task.#",{}]'])
    # The intake gate and the cluster's own id are never restored.
    assert all(b"mas-intake-pause" not in p and b"internal_cluster_id" not in p for _, p in records)


def test_the_snapshot_keeps_the_management_apis_import_body():
    body = snapshot_definitions(DEFINITIONS, exclude_policies=("mas-intake-pause",))
    assert body["rabbit_version"] == "3.12.0"
    assert body["queues"] == DEFINITIONS["queues"] and body["users"] == DEFINITIONS["users"]
    assert [p["name"] for p in body["policies"]] == ["tasks-ttl"]
    assert [p["name"] for p in body["global_parameters"]] == ["cluster_name"]
    # The records of the body are the broker's records (what the validation compares).
    assert definition_records(body) == definition_records(DEFINITIONS, exclude_policies=("mas-intake-pause",))
    # Sorted: the same definitions listed in another order give the same bytes.
    shuffled = dict(DEFINITIONS, policies=list(reversed(DEFINITIONS["policies"])))
    assert snapshot_definitions(shuffled) == snapshot_definitions(DEFINITIONS)


def test_compare_says_what_a_restore_creates_and_overwrites():
    plain = definition_records(DEFINITIONS)
    current = [(k, p) for k, p in plain if not k.startswith(b"queues/")]
    current = [(k, b'{"changed": true}' if k.startswith(b"policies/") else p) for k, p in current]
    current.append((b'queues/["/","extra"]', b"{}"))
    plan = compare(plain, current)
    assert [describe_key(k) for k in plan["create"]] == ["queue tasks.default in /"]
    assert [describe_key(k) for k in plan["overwrite"]] == ["policy mas-intake-pause in /", "policy tasks-ttl in /"]
    assert plan["extra"] == [b'queues/["/","extra"]']
    assert describe_key(plain[0][0]) == "binding tasks -> queue tasks.default ('task.#') in /"


# The shape of GET /v1/kv/?recurse of Consul 1.9 (recorded): values base64, null when empty.
CONSUL_KV = [
    {"LockIndex": 0, "Key": "agents/coordinator/strategy", "Flags": 0, "Value": base64.b64encode(b"auction").decode(),
     "CreateIndex": 120, "ModifyIndex": 131},
    {"LockIndex": 0, "Key": "agents/executor/", "Flags": 0, "Value": None, "CreateIndex": 99, "ModifyIndex": 99},
    {"LockIndex": 0, "Key": "features/learning", "Flags": 42, "Value": base64.b64encode(b"on").decode(),
     "CreateIndex": 7, "ModifyIndex": 7},
]


def test_consul_entries_become_lines_and_records():
    lines = kv_lines(list(reversed(CONSUL_KV)))
    assert lines == [
        {"Key": "agents/coordinator/strategy", "Flags": 0, "Value": base64.b64encode(b"auction").decode()},
        {"Key": "agents/executor/", "Flags": 0, "Value": ""},
        {"Key": "features/learning", "Flags": 42, "Value": base64.b64encode(b"on").decode()},
    ]
    records = records_from_kv(lines)
    assert records == records_from_kv(CONSUL_KV)
    assert [k for k, _ in records] == [b"agents/coordinator/strategy", b"agents/executor/", b"features/learning"]
    assert records[2][1] == (42).to_bytes(8, "big") + b"on"


def test_redis_keys_become_sorted_lines_and_back():
    records = [(b"session:\xff", record_payload(1795000000000, b"\x00\x05hello\x0b\x00")),
               (b"agent:1", record_payload(-1, b"\x00\x03one\x0b\x00"))]
    lines = list(record_lines(records))
    assert [line["expire_at_ms"] for line in lines] == [-1, 1795000000000]
    assert records_from_lines(json.loads(json.dumps(lines))) == sorted(records)


DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment",
    "metadata": {"name": "task-executor", "namespace": "agent-system", "uid": "5e1", "resourceVersion": "812",
                 "generation": 4, "creationTimestamp": "2026-11-28T00:00:00Z", "managedFields": [{"manager": "x"}],
                 "labels": {"app.kubernetes.io/part-of": "mas-platform"},
                 "annotations": {"deployment.kubernetes.io/revision": "3", "team": "agents"}},
    "spec": {"replicas": 5, "selector": {"matchLabels": {"app": "te"}}},
    "status": {"replicas": 5, "readyReplicas": 5},
}


def test_objects_are_kept_as_they_would_be_applied_again():
    obj = restorable(DEPLOYMENT)
    assert obj["metadata"] == {"name": "task-executor", "namespace": "agent-system",
                               "labels": {"app.kubernetes.io/part-of": "mas-platform"}, "annotations": {"team": "agents"}}
    assert "status" not in obj and obj["spec"]["replicas"] == 5
    assert DEPLOYMENT["metadata"]["uid"] == "5e1"  # the original is not changed


@pytest.mark.parametrize("obj, expected", [
    ({"kind": "Job", "metadata": {"name": "j", "ownerReferences": [{"kind": "CronJob", "controller": True}]}}, None),
    ({"kind": "Secret", "type": "kubernetes.io/service-account-token", "metadata": {"name": "t"}}, None),
    ({"kind": "Service", "metadata": {"name": "s"}, "spec": {"clusterIP": "10.0.0.7", "clusterIPs": ["10.0.0.7"],
                                                             "ports": [{"port": 80}]}},
     {"kind": "Service", "metadata": {"name": "s"}, "spec": {"ports": [{"port": 80}]}}),
    ({"kind": "Service", "metadata": {"name": "h"}, "spec": {"clusterIP": "None"}},
     {"kind": "Service", "metadata": {"name": "h"}, "spec": {"clusterIP": "None"}}),
])
def test_what_the_api_server_owns_is_left_to_it(obj, expected):
    assert restorable(obj) == expected


def test_summary_has_replicas_and_hpa_bounds():
    hpa = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
           "metadata": {"name": "task-executor", "namespace": "agent-system"},
           "spec": {"minReplicas": 3, "maxReplicas": 20, "scaleTargetRef": {"name": "task-executor"}}}
    assert summary([restorable(DEPLOYMENT), hpa]) == {
        "counts": {"Deployment": 1, "HorizontalPodAutoscaler": 1},
        "replicas": {"Deployment/agent-system/task-executor": 5},
        "autoscalers": {"HorizontalPodAutoscaler/agent-system/task-executor": {"min": 3, "max": 20,
                                                                              "target": "task-executor"}}}


def test_differences_name_the_fields():
    changed = json.loads(json.dumps(DEPLOYMENT))
    changed["spec"]["replicas"] = 0
    changed["metadata"]["labels"]["extra"] = "1"
    assert differences(restorable(DEPLOYMENT), changed) == ["metadata.labels", "spec"]
    assert differences(restorable(DEPLOYMENT), DEPLOYMENT) == []


@pytest.mark.parametrize("selector, labels, matches", [
    ("app.kubernetes.io/part-of=mas-platform", {"app.kubernetes.io/part-of": "mas-platform"}, True),
    ("app.kubernetes.io/part-of==mas-platform,tier!=gpu", {"app.kubernetes.io/part-of": "mas-platform", "tier": "gpu"},
     False),
    ("tier in (core, worker),!legacy", {"tier": "worker"}, True),
    ("tier notin (core, worker)", {"tier": "worker"}, False),
    ("backup", {}, False),
    ("", {"anything": "x"}, True),
])
def test_label_selectors(selector, labels, matches):
    assert selector_matches_object(parse_selector(selector), {"metadata": {"labels": labels}}) is matches


def test_a_bad_selector_is_named():
    with pytest.raises(PlatformError, match="kubernetes.label_selector: 'tier in core': expected a set"):
        parse_selector("tier in core")
