"""Redis: redis-server loads the rendered redis.conf, and the rendered formation script
forms a Redis Cluster of the spec's topology from six real servers."""

import os
import subprocess

from core_services_helpers import CREDENTIALS, program

PASSWORD = CREDENTIALS["redis"]["password"]


def cli(port, *args, password=PASSWORD):
    env = dict(os.environ)
    env.pop("REDISCLI_AUTH", None)
    if password:
        env["REDISCLI_AUTH"] = password
    return subprocess.run([program("redis-cli"), "-p", str(port)] + list(args), env=env, capture_output=True,
                          text=True, timeout=30).stdout.strip()


def form_cluster(rendered, redis_nodes):
    env = dict(os.environ, REDISCLI_AUTH=PASSWORD,
               REDIS_MEMBERS=" ".join("127.0.0.1:%d" % port for port, _ in redis_nodes))
    return subprocess.run(["/bin/sh", "-e", str(rendered["redis"] / "form-cluster.sh")], env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_rendered_configuration_loads_and_needs_the_password(redis_nodes):
    port = redis_nodes[0][0]
    assert cli(port, "ping") == "PONG"
    assert "NOAUTH" in cli(port, "ping", password=None)
    settings = cli(port, "config", "get", "cluster-enabled").split()
    assert settings == ["cluster-enabled", "yes"]
    # 70 % of the spec's 2Gi memory limit.
    assert cli(port, "config", "get", "maxmemory").split()[1] == str(int(2 * 1024 ** 3 * 0.7))
    assert cli(port, "config", "get", "appendonly").split()[1] == "yes"


def test_the_formation_script_creates_the_cluster_of_the_spec(rendered, redis_nodes):
    result = form_cluster(rendered, redis_nodes)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "creating the cluster" in result.stdout
    info = dict(line.split(":", 1) for line in cli(redis_nodes[0][0], "cluster", "info").splitlines() if ":" in line)
    assert info["cluster_state"] == "ok"
    assert info["cluster_known_nodes"] == "6"
    assert info["cluster_slots_ok"] == "16384"
    flags = [line.split()[2].split(",") for line in cli(redis_nodes[0][0], "cluster", "nodes").splitlines()]
    assert sum("master" in f for f in flags) == 3
    assert sum("slave" in f for f in flags) == 3


def test_a_second_run_verifies_without_creating_again(rendered, redis_nodes):
    result = form_cluster(rendered, redis_nodes)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "creating the cluster" not in result.stdout
    assert "Redis Cluster formed: 6 nodes, 3 masters" in result.stdout


def test_the_script_refuses_to_grow_a_formed_cluster_silently(rendered, redis_nodes):
    # A spec with more members than the cluster has: the script names the commands to run.
    env = dict(os.environ, REDISCLI_AUTH=PASSWORD,
               REDIS_MEMBERS=" ".join("127.0.0.1:%d" % port for port, _ in redis_nodes))
    script = (rendered["redis"] / "form-cluster.sh").read_text().replace("expected_nodes=6", "expected_nodes=8")
    result = subprocess.run(["/bin/sh", "-e", "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "add-node" in result.stderr
