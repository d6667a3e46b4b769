"""Real RabbitMQ and Prometheus on 127.0.0.1 for the runbook modules' tests.

- RabbitMQ: Debian's ``rabbitmq-server`` (3.10, management plugin) run as our own node on
  free ports, with its own epmd, Erlang cookie (HOME), mnesia and logs in a temporary
  directory, independent of any system service. ``collect_statistics_interval`` is 500 ms
  so that the management API's statistics (which the modules read) follow quickly.
- Prometheus: Debian's ``prometheus`` with a generated configuration that scrapes, every
  second, a tiny exporter served by the fixture whose values the tests set.
- The local Kubernetes cluster is not started here (``make local-up`` does); the tests that
  need it fail with a message saying so.

A missing binary fails the session with the Debian package to install.
"""

import json
import os
import pathlib
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
PROMETHEUS = "/usr/bin/prometheus"
ADMIN_USER, ADMIN_PASSWORD = "mas-admin", "admin-" + uuid.uuid4().hex[:12]
KUBECONFIG = pathlib.Path(os.environ.get(
    "K8S_AUTH_KUBECONFIG",
    pathlib.Path.home() / ".cache" / "mas-platform" / "kwok" / "clusters" / "mas-local" / "kubeconfig.yaml"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def closed_port_url(path=""):
    """A URL on 127.0.0.1 where nothing listens."""
    return "http://127.0.0.1:%d%s" % (free_port(), path)


def http_json(method, url, body=None, auth=None, timeout=10):
    """A raw HTTP call for test setup and assertions, independent of the modules."""
    request = urllib.request.Request(url, method=method, data=None if body is None else json.dumps(body).encode())
    request.add_header("Content-Type", "application/json")
    if auth:
        import base64
        request.add_header("Authorization", "Basic " + base64.b64encode(("%s:%s" % auth).encode()).decode())
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read().decode()
            return response.status, (json.loads(text) if text else None)
    except urllib.error.HTTPError as exc:
        text = exc.read().decode()
        try:
            return exc.code, json.loads(text)
        except ValueError:
            return exc.code, text


def stop_process(process, timeout=30):
    """SIGTERM the process group we started, then SIGKILL it if it lingers."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class RabbitMQServer:
    """One RabbitMQ node with the management plugin, on free ports of 127.0.0.1."""

    def __init__(self, workdir):
        self.workdir = pathlib.Path(workdir)
        self.amqp_port, self.api_port = free_port(), free_port()
        self.dist_port, self.epmd_port = free_port(), free_port()
        self.api_url = "http://127.0.0.1:%d" % self.api_port
        self.node = "mas-test-%d@localhost" % self.amqp_port
        self.log_path = self.workdir / "rabbitmq.log"
        self.process = self.epmd = None

    def start(self):
        if not os.path.exists(RABBITMQ_SERVER):
            pytest.fail("RabbitMQ is not installed: apt-get install -y rabbitmq-server (Debian package)")
        if not shutil.which("epmd"):
            pytest.fail("epmd is missing: apt-get install -y rabbitmq-server (it brings erlang-base)")
        for name in ("home", "mnesia", "log"):
            (self.workdir / name).mkdir(parents=True, exist_ok=True)
        (self.workdir / "rabbitmq.conf").write_text("\n".join([
            "listeners.tcp.default = 127.0.0.1:%d" % self.amqp_port,
            "management.tcp.ip = 127.0.0.1",
            "management.tcp.port = %d" % self.api_port,
            "default_user = %s" % ADMIN_USER,
            "default_pass = %s" % ADMIN_PASSWORD,
            "default_user_tags.administrator = true",
            "loopback_users = none",
            "collect_statistics_interval = 500",
            "",
        ]))
        (self.workdir / "enabled_plugins").write_text("[rabbitmq_management].\n")
        (self.workdir / "rabbitmq-env.conf").write_text("")
        env = dict(
            os.environ,
            HOME=str(self.workdir / "home"),
            RABBITMQ_CONF_ENV_FILE=str(self.workdir / "rabbitmq-env.conf"),
            RABBITMQ_CONFIG_FILE=str(self.workdir / "rabbitmq.conf"),
            RABBITMQ_ADVANCED_CONFIG_FILE=str(self.workdir / "advanced.config"),
            RABBITMQ_ENABLED_PLUGINS_FILE=str(self.workdir / "enabled_plugins"),
            RABBITMQ_MNESIA_BASE=str(self.workdir / "mnesia"),
            RABBITMQ_LOG_BASE=str(self.workdir / "log"),
            RABBITMQ_PID_FILE=str(self.workdir / "rabbitmq.pid"),
            RABBITMQ_NODENAME=self.node,
            RABBITMQ_NODE_IP_ADDRESS="127.0.0.1",
            RABBITMQ_NODE_PORT=str(self.amqp_port),
            RABBITMQ_DIST_PORT=str(self.dist_port),
            ERL_EPMD_PORT=str(self.epmd_port),
            ERL_EPMD_ADDRESS="127.0.0.1",
            RABBITMQ_LOGS="-",
        )
        for name in ("RABBITMQ_API_URL", "RABBITMQ_USERNAME", "RABBITMQ_PASSWORD"):
            env.pop(name, None)
        log = open(self.log_path, "wb")
        # Our own epmd, on its own port: the node never touches a system epmd.
        self.epmd = subprocess.Popen(["epmd", "-port", str(self.epmd_port)], env=env, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        self.process = subprocess.Popen([RABBITMQ_SERVER], env=env, stdout=log, stderr=subprocess.STDOUT,
                                        cwd=str(self.workdir), start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.stop()
                pytest.fail("rabbitmq-server exited with %s:\n%s" % (self.process.returncode, self.log_tail()))
            try:
                status, _ = http_json("GET", self.api_url + "/api/overview", auth=self.auth, timeout=2)
                if status == 200:
                    return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.5)
        self.stop()
        pytest.fail("rabbitmq-server did not answer on %s within 120s:\n%s" % (self.api_url, self.log_tail()))

    def log_tail(self):
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""

    def stop(self):
        stop_process(self.process, timeout=60)
        stop_process(self.epmd, timeout=10)

    @property
    def auth(self):
        return (ADMIN_USER, ADMIN_PASSWORD)

    def api(self, method, path, body=None):
        return http_json(method, self.api_url + "/api/" + path, body=body, auth=self.auth)

    def policies(self):
        status, body = self.api("GET", "policies/%2F")
        assert status == 200, body
        return {p["name"]: p for p in body}

    def add_user(self, name, password, tags=""):
        assert self.api("PUT", "users/" + name, {"password": password, "tags": tags})[0] in (201, 204)
        assert self.api("PUT", "permissions/%2F/" + name, {"configure": ".*", "write": ".*", "read": ".*"})[0] in (
            201, 204)

    def connection(self):
        import pika
        params = pika.ConnectionParameters(host="127.0.0.1", port=self.amqp_port, heartbeat=0,
                                           credentials=pika.PlainCredentials(*self.auth))
        return pika.BlockingConnection(params)

    def queue_stats(self, name):
        status, body = self.api("GET", "queues/%2F/" + urllib.parse.quote(name, safe=""))
        assert status == 200, body
        return body

    def wait_for_stats(self, name, predicate, timeout=30):
        """Wait until the management API's statistics of a queue satisfy predicate."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stats = self.queue_stats(name)
            if predicate(stats):
                return stats
            time.sleep(0.25)
        raise AssertionError("statistics of %s never satisfied the condition: %s" % (name, stats))


class Exporter:
    """A /metrics endpoint on 127.0.0.1 whose gauges the tests set."""

    def __init__(self):
        self.values = {}
        self.lock = threading.Lock()
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                with exporter.lock:
                    lines = ["%s %s" % (name, value) for name, value in sorted(exporter.values.items())]
                body = ("\n".join(lines) + "\n").encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def set(self, name, value):
        with self.lock:
            self.values[name] = value


class PrometheusServer:
    def __init__(self, workdir, exporter):
        self.workdir = pathlib.Path(workdir)
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.exporter = exporter
        self.log_path = self.workdir / "prometheus.log"
        self.process = None

    def start(self):
        if not os.path.exists(PROMETHEUS):
            pytest.fail("Prometheus is not installed: apt-get install -y prometheus (Debian package)")
        config = self.workdir / "prometheus.yml"
        config.write_text("\n".join([
            "global:",
            "  scrape_interval: 1s",
            "  evaluation_interval: 1s",
            "scrape_configs:",
            "  - job_name: mas-test",
            "    static_configs:",
            "      - targets: ['127.0.0.1:%d']" % self.exporter.port,
            "",
        ]))
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [PROMETHEUS, "--config.file=%s" % config, "--storage.tsdb.path=%s" % (self.workdir / "data"),
                 "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=warn"],
                stdout=log, stderr=subprocess.STDOUT, cwd=str(self.workdir), start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                pytest.fail("prometheus exited with %s:\n%s" % (self.process.returncode, self.log_tail()))
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.25)
        self.stop()
        pytest.fail("prometheus did not become ready on %s:\n%s" % (self.url, self.log_tail()))

    def log_tail(self):
        return self.log_path.read_text(errors="replace")[-3000:] if self.log_path.exists() else ""

    def stop(self):
        stop_process(self.process)

    def query(self, expression):
        status, body = http_json("GET", self.url + "/api/v1/query?" + urllib.parse.urlencode({"query": expression}))
        assert status == 200, body
        return body["data"]["result"]

    def set_and_wait(self, name, value, timeout=30):
        """Set an exporter gauge and wait until Prometheus has scraped that value."""
        self.exporter.set(name, value)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            result = self.query(name)
            if result and float(result[0]["value"][1]) == float(value):
                return
            time.sleep(0.25)
        raise AssertionError("Prometheus never scraped %s=%s from the exporter" % (name, value))


@pytest.fixture(scope="session")
def runbooks_workdir():
    path = tempfile.mkdtemp(prefix="mas-runbooks-tests-")
    yield pathlib.Path(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def rabbitmq(runbooks_workdir):
    workdir = runbooks_workdir / "rabbitmq"
    workdir.mkdir()
    server = RabbitMQServer(workdir).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def prometheus(runbooks_workdir):
    workdir = runbooks_workdir / "prometheus"
    workdir.mkdir()
    exporter = Exporter().start()
    server = PrometheusServer(workdir, exporter).start()
    yield server
    server.stop()
    exporter.stop()


@pytest.fixture
def rabbitmq_args(rabbitmq, monkeypatch):
    """Connection options of the modules; the environment must not leak in."""
    for name in ("RABBITMQ_API_URL", "RABBITMQ_USERNAME", "RABBITMQ_PASSWORD", "RABBITMQ_CA_CERT"):
        monkeypatch.delenv(name, raising=False)
    return dict(api_url=rabbitmq.api_url, username=ADMIN_USER, password=ADMIN_PASSWORD)


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
    if not KUBECONFIG.is_file():
        pytest.fail("the local Kubernetes cluster is not running: no kubeconfig at %s; start it with "
                    "`make local-up`" % KUBECONFIG)
    from kubernetes import client, config
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(KUBECONFIG), client_configuration=configuration)
    api = client.ApiClient(configuration)
    try:
        client.VersionApi(api).get_code(_request_timeout=5)
    except Exception as exc:  # noqa: BLE001 - any failure means the same to the tests
        pytest.fail("the local Kubernetes cluster does not answer at %s (%s); start it with `make local-up`"
                    % (configuration.host, exc))
    return api


@pytest.fixture
def closed_url():
    """A URL on 127.0.0.1 where nothing listens."""
    return closed_port_url()


@pytest.fixture(scope="session")
def kubeconfig(kube):
    """The local cluster's kubeconfig path (fails like `kube` when the cluster is down)."""
    return str(KUBECONFIG)
