"""Fixtures of the runbook modules' tests. The real RabbitMQ (management API statistics
every 500 ms, so that what the modules read follows quickly), the Prometheus that scrapes
the tests' exporter, and the local cluster come from tests/integration/conftest.py."""

import pytest


@pytest.fixture
def rabbitmq_args(rabbitmq, monkeypatch):
    """Connection options of the modules; the environment must not leak in."""
    for name in ("RABBITMQ_API_URL", "RABBITMQ_USERNAME", "RABBITMQ_PASSWORD", "RABBITMQ_CA_CERT"):
        monkeypatch.delenv(name, raising=False)
    return dict(api_url=rabbitmq.api_url, username=rabbitmq.user, password=rabbitmq.password)


@pytest.fixture
def clean_warnings():
    """Module warnings are global in ansible-core; tests read them after a run."""
    from ansible.module_utils.common import warnings
    warnings._global_warnings.clear()
    return warnings.get_warning_messages
