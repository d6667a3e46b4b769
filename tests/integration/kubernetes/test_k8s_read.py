"""mas.platform.k8s_read against the local cluster (make local-up): several kinds in one
call, in the order asked, with names, selectors and cluster-wide kinds; bad queries and
an unreachable API server give one message naming the query or the endpoint."""

import base64
import uuid

import pytest
from kubernetes.dynamic import DynamicClient
from services import KUBECONFIG, closed_port_url, connect_kube

from ansible_collections.mas.platform.plugins.modules import k8s_read


SECRET = "s3cr3t-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
def namespace():
    """A namespace of this module's own with two labelled ConfigMaps and one other."""
    client = DynamicClient(connect_kube())
    name = "read-" + uuid.uuid4().hex[:8]
    namespaces = client.resources.get(api_version="v1", kind="Namespace")
    configmaps = client.resources.get(api_version="v1", kind="ConfigMap")
    namespaces.create(body={"metadata": {"name": name}})
    for cm, tier in (("alpha", "a"), ("beta", "a"), ("gamma", "b")):
        configmaps.create(namespace=name, body={"metadata": {"name": cm, "labels": {"tier": tier}},
                                                "data": {"value": cm}})
    secrets = client.resources.get(api_version="v1", kind="Secret")
    secrets.create(namespace=name, body={
        "metadata": {"name": "token", "annotations": {
            "kubectl.kubernetes.io/last-applied-configuration": '{"stringData":{"token":"%s"}}' % SECRET}},
        "stringData": {"token": SECRET}})
    yield name
    namespaces.delete(name=name)


def test_reads_each_query_in_order(run_module, namespace):
    result = run_module(k8s_read, dict(kubeconfig=str(KUBECONFIG), queries=[
        dict(kind="ConfigMap", namespace=namespace, label_selectors=["tier=a"]),
        dict(kind="ConfigMap", namespace=namespace, name="gamma"),
        dict(kind="ConfigMap", namespace=namespace, name="missing"),
        dict(kind="Namespace", name=namespace),
        dict(kind="Node", label_selectors=["node-role=gpu"]),
    ]))
    assert result["changed"] is False
    names = [[r["metadata"]["name"] for r in q["resources"]] for q in result["results"]]
    assert sorted(names[0]) == ["alpha", "beta"]
    assert names[1] == ["gamma"]
    assert names[2] == []  # a missing name is no error
    assert names[3] == [namespace]
    gpu_nodes = DynamicClient(connect_kube()).resources.get(api_version="v1", kind="Node").get(label_selector="node-role=gpu").items
    assert sorted(names[4]) == sorted(n.metadata.name for n in gpu_nodes) and names[4]
    # Listed items carry their kind, as k8s_info's do.
    assert {r["kind"] for r in result["results"][0]["resources"]} == {"ConfigMap"}
    assert result["results"][1]["resources"][0]["data"] == {"value": "gamma"}


def test_metadata_only(run_module, namespace):
    result = run_module(k8s_read, dict(kubeconfig=str(KUBECONFIG), queries=[
        dict(kind="ConfigMap", namespace=namespace, name="alpha", metadata_only=True),
        dict(kind="ConfigMap", namespace=namespace, name="alpha"),
    ]))
    short, full = result["results"][0]["resources"][0], result["results"][1]["resources"][0]
    assert set(short) == {"apiVersion", "kind", "metadata"}
    assert short["metadata"]["labels"] == {"tier": "a"} and "managedFields" not in short["metadata"]
    assert full["data"] == {"value": "alpha"}


def test_secret_values_never_returned(run_module, namespace):
    result = run_module(k8s_read, dict(kubeconfig=str(KUBECONFIG), queries=[
        dict(kind="Secret", namespace=namespace, name="token"),
        dict(kind="Secret", namespace=namespace),
    ]))
    named, listed = result["results"][0]["resources"], result["results"][1]["resources"]
    assert named[0]["data"] == {"token": "VALUE_HIDDEN"}
    assert {"token": "VALUE_HIDDEN"} in [s.get("data") for s in listed]
    assert SECRET not in repr(result)
    assert base64.b64encode(SECRET.encode()).decode() not in repr(result)


def test_field_selectors_and_check_mode(run_module, namespace):
    result = run_module(k8s_read, dict(kubeconfig=str(KUBECONFIG), queries=[
        dict(kind="ConfigMap", namespace=namespace, field_selectors=["metadata.name=beta"]),
    ]), check_mode=True)
    assert [r["metadata"]["name"] for r in result["results"][0]["resources"]] == ["beta"]


def test_unknown_kind_names_the_query(module_failure, namespace):
    failure = module_failure(k8s_read, dict(kubeconfig=str(KUBECONFIG), queries=[
        dict(kind="ConfigMap", namespace=namespace),
        dict(api_version="example.com/v1", kind="Widget", namespace=namespace),
    ]))
    assert "queries[1]" in failure["msg"] and "Widget" in failure["msg"]
    assert "Traceback" not in failure["msg"]


def test_bad_selector_names_the_query(module_failure, namespace):
    failure = module_failure(k8s_read, dict(kubeconfig=str(KUBECONFIG), queries=[
        dict(kind="ConfigMap", namespace=namespace, label_selectors=["tier in in a"]),
    ]))
    assert "queries[0]" in failure["msg"]


def test_unreachable_api_names_the_endpoint(module_failure):
    url = closed_port_url()
    failure = module_failure(k8s_read, dict(host=url, queries=[dict(kind="Namespace")]))
    assert url.split("//")[1] in failure["msg"]
    assert "Traceback" not in failure["msg"]


def test_missing_kind_key_is_named(module_failure):
    failure = module_failure(k8s_read, dict(kubeconfig=str(KUBECONFIG), queries=[dict(namespace="x")]))
    assert "kind" in failure["msg"]
