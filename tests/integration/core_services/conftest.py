"""Fixtures of the core services' configuration tests: every role's configuration
rendered once, and the real servers (redis-server, rabbitmq-server) started with it on
free ports of 127.0.0.1 and stopped at the end of the session."""

import os
import subprocess

import pytest

from core_services_helpers import (
    CREDENTIALS,
    RenderError,
    free_ports,
    inventory_core_services,
    program,
    run_render,
    stop,
    wait_for,
    with_service,
)


@pytest.fixture(scope="session")
def service_account(tmp_path_factory):
    """Stands in for the ServiceAccount files Kubernetes mounts into the Prometheus pod
    (promtool checks that the files the configuration names exist)."""
    path = tmp_path_factory.mktemp("serviceaccount")
    (path / "token").write_text("test-token\n")
    (path / "ca.crt").write_text("test-ca\n")
    return path


@pytest.fixture(scope="session")
def rendered(tmp_path_factory, service_account):
    """Every service's configuration as the shipped inventory renders it: service -> dir."""
    base = tmp_path_factory.mktemp("rendered")
    redis_data = tmp_path_factory.mktemp("redis-data")
    services = ["consul", "rabbitmq", "prometheus", "alertmanager", "grafana", "mongodb", "neo4j", "redis"]
    role_vars = {
        # Paths where the pods mount files, here in temporary directories.
        "prometheus": {"_prometheus_sa_path": str(service_account)},
        "redis": {"_redis_config_path": str(base / "redis"), "_redis_data_path": str(redis_data)},
    }
    renders = [{"service": name, "out": str(base / name), "role_vars": role_vars.get(name, {})} for name in services]
    try:
        run_render(renders)
    except RenderError as error:
        pytest.fail("rendering the core services failed:\n%s" % error)
    return dict((name, base / name) for name in services)


@pytest.fixture(scope="session")
def redis_nodes(rendered, tmp_path_factory):
    """Six redis-servers (the spec's 3 masters x 2) started with the rendered redis.conf,
    each on its own client and cluster bus port. Yields [(port, data dir)]."""
    server, cli = program("redis-server"), program("redis-cli")
    conf = rendered["redis"] / "redis.conf"
    ports = free_ports(12)
    nodes, processes = [], []
    try:
        for index in range(6):
            port, bus = ports[2 * index], ports[2 * index + 1]
            data = tmp_path_factory.mktemp("redis-node-%d" % index)
            log = open(data / "redis.log", "w")
            processes.append(subprocess.Popen(
                [server, str(conf), "--port", str(port), "--cluster-port", str(bus), "--dir", str(data),
                 "--bind", "127.0.0.1", "--cluster-announce-hostname", "localhost"],
                stdout=log, stderr=subprocess.STDOUT))
            nodes.append((port, data))
        env = dict(os.environ, REDISCLI_AUTH=CREDENTIALS["redis"]["password"])
        for port, _ in nodes:
            wait_for(lambda: subprocess.run([cli, "-p", str(port), "ping"], env=env, capture_output=True,
                                             text=True).stdout.strip() == "PONG", "redis-server on %d answering" % port)
        yield nodes
    finally:
        stop(processes)


@pytest.fixture(scope="session")
def rabbitmq_node(tmp_path_factory):
    """rabbitmq-server started with the role's rendered rabbitmq.conf, enabled_plugins
    and administrator, on free ports. The spec is the inventory's with one node (a
    cluster of the spec's size cannot form on one machine) and a task queue to declare.
    Yields a dict with the node name, the rendered directory and the environment that
    rabbitmqctl needs."""
    server, ctl = program("rabbitmq-server"), program("rabbitmqctl")
    amqp, management, metrics, dist, epmd = free_ports(5)
    spec = with_service(inventory_core_services(), "rabbitmq", cluster_size=1,
                        ports={"client": amqp, "management": management, "metrics": metrics,
                               "epmd": epmd, "distribution": dist})
    config = tmp_path_factory.mktemp("rabbitmq-config")
    try:
        run_render([{"service": "rabbitmq", "out": str(config),
                     "role_vars": {"core_services": spec, "rabbitmq_task_queues": ["tasks.test"]}}])
    except RenderError as error:
        pytest.fail("rendering the RabbitMQ configuration failed:\n%s" % error)
    # What the test adds after the role's files (conf.d is read in name order): listen
    # on 127.0.0.1 only, where the pods listen on every address; and, with no Kubernetes
    # API to ask for peers here, start as a single node (classic config discovery).
    # Every other rendered setting, the k8s discovery settings included, stays.
    (config / "conf.d" / "90-test-outside-kubernetes.conf").write_text(
        "listeners.tcp.default = 127.0.0.1:%d\nmanagement.tcp.ip = 127.0.0.1\nprometheus.tcp.ip = 127.0.0.1\n"
        "cluster_formation.peer_discovery_backend = classic_config\n" % amqp)
    home = tmp_path_factory.mktemp("rabbitmq-home")
    cookie = home / ".erlang.cookie"
    cookie.write_text(CREDENTIALS["rabbitmq"]["erlang-cookie"])
    cookie.chmod(0o400)
    node = "rabbit-mas-test@localhost"
    env = dict(os.environ, HOME=str(home), RABBITMQ_NODENAME=node, RABBITMQ_CONFIG_FILES=str(config / "conf.d"),
               RABBITMQ_CONF_ENV_FILE=str(home / "rabbitmq-env.conf"), RABBITMQ_CONFIG_FILE=str(home / "none.conf"),
               RABBITMQ_ADVANCED_CONFIG_FILE=str(home / "none.config"),
               RABBITMQ_ENABLED_PLUGINS_FILE=str(config / "enabled_plugins"),
               RABBITMQ_MNESIA_BASE=str(home / "mnesia"), RABBITMQ_LOG_BASE=str(home / "log"),
               RABBITMQ_PID_FILE=str(home / "rabbit.pid"), RABBITMQ_DIST_PORT=str(dist), ERL_EPMD_PORT=str(epmd))
    env.pop("RABBITMQ_USE_LONGNAME", None)
    log = open(home / "server.log", "w")
    # Its own epmd on its own port: the node never touches a system epmd.
    processes = [subprocess.Popen([program("epmd"), "-port", str(epmd)], env=env, stdout=log, stderr=subprocess.STDOUT)]
    processes.append(subprocess.Popen([server], env=env, stdout=log, stderr=subprocess.STDOUT))
    try:
        def booted():
            if processes[-1].poll() is not None:
                pytest.fail("rabbitmq-server with the rendered configuration exited with %s:\n%s" % (
                    processes[-1].returncode, (home / "server.log").read_text()[-4000:]))
            return subprocess.run([ctl, "--node", node, "await_startup", "--timeout", "30"], env=env,
                                  capture_output=True, timeout=60).returncode == 0

        wait_for(booted, "rabbitmq-server booting with the rendered configuration", timeout=240)
        yield {"node": node, "config": config, "env": env, "ports": {"client": amqp, "management": management,
                                                                     "metrics": metrics}}
    finally:
        subprocess.run([ctl, "--node", node, "stop"], env=env, capture_output=True, timeout=120)
        stop(list(reversed(processes)))
