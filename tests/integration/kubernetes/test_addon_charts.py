"""The add-ons' Helm charts rendered with the values the platform derives, applied to the
local cluster (make local-up): the charts whose sources can be had here (tools/helm
fetches them at the versions the collection pins). kwok runs their pods on the simulated
nodes, so what this proves is the placement and the objects: the device plugin lands on
every GPU node and only there, metrics-server on the core nodes with its disruption
budget, and every object the chart renders is accepted by the API server. What their
processes do is not tested here (docs/addons.md)."""

import json
import pathlib
import subprocess
import uuid

import pytest
import yaml
from kubernetes.dynamic import DynamicClient
from services import KUBECONFIG, connect_kube

from ansible_collections.mas.platform.plugins.module_utils.model.addon_charts import CHARTS, releases
from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight
from ansible_collections.mas.platform.plugins.module_utils.spec.validate import SECTIONS
from ansible_collections.mas.platform.plugins.modules import k8s_apply

REPO = pathlib.Path(__file__).resolve().parents[3]
SUFFIX = uuid.uuid4().hex[:6]


def local_spec():
    folder = REPO / "inventories" / "local" / "group_vars" / "all"
    spec = {}
    for key in SECTIONS:
        spec.update(yaml.safe_load((folder / ("%s.yml" % key)).read_text()))
    return spec


@pytest.fixture(scope="module")
def platform():
    spec = local_spec()
    spec["infrastructure"]["kubernetes"]["addons"]["gpu_device_plugin"] = {"mode": "install"}
    report = run_preflight(spec)
    assert report["errors"] == []
    return report["platform"]


def release_of(platform, name, namespace):
    release = [r for r in releases(platform, {"opensearch_admin_secret": "unused"}) if r["name"] == name][0]
    release["values"]["fullnameOverride"] = "%s-%s" % (release["release"], SUFFIX)
    release["release"] = release["values"]["fullnameOverride"]
    release["namespace"] = namespace
    return release


def render(helm, release, workdir):
    binary, charts = helm
    chart = charts / ("%s-%s" % (release["chart"]["name"], release["chart"]["version"]))
    values = workdir / ("%s.json" % release["name"])
    values.write_text(json.dumps(release["values"]))
    # --validate: with the cluster's API versions, as an install renders (the chart picks
    # policy/v1 for its PodDisruptionBudget only where the cluster serves it).
    done = subprocess.run([str(binary), "template", release["release"], str(chart), "--namespace", release["namespace"],
                           "--values", str(values), "--validate", "--kubeconfig", str(KUBECONFIG)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    return [obj for obj in yaml.safe_load_all(done.stdout) if obj]


@pytest.fixture
def cleanup():
    client = DynamicClient(connect_kube())
    created = []
    yield created
    for obj in reversed(created):
        resource = client.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        meta = obj["metadata"]
        try:
            resource.delete(name=meta["name"], namespace=meta.get("namespace") if resource.namespaced else None)
        except Exception:  # pylint: disable=broad-except
            pass


def apply(run_module, objects, cleanup):
    cleanup.extend(objects)
    return run_module(k8s_apply, dict(kubeconfig=str(KUBECONFIG), field_manager="addon-charts-test",
                                      steps=[{"name": "chart", "definitions": objects}], wait_timeout=120))


def pods_of(client, namespace, release):
    pods = client.resources.get(api_version="v1", kind="Pod").get(
        namespace=namespace, label_selector="app.kubernetes.io/instance=%s" % release).to_dict()["items"]
    nodes = dict((n["metadata"]["name"], n["metadata"]["labels"]) for n in
                 client.resources.get(api_version="v1", kind="Node").get().to_dict()["items"])
    return [nodes[p["spec"]["nodeName"]] for p in pods if p["spec"].get("nodeName")]


def test_the_pinned_versions_are_the_ones_rendered_here():
    lines = (REPO / "tools" / "helm" / "charts.txt").read_text().splitlines()
    sources = [line for line in lines if line.strip() and not line.startswith("#")]
    assert len(sources) == 2
    for line in sources:
        chart, version = line.split()[:2]
        pinned = [c for c in CHARTS.values() if c["name"] == chart]
        assert pinned and pinned[0]["version"] == version, (chart, version)


def test_the_device_plugin_runs_on_every_gpu_node_and_only_there(helm, platform, run_module, cleanup, tmp_path):
    # Its priority class (system-node-critical) is admitted in kube-system only.
    release = release_of(platform, "gpu_device_plugin", "kube-system")
    objects = render(helm, release, tmp_path)
    # The plugin's DaemonSet, and MPS's, which selects only nodes labelled for MPS.
    assert sorted((o["kind"], o["metadata"]["name"]) for o in objects if o["kind"] == "DaemonSet") == [
        ("DaemonSet", release["release"]), ("DaemonSet", release["release"] + "-mps-control-daemon")]
    apply(run_module, objects, cleanup)
    client = DynamicClient(connect_kube())
    placed = pods_of(client, "kube-system", release["release"])
    gpu_nodes = client.resources.get(api_version="v1", kind="Node").get(label_selector="node-role=gpu").items
    assert gpu_nodes
    assert len(placed) == len(gpu_nodes)
    assert set(labels["node-role"] for labels in placed) == {"gpu"}


def test_metrics_server_runs_on_the_core_nodes_with_its_budget(helm, platform, run_module, cleanup, tmp_path):
    namespace = "addon-charts-" + SUFFIX
    release = release_of(platform, "metrics_server", namespace)
    objects = render(helm, release, tmp_path)
    api_service = [o for o in objects if o["kind"] == "APIService"]
    # What the live check reads: the resource metrics API, served by this release's Service on 443.
    assert api_service[0]["metadata"]["name"] == "v1beta1.metrics.k8s.io"
    assert api_service[0]["spec"]["service"] == {"name": release["release"], "namespace": namespace, "port": 443}
    # Registering it would send the API server's discovery to a process that kwok does not run.
    objects = [o for o in objects if o["kind"] != "APIService"]
    namespace_object = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace}}
    apply(run_module, [namespace_object] + objects, cleanup)
    client = DynamicClient(connect_kube())
    placed = pods_of(client, namespace, release["release"])
    assert len(placed) == 2 and set(labels["node-role"] for labels in placed) == {"core"}
    budget = client.resources.get(api_version="policy/v1", kind="PodDisruptionBudget").get(
        namespace=namespace, name=release["release"]).to_dict()
    assert budget["spec"]["minAvailable"] == 1
