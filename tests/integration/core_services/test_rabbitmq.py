"""RabbitMQ: rabbitmq-server starts with the rendered rabbitmq.conf, enabled_plugins and
administrator, and the rendered verify-cluster script imports the agents' virtual host
and quorum task queue."""

import subprocess

from core_services_helpers import CREDENTIALS, program


def ctl(node, *args):
    result = subprocess.run([program("rabbitmqctl"), "--node", node["node"]] + list(args), env=node["env"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_the_node_runs_with_the_rendered_settings(rabbitmq_node):
    environment = "".join(ctl(rabbitmq_node, "environment").split())
    # Peer discovery through the headless Service's endpoints, by stable host names.
    assert '{k8s_service_name,"rabbitmq-headless"}' in environment
    assert "{k8s_address_type,hostname}" in environment
    assert '{k8s_hostname_suffix,".rabbitmq-headless.core-services.svc.cluster.local"}' in environment
    assert "pause_minority" in environment
    # The container's 4Gi limit, not the machine's memory, and the alarm at 60 % of it.
    assert "{total_memory_available_override_value,4294967296}" in environment
    assert "{vm_memory_high_watermark,0.6}" in environment
    assert "{return_per_object_metrics,true}" in environment


def test_the_spec_plugins_and_peer_discovery_are_enabled(rabbitmq_node):
    result = subprocess.run([program("rabbitmq-plugins"), "--node", rabbitmq_node["node"], "list", "--enabled",
                             "--minimal", "--silent"], env=rabbitmq_node["env"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert set(result.stdout.split()) == {"rabbitmq_management", "rabbitmq_prometheus", "rabbitmq_peer_discovery_k8s"}


def test_the_administrator_comes_from_the_secret_file(rabbitmq_node):
    credentials = CREDENTIALS["rabbitmq"]
    ctl(rabbitmq_node, "authenticate_user", credentials["username"], credentials["password"])
    users = ctl(rabbitmq_node, "list_users", "--formatter", "json")
    assert '"guest"' not in users


def run_verify(rabbitmq_node):
    env = dict(rabbitmq_node["env"], RABBITMQ_NODE=rabbitmq_node["node"])
    env["PATH"] = "/usr/lib/rabbitmq/bin:" + env.get("PATH", "")
    return subprocess.run(["/bin/sh", "-e", str(rabbitmq_node["config"] / "verify-cluster.sh")], env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_verify_script_imports_the_vhost_and_quorum_task_queues(rabbitmq_node):
    result = run_verify(rabbitmq_node)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "RabbitMQ cluster formed: 1 nodes running" in result.stdout
    assert "mas" in ctl(rabbitmq_node, "list_vhosts", "name").split()
    queues = ctl(rabbitmq_node, "list_queues", "-p", "mas", "name", "type", "--formatter", "json")
    assert '"name":"tasks.test"' in queues.replace(" ", "") and '"type":"quorum"' in queues.replace(" ", "")
    # Run again: nothing to change, still verified.
    again = run_verify(rabbitmq_node)
    assert again.returncode == 0, again.stdout + again.stderr
