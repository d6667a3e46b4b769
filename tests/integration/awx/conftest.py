"""Fixtures of the AWX tests: playbooks run as AWX jobs (awx_jobs.py) on the local cluster,
with a real RabbitMQ and Prometheus, and moto's S3 for the backups.

The side services come from tests/integration/conftest.py; the session's platform (the
local spec with its namespaces renamed, and small workloads in them) from
tests/integration/runbook_platform.py, as for the runbook playbook tests.
What an AWX job gets from its job template is split as AWX splits it: the template's
extra variables (the renamed spec, the test environment's settings), the survey answers
(awx/vars/job_templates.yml), and the environment the credentials inject (kubeconfig,
service URLs and passwords, AWS keys, the backup encryption key).
"""

import base64
import os
import uuid

import pytest
import services
from awx_jobs import REPO, AwxJobs
from runbook_platform import Platform, amqp, runbook_settings, set_metrics


@pytest.fixture(scope="session")
def awx_workdir(workdir):
    path = workdir / "awx"
    path.mkdir()
    return path


@pytest.fixture(scope="session")
def platform(kube, awx_workdir, rabbitmq, prometheus):
    """The session's platform: the local spec in namespaces of its own, its workloads
    running, the test metrics served."""
    (awx_workdir / "platform").mkdir()
    platform = Platform(kube, awx_workdir / "platform", "awx" + uuid.uuid4().hex[:6])
    platform.create_namespaces()
    try:
        platform.deploy()
        set_metrics(prometheus, platform, cpu=0.1, memory=10)
        yield platform
    finally:
        platform.delete_everything()


@pytest.fixture(scope="session")
def jobs(awx_workdir, restic):
    """Launches AWX jobs on a copy of the project, with the local inventory synced as an
    AWX inventory."""
    return AwxJobs(awx_workdir / "jobs", REPO / "inventories" / "local")


@pytest.fixture(scope="session")
def secrets():
    """The secret values the credentials hold: none may appear in what AWX shows."""
    return {
        "aws_secret_access_key": "aws-" + uuid.uuid4().hex,
        "backup_encryption_key": base64.b64encode(os.urandom(32)).decode(),
    }


@pytest.fixture(scope="session")
def credentials_env(rabbitmq, prometheus, moto, secrets):
    """What the job templates' credentials inject (awx/vars/controller.yml): the cluster's
    kubeconfig, the side services' URLs and passwords, AWS keys, the backup key."""
    return {
        "K8S_AUTH_KUBECONFIG": str(services.KUBECONFIG),
        "RABBITMQ_API_URL": rabbitmq.api_url,
        "RABBITMQ_USERNAME": rabbitmq.user,
        "RABBITMQ_PASSWORD": rabbitmq.password,
        "PROMETHEUS_URL": prometheus.url,
        "AWS_ACCESS_KEY_ID": "AKIA" + uuid.uuid4().hex[:16].upper(),
        "AWS_SECRET_ACCESS_KEY": secrets["aws_secret_access_key"],
        "MAS_BACKUP_ENCRYPTION_KEY": secrets["backup_encryption_key"],
    }


@pytest.fixture(scope="session")
def template_vars(platform):
    """The job templates' extra variables for this environment: the session's spec, and the
    runbooks' settings for the test services (short timeouts, the test broker's vhost, the
    Prometheus queries of what the test exporter serves)."""
    return dict(platform.spec, **runbook_settings(platform))


@pytest.fixture
def task_queue(rabbitmq):
    """A durable task queue of this test; returns (pattern, name)."""
    name = "work-%s.default" % uuid.uuid4().hex[:8]
    amqp.declare(rabbitmq, name)
    yield r"^%s$" % name.replace(".", r"\."), name
    rabbitmq.api("DELETE", "queues/%2F/" + name)
