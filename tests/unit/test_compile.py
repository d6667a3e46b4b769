"""The compiled platform (module_utils/model/compile.py): the spec expanded once, which
every role renders from. Each value is checked against what Kubernetes and the other
services need, not against the code's own output."""

import json

import pytest

from ansible_collections.mas.platform.plugins.module_utils.model.compile import compile_platform
from ansible_collections.mas.platform.plugins.module_utils.model.phases import phase_order
from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight


@pytest.fixture
def compiled(production_spec):
    report = run_preflight(production_spec)
    assert report["errors"] == []
    return report


def test_it_is_plain_json(compiled):
    assert json.loads(json.dumps(compiled["platform"])) == compiled["platform"]


def test_core_services_in_start_order_with_their_names_and_members(compiled, production_spec):
    services = compiled["platform"]["core_services"]
    expected = [name for phase in sorted(production_spec["core_services"], key=lambda p: int(p.split("_")[0]))
                for name in production_spec["core_services"][phase]]
    assert list(services) == expected
    rabbitmq = services["rabbitmq"]
    spec = production_spec["core_services"]["1_infrastructure"]["rabbitmq"]
    assert rabbitmq["k8s_name"] == "rabbitmq" and rabbitmq["namespace"] == spec["namespace"]
    assert rabbitmq["replicas"] == spec["cluster_size"]
    assert rabbitmq["members"] == ["rabbitmq-%d.rabbitmq-headless.%s.svc.cluster.local" % (i, spec["namespace"])
                                   for i in range(spec["cluster_size"])]
    assert rabbitmq["client"] == "rabbitmq.%s.svc.cluster.local:%d" % (spec["namespace"], spec["ports"]["client"])
    redis = services["redis"]
    redis_spec = production_spec["core_services"]["2_databases"]["redis"]
    assert redis["replicas"] == redis_spec["masters"] * (1 + redis_spec["replicas_per_master"])


def test_labels_and_selectors(compiled):
    for service in compiled["platform"]["core_services"].values():
        # The selector is part of the labels, and names the service's own pods.
        assert service["selector"].items() <= service["labels"].items()
        assert service["selector"]["app.kubernetes.io/name"] == service["k8s_name"]
        assert service["labels"]["app.kubernetes.io/part-of"] == "mas-platform"
        assert service["labels"]["app.kubernetes.io/version"] == str(service["version"])
    for agent in compiled["platform"]["agents"].values():
        assert agent["selector"].items() <= agent["labels"].items()
        assert agent["labels"]["mas.platform/phase"] == agent["phase"]
        assert agent["labels"]["app.kubernetes.io/component"] == "agent"
        assert "_" not in agent["k8s_name"]


def test_service_ports_publish_each_number_once(compiled):
    for service in compiled["platform"]["core_services"].values():
        numbers = [p["port"] for p in service["service_ports"]]
        assert sorted(set(numbers)) == sorted(set(service["ports"].values()))
        assert len(numbers) == len(set(numbers))
        assert all("_" not in p["name"] and len(p["name"]) <= 15 for p in service["service_ports"])


def test_agents_get_every_core_service_endpoint(compiled):
    services = compiled["platform"]["core_services"]
    for agent in compiled["platform"]["agents"].values():
        env = agent["endpoints_env"]
        for service in services.values():
            if service["client"]:
                assert env["MAS_%s_ENDPOINT" % service["name"].upper()] == service["client"]
        assert env["CONSUL_HTTP_ADDR"] == "http://" + services["consul"]["client"]


def test_namespaces_carry_the_preflight_quotas(compiled):
    namespaces = compiled["platform"]["namespaces"]
    assert set(namespaces) == set(compiled["quotas"])
    for name, entry in namespaces.items():
        assert entry["quota"] == compiled["quotas"][name]
        assert entry["labels"]["name"] == name


def test_phases_in_the_seeds_order(compiled, production_spec):
    agents = compiled["platform"]["phases"]["agents"]
    assert [p["name"] for p in agents] == sorted(production_spec["deployment_sequence"], key=lambda p: int(p.split("_")[0]))
    assert [m for p in agents for m in p["members"]] == list(compiled["platform"]["agents"])


def test_phase_order_is_numeric():
    assert phase_order(["10_late", "2_early", "1_first"]) == ["1_first", "2_early", "10_late"]


def test_cluster_domain_reaches_every_host(production_spec):
    report = run_preflight(production_spec, {"cluster_domain": "corp.example"})
    for service in report["platform"]["core_services"].values():
        assert service["host"].endswith(".svc.corp.example")
        assert all(m.endswith(".svc.corp.example") for m in service["members"])


def test_no_platform_for_a_spec_with_errors(production_spec):
    production_spec["deployment_sequence"]["1_core_agents"]["resource_manager"]["replicas"] = "many"
    report = run_preflight(production_spec)
    assert report["errors"] and "platform" not in report


def test_compile_does_not_change_its_input(production_spec):
    before = json.dumps(production_spec, sort_keys=True, default=str)
    compile_platform(production_spec, {}, [], {})
    assert json.dumps(production_spec, sort_keys=True, default=str) == before


def test_storage_classes_on_ebs(compiled):
    classes = dict((c["name"], c) for c in compiled["platform"]["storage_classes"])
    # gp3 takes IOPS and throughput; gp2 takes neither (its IOPS follow the size).
    assert classes["fast-ssd"]["parameters"] == {"type": "gp3", "encrypted": "true", "csi.storage.k8s.io/fstype": "ext4",
                                                 "iops": "16000", "throughput": "1000"}
    assert classes["standard"]["parameters"] == {"type": "gp2", "encrypted": "true", "csi.storage.k8s.io/fstype": "ext4"}
    assert [c["name"] for c in classes.values() if c["default"]] == ["standard"]
    assert {c["reclaim_policy"] for c in classes.values()} == {"Delete"}


def test_storage_classes_of_pre_created_volumes(local_spec):
    report = run_preflight(local_spec)
    classes = report["platform"]["storage_classes"]
    assert {c["provisioner"] for c in classes} == {"kubernetes.io/no-provisioner"}
    assert all(c["parameters"] == {} and c["reclaim_policy"] == "Retain" for c in classes)


def test_consul_definitions_check_each_agent_where_its_probe_does(compiled, production_spec):
    platform = compiled["platform"]
    endpoints = production_spec["service_configuration"]["agent_endpoints"]
    checks = production_spec["service_configuration"]["networking"]["service_discovery"]["health_checks"]
    definitions = platform["service_discovery"]["definitions"]
    assert sorted(definitions) == sorted(a["k8s_name"] for a in platform["agents"].values())
    executor = definitions["task-executor"]
    host = "task-executor.%s.svc.cluster.local" % platform["agents"]["task_executor"]["namespace"]
    assert executor["Address"] == host and executor["Port"] == endpoints["ports"]["http"]
    assert executor["Check"]["HTTP"] == "http://%s:%d%s" % (host, endpoints["ports"]["metrics"], endpoints["health"]["readiness"])
    assert executor["Check"]["Interval"] == checks["interval"] and executor["Check"]["Timeout"] == checks["timeout"]


def test_agent_probes_in_seconds(compiled, production_spec):
    probes = compiled["platform"]["agent_probes"]
    checks = production_spec["service_configuration"]["networking"]["service_discovery"]["health_checks"]
    health = [c for c in production_spec["health_monitoring"]["system_checks"] if c["name"] == "agent_health"][0]
    def secs(text):
        return int(text[:-1]) * {"s": 1, "m": 60}[text[-1]]
    assert probes["readiness"]["period_seconds"] == secs(checks["interval"])
    assert probes["readiness"]["timeout_seconds"] == secs(checks["timeout"])
    assert probes["liveness"] == {"period_seconds": secs(health["interval"]), "timeout_seconds": secs(health["timeout"]),
                                  "failure_threshold": health.get("retries", 3)}


def test_agent_identities(compiled):
    for agent in compiled["platform"]["agents"].values():
        assert agent["identity"] == {"name": agent["k8s_name"], "namespace": agent["namespace"],
                                     "service_account": agent["k8s_name"]}
