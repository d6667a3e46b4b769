"""mas.platform.addon_check against the local cluster (make local-up): each add-on proven
present from real objects (a Deployment whose pods kwok runs, a Service whose
EndpointSlices the controller manager fills, an IngressClass, the nodes of the GPU group,
an APIService), and missing ones named with what relies on them."""

import time
import uuid

import pytest
from kubernetes.dynamic import DynamicClient
from services import KUBECONFIG, closed_port_url, connect_kube

from ansible_collections.mas.platform.plugins.modules import addon_check

SUFFIX = uuid.uuid4().hex[:8]
NAMESPACE = "addons-" + SUFFIX
CLASS = "addons-" + SUFFIX
# Served by the API server itself: Available without any add-on.
LOCAL_API_SERVICE = "v1.apps"
# Served by a Service of NAMESPACE that no process answers: never Available.
DEAD_API_SERVICE = "v1beta1.addons-%s.mas.test" % SUFFIX


def _resource(client, api_version, kind):
    return client.resources.get(api_version=api_version, kind=kind)


@pytest.fixture(scope="module")
def cluster():
    """A namespace with a ready Deployment "collector" behind a Service on port 4317, an
    IngressClass, and an APIService whose Service does not answer."""
    client = DynamicClient(connect_kube())
    _resource(client, "v1", "Namespace").create(body={"metadata": {"name": NAMESPACE}})
    labels = {"app": "collector"}
    _resource(client, "apps/v1", "Deployment").create(namespace=NAMESPACE, body={
        "metadata": {"name": "collector"},
        "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                 "template": {"metadata": {"labels": labels},
                              "spec": {"containers": [{"name": "collector", "image": "otel/collector:0"}]}}}})
    _resource(client, "v1", "Service").create(namespace=NAMESPACE, body={
        "metadata": {"name": "collector"},
        "spec": {"selector": labels, "ports": [{"name": "otlp-grpc", "port": 4317}]}})
    _resource(client, "networking.k8s.io/v1", "IngressClass").create(body={
        "metadata": {"name": CLASS}, "spec": {"controller": "k8s.io/ingress-nginx"}})
    _resource(client, "apiregistration.k8s.io/v1", "APIService").create(body={
        "metadata": {"name": DEAD_API_SERVICE},
        "spec": {"group": "addons-%s.mas.test" % SUFFIX, "version": "v1beta1", "groupPriorityMinimum": 100,
                 "versionPriority": 100, "insecureSkipTLSVerify": True,
                 "service": {"namespace": NAMESPACE, "name": "collector", "port": 4317}}})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        slices = _resource(client, "discovery.k8s.io/v1", "EndpointSlice").get(
            namespace=NAMESPACE, label_selector="kubernetes.io/service-name=collector").to_dict()["items"]
        deployment = _resource(client, "apps/v1", "Deployment").get(namespace=NAMESPACE, name="collector").to_dict()
        if any(e.get("conditions", {}).get("ready") for s in slices for e in s.get("endpoints") or []) \
                and (deployment.get("status") or {}).get("availableReplicas") == 1:
            break
        time.sleep(0.5)
    else:
        pytest.fail("the collector Deployment of %s did not become ready with an endpoint in 60 s" % NAMESPACE)
    yield client
    _resource(client, "apiregistration.k8s.io/v1", "APIService").delete(name=DEAD_API_SERVICE)
    _resource(client, "networking.k8s.io/v1", "IngressClass").delete(name=CLASS)
    _resource(client, "v1", "Namespace").delete(name=NAMESPACE)


def _addon(name, mode="provided", workload=None, evidence=None, needed_by=()):
    return {"name": name, "title": name, "mode": mode, "workload": workload, "evidence": evidence or {},
            "needed_by": [{"path": "x", "what": what} for what in needed_by]}


def _workload(kind, name, namespace=NAMESPACE):
    return {"api_version": "apps/v1", "kind": kind, "namespace": namespace, "name": name}


def _service(name="collector", port=4317):
    return {"endpoint": "http://%s.%s.svc:%d" % (name, NAMESPACE, port),
            "service": {"namespace": NAMESPACE, "name": name, "port": port}}


GPU_GROUP = {"name": "gpu", "role": "gpu", "gpus": 4, "count": 2}


def present_addons():
    return {
        "gpu_device_plugin": _addon("gpu_device_plugin", evidence={"node_groups": [GPU_GROUP]}),
        "metrics_server": _addon("metrics_server", evidence={"api_service": LOCAL_API_SERVICE}),
        "ingress_controller": _addon("ingress_controller", workload=_workload("Deployment", "collector"),
                                     evidence={"ingress_class": CLASS}),
        "log_collector": _addon("log_collector", mode="none"),
        "log_backend": _addon("log_backend", mode="install", workload=_workload("Deployment", "collector"),
                              evidence=_service()),
        "trace_collector": _addon("trace_collector", evidence=_service()),
    }


def test_present_addons_pass(run_module, cluster):
    result = run_module(addon_check, dict(kubeconfig=str(KUBECONFIG), addons=present_addons()))
    assert result["changed"] is False
    assert dict((r["name"], r["status"]) for r in result["addons"]) == {
        "gpu_device_plugin": "present", "metrics_server": "present", "ingress_controller": "present",
        "log_collector": "none", "log_backend": "present", "trace_collector": "present"}


def test_missing_addons_fail_naming_what_relies_on_them(module_failure, cluster):
    addons = {
        # The worker nodes have no GPU: as if the device plugin did not run on them.
        "gpu_device_plugin": _addon("gpu_device_plugin", evidence={"node_groups": [dict(GPU_GROUP, name="worker", role="worker")]},
                                    needed_by=["learning_agent (requests nvidia.com/gpu)"]),
        "metrics_server": _addon("metrics_server", evidence={"api_service": DEAD_API_SERVICE},
                                 needed_by=["the HPA of task_executor (on cpu)"]),
        "ingress_controller": _addon("ingress_controller", mode="install",
                                     workload=_workload("Deployment", "ingress-nginx-controller"),
                                     evidence={"ingress_class": "nginx-" + SUFFIX},
                                     needed_by=["the Ingress of coordinator_agent"]),
        "trace_collector": _addon("trace_collector", evidence=_service(port=4318), needed_by=["every agent's traces"]),
        "log_backend": _addon("log_backend", evidence=_service(name="opensearch", port=9200)),
    }
    failure = module_failure(addon_check, dict(kubeconfig=str(KUBECONFIG), addons=addons))
    message = failure["msg"]
    assert message.startswith("cluster add-ons missing: ")
    assert "gpu_device_plugin (provided): node worker-0 of group worker advertises 0 of its 4 nvidia.com/gpu" in message
    assert "learning_agent (requests nvidia.com/gpu) would stay Pending" in message
    assert "metrics_server (provided): APIService %s " % DEAD_API_SERVICE in message
    assert ("ingress_controller (install): Deployment %s/ingress-nginx-controller does not exist; IngressClass nginx-%s "
            "does not exist; without it, the Ingress of coordinator_agent would serve nothing" % (NAMESPACE, SUFFIX)) in message
    assert "Service %s/collector publishes no port 4318 (it has 4317)" % NAMESPACE in message
    assert "Service %s/opensearch does not exist" % NAMESPACE in message
    assert dict((r["name"], r["status"]) for r in failure["addons"]) == dict.fromkeys(addons, "missing")


def test_a_plan_reports_what_the_deploy_would_install(run_module, cluster):
    addons = present_addons()
    addons["log_backend"]["workload"] = _workload("StatefulSet", "opensearch")
    result = run_module(addon_check, dict(kubeconfig=str(KUBECONFIG), addons=addons), check_mode=True)
    statuses = dict((r["name"], r["status"]) for r in result["addons"])
    assert statuses["log_backend"] == "not_verified" and statuses["trace_collector"] == "present"
    # The same in a run: the add-on the deploy installs is missing.
    failure_result = run_module(addon_check, dict(kubeconfig=str(KUBECONFIG), addons=addons, check_installed=False))
    assert dict((r["name"], r["status"]) for r in failure_result["addons"])["log_backend"] == "not_verified"


def test_bad_input_and_unreachable_api(module_failure):
    failure = module_failure(addon_check, dict(kubeconfig=str(KUBECONFIG), addons={"metrics_server": {"mode": "install"}}))
    assert failure["msg"].startswith("addons.metrics_server: expected a compiled add-on with keys name, mode, evidence")
    url = closed_port_url()
    failure = module_failure(addon_check, dict(host=url, addons=present_addons()))
    assert url.split("//")[1] in failure["msg"]
    assert "Traceback" not in failure["msg"]
