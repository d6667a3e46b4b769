"""The live check of the cluster add-ons decided from the objects read (k8s/addons.py
evaluate), with objects shaped as the API server returns them."""

import copy

import pytest

from ansible_collections.mas.platform.plugins.module_utils.k8s.addons import evaluate, queries
from ansible_collections.mas.platform.plugins.module_utils.model.addons import compile_addons


@pytest.fixture
def addons(production_spec):
    return compile_addons(production_spec)


def ready_deployment(namespace, name):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"namespace": namespace, "name": name, "generation": 1},
            "spec": {"replicas": 1},
            "status": {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": 1,
                       "availableReplicas": 1}}


def gpu_node(name, gpus):
    return {"kind": "Node", "metadata": {"name": name, "labels": {"node-role": "gpu"}},
            "status": {"allocatable": {"cpu": "47", "nvidia.com/gpu": str(gpus)} if gpus is not None else {"cpu": "47"}}}


def api_service(available):
    return {"kind": "APIService", "metadata": {"name": "v1beta1.metrics.k8s.io"},
            "status": {"conditions": [{"type": "Available", "status": "True" if available else "False",
                                       "reason": "Passed" if available else "FailedDiscoveryCheck",
                                       "message": "" if available else "failing or missing response from https://10.0.0.9"}]}}


def service(port):
    return {"kind": "Service", "metadata": {"namespace": "tracing", "name": "otel-collector"},
            "spec": {"ports": [{"name": "otlp-grpc", "port": port}]}}


def slice_(*ready):
    return {"kind": "EndpointSlice", "endpoints": [{"addresses": ["10.1.0.%d" % i], "conditions": {"ready": r}}
                                                   for i, r in enumerate(ready)]}


def test_a_gpu_node_that_advertises_no_gpu_is_missing_and_says_what_stays_pending(addons):
    addon = dict(addons["gpu_device_plugin"], mode="provided", workload=None)
    found = {"nodes:gpu": [gpu_node("gpu-0", 4), gpu_node("gpu-1", None), gpu_node("gpu-2", 2)]}
    result = evaluate(addon, found)
    assert result["status"] == "missing"
    assert result["problems"] == ["node gpu-1 of group gpu advertises 0 of its 4 nvidia.com/gpu",
                                  "node gpu-2 of group gpu advertises 2 of its 4 nvidia.com/gpu"]
    assert "learning_agent (requests nvidia.com/gpu) would stay Pending" in result["message"]
    found = {"nodes:gpu": [gpu_node("gpu-%d" % i, 4) for i in range(4)]}
    assert evaluate(addon, found)["status"] == "present"


def test_no_gpu_node_joined_is_missing(addons):
    addon = dict(addons["gpu_device_plugin"], mode="provided", workload=None)
    assert evaluate(addon, {"nodes:gpu": []})["problems"] == ["no node of group gpu (node-role=gpu) has joined"]


def test_metrics_api_unavailable_or_absent(addons):
    addon = dict(addons["metrics_server"], workload=None)
    assert evaluate(addon, {"api_service": [api_service(True)]})["status"] == "present"
    result = evaluate(addon, {"api_service": [api_service(False)]})
    assert result["status"] == "missing"
    assert "FailedDiscoveryCheck" in result["problems"][0]
    assert "the HPA of task_executor (on cpu) would never scale" in result["message"]
    assert evaluate(addon, {"api_service": []})["problems"] == ["APIService v1beta1.metrics.k8s.io does not exist"]


def test_ingress_class_and_controller(addons):
    addon = addons["ingress_controller"]
    result = evaluate(addon, {"workload": [], "ingress_class": []})
    assert result["problems"] == ["Deployment ingress-nginx/ingress-nginx-controller does not exist",
                                  "IngressClass nginx does not exist"]
    assert result["message"].endswith("without it, the Ingress of coordinator_agent would serve nothing")
    unready = ready_deployment("ingress-nginx", "ingress-nginx-controller")
    unready["status"].update(readyReplicas=0, availableReplicas=0)
    result = evaluate(addon, {"workload": [unready], "ingress_class": [{"kind": "IngressClass"}]})
    assert result["status"] == "missing" and len(result["problems"]) == 1
    assert result["problems"][0].startswith("Deployment ingress-nginx/ingress-nginx-controller ")
    ready = {"workload": [ready_deployment("ingress-nginx", "ingress-nginx-controller")],
             "ingress_class": [{"kind": "IngressClass"}]}
    assert evaluate(addon, ready)["status"] == "present"


@pytest.mark.parametrize("objects,problem", [
    ({"service": [], "endpoint_slices": []}, "Service tracing/otel-collector does not exist"),
    ({"service": [service(4318)], "endpoint_slices": [slice_(True)]},
     "Service tracing/otel-collector publishes no port 4317 (it has 4318)"),
    ({"service": [service(4317)], "endpoint_slices": []}, "Service tracing/otel-collector has no ready endpoint"),
    ({"service": [service(4317)], "endpoint_slices": [slice_(False, False)]},
     "Service tracing/otel-collector has no ready endpoint"),
    ({"service": [service(4317)], "endpoint_slices": [slice_(False, True)]}, None),
])
def test_the_collector_service_answers_only_with_a_ready_endpoint(addons, objects, problem):
    addon = dict(addons["trace_collector"], mode="provided", workload=None)
    result = evaluate(addon, objects)
    assert result["problems"] == ([problem] if problem else [])
    assert result["status"] == ("missing" if problem else "present")


def test_an_endpoint_outside_the_cluster_is_not_verified(production_spec):
    production_spec["service_configuration"]["monitoring"]["logging"]["backend"]["endpoint"] = "https://logs.example.com"
    production_spec["infrastructure"]["kubernetes"]["addons"]["log_backend"] = {"mode": "provided"}
    addon = compile_addons(production_spec)["log_backend"]
    assert [key for key, _query in queries(addon)] == []
    assert evaluate(addon, {})["status"] == "not_verified"


def test_not_installed_and_none_are_not_read(addons):
    assert evaluate(addons["metrics_server"], {}, installed=False)["status"] == "not_verified"
    none = dict(copy.deepcopy(addons["metrics_server"]), mode="none")
    assert evaluate(none, {})["status"] == "none"


def test_queries_read_what_evaluate_decides_on(addons):
    keys = dict((name, [key for key, _query in queries(addon)]) for name, addon in addons.items())
    assert keys == {
        "gpu_device_plugin": ["workload", "nodes:gpu"],
        "metrics_server": ["workload", "api_service"],
        "ingress_controller": ["workload", "ingress_class"],
        "log_collector": ["workload"],
        "log_backend": ["workload", "service", "endpoint_slices"],
        "trace_collector": ["workload", "service", "endpoint_slices"],
    }
    assert dict(queries(addons["gpu_device_plugin"]))["nodes:gpu"]["label_selectors"] == ["node-role=gpu"]


def test_a_plan_does_not_fail_on_what_the_deploy_installs(addons):
    missing = {"workload": [], "api_service": []}
    assert evaluate(addons["metrics_server"], missing, plan=True)["status"] == "not_verified"
    provided = dict(addons["metrics_server"], mode="provided", workload=None)
    assert evaluate(provided, missing, plan=True)["status"] == "missing"
