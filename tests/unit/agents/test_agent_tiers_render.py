"""What mas.platform.agent_tiers renders from the local inventory's spec: every
agent's objects, with the spec's numbers, Pod Security "restricted", and the
images the inventory asks for (real ansible-playbook runs, see conftest.py)."""

import pathlib

import pytest
import yaml

from ansible_collections.mas.platform.plugins.filter.spec import agent_tiers, core_services

from render_cases import by_name, objects

REPO = pathlib.Path(__file__).resolve().parents[3]
SPEC = REPO / "inventories" / "local" / "group_vars" / "all"


def _spec(key):
    return yaml.safe_load((SPEC / ("%s.yml" % key)).read_text())[key]


AGENTS = agent_tiers(_spec("deployment_sequence"))
SERVICES = core_services(_spec("core_services"))
COLLECTION_VERSION = yaml.safe_load(
    (REPO / "collections/ansible_collections/mas/platform/galaxy.yml").read_text())["version"]


@pytest.fixture
def rendered(local_cases):
    return objects(local_cases["default"], "_agent_tiers_objects")


def _get(rendered, kind, agent):
    found = [o for o in rendered if o["kind"] == kind and o["metadata"]["name"] == agent["k8s_name"]
             and o["metadata"]["namespace"] == agent["namespace"]]
    return found[0] if found else None


@pytest.mark.parametrize("agent", AGENTS, ids=[a["name"] for a in AGENTS])
def test_every_agent_has_its_objects_in_its_namespace(rendered, agent):
    for kind in ("Service", "Deployment", "PodDisruptionBudget"):
        assert _get(rendered, kind, agent), "%s has no %s" % (agent["name"], kind)
    assert [o for o in rendered if o["kind"] == "ConfigMap" and o["metadata"]["name"] == agent["k8s_name"] + "-config"]
    assert bool(_get(rendered, "HorizontalPodAutoscaler", agent)) == ("autoscaling" in agent)


@pytest.mark.parametrize("agent", AGENTS, ids=[a["name"] for a in AGENTS])
def test_deployment_carries_the_spec(rendered, agent):
    deployment = _get(rendered, "Deployment", agent)
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["resources"] == agent["resources"]
    assert pod["nodeSelector"] == agent["affinity"]["nodeSelector"]
    assert pod.get("tolerations") == agent.get("tolerations")
    assert pod["serviceAccountName"] == agent["k8s_name"]
    assert deployment["metadata"]["labels"]["mas.platform/phase"] == agent["phase"]
    # An autoscaled Deployment leaves its replicas to the HPA; the others have the spec's.
    if "autoscaling" in agent:
        assert "replicas" not in deployment["spec"]
    else:
        assert deployment["spec"]["replicas"] == agent["replicas"]


@pytest.mark.parametrize("agent", AGENTS, ids=[a["name"] for a in AGENTS])
def test_pods_meet_pod_security_restricted(rendered, agent):
    pod = _get(rendered, "Deployment", agent)["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] > 0
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    for container in pod["containers"]:
        context = container["securityContext"]
        assert context["allowPrivilegeEscalation"] is False
        assert context["capabilities"] == {"drop": ["ALL"]}
        assert not context.get("privileged")
    assert not any(v.get("hostPath") for v in pod.get("volumes", []))
    assert not pod.get("hostNetwork") and not pod.get("hostPID")


def test_gpu_agent_requests_its_gpus_on_gpu_nodes(rendered):
    gpu_agents = [a for a in AGENTS if "nvidia.com/gpu" in a["resources"]["requests"]]
    assert gpu_agents, "the spec has no GPU agent"
    for agent in gpu_agents:
        pod = _get(rendered, "Deployment", agent)["spec"]["template"]["spec"]
        resources = pod["containers"][0]["resources"]
        assert resources["requests"]["nvidia.com/gpu"] == resources["limits"]["nvidia.com/gpu"]
        assert pod["nodeSelector"]["node-role"] == "gpu"
        assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in pod["tolerations"]


def test_autoscaler_has_the_spec_bounds(rendered):
    agent = [a for a in AGENTS if a["name"] == "task_executor"][0]
    hpa = _get(rendered, "HorizontalPodAutoscaler", agent)["spec"]
    assert (hpa["minReplicas"], hpa["maxReplicas"]) == (agent["autoscaling"]["min"], agent["autoscaling"]["max"])
    assert hpa["metrics"] == agent["autoscaling"]["metrics"]
    assert hpa["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "task-executor"}


@pytest.mark.parametrize("agent", AGENTS, ids=[a["name"] for a in AGENTS])
def test_configmap_hands_the_spec_endpoints_and_telemetry(rendered, agent):
    config = [o for o in rendered if o["kind"] == "ConfigMap" and o["metadata"]["name"] == agent["k8s_name"] + "-config"][0]
    data = config["data"]
    for service in SERVICES:
        if service["client"]:
            assert data["MAS_%s_ENDPOINT" % service["name"].upper()] == service["client"]
    consul = [s for s in SERVICES if s["name"] == "consul"][0]
    assert data["CONSUL_HTTP_ADDR"] == "http://" + consul["client"]
    tracing = _spec("service_configuration")["monitoring"]["tracing"]
    assert data["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio"
    assert float(data["OTEL_TRACES_SAMPLER_ARG"]) == tracing["sampling_rate"]
    assert data["OTEL_EXPORTER_OTLP_ENDPOINT"] == tracing["collector"]["endpoint"]
    assert data["OTEL_SERVICE_NAME"] == agent["k8s_name"]
    assert data["MAS_LOG_FORMAT"] == "json"
    assert all(isinstance(value, str) for value in data.values())
    # The pods roll when their configuration changes.
    template = _get(rendered, "Deployment", agent)["spec"]["template"]
    assert len(template["metadata"]["annotations"]["checksum/config"]) == 64
    assert template["spec"]["containers"][0]["envFrom"] == [{"configMapRef": {"name": config["metadata"]["name"]}}]


def test_probes_follow_the_spec_checks(rendered):
    checks = _spec("service_configuration")["networking"]["service_discovery"]["health_checks"]
    agent_health = [c for c in _spec("health_monitoring")["system_checks"] if c["name"] == "agent_health"][0]
    container = _get(rendered, "Deployment", AGENTS[0])["spec"]["template"]["spec"]["containers"][0]
    readiness, liveness = container["readinessProbe"], container["livenessProbe"]
    assert (readiness["periodSeconds"], readiness["timeoutSeconds"], readiness["failureThreshold"]) == (
        int(checks["interval"][:-1]), int(checks["timeout"][:-1]), checks["retries"])
    assert (liveness["periodSeconds"], liveness["timeoutSeconds"]) == (
        int(agent_health["interval"][:-1]), int(agent_health["timeout"][:-1]))
    assert readiness["httpGet"]["port"] == "metrics"


def test_images_default_to_the_inventory_registry_and_collection_version(rendered):
    for deployment in [o for o in rendered if o["kind"] == "Deployment"]:
        image = deployment["spec"]["template"]["spec"]["containers"][0]["image"]
        assert image == "registry.example.internal/mas/%s:%s" % (deployment["metadata"]["name"], COLLECTION_VERSION)


def test_image_overrides(local_cases):
    rendered = objects(local_cases["image_overrides"], "_agent_tiers_objects", "Deployment")
    images = dict((d["metadata"]["name"], d["spec"]["template"]["spec"]) for d in rendered)
    registry = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mas"
    assert images["task-executor"]["containers"][0]["image"] == registry + "/executor:1.2.4"
    assert images["resource-manager"]["containers"][0]["image"] == registry + "/resource-manager:1.2.3"
    assert images["resource-manager"]["imagePullSecrets"] == [{"name": "registry-credentials"}]


def test_unknown_image_override_is_refused(local_cases):
    result = local_cases["unknown_image_override"]
    assert not result["ok"]
    assert "agent_tiers_images" in result["msg"] and "no_such_agent" in result["msg"]


def test_production_refuses_the_placeholder_registry(production_cases):
    result = production_cases["placeholder_registry"]
    assert not result["ok"]
    assert "agent_tiers_image_registry" in result["msg"] and "registry.example.internal/mas" in result["msg"]


def test_production_with_a_registry_renders(production_cases):
    deployments = objects(production_cases["registry_set"], "_agent_tiers_objects", "Deployment")
    assert len(deployments) == len(AGENTS)
    assert all(d["spec"]["template"]["spec"]["containers"][0]["image"].startswith("123456789012.dkr.ecr")
               for d in deployments)
