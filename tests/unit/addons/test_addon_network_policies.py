"""The add-ons' traffic in the platform's NetworkPolicies (model/flows.py _addons): the
installed Collector, Fluent Bit and OpenSearch run in monitoring, whose default policy
closes everything but the agent-system namespace. What the charts label their pods with is
what the policies select (model/addon_charts.py pod_labels)."""

from ansible_collections.mas.platform.plugins.module_utils.model.policies import admits
from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight
from spec_loader import change

ADDONS = ("infrastructure", "kubernetes", "addons")
AGENTS = {"app.kubernetes.io/component": "agent", "app.kubernetes.io/part-of": "mas-platform"}
COLLECTOR = {"app.kubernetes.io/name": "opentelemetry-collector", "component": "standalone-collector",
             "app.kubernetes.io/instance": "otel-collector"}
FLUENT_BIT = {"app.kubernetes.io/name": "fluent-bit", "app.kubernetes.io/instance": "fluent-bit"}
OPENSEARCH = {"app.kubernetes.io/name": "opensearch", "app.kubernetes.io/instance": "opensearch"}
OTHER = {"app.kubernetes.io/name": "something-else"}


def policies_of(spec):
    report = run_preflight(spec)
    assert report["errors"] == []
    return report["platform"]["network_policies"]


def pod(namespace, labels):
    return (namespace, {"kubernetes.io/metadata.name": namespace}, labels)


def allowed(policies, source, dest, port):
    """Both sides' policies let source reach dest on TCP port."""
    return (admits(policies, "egress", source, dest, "TCP", port)
            and admits(policies, "ingress", dest, source, "TCP", port))


def test_every_agent_namespace_exports_traces_to_the_installed_collector_only(production_spec):
    policies = policies_of(production_spec)
    collector = pod("monitoring", COLLECTOR)
    for namespace in ("agent-system", "learning", "monitoring"):
        assert allowed(policies, pod(namespace, AGENTS), collector, 4317), namespace
    # Only there: not on another port, not to another pod of monitoring.
    assert not allowed(policies, pod("learning", AGENTS), collector, 4318)
    assert not allowed(policies, pod("learning", AGENTS), pod("monitoring", OTHER), 4317)


def test_fluent_bit_ships_to_opensearch_whose_nodes_form_their_cluster(production_spec):
    policies = policies_of(production_spec)
    backend = pod("monitoring", OPENSEARCH)
    assert allowed(policies, pod("monitoring", FLUENT_BIT), backend, 9200)
    assert allowed(policies, backend, backend, 9300)
    assert not allowed(policies, pod("monitoring", FLUENT_BIT), backend, 9300)
    assert not allowed(policies, pod("monitoring", OTHER), backend, 9200)


def test_without_the_addons_nothing_is_opened_for_them(production_spec):
    change(production_spec, ("service_configuration", "monitoring", "tracing", "enabled"), False)
    change(production_spec, ADDONS + ("trace_collector",), {"mode": "none"})
    policies = policies_of(production_spec)
    assert not allowed(policies, pod("learning", AGENTS), pod("monitoring", COLLECTOR), 4317)
    assert not [p for p in policies if p["metadata"]["name"].startswith("otel-collector")]


def test_a_provided_collector_outside_the_platform_namespaces_is_reached_there(production_spec):
    change(production_spec, ("service_configuration", "monitoring", "tracing", "collector", "endpoint"),
           "http://collector.tracing.svc.cluster.local:4317")
    change(production_spec, ADDONS + ("trace_collector",), {"mode": "provided", "namespace": "tracing", "name": "collector"})
    policies = policies_of(production_spec)
    # No policy is written in a namespace the platform does not own; the agents may send there.
    assert not [p for p in policies if p["metadata"]["namespace"] == "tracing"]
    assert admits(policies, "egress", pod("learning", AGENTS), pod("tracing", {"any": "pod"}), "TCP", 4317)
