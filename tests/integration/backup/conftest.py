"""Real S3 (moto's server), Redis, RabbitMQ and Prometheus on 127.0.0.1, and the local
Kubernetes cluster, for the backup and recovery modules and playbooks.

The services are started once per session on free ports (tests/integration/services.py)
and stopped at the end. Each test gets its own bucket, so backups of one test never
meet another's. The local cluster is not started here (``make local-up`` does): the tests
that need it fail, never skip, when it is down.
"""

import base64
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import uuid

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from services import (  # noqa: E402
    KUBECONFIG, MotoServer, PrometheusServer, RabbitMQServer, RedisCluster, RedisServer, connect_kube,
)

REPO = pathlib.Path(__file__).resolve().parents[3]
PLAYBOOK = REPO / ".venv" / "bin" / "ansible-playbook"
KUBE_CONTEXT = "kwok-mas-local"
# A fixed key for the tests (32 bytes, base64), as MAS_BACKUP_ENCRYPTION_KEY would hold.
ENCRYPTION_KEY = base64.b64encode(bytes(range(32))).decode()
PLATFORM_LABELS = {"app.kubernetes.io/part-of": "mas-platform", "app.kubernetes.io/managed-by": "mas.platform"}
# Environment variables of the modules' fallbacks: none may leak in from the machine.
MODULE_ENVIRONMENT = ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE",
                      "REDIS_URL", "REDIS_PASSWORD", "REDIS_USERNAME", "RABBITMQ_API_URL", "RABBITMQ_USERNAME",
                      "RABBITMQ_PASSWORD", "CONSUL_HTTP_ADDR", "CONSUL_HTTP_TOKEN", "MAS_BACKUP_ENCRYPTION_KEY",
                      "PROMETHEUS_URL")


@pytest.fixture(scope="session")
def backup_workdir():
    path = tempfile.mkdtemp(prefix="mas-backup-tests-")
    yield pathlib.Path(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def moto(backup_workdir):
    server = MotoServer(backup_workdir / "moto").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server(backup_workdir):
    server = RedisServer(backup_workdir / "redis").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_cluster(backup_workdir):
    cluster = RedisCluster(backup_workdir / "redis-cluster").start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def rabbitmq(backup_workdir):
    workdir = backup_workdir / "rabbitmq"
    workdir.mkdir()
    server = RabbitMQServer(workdir).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def prometheus(backup_workdir):
    server = PrometheusServer(backup_workdir / "prometheus").start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in MODULE_ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    # moto accepts any credentials; boto3 needs some.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")


@pytest.fixture
def bucket(moto):
    """A new bucket for this test."""
    name = "mas-backups-%s" % uuid.uuid4().hex[:12]
    moto.client().create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    return name


@pytest.fixture
def store(moto, bucket):
    """The ``store`` option for this test's bucket."""
    return dict(bucket=bucket, prefix="platform", region="eu-west-1", endpoint_url=moto.url)


@pytest.fixture
def s3(moto):
    return moto.client()


@pytest.fixture
def redis_args(redis_server):
    return dict(url=redis_server.url, password=redis_server.password)


@pytest.fixture
def rabbitmq_args(rabbitmq):
    return dict(api_url=rabbitmq.api_url, username=rabbitmq.user, password=rabbitmq.password)


@pytest.fixture
def unique():
    return uuid.uuid4().hex[:8]


def objects(s3, bucket, prefix):
    """{key: size} of the objects below a prefix."""
    found = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents") or []:
            found[obj["Key"]] = obj["Size"]
    return found


def manifest(s3, bucket, kind, backup):
    body = s3.get_object(Bucket=bucket, Key="platform/manifests/%s/%s.json" % (kind, backup))["Body"].read()
    return json.loads(body)


# -- playbooks -------------------------------------------------------------------------------

class PlaybookRun:
    def __init__(self, process):
        self.returncode = process.returncode
        self.stdout = process.stdout
        self.stderr = process.stderr
        try:
            self.report = json.loads(process.stdout)
        except ValueError:
            self.report = {}

    @property
    def ok(self):
        return self.returncode == 0

    def results(self, task_name):
        """The results of a task (by name) across the plays."""
        found = []
        for play in self.report.get("plays") or []:
            for task in play.get("tasks") or []:
                if task["task"]["name"] == task_name:
                    found.extend(task["hosts"].values())
        return found

    def result(self, task_name):
        found = self.results(task_name)
        assert found, "no task %r ran; tasks: %s\n%s" % (task_name, self.task_names(), self.stderr[-2000:])
        return found[-1]

    def task_names(self):
        return [t["task"]["name"] for p in self.report.get("plays") or [] for t in p.get("tasks") or []]

    def failure(self):
        """The message of the task that failed."""
        for play in self.report.get("plays") or []:
            for task in play.get("tasks") or []:
                for host in task["hosts"].values():
                    if host.get("failed") and not host.get("ignore_errors"):
                        return "%s: %s" % (task["task"]["name"], host.get("msg"))
        return self.stderr[-2000:]


@pytest.fixture
def playbook(tmp_path):
    """playbook(name, extra_vars, check=False, env=None) -> PlaybookRun, against the local inventory."""
    def _run(name, extra_vars, check=False, env=None):
        vars_file = tmp_path / ("vars-%s.json" % uuid.uuid4().hex[:6])
        vars_file.write_text(json.dumps(extra_vars))
        command = [str(PLAYBOOK), str(REPO / "playbooks" / name), "-i", str(REPO / "inventories" / "local"),
                   "-e", "@%s" % vars_file]
        if check:
            command += ["--check", "--diff"]
        environment = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="json",
                           ANSIBLE_CALLBACK_RESULT_FORMAT="json", ANSIBLE_NOCOLOR="1",
                           K8S_AUTH_KUBECONFIG=str(KUBECONFIG), **(env or {}))
        process = subprocess.run(command, cwd=str(REPO), env=environment, capture_output=True, text=True, timeout=900)
        return PlaybookRun(process)
    return _run


# -- the local cluster -----------------------------------------------------------------------

@pytest.fixture(scope="session")
def kube():
    """The local cluster's API (make local-up). Fails, never skips, when it is not up."""
    return connect_kube(KUBE_CONTEXT)


@pytest.fixture
def namespace(kube, unique):
    """A namespace of this test (restricted Pod Security, like the agents' namespaces)."""
    from kubernetes import client
    core = client.CoreV1Api(kube)
    name = "mas-backup-test-%s" % unique
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(
        name=name, labels={"pod-security.kubernetes.io/enforce": "restricted"})))
    yield name
    core.delete_namespace(name)


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
    import time
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError("timed out waiting for %s" % what)


def spec_section(key, inventory="local"):
    """A top-level key of an inventory's spec, as the playbooks see it."""
    import yaml
    with open(REPO / "inventories" / inventory / "group_vars" / "all" / ("%s.yml" % key)) as handle:
        return yaml.safe_load(handle)[key]
