"""mas.platform.k8s_apply against the local cluster (make local-up): steps applied in order,
each gated on the one readiness rule in the same process; four ways (check reports the
change, apply, check reports none, apply reports none and moves no resourceVersion);
credentials generated once and kept, never returned; create-only fields left to their
new owner; pruning; and a step that cannot become ready fails naming why, with the next
step not applied."""

import base64
import json
import uuid

import pytest
from kubernetes.dynamic import DynamicClient
from services import KUBECONFIG, closed_port_url, connect_kube

from ansible_collections.mas.platform.plugins.modules import k8s_apply

LABELS = {"app.kubernetes.io/part-of": "mas-apply-test"}


@pytest.fixture
def api():
    return DynamicClient(connect_kube())


@pytest.fixture
def namespace(api):
    name = "apply-" + uuid.uuid4().hex[:8]
    yield name
    namespaces = api.resources.get(api_version="v1", kind="Namespace")
    try:
        namespaces.delete(name=name)
    except Exception:  # noqa: BLE001 - a test that failed before creating it
        pass


def namespace_object(name):
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name, "labels": dict(LABELS)}}


def deployment(namespace, name, replicas=2, node_selector=None, with_replicas=True):
    spec = {
        "selector": {"matchLabels": {"app": name}},
        "template": {"metadata": {"labels": {"app": name}}, "spec": {
            "containers": [{"name": "main", "image": "registry.invalid/%s:1" % name,
                            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"},
                                          "limits": {"cpu": "50m", "memory": "32Mi"}}}],
            "nodeSelector": node_selector or {"node-role": "worker"}}},
        "progressDeadlineSeconds": 600,
    }
    if with_replicas:
        spec["replicas"] = replicas
    return {"apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": name, "namespace": namespace, "labels": dict(LABELS)}, "spec": spec}


def config_map(namespace, name, value="1"):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": namespace,
                                                                  "labels": dict(LABELS)}, "data": {"value": value}}


def run(run_module, steps, check=False, **options):
    args = dict(kubeconfig=str(KUBECONFIG), steps=steps, wait_timeout=options.pop("wait_timeout", 120))
    args.update(options)
    return run_module(k8s_apply, args, check_mode=check, diff=True)


def resource_versions(api, namespace):
    found = {}
    for api_version, kind in (("apps/v1", "Deployment"), ("v1", "ConfigMap"), ("v1", "Secret")):
        for item in api.resources.get(api_version=api_version, kind=kind).get(namespace=namespace).items:
            found["%s/%s" % (kind, item.metadata.name)] = item.metadata.resourceVersion
    return found


def test_steps_four_ways_and_gated(run_module, api, namespace):
    steps = [
        {"name": "foundation", "definitions": [namespace_object(namespace), config_map(namespace, "settings")]},
        {"name": "brokers", "definitions": [deployment(namespace, "broker")], "report_pods": True},
        {"name": "agents", "definitions": [deployment(namespace, "agent", replicas=3)]},
    ]
    planned = run(run_module, steps, check=True)
    assert planned["changed"] and len(planned["changed_objects"]) == 4
    assert api.resources.get(api_version="v1", kind="Namespace").get(label_selector="app.kubernetes.io/part-of="
                                                                      "mas-apply-test,kubernetes.io/metadata.name="
                                                                      + namespace).items == []

    applied = run(run_module, steps)
    assert applied["changed"] and [s["name"] for s in applied["steps"]] == ["foundation", "brokers", "agents"]
    brokers = applied["steps"][1]
    assert brokers["readiness"] == {"Deployment/%s/broker" % namespace: {"state": "ready", "reason": "2/2 available"}}
    assert len(brokers["pods"]["Deployment/%s/broker" % namespace]) == 2
    assert all(p["ready"] and p["node"] for p in brokers["pods"]["Deployment/%s/broker" % namespace])
    live = applied["steps"][2]["workloads"][0]
    assert live["status"]["availableReplicas"] == 3 and "managedFields" not in live["metadata"]

    versions = resource_versions(api, namespace)
    again_check = run(run_module, steps, check=True)
    assert not again_check["changed"], again_check["changed_objects"]
    again = run(run_module, steps)
    assert not again["changed"], again["changed_objects"]
    assert all(s["waited"] == 0 for s in again["steps"])  # ready already: nothing polled
    assert resource_versions(api, namespace) == versions


def test_a_step_that_cannot_become_ready_fails_and_stops(run_module, api, namespace, module_failure):
    steps = [
        {"name": "foundation", "definitions": [namespace_object(namespace)]},
        {"name": "stuck", "definitions": [deployment(namespace, "stuck", replicas=1, node_selector={"node-role": "nowhere"})]},
        {"name": "after", "definitions": [config_map(namespace, "after")]},
    ]
    failure = module_failure(k8s_apply, dict(kubeconfig=str(KUBECONFIG), steps=steps, wait_timeout=8))
    assert failure["msg"].startswith("step stuck: not ready after 8s: Deployment/%s/stuck" % namespace)
    # What the scheduler says about the pod that cannot be placed.
    assert "node affinity/selector" in failure["msg"] or "didn't match" in failure["msg"], failure["msg"]
    assert [s["name"] for s in failure["steps"]] == ["foundation"]
    names = [c.metadata.name for c in api.resources.get(api_version="v1", kind="ConfigMap").get(namespace=namespace).items]
    assert "after" not in names


def test_an_existing_only_step_labels_what_exists_and_never_makes_a_bare_object(run_module, api, namespace,
                                                                                module_failure):
    # The service mesh's injection label: applied by a field manager of its own to the
    # namespaces another step makes.
    label = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": {"mesh": "on"}}}
    steps = [{"name": "mesh labels", "field_manager": "mas-apply-test-mesh", "existing_only": True,
              "definitions": [label]}]
    failure = module_failure(k8s_apply, dict(kubeconfig=str(KUBECONFIG), steps=steps))
    assert failure["msg"] == ("step mesh labels: this step changes existing objects only, and Namespace/%s does not "
                              "exist: the role or step that makes it runs first" % namespace)
    assert api.resources.get(api_version="v1", kind="Namespace").get(
        field_selector="metadata.name=" + namespace).items == []
    # In check mode an earlier step of the run may make it: reported as a change.
    assert run(run_module, steps, check=True)["changed"]

    run(run_module, [{"name": "foundation", "definitions": [namespace_object(namespace)]}])
    applied = run(run_module, steps)
    assert applied["changed"]
    labels = api.resources.get(api_version="v1", kind="Namespace").get(name=namespace).metadata.labels
    assert labels["mesh"] == "on" and labels["app.kubernetes.io/part-of"] == "mas-apply-test"


def test_credentials_generated_once_kept_and_never_returned(run_module, api, namespace):
    keys = {"username": {"kind": "value", "value": "admin"}, "password": {"kind": "password", "length": 24},
            "token": {"kind": "uuid"}}
    config = {"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
              "metadata": {"name": "svc-secret-config", "namespace": namespace, "labels": dict(LABELS)},
              "stringData": {"auth.conf": "user ((mas-credential:svc-credentials/username))\n"
                                          "pass ((mas-credential:svc-credentials/password))\n"}}
    steps = [{"name": "foundation", "definitions": [namespace_object(namespace)]},
             {"name": "svc", "definitions": [config], "credentials": [
                 {"name": "svc-credentials", "namespace": namespace, "labels": dict(LABELS), "keys": keys}]}]
    planned = run(run_module, steps, check=True)
    assert "Secret/%s/svc-credentials" % namespace in planned["changed_objects"]
    first = run(run_module, steps)
    secrets = api.resources.get(api_version="v1", kind="Secret")
    stored = dict((k, base64.b64decode(v).decode()) for k, v in secrets.get(name="svc-credentials", namespace=namespace).data.items())
    assert stored["username"] == "admin" and len(stored["password"]) == 24 and len(stored["token"]) == 36
    rendered = base64.b64decode(secrets.get(name="svc-secret-config", namespace=namespace).data["auth.conf"]).decode()
    assert rendered == "user admin\npass %s\n" % stored["password"]
    for value in (stored["password"], stored["token"], base64.b64encode(stored["password"].encode()).decode()):
        assert value not in json.dumps(first)
    # A second run keeps the values and writes nothing.
    again = run(run_module, steps)
    assert not again["changed"], again["changed_objects"]
    kept = dict((k, base64.b64decode(v).decode()) for k, v in secrets.get(name="svc-credentials", namespace=namespace).data.items())
    assert kept == stored
    # A key added later is generated; the others stay.
    keys["cookie"] = {"length": 16}
    run(run_module, steps)
    grown = dict((k, base64.b64decode(v).decode()) for k, v in secrets.get(name="svc-credentials", namespace=namespace).data.items())
    assert grown["password"] == stored["password"] and len(grown["cookie"]) == 16


def test_create_only_fields_are_left_to_their_owner(run_module, api, namespace):
    autoscaled = deployment(namespace, "executor", with_replicas=False)
    initial = deployment(namespace, "executor", replicas=2)
    steps = [{"name": "foundation", "definitions": [namespace_object(namespace)]},
             {"name": "agents", "create_only": [initial], "definitions": [autoscaled]}]
    run(run_module, steps)
    deployments = api.resources.get(api_version="apps/v1", kind="Deployment")
    assert deployments.get(name="executor", namespace=namespace).spec.replicas == 2
    # The autoscaler takes the replicas over; the next run leaves them.
    deployments.patch(name="executor", namespace=namespace, body={"spec": {"replicas": 4}},
                      content_type="application/merge-patch+json")
    again = run(run_module, steps, wait=False)
    assert not again["changed"], again["changed_objects"]
    assert deployments.get(name="executor", namespace=namespace).spec.replicas == 4


def test_prune_removes_what_the_step_no_longer_renders(run_module, api, namespace):
    stale = config_map(namespace, "stale")
    stale["metadata"]["labels"]["component"] = "pruned"
    kept = config_map(namespace, "kept")
    kept["metadata"]["labels"]["component"] = "pruned"
    run(run_module, [{"name": "setup", "definitions": [namespace_object(namespace), stale, kept]}])
    steps = [{"name": "pruning", "definitions": [kept], "prune": [
        {"kind": "ConfigMap", "namespace": namespace, "label_selectors": ["component=pruned"]}]}]
    planned = run(run_module, steps, check=True)
    assert planned["changed_objects"] == ["ConfigMap/%s/stale" % namespace]
    assert [c.metadata.name for c in api.resources.get(api_version="v1", kind="ConfigMap").get(
        namespace=namespace, label_selector="component=pruned").items] == ["kept", "stale"]
    pruned = run(run_module, steps)
    assert pruned["changed_objects"] == ["ConfigMap/%s/stale" % namespace]
    assert not run(run_module, steps)["changed"]


def test_bad_input_names_what_is_wrong(module_failure, namespace):
    no_name = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"namespace": namespace}}
    failure = module_failure(k8s_apply, dict(kubeconfig=str(KUBECONFIG), steps=[{"name": "bad", "definitions": [no_name]}]))
    assert failure["msg"].startswith("step bad: each definition needs apiVersion, kind and metadata.name")
    unknown = {"apiVersion": "example.invalid/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": namespace}}
    failure = module_failure(k8s_apply, dict(kubeconfig=str(KUBECONFIG), definitions=[unknown]))
    assert "the API server has no kind Widget in example.invalid/v1" in failure["msg"]
    failure = module_failure(k8s_apply, dict(kubeconfig=str(KUBECONFIG)))
    assert failure["msg"] == "give either definitions or steps"


def test_an_unreachable_api_server_is_named(module_failure):
    url = closed_port_url("https")
    failure = module_failure(k8s_apply, dict(host=url, validate_certs=False, definitions=[config_map("default", "x")]))
    assert url in failure["msg"]
