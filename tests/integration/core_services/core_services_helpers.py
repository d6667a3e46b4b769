"""Helpers of the core services' configuration tests (fixtures: conftest.py).

The core services' rendered configuration, handed to the real programs.

The service roles render their configuration with their own templates (render.yml runs
them with ansible-playbook, no cluster needed); the tests then give those files to
promtool, amtool, redis-server and rabbitmq-server, which run as local processes on
free ports of 127.0.0.1 and are stopped at the end of the session. A missing program
fails the test with the Debian package to install.
"""

import copy
import pathlib
import shutil
import socket
import subprocess
import time

import pytest
import yaml
from ansible_collections.mas.platform.plugins.module_utils.k8s.credentials import PLACEHOLDER
from playbook_run import run_playbook

REPO = pathlib.Path(__file__).resolve().parents[3]
RENDER = pathlib.Path(__file__).with_name("render.yml")
# Debian packages of the programs the tests run.
PACKAGES = {
    "promtool": "prometheus",
    "amtool": "prometheus-alertmanager",
    "redis-server": "redis-server",
    "redis-cli": "redis-server",
    "rabbitmq-server": "rabbitmq-server",
    "rabbitmqctl": "rabbitmq-server",
    "rabbitmq-plugins": "rabbitmq-server",
    "epmd": "rabbitmq-server",
}
# Credentials the tests render with (the roles generate random ones on a cluster).
CREDENTIALS = {
    "consul": {"bootstrap-token": "2f0f4a3e-8a52-4fa2-9d40-5d1a5e0c6a11",
               "gossip-key": "dGVzdC1nb3NzaXAta2V5LW9mLTMyLWJ5dGVzLWxvbmc="},
    "rabbitmq": {"username": "mas-admin", "password": "test-rabbit-password", "erlang-cookie": "TESTCOOKIETESTCOOKIE"},
    "grafana": {"admin-user": "admin", "admin-password": "test-grafana-password"},
    "mongodb": {"root-username": "root", "root-password": "test-root", "metrics-username": "metrics",
                "metrics-password": "test-metrics", "keyfile": "a" * 756},
    "neo4j": {"password": "test-neo4j-password"},
    "redis": {"password": "test-redis-password"},
}


# RabbitMQ's own scripts: Debian's /usr/sbin wrappers switch to the rabbitmq user.
RABBITMQ_BIN = "/usr/lib/rabbitmq/bin"


def program(name):
    """The path of a program the tests need; fails naming its package when missing."""
    if name.startswith("rabbitmq"):
        path = shutil.which(name, path=RABBITMQ_BIN)
    else:
        path = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")
    if path is None:
        pytest.fail("%s is not installed: apt-get install -y %s" % (name, PACKAGES[name]))
    return path


def free_ports(count):
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def inventory_core_services():
    with open(REPO / "inventories" / "local" / "group_vars" / "all" / "core_services.yml") as handle:
        return yaml.safe_load(handle)["core_services"]


def with_service(core_services, name, **changes):
    """A copy of the spec's core_services with one service's keys changed."""
    changed = copy.deepcopy(core_services)
    for services in changed.values():
        if name in services:
            services[name].update(changes)
    return changed


class RenderError(Exception):
    """ansible-playbook failed; the message is its output."""


def run_render(renders):
    """Render each {service, out, credentials, role_vars} in one ansible-playbook run."""
    for item in renders:
        pathlib.Path(item["out"]).mkdir(parents=True, exist_ok=True)
        item.setdefault("credentials", CREDENTIALS.get(item["service"], {}))
    result = run_playbook(RENDER, extra_vars={"renders": [dict(item, credentials=None) for item in renders]},
                          callback="default")
    if not result.ok:
        raise RenderError(result.stdout[-4000:] + result.stderr[-2000:])
    for item in renders:
        for path in pathlib.Path(item["out"]).rglob("*"):
            if path.is_file():
                path.write_text(with_credentials(path.read_text(), item["service"], item["credentials"]))
    return [pathlib.Path(item["out"]) for item in renders]


def with_credentials(text, service, credentials):
    """The rendered text with each credential's placeholder (what mas.platform.k8s_apply
    replaces on a cluster) replaced by the test's credential of that key."""
    def one(match):
        secret, key = match.group(1), match.group(3)
        assert secret == service + "-credentials", "%s: placeholder of another Secret: %s" % (service, match.group(0))
        assert key in credentials, "%s: no test credential for the key %s" % (service, key)
        return credentials[key]
    return PLACEHOLDER.sub(one, text)


def wait_for(check, what, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.2)
    pytest.fail("%s did not happen within %ss" % (what, timeout))


def stop(processes):
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
