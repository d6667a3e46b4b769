"""The preflight on the cluster add-ons (infrastructure.kubernetes.addons): what relies on
each, and what the platform installs against what the spec points at.

Every case starts from the production inventory's spec (which passes) and changes one
thing, so that the finding can only come from that change.
"""

import pytest

from ansible_collections.mas.platform.plugins.module_utils.model.addons import compile_addons
from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight
from spec_loader import assert_error_at, change, DELETE, preflight_with

ADDONS = ("infrastructure", "kubernetes", "addons")
PATH = "infrastructure.kubernetes.addons"
TRACING = ("service_configuration", "monitoring", "tracing")
LOGGING = ("service_configuration", "monitoring", "logging")
INGRESS = ("service_configuration", "networking", "ingress")

# (id, changes, path of the expected error, part of its message)
BAD = [
    ("gpu-group-without-device-plugin", [(ADDONS + ("gpu_device_plugin",), {"mode": "none"})],
     PATH + ".gpu_device_plugin.mode", "node group gpu (4 GPUs per node), learning_agent (requests nvidia.com/gpu) rely"),
    ("hpa-on-cpu-without-metrics", [(ADDONS + ("metrics_server",), {"mode": "none"})],
     PATH + ".metrics_server.mode", "the HPA of task_executor (on cpu) relies on it"),
    ("ingress-without-controller", [(ADDONS + ("ingress_controller",), {"mode": "none"})],
     PATH + ".ingress_controller.mode", "the Ingress of coordinator_agent relies on it"),
    ("logging-without-collector", [(ADDONS + ("log_collector",), {"mode": "none"})],
     PATH + ".log_collector.mode", "the platform's logs (fluent-bit) relies on it"),
    ("logging-without-backend", [(ADDONS + ("log_backend",), {"mode": "none"})],
     PATH + ".log_backend.mode", "the log indexes and their retention"),
    ("tracing-without-collector", [(ADDONS + ("trace_collector",), {"mode": "none"})],
     PATH + ".trace_collector.mode", "every agent's traces"),
    ("unknown-mode", [(ADDONS + ("metrics_server",), {"mode": "installed"})],
     PATH + ".metrics_server.mode", "expected one of install, provided, none"),
    ("unknown-addon", [(ADDONS + ("karpenter",), {"mode": "install"})], PATH + ".karpenter", "unknown key"),
    ("mode-missing", [(ADDONS + ("metrics_server",), {"namespace": "kube-system"})],
     PATH + ".metrics_server.mode", "required key is missing"),
    ("addon-a-string", [(ADDONS + ("metrics_server",), "install")], PATH + ".metrics_server", "expected a mapping"),
    ("namespace-not-a-label", [(ADDONS + ("metrics_server",), {"mode": "install", "namespace": "Kube_System"})],
     PATH + ".metrics_server.namespace", "a DNS label"),
    ("installed-ingress-of-another-class", [(INGRESS + ("class",), "traefik")],
     "service_configuration.networking.ingress.class", "serves the IngressClass nginx, not traefik"),
    ("trace-endpoint-elsewhere", [(TRACING + ("collector", "endpoint"), "http://jaeger.tracing.svc.cluster.local:4317")],
     "service_configuration.monitoring.tracing.collector.endpoint",
     "the Service jaeger.tracing port 4317, but the OpenTelemetry Collector as the platform installs it answers at "
     "otel-collector.tracing.svc:4317"),
    ("trace-port-of-the-other-protocol", [(TRACING + ("collector", "protocol"), "http/protobuf")],
     "service_configuration.monitoring.tracing.collector.endpoint", "answers at otel-collector.tracing.svc:4318"),
    ("log-backend-outside-while-installed", [(LOGGING + ("backend", "endpoint"), "https://logs.example.com")],
     "service_configuration.monitoring.logging.backend.endpoint", "names no Service of this cluster"),
    ("installed-collector-moved", [(ADDONS + ("trace_collector",), {"mode": "install", "namespace": "otel"})],
     "service_configuration.monitoring.tracing.collector.endpoint", "answers at otel-collector.otel.svc:4317"),
]


@pytest.mark.parametrize("changes,path,message", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_a_dependency_without_its_addon_names_the_key(production_spec, changes, path, message):
    assert_error_at(preflight_with(production_spec, changes), path, message)


GOOD = [
    ("as-shipped", []),
    ("all-provided", [(ADDONS + (name,), {"mode": "provided"}) for name in (
        "gpu_device_plugin", "metrics_server", "ingress_controller", "log_collector", "log_backend", "trace_collector")]),
    # A provided ingress controller may serve any class, and provided backends run anywhere.
    ("provided-traefik", [(ADDONS + ("ingress_controller",), {"mode": "provided"}), (INGRESS + ("class",), "traefik")]),
    ("provided-managed-opensearch", [(ADDONS + ("log_backend",), {"mode": "provided"}),
                                     (LOGGING + ("backend", "endpoint"), "https://search-logs.eu-west-1.es.amazonaws.com")]),
    # Nothing relies on them: none is fine, and so is leaving them out.
    ("no-tracing-no-collector", [(TRACING + ("enabled",), False), (ADDONS + ("trace_collector",), {"mode": "none"})]),
    ("ingress-off-no-controller", [(INGRESS + ("enabled",), False), (ADDONS + ("ingress_controller",), {"mode": "none"})]),
    ("addons-left-out", [(ADDONS, DELETE)]),
]


@pytest.mark.parametrize("changes", [c[1] for c in GOOD], ids=[c[0] for c in GOOD])
def test_addons_that_fit_pass(production_spec, changes):
    assert preflight_with(production_spec, changes)["errors"] == []


def test_bottlerocket_nvidia_ships_the_device_plugin(production_spec):
    change(production_spec, ("infrastructure", "kubernetes", "node_groups", "gpu", "ami_type"), "BOTTLEROCKET_x86_64_NVIDIA")
    report = run_preflight(production_spec)
    assert report["errors"] == []
    assert [w["path"] for w in report["warnings"]] == [PATH + ".gpu_device_plugin.mode"]
    change(production_spec, ADDONS + ("gpu_device_plugin",), {"mode": "provided"})
    assert run_preflight(production_spec)["warnings"] == []


def test_left_out_addons_are_installed_where_relied_on_else_none(production_spec):
    change(production_spec, ADDONS, DELETE)
    change(production_spec, TRACING + ("enabled",), False)
    addons = run_preflight(production_spec)["platform"]["addons"]
    assert dict((n, a["mode"]) for n, a in addons.items()) == {
        "gpu_device_plugin": "install", "metrics_server": "install", "ingress_controller": "install",
        "log_collector": "install", "log_backend": "install", "trace_collector": "none"}
    assert addons["trace_collector"]["workload"] is None


def test_compiled_addons_say_where_each_runs_and_what_proves_it(production_spec):
    change(production_spec, ADDONS + ("log_collector",), {"mode": "provided", "namespace": "logging", "name": "fluent-bit"})
    change(production_spec, ADDONS + ("ingress_controller",), {"mode": "provided"})
    addons = compile_addons(production_spec)
    assert addons["gpu_device_plugin"]["evidence"] == {"node_groups": [{"name": "gpu", "role": "gpu", "gpus": 4, "count": 4, "taints": [
        {"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}]}]}
    assert addons["metrics_server"]["workload"] == {"api_version": "apps/v1", "kind": "Deployment",
                                                    "namespace": "kube-system", "name": "metrics-server"}
    # A provided add-on has a workload to check only where the spec names it.
    assert addons["log_collector"]["workload"] == {"api_version": "apps/v1", "kind": "DaemonSet",
                                                   "namespace": "logging", "name": "fluent-bit"}
    assert addons["ingress_controller"]["workload"] is None
    assert addons["ingress_controller"]["evidence"] == {"ingress_class": "nginx"}
    assert addons["trace_collector"]["evidence"]["service"] == {"namespace": "tracing", "name": "otel-collector",
                                                                 "port": 4317}
    assert addons["log_backend"]["evidence"]["service"] == {"namespace": "logging", "name": "opensearch", "port": 9200}


@pytest.mark.parametrize("url,service", [
    ("http://otel.obs.svc:4317", {"namespace": "obs", "name": "otel", "port": 4317}),
    ("https://opensearch.monitoring.svc.cluster.local", {"namespace": "monitoring", "name": "opensearch", "port": 443}),
    ("http://a.b.svc.corp.example:80/v1/traces", {"namespace": "b", "name": "a", "port": 80}),
    ("https://search-logs.eu-west-1.es.amazonaws.com", None),
    ("http://otel-collector:4317", None),
])
def test_in_cluster_service_of_an_endpoint(url, service):
    from ansible_collections.mas.platform.plugins.module_utils.model.addons import service_of
    assert service_of(url) == service


def test_what_relies_on_an_addon_is_named_in_the_phases_order():
    from ansible_collections.mas.platform.plugins.module_utils.model.addons import needs
    hpa = {"autoscaling": {"metrics": [{"type": "Resource", "resource": {"name": "cpu"}}]}}
    spec = {"deployment_sequence": {"10_late": {"late": hpa}, "2_early": {"early": hpa}}}
    assert [n["what"] for n in needs(spec)["metrics_server"]] == ["the HPA of early (on cpu)", "the HPA of late (on cpu)"]
