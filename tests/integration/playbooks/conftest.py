"""Fixtures of the runbook playbook tests: the side services (a real RabbitMQ and
Prometheus, from tests/integration/services.py), the local
cluster, and the session's platform (see playbook_support.py)."""

import pathlib
import shutil
import tempfile
import uuid

import pytest
from playbook_support import Platform, amqp, connect_kube, playbook_runner, services, set_metrics


@pytest.fixture(scope="session")
def workdir():
    path = pathlib.Path(tempfile.mkdtemp(prefix="mas-playbooks-tests-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def rabbitmq(workdir):
    (workdir / "rabbitmq").mkdir()
    server = services.RabbitMQServer(workdir / "rabbitmq").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def exporter():
    exporter = services.Exporter().start()
    yield exporter
    exporter.stop()


@pytest.fixture(scope="session")
def prometheus(workdir, exporter):
    (workdir / "prometheus").mkdir()
    server = services.PrometheusServer(workdir / "prometheus", exporter).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def kube():
    """The local cluster's API (make local-up). Fails, never skips, when it is not up."""
    return connect_kube()


@pytest.fixture(scope="session")
def platform_session(kube, workdir):
    platform = Platform(kube, workdir, "rb" + uuid.uuid4().hex[:6])
    platform.create_namespaces()
    yield platform
    platform.delete_everything()


@pytest.fixture
def platform(platform_session, rabbitmq, prometheus):
    """The platform running with the test replicas, no saved state, metrics at rest."""
    platform_session.delete_configmap()
    platform_session.deploy()
    set_metrics(prometheus, platform_session, cpu=0.1, memory=10)
    yield platform_session
    # Leave the broker as we found it: no gate from a test that stopped half-way.
    for name in ("mas-intake-pause", "mas-intake-pause-arming"):
        rabbitmq.api("DELETE", "policies/%2F/" + name)


@pytest.fixture(scope="session")
def run_playbook(platform_session, rabbitmq, prometheus):
    """run_playbook(name, check=False, **extra_vars) -> PlaybookRun, with the session's spec,
    endpoints and credentials (from the environment, as the inventory reads them)."""
    return playbook_runner(platform_session, rabbitmq, prometheus)


@pytest.fixture
def unique():
    return uuid.uuid4().hex[:8]


@pytest.fixture
def task_queues(rabbitmq, unique):
    """Two durable task queues of this test; returns (pattern, names)."""
    names = ["work-%s.default" % unique, "work-%s.priority" % unique]
    for name in names:
        amqp.declare(rabbitmq, name)
    return r"^work-%s\." % unique, names
