"""What the mesh, ingress, discovery and observability roles render from the
spec, and what their preflights refuse (real ansible-playbook runs, see
conftest.py). The rule file is checked with the real promtool."""

import json
import pathlib
import shutil
import subprocess

import pytest
import yaml

from ansible_collections.mas.platform.plugins.filter.spec import agent_tiers, core_services

from render_cases import objects

REPO = pathlib.Path(__file__).resolve().parents[3]
SPEC = REPO / "inventories" / "local" / "group_vars" / "all"


def _spec(key):
    return yaml.safe_load((SPEC / ("%s.yml" % key)).read_text())[key]


AGENTS = agent_tiers(_spec("deployment_sequence"))
SERVICES = core_services(_spec("core_services"))
CONFIG = _spec("service_configuration")
MESH = CONFIG["networking"]["service_mesh"]
RETRY = [p for p in MESH["traffic_policies"] if p["name"] == "retry"][0]
BREAKER = [p for p in MESH["traffic_policies"] if p["name"] == "circuit_breaker"][0]


def _one(items, kind, name, namespace=None):
    found = [o for o in items if o["kind"] == kind and o["metadata"]["name"] == name
             and (namespace is None or o["metadata"].get("namespace") == namespace)]
    assert len(found) == 1, "%s %s/%s: %d found" % (kind, namespace, name, len(found))
    return found[0]


# --- service mesh ---------------------------------------------------------

def test_mesh_is_strict_in_every_agent_namespace(local_cases):
    policies = objects(local_cases["default"], "_service_mesh_objects")
    for namespace in set(a["namespace"] for a in AGENTS):
        assert _one(policies, "PeerAuthentication", "default", namespace)["spec"]["mtls"]["mode"] == "STRICT"
    labels = objects(local_cases["default"], "_service_mesh_namespace_objects")
    assert all(ns["metadata"]["labels"] == {"istio-injection": "enabled"} for ns in labels)


@pytest.mark.parametrize("agent", AGENTS, ids=[a["name"] for a in AGENTS])
def test_mesh_retries_and_circuit_breaker_follow_the_spec(local_cases, agent):
    policies = objects(local_cases["default"], "_service_mesh_objects")
    host = "%s.%s.svc.cluster.local" % (agent["k8s_name"], agent["namespace"])
    rule = _one(policies, "DestinationRule", agent["k8s_name"], agent["namespace"])["spec"]
    assert rule["host"] == host
    assert rule["trafficPolicy"]["tls"] == {"mode": "ISTIO_MUTUAL"}
    outlier = rule["trafficPolicy"]["outlierDetection"]
    assert (outlier["consecutive5xxErrors"], outlier["interval"]) == (BREAKER["consecutive_errors"], BREAKER["interval"])
    routes = _one(policies, "VirtualService", agent["k8s_name"], agent["namespace"])["spec"]["http"]
    api = [r for r in routes if r["name"] == "api"][0]
    assert (api["retries"]["attempts"], api["retries"]["perTryTimeout"]) == (RETRY["attempts"], RETRY["timeout"])
    # Every port of the Service has a route: a request to a port without one would get a 404 from the sidecar.
    assert sorted(r["match"][0]["port"] for r in routes) == sorted(CONFIG["agent_endpoints"]["ports"].values())
    # Only the metrics port accepts plain text (Prometheus and Consul are outside the mesh).
    workload = _one(policies, "PeerAuthentication", agent["k8s_name"], agent["namespace"])["spec"]
    assert workload["portLevelMtls"] == {str(CONFIG["agent_endpoints"]["ports"]["metrics"]): {"mode": "PERMISSIVE"}}


def test_mesh_disabled_removes_the_injection_label(local_cases):
    labels = objects(local_cases["mesh_disabled"], "_service_mesh_namespace_objects")
    assert labels and all(ns["metadata"]["labels"] == {} for ns in labels)


def test_mesh_unknown_provider_is_refused(local_cases):
    result = local_cases["mesh_unknown_provider"]
    assert not result["ok"] and "linkerd" in result["msg"] and "istio" in result["msg"]


def test_production_renders_the_service_configuration(production_cases):
    result = production_cases["default"]
    for var in ("_service_mesh_objects", "_ingress_objects", "_service_discovery_objects",
                "_observability_metrics_objects", "_observability_logging_objects"):
        assert objects(result, var), var


# --- ingress --------------------------------------------------------------

def test_ingress_exposes_the_spec_paths_with_tls_and_cors(local_cases):
    ingresses = objects(local_cases["default"], "_ingress_objects", "Ingress")
    ingress_spec = CONFIG["networking"]["ingress"]
    routed = set(p["agent"] for h in ingress_spec["hosts"] for p in h["paths"])
    assert sorted(i["metadata"]["name"] for i in ingresses) == sorted(
        a["k8s_name"] for a in AGENTS if a["name"] in routed)
    for ingress in ingresses:
        annotations = ingress["metadata"]["annotations"]
        assert ingress["spec"]["ingressClassName"] == ingress_spec["class"]
        assert annotations["cert-manager.io/cluster-issuer"] == _spec("security_setup")["authentication"]["certificates"]["issuer"]
        days = _spec("security_setup")["authentication"]["certificates"]["duration"]
        assert annotations["cert-manager.io/duration"] == "%dh" % (int(days[:-1]) * 24)
        assert annotations["nginx.ingress.kubernetes.io/cors-allow-origin"] == ", ".join(ingress_spec["cors_allowed_origins"])
        assert "*" not in annotations["nginx.ingress.kubernetes.io/cors-allow-origin"]
        # The mesh is on: NGINX goes through the Service so that the mesh applies.
        assert annotations["nginx.ingress.kubernetes.io/service-upstream"] == "true"
        assert ingress["spec"]["tls"][0]["hosts"] == [r["host"] for r in ingress["spec"]["rules"]]


@pytest.mark.parametrize("case, words", [
    ("cors_wildcard", ["cors_allowed_origins", "ingress_cors_allow_wildcard"]),
    ("cors_without_origins", ["cors_allowed_origins"]),
    ("ingress_unknown_agent", ["no_such_agent", "deployment_sequence"]),
])
def test_ingress_preflight_refuses(local_cases, case, words):
    result = local_cases[case]
    assert not result["ok"]
    for word in words:
        assert word in result["msg"]


# --- service discovery ----------------------------------------------------

def test_consul_definitions_carry_the_spec_health_checks(local_cases):
    rendered = objects(local_cases["default"], "_service_discovery_objects")
    consul = [s for s in SERVICES if s["name"] == "consul"][0]
    checks = CONFIG["networking"]["service_discovery"]["health_checks"]
    data = _one(rendered, "ConfigMap", "consul-agent-services", consul["namespace"])["data"]
    assert sorted(k for k in data if k.endswith(".json")) == sorted(a["k8s_name"] + ".json" for a in AGENTS)
    for agent in AGENTS:
        check = json.loads(data[agent["k8s_name"] + ".json"])["Check"]
        assert (check["Interval"], check["Timeout"], check["FailuresBeforeCritical"]) == (
            checks["interval"], checks["timeout"], checks["retries"])
    job = [o for o in rendered if o["kind"] == "Job"][0]
    env = dict((e["name"], e.get("value")) for e in job["spec"]["template"]["spec"]["containers"][0]["env"])
    assert env["CONSUL_HTTP_ADDR"] == "http://" + consul["client"]


def test_registration_script_is_valid_sh(local_cases):
    rendered = objects(local_cases["default"], "_service_discovery_objects", "ConfigMap")
    script = rendered[0]["data"]["register.sh"]
    assert subprocess.run(["sh", "-n"], input=script, text=True).returncode == 0


def test_discovery_without_consul_is_refused(local_cases):
    result = local_cases["discovery_without_consul"]
    assert not result["ok"] and "consul" in result["msg"]


# --- observability --------------------------------------------------------

def test_every_agent_and_core_service_is_scraped_at_the_spec_interval(local_cases):
    rendered = objects(local_cases["default"], "_observability_metrics_objects")
    interval = CONFIG["monitoring"]["metrics"]["scrape_interval"]
    for agent in AGENTS:
        monitor = _one(rendered, "ServiceMonitor", agent["k8s_name"], agent["namespace"])
        assert monitor["spec"]["endpoints"][0]["interval"] == interval
    for service in [s for s in SERVICES if "metrics" in s["ports"]]:
        monitor = _one(rendered, "PodMonitor", service["k8s_name"], service["namespace"])
        assert monitor["spec"]["podMetricsEndpoints"][0]["interval"] == interval
        assert monitor["spec"]["podMetricsEndpoints"][0]["targetPort"] == service["ports"]["metrics"]


def test_rule_file_passes_promtool(local_cases, tmp_path):
    promtool = shutil.which("promtool")
    assert promtool, "promtool is missing: install the Debian package prometheus"
    rendered = objects(local_cases["default"], "_observability_metrics_objects", "ConfigMap")
    rules = tmp_path / "rules.yml"
    rules.write_text(rendered[0]["data"]["mas-alert-rules.yml"])
    proc = subprocess.run([promtool, "check", "rules", str(rules)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    alerts = [r["alert"] for g in yaml.safe_load(rules.read_text())["groups"] for r in g["rules"]]
    assert alerts == [r["alert"] for r in CONFIG["monitoring"]["metrics"]["rules"]]


def test_each_index_family_has_its_retention(local_cases):
    rendered = objects(local_cases["default"], "_observability_logging_objects")
    logging = CONFIG["monitoring"]["logging"]
    policies = _one(rendered, "ConfigMap", "opensearch-ism-policies")["data"]
    fluent_bit = _one(rendered, "ConfigMap", "fluent-bit-config")["data"]["fluent-bit.conf"]
    wanted = dict((i["name"], i["retention"]) for i in logging["indexes"])
    wanted["default"] = logging["retention"]
    for name, retention in wanted.items():
        policy = json.loads(policies["mas-%s.json" % name])["policy"]
        assert policy["states"][0]["transitions"][0]["conditions"]["min_index_age"] == retention
        assert policy["ism_template"][0]["index_patterns"] == ["mas-%s-*" % name]
        assert "Logstash_Prefix     mas-%s\n" % name in fluent_bit
    # A security event wins over its namespace: the security route comes first.
    assert fluent_bit.index("$log_type") < fluent_bit.index("$kubernetes['namespace_name']")


def test_logging_index_without_route_is_refused(local_cases):
    result = local_cases["logging_unrouted_index"]
    assert not result["ok"]
    assert "system" in result["msg"] and "security" in result["msg"] and "observability_logging_routes" in result["msg"]
