"""What the backup tests share besides fixtures: constants, object builders, S3 listings
and Kubernetes calls of their own (independent of the modules under test)."""

import base64
import json
import os
import pathlib
import shutil
import subprocess
import time

import services
import yaml

REPO = pathlib.Path(__file__).resolve().parents[3]
KUBECONFIG = services.KUBECONFIG
KUBE_CONTEXT = "kwok-mas-local"
# A fixed repository password for the tests (32 bytes, base64), as MAS_BACKUP_ENCRYPTION_KEY would hold.
ENCRYPTION_KEY = base64.b64encode(bytes(range(32))).decode()
# The local inventory's infrastructure.cluster_name: the playbooks' platform.
PLATFORM = "mas-local"
REPOSITORY = "platform/restic/"
PLATFORM_LABELS = {"app.kubernetes.io/part-of": "mas-platform", "app.kubernetes.io/managed-by": "mas.platform"}
# Environment variables of the modules' fallbacks: none may leak in from the machine.
MODULE_ENVIRONMENT = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE",
                      "REDIS_URL", "REDIS_PASSWORD", "REDIS_USERNAME", "RABBITMQ_API_URL", "RABBITMQ_USERNAME",
                      "RABBITMQ_PASSWORD", "CONSUL_HTTP_ADDR", "CONSUL_HTTP_TOKEN", "MAS_BACKUP_ENCRYPTION_KEY",
                      "PROMETHEUS_URL")


def objects(s3, bucket, prefix):
    """{key: size} of the objects below a prefix."""
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents") or []:
            found[obj["Key"]] = obj["Size"]
    return found


def redis_dumps(client, prefix):
    """{key: DUMP} of the keys ``<prefix>:*``, to compare before and after."""
    keys = sorted(client.scan_iter(match="%s:*" % prefix, count=5000))
    pipe = client.pipeline(transaction=False)
    for key in keys:
        pipe.dump(key)
    return dict(zip(keys, pipe.execute()))


def repository_bytes(s3, bucket):
    """What the restic repository takes in the bucket."""
    return sum(objects(s3, bucket, REPOSITORY).values())


def restic(store, *args, password=ENCRYPTION_KEY, binary=False):
    """restic itself, run by the test (setup and assertions, independent of the modules),
    on the store's repository; JSON output parsed when there is one, bytes with ``binary``."""
    env = dict(os.environ, RESTIC_REPOSITORY="s3:%s/%s/%s/restic" % (store["endpoint_url"], store["bucket"],
                                                                      store["prefix"]),
               RESTIC_PASSWORD=password, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
               AWS_DEFAULT_REGION=store["region"])
    done = subprocess.run([shutil.which("restic")] + list(args), env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=not binary, timeout=300, check=True)
    if binary:
        return done.stdout
    try:
        return json.loads(done.stdout)
    except ValueError:
        return done.stdout


def snapshots(store, *tags):
    """The repository's snapshots (with all of ``tags``), oldest first."""
    args = ["snapshots", "--json"] + (["--tag", ",".join(tags)] if tags else [])
    return sorted(restic(store, *args), key=lambda s: s["time"])


def damage_pack(s3, bucket, truncate=False):
    """Flip one byte in the middle of the largest data pack (or cut it in half): a damaged
    or tampered file in the bucket. Returns its key."""
    packs = objects(s3, bucket, REPOSITORY + "data/")
    key = max(packs, key=packs.get)
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    if truncate:
        body = body[:len(body) // 2]
    else:
        middle = len(body) // 2
        body = body[:middle] + bytes([body[middle] ^ 1]) + body[middle + 1:]
    s3.put_object(Bucket=bucket, Key=key, Body=body)
    return key


def agent_deployment(namespace, name, replicas, labels):
    """A Deployment like an agent tier's: the platform's labels, restricted Pod Security."""
    pod_labels = dict(labels, **{"app.kubernetes.io/name": name})
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": name, "namespace": namespace, "labels": pod_labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
            "template": {
                "metadata": {"labels": pod_labels},
                "spec": {
                    "securityContext": {"runAsNonRoot": True, "runAsUser": 1000,
                                        "seccompProfile": {"type": "RuntimeDefault"}},
                    "containers": [{
                        "name": "agent", "image": "registry.example/mas/%s:1.0.0" % name,
                        "resources": {"requests": {"cpu": "10m", "memory": "16Mi"},
                                      "limits": {"cpu": "100m", "memory": "64Mi"}},
                        "securityContext": {"allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}},
                    }],
                },
            },
        },
    }


def autoscaler(namespace, name, minimum, maximum, labels):
    return {
        "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(labels, **{"app.kubernetes.io/name": name})},
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": minimum, "maxReplicas": maximum,
            "metrics": [{"type": "Resource", "resource": {"name": "cpu",
                                                          "target": {"type": "Utilization", "averageUtilization": 70}}}],
        },
    }


def create(kube, obj):
    from kubernetes import dynamic
    client = dynamic.DynamicClient(kube)
    resource = client.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
    return client.create(resource, body=obj, namespace=obj["metadata"].get("namespace")).to_dict()


def read(kube, api_version, kind, namespace, name):
    from kubernetes import dynamic
    from kubernetes.dynamic.exceptions import NotFoundError
    client = dynamic.DynamicClient(kube)
    resource = client.resources.get(api_version=api_version, kind=kind)
    try:
        return client.get(resource, name=name, namespace=namespace).to_dict()
    except NotFoundError:
        return None


def delete(kube, api_version, kind, namespace, name):
    from kubernetes import dynamic
    client = dynamic.DynamicClient(kube)
    resource = client.resources.get(api_version=api_version, kind=kind)
    client.delete(resource, name=name, namespace=namespace, body={"propagationPolicy": "Foreground"})


def wait_until(check, timeout=120, what="the condition"):
    """Poll a real condition (no fixed sleep): returns its value or fails naming it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError("timed out waiting for %s" % what)


def spec_section(key, inventory="local"):
    """A top-level key of an inventory's spec, as the playbooks see it."""
    with open(REPO / "inventories" / inventory / "group_vars" / "all" / ("%s.yml" % key)) as handle:
        return yaml.safe_load(handle)[key]
