"""Fixtures of the runbook playbook tests: the session's platform on the local cluster
(runbook_platform.py), with the shared RabbitMQ and Prometheus of
tests/integration/conftest.py."""

import uuid

import pytest
from runbook_platform import Platform, amqp, playbook_runner, set_metrics


@pytest.fixture(scope="session")
def platform_session(kube, workdir):
    path = workdir / "playbooks-platform"
    path.mkdir()
    platform = Platform(kube, path, "rb" + uuid.uuid4().hex[:6])
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
def task_queues(rabbitmq, unique):
    """Two durable task queues of this test; returns (pattern, names)."""
    names = ["work-%s.default" % unique, "work-%s.priority" % unique]
    for name in names:
        amqp.declare(rabbitmq, name)
    return r"^work-%s\." % unique, names
