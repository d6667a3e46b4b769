"""Real RabbitMQ and Prometheus on 127.0.0.1 for the runbook modules' tests
(tests/integration/services.py starts them).

- RabbitMQ: our own node on free ports; ``collect_statistics_interval`` is 500 ms so that
  the management API's statistics (which the modules read) follow quickly.
- Prometheus: scrapes, every second, a tiny exporter whose values the tests set.
- The local Kubernetes cluster is not started here (``make local-up`` does); the tests that
  need it fail with a message saying so.
"""

import pathlib
import shutil
import sys
import tempfile
import uuid

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from services import KUBECONFIG, Exporter, PrometheusServer, RabbitMQServer, closed_port_url, connect_kube  # noqa: E402


@pytest.fixture(scope="session")
def runbooks_workdir():
    path = tempfile.mkdtemp(prefix="mas-runbooks-tests-")
    yield pathlib.Path(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def rabbitmq(runbooks_workdir):
    server = RabbitMQServer(runbooks_workdir / "rabbitmq").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def prometheus(runbooks_workdir):
    exporter = Exporter().start()
    server = PrometheusServer(runbooks_workdir / "prometheus", exporter, admin_api=False).start()
    yield server
    server.stop()
    exporter.stop()


@pytest.fixture
def rabbitmq_args(rabbitmq, monkeypatch):
    """Connection options of the modules; the environment must not leak in."""
    for name in ("RABBITMQ_API_URL", "RABBITMQ_USERNAME", "RABBITMQ_PASSWORD", "RABBITMQ_CA_CERT"):
        monkeypatch.delenv(name, raising=False)
    return dict(api_url=rabbitmq.api_url, username=rabbitmq.user, password=rabbitmq.password)


@pytest.fixture
def unique():
    return uuid.uuid4().hex[:8]


@pytest.fixture
def clean_warnings():
    """Module warnings are global in ansible-core; tests read them after a run."""
    from ansible.module_utils.common import warnings
    warnings._global_warnings.clear()
    return warnings.get_warning_messages


@pytest.fixture(scope="session")
def kube():
    """The local cluster's API (make local-up). Fails, never skips, when it is not up."""
    return connect_kube()


@pytest.fixture
def closed_url():
    """A URL on 127.0.0.1 where nothing listens."""
    return closed_port_url()


@pytest.fixture(scope="session")
def kubeconfig(kube):
    """The local cluster's kubeconfig path (fails like `kube` when the cluster is down)."""
    return str(KUBECONFIG)
