"""The Helm releases of the cluster add-ons (model/addon_charts.py releases), derived from
the compiled platform of the production inventory."""

import pytest

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.model.addon_charts import merge, releases
from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight
from spec_loader import change

ADDONS = ("infrastructure", "kubernetes", "addons")
SECRET = {"opensearch_admin_secret": "opensearch-admin"}


def platform_of(spec):
    report = run_preflight(spec)
    assert report["errors"] == []
    return report["platform"]


def by_name(platform, options=SECRET):
    return dict((r["name"], r) for r in releases(platform, options))


def test_one_pinned_release_per_installed_addon_named_as_the_check_reads_it(production_spec):
    found = by_name(platform_of(production_spec))
    assert [(n, r["release"], r["namespace"], r["chart"]["name"], r["chart"]["version"]) for n, r in found.items()] == [
        ("gpu_device_plugin", "nvidia-device-plugin", "kube-system", "nvidia-device-plugin", "0.19.3"),
        ("metrics_server", "metrics-server", "kube-system", "metrics-server", "3.13.0"),
        ("ingress_controller", "ingress-nginx", "ingress-nginx", "ingress-nginx", "4.15.1"),
        ("log_collector", "fluent-bit", "logging", "fluent-bit", "0.58.1"),
        ("log_backend", "opensearch", "logging", "opensearch", "3.6.0"),
        ("trace_collector", "otel-collector", "tracing", "opentelemetry-collector", "0.170.0"),
    ]
    # ingress-nginx appends -controller: the Deployment is ingress-nginx-controller.
    assert found["ingress_controller"]["values"]["fullnameOverride"] == "ingress-nginx"
    assert found["log_backend"]["values"]["masterService"] == "opensearch"


def test_the_device_plugin_runs_on_the_gpu_groups_and_tolerates_their_taint(production_spec):
    values = by_name(platform_of(production_spec))["gpu_device_plugin"]["values"]
    terms = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms == [{"matchExpressions": [{"key": "node-role", "operator": "In", "values": ["gpu"]}]}]
    assert {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"} in values["tolerations"]
    assert values["gfd"] == {"enabled": False} and values["nfd"] == {"enabled": False}


def test_deployments_run_where_the_core_services_run(production_spec):
    found = by_name(platform_of(production_spec))
    assert found["metrics_server"]["values"]["nodeSelector"] == {"node-role": "core"}
    assert found["ingress_controller"]["values"]["controller"]["nodeSelector"] == {"node-role": "core"}
    assert found["trace_collector"]["values"]["nodeSelector"] == {"node-role": "core"}
    assert found["log_collector"]["values"]["tolerations"] == [{"operator": "Exists"}]
    assert found["log_collector"]["values"]["existingConfigMap"] == "fluent-bit-config"
    assert found["log_backend"]["values"]["persistence"]["storageClass"] == "standard"


def test_the_ingress_controller_joins_the_mesh_only_when_it_is_on(production_spec):
    controller = by_name(platform_of(production_spec))["ingress_controller"]["values"]["controller"]
    assert controller["podLabels"] == {"sidecar.istio.io/inject": "true"}
    assert controller["ingressClassResource"]["name"] == "nginx"
    change(production_spec, ("service_configuration", "networking", "service_mesh", "enabled"), False)
    controller = by_name(platform_of(production_spec))["ingress_controller"]["values"]["controller"]
    assert "podLabels" not in controller and "config" not in controller


def test_provided_addons_are_not_installed_and_names_follow_the_spec(production_spec):
    change(production_spec, ADDONS + ("log_backend",), {"mode": "provided"})
    change(production_spec, ADDONS + ("gpu_device_plugin",), {"mode": "provided"})
    change(production_spec, ADDONS + ("ingress_controller",), {"mode": "install", "name": "edge-controller"})
    found = by_name(platform_of(production_spec), {})
    assert list(found) == ["metrics_server", "ingress_controller", "log_collector", "trace_collector"]
    assert found["ingress_controller"]["release"] == "edge"


def test_an_ingress_controller_name_the_chart_cannot_give_is_refused(production_spec):
    change(production_spec, ADDONS + ("ingress_controller",), {"mode": "install", "name": "edge"})
    errors = run_preflight(production_spec)["errors"]
    assert [e["path"] for e in errors] == ["infrastructure.kubernetes.addons.ingress_controller.name"]


def test_opensearch_needs_its_admin_secret(production_spec):
    with pytest.raises(PlatformError, match="cluster_addons_opensearch_admin_secret"):
        releases(platform_of(production_spec), {})


def test_overrides_merge_like_helm_values(production_spec):
    found = by_name(platform_of(production_spec), dict(SECRET, values={"metrics_server": {"replicas": 3, "args": ["--v=2"]}}))
    values = found["metrics_server"]["values"]
    assert values["replicas"] == 3 and values["args"] == ["--v=2"] and values["nodeSelector"] == {"node-role": "core"}
    assert merge({"a": {"b": 1, "c": [1]}}, {"a": {"c": [2]}}) == {"a": {"b": 1, "c": [2]}}


def test_a_chart_directory_replaces_the_repository(production_spec):
    found = by_name(platform_of(production_spec), dict(SECRET, chart_dirs={"metrics_server": "/srv/charts/metrics-server"}))
    assert found["metrics_server"]["chart"]["ref"] == "/srv/charts/metrics-server"
    assert found["metrics_server"]["chart"]["repo"] is None
    assert found["metrics_server"]["chart"]["version"] == "3.13.0"
    assert found["trace_collector"]["chart"]["ref"] == "opentelemetry-collector"
    assert found["trace_collector"]["chart"]["repo"] == "https://open-telemetry.github.io/opentelemetry-helm-charts"


def test_the_installed_addons_get_namespaces_of_their_own_at_the_level_they_need(production_spec):
    from ansible_collections.mas.platform.plugins.module_utils.model.addon_charts import namespace_objects
    objects = namespace_objects(platform_of(production_spec))
    levels = dict((o["metadata"]["name"], o["metadata"]["labels"]["pod-security.kubernetes.io/enforce"]) for o in objects)
    # kube-system is the cluster's; Fluent Bit's hostPath and OpenSearch's sysctl need privileged.
    assert levels == {"ingress-nginx": "baseline", "logging": "privileged", "tracing": "baseline"}
    assert objects[0]["metadata"]["labels"]["app.kubernetes.io/part-of"] == "mas-platform"
    change(production_spec, ADDONS + ("log_collector",), {"mode": "provided"})
    levels = dict((o["metadata"]["name"], o["metadata"]["labels"]["pod-security.kubernetes.io/enforce"])
                  for o in namespace_objects(platform_of(production_spec)))
    assert levels["logging"] == "privileged"  # OpenSearch still needs it
    change(production_spec, ADDONS + ("log_backend",), {"mode": "provided"})
    assert "logging" not in [o["metadata"]["name"] for o in namespace_objects(platform_of(production_spec))]
