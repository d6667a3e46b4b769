"""The side services of every integration test, started once per pytest session.

Each fixture here starts one real process on free ports of 127.0.0.1 (see services.py)
the first time a test asks for it, and stops it when the session ends; every test
package (awx, aws, backup, playbooks, runbooks, vault, ...) gets the same instance.
Tests keep out of each other's way by naming what they create (queues, buckets,
namespaces, Vault paths) with the ``unique`` suffix, never by starting servers of their
own. The backup tests start one more Prometheus only where they restore a TSDB
snapshot into it.

The local cluster is not started here: `make local-up` does (make test runs it first);
``kube`` fails, never skips, when it is not up.
"""

import pathlib
import shutil
import tempfile
import uuid

import pytest
import services


@pytest.fixture(scope="session")
def workdir():
    """A directory of this session for the servers' data and logs."""
    path = pathlib.Path(tempfile.mkdtemp(prefix="mas-integration-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def rabbitmq(workdir):
    server = services.RabbitMQServer(workdir / "rabbitmq").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def exporter():
    """The /metrics endpoint whose gauges the tests set; Prometheus scrapes it."""
    served = services.Exporter().start()
    yield served
    served.stop()


@pytest.fixture(scope="session")
def prometheus(workdir, exporter):
    """Prometheus scraping itself and the exporter every second, with the admin API
    (TSDB snapshots, for the metrics backups)."""
    server = services.PrometheusServer(workdir / "prometheus", exporter).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def moto(workdir):
    server = services.MotoServer(workdir / "moto").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_server(workdir):
    server = services.RedisServer(workdir / "redis").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_cluster(workdir):
    cluster = services.RedisCluster(workdir / "redis-cluster").start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def vault_server(workdir):
    server = services.BaoServer(workdir / "vault").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def kube():
    """The local cluster's API client (make local-up). Fails, never skips, when it is not up."""
    return services.connect_kube()


@pytest.fixture(scope="session")
def kubeconfig(kube):
    """The local cluster's kubeconfig path (fails like ``kube`` when the cluster is down)."""
    return str(services.KUBECONFIG)


@pytest.fixture
def unique():
    """A short suffix of this test, for the names of what it creates on shared servers."""
    return uuid.uuid4().hex[:8]


@pytest.fixture
def closed_url():
    """A URL on 127.0.0.1 where nothing listens."""
    return services.closed_port_url()
