"""The add-ons' traffic in the platform's NetworkPolicies (model/flows.py _addons). The
installed Collector, Fluent Bit and OpenSearch run in namespaces of their own (tracing,
logging), where the platform writes no policy; the platform's namespaces, closed by their
default policy, open exactly what reaches them. What the charts label their pods with is
what the policies select (model/addon_charts.py pod_labels)."""

from ansible_collections.mas.platform.plugins.module_utils.model.policies import admits
from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight
from spec_loader import change

ADDONS = ("infrastructure", "kubernetes", "addons")
AGENTS = {"app.kubernetes.io/component": "agent", "app.kubernetes.io/part-of": "mas-platform"}
COLLECTOR = {"app.kubernetes.io/name": "opentelemetry-collector", "component": "standalone-collector",
             "app.kubernetes.io/instance": "otel-collector"}
OPENSEARCH = {"app.kubernetes.io/name": "opensearch", "app.kubernetes.io/instance": "opensearch"}
ISM_JOB = {"app.kubernetes.io/name": "opensearch-ism", "app.kubernetes.io/instance": "opensearch-ism",
           "app.kubernetes.io/component": "observability", "app.kubernetes.io/part-of": "mas-platform",
           "app.kubernetes.io/managed-by": "mas.platform"}
OTHER = {"app.kubernetes.io/name": "something-else"}


def policies_of(spec):
    report = run_preflight(spec)
    assert report["errors"] == []
    return report["platform"]["network_policies"]


def pod(namespace, labels):
    return (namespace, {"kubernetes.io/metadata.name": namespace}, labels)


def sends(policies, source, dest, port):
    return admits(policies, "egress", source, dest, "TCP", port)


def test_every_agent_namespace_exports_traces_to_the_installed_collector_only(production_spec):
    policies = policies_of(production_spec)
    collector = pod("tracing", COLLECTOR)
    for namespace in ("agent-system", "learning", "monitoring"):
        assert sends(policies, pod(namespace, AGENTS), collector, 4317), namespace
    # Only there: not on another port, not to another pod of its namespace.
    assert not sends(policies, pod("learning", AGENTS), collector, 4318)
    assert not sends(policies, pod("learning", AGENTS), pod("tracing", OTHER), 4317)
    # No policy is written in the add-ons' own namespaces.
    assert not [p for p in policies if p["metadata"]["namespace"] in ("tracing", "logging", "ingress-nginx")]


def test_the_retention_job_reaches_opensearch_and_nothing_else_does(production_spec):
    policies = policies_of(production_spec)
    backend = pod("logging", OPENSEARCH)
    assert sends(policies, pod("monitoring", ISM_JOB), backend, 9200)
    assert not sends(policies, pod("monitoring", ISM_JOB), backend, 9300)
    assert not sends(policies, pod("monitoring", OTHER), backend, 9200)


def test_without_the_addons_nothing_is_opened_for_them(production_spec):
    change(production_spec, ("service_configuration", "monitoring", "tracing", "enabled"), False)
    change(production_spec, ADDONS + ("trace_collector",), {"mode": "none"})
    policies = policies_of(production_spec)
    assert not sends(policies, pod("learning", AGENTS), pod("tracing", COLLECTOR), 4317)


def test_a_provided_collector_in_a_platform_namespace_gets_its_ingress_there(production_spec):
    change(production_spec, ("service_configuration", "monitoring", "tracing", "collector", "endpoint"),
           "http://collector.monitoring.svc.cluster.local:4317")
    change(production_spec, ADDONS + ("trace_collector",), {"mode": "provided", "namespace": "monitoring", "name": "collector"})
    policies = policies_of(production_spec)
    # Its pods' labels are not known: the port is opened to the namespace's pods, from every agent namespace.
    collector = pod("monitoring", {"app": "whatever"})
    for namespace in ("agent-system", "learning", "monitoring"):
        assert sends(policies, pod(namespace, AGENTS), collector, 4317), namespace
        assert admits(policies, "ingress", collector, pod(namespace, AGENTS), "TCP", 4317), namespace
    assert not admits(policies, "ingress", collector, pod("learning", AGENTS), "TCP", 4318)
