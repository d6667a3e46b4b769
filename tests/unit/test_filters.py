"""The collection's filters: how roles read the spec and compare immutable fields."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mas.platform.plugins.filter.k8s import credential_placeholders, quantity
from ansible_collections.mas.platform.plugins.filter.object_id import object_id
from ansible_collections.mas.platform.plugins.filter.spec import agent_tiers, core_services


def test_agent_tiers_follow_phase_numbers_not_mapping_order():
    sequence = {
        "3_executors": {"task_executor": {"replicas": 5}},
        "1_core_agents": {
            "resource_manager": {"replicas": 2},
            "learning_agent": {"replicas": 2, "namespace": "learning"},
        },
        "2_coordination": {"coordinator_agent": {"replicas": 3}},
    }
    tiers = agent_tiers(sequence)
    assert [t["name"] for t in tiers] == ["resource_manager", "learning_agent", "coordinator_agent", "task_executor"]
    assert [t["k8s_name"] for t in tiers][0] == "resource-manager"
    assert tiers[1]["namespace"] == "learning"
    assert tiers[0]["namespace"] == "agent-system"
    assert tiers[3]["phase"] == "3_executors" and tiers[3]["replicas"] == 5


@pytest.mark.parametrize(
    "sequence, message",
    [
        ([], "must be a mapping of phases"),
        ({"1_core": ["a"]}, "deployment_sequence.1_core must be a mapping"),
        ({"1_core": {"agent": 3}}, "deployment_sequence.1_core.agent must be a mapping"),
    ],
)
def test_agent_tiers_name_the_bad_key(sequence, message):
    with pytest.raises(AnsibleFilterError, match=message):
        agent_tiers(sequence)


def _sc(name, **params):
    return {"metadata": {"name": name}, "provisioner": "ebs.csi.aws.com", "parameters": params}


def test_credential_placeholders_keep_values_and_stand_in_for_secrets():
    keys = {"username": {"kind": "value", "value": "mas-admin"}, "password": {"kind": "password", "length": 32},
            "cookie": {"length": 64}}
    assert credential_placeholders(keys, "rabbitmq-credentials") == {
        "username": "mas-admin",
        "password": "((mas-credential:rabbitmq-credentials/password))",
        "cookie": "((mas-credential:rabbitmq-credentials/cookie))"}
    with pytest.raises(AnsibleFilterError):
        credential_placeholders(["password"], "x")


def test_core_services_carry_their_client_endpoint_in_start_order():
    spec = {
        "2_databases": {"redis": {"namespace": "core-services", "ports": {"client": 6379}}},
        "1_infrastructure": {"rabbitmq": {"namespace": "core-services", "ports": {"client": 5672, "metrics": 15692}},
                             "grafana": {"namespace": "monitoring", "ports": {"metrics": 3000}}},
    }
    services = core_services(spec)
    assert [s["name"] for s in services] == ["rabbitmq", "grafana", "redis"]
    assert services[0]["client"] == "rabbitmq.core-services.svc.cluster.local:5672"
    assert services[1]["client"] is None
    assert services[2]["host"] == "redis.core-services.svc.cluster.local"


def test_quantity_makes_equal_quantities_equal():
    assert quantity("1000m") == quantity("1") == quantity(1)
    assert quantity("1Gi") == quantity("1024Mi")
    with pytest.raises(AnsibleFilterError, match="Kubernetes quantity"):
        quantity("lots")


def test_object_id_names_namespaced_and_cluster_wide_objects_and_refuses_the_rest():
    assert object_id({"kind": "Deployment", "metadata": {"namespace": "agents", "name": "executor"}}) == \
        "Deployment/agents/executor"
    assert object_id({"kind": "Namespace", "metadata": {"name": "agents"}}) == "Namespace/agents"
    with pytest.raises(AnsibleFilterError, match="object_id expects a Kubernetes object"):
        object_id("Deployment/agents/executor")
