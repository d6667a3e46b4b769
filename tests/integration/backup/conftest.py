"""Fixtures of the backup and recovery modules' and playbooks' tests.

The real S3 (moto's server), Redis, the Redis Cluster, RabbitMQ and Prometheus on
127.0.0.1, and the local Kubernetes cluster, come from tests/integration/conftest.py
(one of each per session); restic is the pinned build (tests/conftest.py). Each test gets
its own bucket, so the repository of one test never meets another's.
"""

import uuid

import pytest
from backup_helpers import MODULE_ENVIRONMENT
from playbook_run import run_playbook


@pytest.fixture(scope="session")
def backup_workdir(workdir):
    path = workdir / "backup"
    path.mkdir()
    return path


@pytest.fixture(scope="session", autouse=True)
def restic_cache(restic, backup_workdir):
    """restic on PATH (tests/conftest.py) and its cache in this session's directory."""
    import os
    os.environ["RESTIC_CACHE_DIR"] = str(backup_workdir / "restic-cache")
    return restic


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


# -- playbooks -------------------------------------------------------------------------------

@pytest.fixture
def playbook(tmp_path, kubeconfig):
    """playbook(name, extra_vars, check=False, env=None, kill_when=None) -> PlaybookRun, against the
    local inventory (kill_when: tests/playbook_run.py)."""
    def _run(name, extra_vars, check=False, env=None, kill_when=None):
        return run_playbook(name, extra_vars=extra_vars, check=check, workdir=tmp_path, kill_when=kill_when,
                            env=dict({"K8S_AUTH_KUBECONFIG": kubeconfig}, **(env or {})))
    return _run


@pytest.fixture
def playbook_vvv(tmp_path):
    """playbook_vvv(name, extra_vars) -> PlaybookRun at -vvv, the text an operator sees
    (stdout and stderr together), against the local inventory."""
    def _run(name, extra_vars):
        return run_playbook(name, extra_vars=extra_vars, workdir=tmp_path, callback="default", verbosity=3,
                            merge_stderr=True)
    return _run


# -- the local cluster -----------------------------------------------------------------------

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
