"""The platform's NetworkPolicies: what the preflight evaluates is what the role applies
(the compiled platform's network_policies).

Both come from plugins/module_utils/model/ (flows, labels, policies) and preflight/network.py. The policy tests start from the
production spec and look for the exact selectors and ports; the evaluation tests break
the computed set on purpose and expect the preflight's check to say what is refused.
"""

import copy
import json

import pytest

from ansible_collections.mas.platform.plugins.module_utils.model import flows as network_flows
from ansible_collections.mas.platform.plugins.module_utils.model import labels as network_labels
from ansible_collections.mas.platform.plugins.module_utils.preflight import network as network_check
from ansible_collections.mas.platform.plugins.module_utils.model.flows import platform_flows
from ansible_collections.mas.platform.plugins.module_utils.model.policies import admits, unmet_flows
from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import Findings
from ansible_collections.mas.platform.plugins.module_utils.spec.validate import validate

NAMESPACES = ("agent-system", "monitoring", "learning", "core-services")
AGENT_NAMESPACES = ("agent-system", "monitoring", "learning")
AGENTS = {"app.kubernetes.io/component": "agent", "app.kubernetes.io/part-of": "mas-platform"}
POLICY = ("security_setup", "network_policies", "default")
RABBITMQ = ("core_services", "1_infrastructure", "rabbitmq")


def compute(spec, **options):
    """The NetworkPolicies of the compiled platform (what the network_policies role applies)."""
    report = run_preflight(spec, {"network": options})
    assert report["errors"] == []
    return report["platform"]["network_policies"]


def get(policies, namespace, name):
    found = [p for p in policies if p["metadata"]["namespace"] == namespace and p["metadata"]["name"] == name]
    assert len(found) == 1, "%s/%s: %s" % (namespace, name, [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in policies])
    return found[0]


def peer(namespace, labels):
    return {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}, "podSelector": {"matchLabels": labels}}


def service(name):
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "mas-platform"}


def opens(policy, direction, who, protocol, port):
    """Whether one rule of the policy names this peer and this port."""
    key = "from" if direction == "ingress" else "to"
    return any(who in rule.get(key, []) and {"protocol": protocol, "port": port} in rule.get("ports", [])
               for rule in policy["spec"].get(direction, []))


def set_at(spec, path, value):
    node = spec
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value


# ---------------------------------------------------------------------------
# The policy set

def test_every_namespace_gets_the_spec_default_selecting_every_pod(production_spec):
    policies = compute(production_spec)
    default = production_spec["security_setup"]["network_policies"]["default"]
    for namespace in NAMESPACES:
        policy = get(policies, namespace, "platform-default")
        assert policy["spec"]["podSelector"] == {}
        assert policy["spec"]["policyTypes"] == ["Ingress", "Egress"]
        assert policy["spec"]["ingress"] == default["ingress"]
        assert policy["spec"]["egress"] == default["egress"]
        assert policy["metadata"]["labels"]["app.kubernetes.io/component"] == "network-policy"


def test_the_shipped_default_is_the_seeds_agent_system_scope(production_spec):
    default = production_spec["security_setup"]["network_policies"]["default"]
    only_agent_system = [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "agent-system"}}}]
    assert [rule["from"] for rule in default["ingress"]] == [only_agent_system]
    assert [rule["to"] for rule in default["egress"]] == [only_agent_system]


def test_dns_egress_is_added_when_the_spec_asks_and_only_then(production_spec):
    policies = compute(production_spec)
    dns = peer("kube-system", {"k8s-app": "kube-dns"})
    for namespace in NAMESPACES:
        policy = get(policies, namespace, "allow-dns")
        assert policy["spec"]["podSelector"] == {} and policy["spec"]["policyTypes"] == ["Egress"]
        assert opens(policy, "egress", dns, "UDP", 53) and opens(policy, "egress", dns, "TCP", 53)
    set_at(production_spec, POLICY + ("allow_dns_egress",), False)
    set_at(production_spec, POLICY + ("egress",), [{"to": [dns], "ports": [{"protocol": "UDP", "port": 53}]}])
    assert not [p for p in compute(production_spec) if p["metadata"]["name"] == "allow-dns"]


def test_agents_reach_each_core_service_on_its_client_port_from_every_agent_namespace(production_spec):
    policies = compute(production_spec)
    clients = {"consul": 8500, "rabbitmq": 5672, "prometheus": 9090, "alertmanager": 9093, "grafana": 3000,
               "mongodb": 27017, "neo4j": 7687, "redis": 6379}
    homes = {"prometheus": "monitoring", "alertmanager": "monitoring", "grafana": "monitoring"}
    for name, port in clients.items():
        home = homes.get(name, "core-services")
        ingress = get(policies, home, name + "-ingress")
        assert ingress["spec"]["podSelector"] == {"matchLabels": service(name)}
        for namespace in AGENT_NAMESPACES:
            assert opens(ingress, "ingress", peer(namespace, AGENTS), "TCP", port), (name, namespace)
            egress = get(policies, namespace, "agents-egress")
            assert egress["spec"]["podSelector"] == {"matchLabels": AGENTS}
            assert opens(egress, "egress", peer(home, service(name)), "TCP", port), (name, namespace)
    # Not on the other ports of the service: RabbitMQ's management and Erlang ports stay closed to agents.
    rabbitmq = get(policies, "core-services", "rabbitmq-ingress")
    for port in (15672, 4369, 25672):
        assert not opens(rabbitmq, "ingress", peer("agent-system", AGENTS), "TCP", port)


def test_prometheus_scrapes_every_metrics_port(production_spec):
    policies = compute(production_spec)
    prometheus = peer("monitoring", service("prometheus"))
    egress = get(policies, "monitoring", "prometheus-egress")
    for name, port in (("rabbitmq", 15692), ("mongodb", 9216), ("redis", 9121), ("neo4j", 2004), ("consul", 8500)):
        assert opens(get(policies, "core-services", name + "-ingress"), "ingress", prometheus, "TCP", port), name
        assert opens(egress, "egress", peer("core-services", service(name)), "TCP", port), name
    for namespace in AGENT_NAMESPACES:
        assert opens(get(policies, namespace, "agents-ingress"), "ingress", prometheus, "TCP", 9090)
        assert opens(egress, "egress", peer(namespace, AGENTS), "TCP", 9090)


def test_the_ingress_controller_reaches_only_the_exposed_agent_on_its_api_port(production_spec):
    policies = compute(production_spec)
    controller = peer("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"})
    exposed = get(policies, "agent-system", "coordinator-agent-ingress")
    assert exposed["spec"]["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "coordinator-agent",
                                                             "app.kubernetes.io/component": "agent"}}
    assert opens(exposed, "ingress", controller, "TCP", 8080)
    others = [p for p in policies if any(controller in rule.get("from", []) for rule in p["spec"].get("ingress", []))]
    assert sorted(p["metadata"]["name"] for p in others) == ["acme-http01-solver-ingress", "coordinator-agent-ingress"]


def test_ports_come_from_the_spec(production_spec):
    set_at(production_spec, RABBITMQ + ("ports", "client"), 5673)
    set_at(production_spec, ("service_configuration", "agent_endpoints", "ports", "metrics"), 9100)
    policies = compute(production_spec)
    rabbitmq = get(policies, "core-services", "rabbitmq-ingress")
    assert opens(rabbitmq, "ingress", peer("learning", AGENTS), "TCP", 5673)
    assert not opens(rabbitmq, "ingress", peer("learning", AGENTS), "TCP", 5672)
    assert opens(get(policies, "learning", "agents-ingress"), "ingress", peer("monitoring", service("prometheus")), "TCP", 9100)


def test_nothing_beyond_the_default_is_open_on_every_port_or_to_every_pod(production_spec):
    for policy in compute(production_spec, kube_api_cidrs=["10.0.0.0/16"]):
        if policy["metadata"]["name"] == "platform-default":
            continue
        assert policy["spec"]["podSelector"] or policy["metadata"]["name"].startswith("allow-"), policy["metadata"]
        for direction, key in (("ingress", "from"), ("egress", "to")):
            for rule in policy["spec"].get(direction, []):
                assert rule["ports"] and rule[key], policy["metadata"]
                blocks = [p for p in rule[key] if "ipBlock" in p]
                assert not blocks or policy["metadata"]["name"] == "allow-kube-api", policy["metadata"]


def test_kube_api_egress_goes_to_the_vpc_unless_addresses_are_given(production_spec):
    vpc = production_spec["infrastructure"]["networking"]["vpc"]["cidr"]
    policy = get(compute(production_spec), "learning", "allow-kube-api")
    assert [peer["ipBlock"]["cidr"] for rule in policy["spec"]["egress"] for peer in rule["to"]] == [vpc]
    policy = get(compute(production_spec, kube_api_cidrs=["10.0.0.0/16"], kube_api_ports=[443]), "learning", "allow-kube-api")
    assert policy["spec"]["egress"] == [{"to": [{"ipBlock": {"cidr": "10.0.0.0/16"}}], "ports": [{"protocol": "TCP", "port": 443}]}]


def test_the_set_is_stable_and_serializable(production_spec):
    first = compute(production_spec)
    assert first == compute(copy.deepcopy(production_spec))
    json.dumps(first)
    names = [(p["metadata"]["namespace"], p["metadata"]["name"]) for p in first]
    assert len(names) == len(set(names))


# ---------------------------------------------------------------------------
# Evaluation: the union of the policies against what the platform needs

def _model(spec):
    policies = compute(spec)
    cleaned, _findings = validate(spec)
    flows = platform_flows(cleaned, None, Findings())
    labels = dict((name, network_labels.namespace_labels(name, entry)) for name, entry in network_flows.platform_namespaces(cleaned).items())
    return policies, flows, labels


def refused_by_path(policies, flows, labels):
    """{spec path: [what is refused]}, over all the flows that come from that path."""
    refused = {}
    for flow, lines in unmet_flows(policies, flows, labels):
        refused.setdefault(flow.path, []).extend(lines)
    return refused


def _drop(policies, namespace, name):
    return [p for p in policies if (p["metadata"]["namespace"], p["metadata"]["name"]) != (namespace, name)]


def test_the_computed_set_admits_every_flow(production_spec):
    policies, flows, labels = _model(production_spec)
    assert flows and unmet_flows(policies, flows, labels) == []


def test_an_agent_cut_off_from_a_core_service_is_reported(production_spec):
    policies, flows, labels = _model(production_spec)
    refused = refused_by_path(_drop(policies, "core-services", "rabbitmq-ingress"), flows, labels)
    lines = refused["core_services.1_infrastructure.rabbitmq.ports.client"]
    # agent-system is admitted by the seed's default; the others are not.
    assert "learning/learning-agent -> core-services/rabbitmq TCP 5672 (refused by the ingress policies)" in lines
    assert "monitoring/monitoring-agent -> core-services/rabbitmq TCP 5672 (refused by the ingress policies)" in lines
    assert not [line for line in lines if line.startswith("agent-system/")]


def test_a_wrong_port_in_a_policy_is_reported(production_spec):
    policies, flows, labels = _model(production_spec)
    egress = get(policies, "learning", "agents-egress")
    for rule in egress["spec"]["egress"]:
        for port in rule["ports"]:
            if port["port"] == 6379:
                port["port"] = 6380
    refused = refused_by_path(policies, flows, labels)
    assert refused["core_services.2_databases.redis.ports.client"] == [
        "learning/learning-agent -> core-services/redis TCP 6379 (refused by the egress policies)"]


def test_a_selector_that_misses_its_pods_is_reported(production_spec):
    policies, flows, labels = _model(production_spec)
    get(policies, "core-services", "mongodb-ingress")["spec"]["podSelector"] = {"matchLabels": {"app.kubernetes.io/name": "mongo"}}
    refused = refused_by_path(policies, flows, labels)
    assert "core_services.2_databases.mongodb.ports.metrics" in refused  # Prometheus, from monitoring
    assert "core_services.2_databases.mongodb.ports" in refused  # the members to each other


def test_one_pod_left_out_among_pods_alike_is_reported_alone(production_spec):
    # The evaluation treats pods that the policies cannot tell apart as one; a podSelector
    # that leaves one agent out makes that agent differ from the other two of its namespace.
    policies, flows, labels = _model(production_spec)
    get(policies, "agent-system", "agents-egress")["spec"]["podSelector"]["matchExpressions"] = [
        {"key": "app.kubernetes.io/name", "operator": "NotIn", "values": ["coordinator-agent"]}]
    refused = refused_by_path(policies, flows, labels)
    lines = refused["core_services.1_infrastructure.rabbitmq.ports.client"]
    assert lines == ["agent-system/coordinator-agent -> core-services/rabbitmq TCP 5672 (refused by the egress policies)"]
    # Agent to agent: from the coordinator to the agents of the other namespaces (the seed's
    # default admits agent-system's own traffic), and from none of the other agents.
    assert refused["service_configuration.agent_endpoints.ports.http"] == [
        "agent-system/coordinator-agent -> monitoring/monitoring-agent TCP 8080 (refused by the egress policies)",
        "agent-system/coordinator-agent -> learning/learning-agent TCP 8080 (refused by the egress policies)"]


def test_the_preflight_evaluates_the_union_the_role_applies(production_spec, monkeypatch):
    # The shipped default alone (agent-system only) admits neither learning -> core-services
    # nor Prometheus scraping; the preflight passes because it evaluates the role's rules too.
    assert run_preflight(production_spec)["errors"] == []
    original = network_check.render_policies

    def without_redis_ingress(*args, **kwargs):
        return _drop(original(*args, **kwargs), "core-services", "redis-ingress")

    monkeypatch.setattr(network_check, "render_policies", without_redis_ingress)
    errors = run_preflight(production_spec)["errors"]
    messages = dict((e["path"], e["message"]) for e in errors)
    assert "learning/learning-agent -> core-services/redis TCP 6379" in messages["core_services.2_databases.redis.ports.client"]


ENDPOINT_A = ("a", {"kubernetes.io/metadata.name": "a"}, {"app": "x"})
ENDPOINT_B = ("b", {"kubernetes.io/metadata.name": "b"}, {"app": "y"})


def _netpol(namespace, selector, types, **rules):
    spec = {"podSelector": selector, "policyTypes": types}
    spec.update(rules)
    return {"metadata": {"namespace": namespace, "name": "p"}, "spec": spec}


@pytest.mark.parametrize("policies, direction, subject, other, port, expected", [
    ([], "egress", ENDPOINT_A, ENDPOINT_B, 80, True),  # nothing selects the pod
    ([_netpol("a", {}, ["Ingress"])], "egress", ENDPOINT_A, ENDPOINT_B, 80, True),  # ingress-only policy
    ([_netpol("a", {}, ["Egress"])], "egress", ENDPOINT_A, ENDPOINT_B, 80, False),  # default deny
    ([_netpol("a", {"matchLabels": {"app": "z"}}, ["Egress"])], "egress", ENDPOINT_A, ENDPOINT_B, 80, True),  # other pods
    ([_netpol("a", {}, ["Egress"], egress=[{}])], "egress", ENDPOINT_A, ENDPOINT_B, 80, True),  # allow all
    ([_netpol("a", {}, ["Egress"], egress=[{"ports": [{"port": 80}]}])], "egress", ENDPOINT_A, ENDPOINT_B, 80, True),
    ([_netpol("a", {}, ["Egress"], egress=[{"ports": [{"port": 80, "protocol": "UDP"}]}])], "egress", ENDPOINT_A, ENDPOINT_B, 80, False),
    ([_netpol("a", {}, ["Egress"], egress=[{"ports": [{"port": 70, "endPort": 90}]}])], "egress", ENDPOINT_A, ENDPOINT_B, 80, True),
    ([_netpol("a", {}, ["Egress"], egress=[{"ports": [{"port": 81}]}])], "egress", ENDPOINT_A, ENDPOINT_B, 80, False),
    ([_netpol("a", {}, ["Egress"], egress=[{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "b"}}}]}])],
     "egress", ENDPOINT_A, ENDPOINT_B, 80, True),
    ([_netpol("a", {}, ["Egress"], egress=[{"to": [{"podSelector": {"matchLabels": {"app": "y"}}}]}])],
     "egress", ENDPOINT_A, ENDPOINT_B, 80, False),  # a podSelector alone means the policy's own namespace
    ([_netpol("b", {}, ["Ingress"], ingress=[{"from": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"app": "x"}}}]}])],
     "ingress", ENDPOINT_B, ENDPOINT_A, 80, True),
    ([_netpol("b", {}, ["Ingress"], ingress=[{"from": [{"ipBlock": {"cidr": "10.0.0.0/8"}}]}])], "ingress", ENDPOINT_B, ENDPOINT_A, 80, False),
    ([_netpol("b", {}, ["Ingress"], ingress=[{"from": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}])], "ingress", ENDPOINT_B, ENDPOINT_A, 80, True),
    # Policies add up: one that admits is enough.
    ([_netpol("a", {}, ["Egress"]), _netpol("a", {"matchLabels": {"app": "x"}}, ["Egress"], egress=[{"ports": [{"port": 80}]}])],
     "egress", ENDPOINT_A, ENDPOINT_B, 80, True),
], ids=["unselected", "ingress-only", "default-deny", "selects-others", "allow-all", "port", "wrong-protocol", "port-range",
        "wrong-port", "namespace", "pod-selector-own-namespace", "namespace-and-pod", "partial-cidr", "every-address", "union"])
def test_admits_follows_networkpolicy_semantics(policies, direction, subject, other, port, expected):
    assert admits(policies, direction, subject, other, "TCP", port) is expected


# ---------------------------------------------------------------------------
# Bad input: the filter fails naming the key, before anything is computed

@pytest.mark.parametrize("change, message", [
    ((RABBITMQ + ("ports", "client"), "5672"),
     "core_services.1_infrastructure.rabbitmq.ports.client: expected an integer from 1 to 65535, got the string '5672'"),
    ((RABBITMQ + ("ports", "metrics"), 15692.5),
     "core_services.1_infrastructure.rabbitmq.ports.metrics: expected an integer from 1 to 65535, got the number 15692.5"),
    ((("service_configuration", "agent_endpoints", "ports", "http"), "http"),
     "service_configuration.agent_endpoints.ports.http: expected an integer from 1 to 65535"),
    ((("deployment_sequence", "1_core_agents", "learning_agent", "namespace"), "learners"),
     "deployment_sequence.1_core_agents.learning_agent.namespace: learners is not a namespace of environment_config.namespaces "
     "(agent-system, core-services, learning, monitoring)"),
    ((RABBITMQ + ("namespace",), "brokers"),
     "core_services.1_infrastructure.rabbitmq.namespace: brokers is not a namespace of environment_config.namespaces"),
    ((POLICY + ("allow_dns_egress",), False), "security_setup.network_policies.default.egress: restricts egress without allowing DNS"),
    ((("core_services", "2_databases", "redis", "ports"), {"bus": 16379}), "core_services.2_databases.redis.ports: has no client port"),
], ids=["port-as-string", "port-as-float", "agent-port-as-string", "unknown-agent-namespace", "unknown-service-namespace",
        "dns-closed", "no-client-port"])
def test_bad_spec_fails_naming_the_key(production_spec, change, message):
    set_at(production_spec, *change)
    report = run_preflight(production_spec)
    assert any(message in "%s: %s" % (e["path"], e["message"]) for e in report["errors"]), report["errors"]
    assert "platform" not in report
    # One problem, one error: no second report of it from another check.
    assert len(report["errors"]) == 1, report["errors"]


def test_bad_options_are_named(production_spec):
    report = run_preflight(production_spec, {"network": {"kube_api_ports": ["https"], "ingress_controller": {
        "namespace": "Ingress"}}})
    errors = ["%s: %s" % (e["path"], e["message"]) for e in report["errors"]]
    assert any(e.startswith("options.network.kube_api_ports[0]: expected an integer") for e in errors), errors
    assert any(e.startswith("options.network.ingress_controller.namespace: expected a namespace name") for e in errors)
    assert any(e.startswith("options.network.ingress_controller.pod_labels: required key is missing") for e in errors)


def test_the_applied_set_is_the_evaluated_set(production_spec, monkeypatch):
    """What the network_policies role applies (the compiled platform's list) is, to the
    byte, what the preflight checked the flows against."""
    evaluated = []
    original = network_check._check_flows

    def recording(policies, flows, labels, findings):
        evaluated.append(json.dumps(policies, sort_keys=True))
        return original(policies, flows, labels, findings)

    monkeypatch.setattr(network_check, "_check_flows", recording)
    options = {"kube_api_cidrs": ["10.1.0.0/16"], "kube_api_ports": [443]}
    applied = compute(production_spec, **options)
    assert len(evaluated) == 1
    assert json.dumps(applied, sort_keys=True) == evaluated[0]
