"""The role mas.platform.cluster_addons installing an add-on with kubernetes.core.helm on
the local cluster, as it does in production: the NVIDIA device plugin from its pinned
chart (a directory, as on a control node that reaches no chart repository), through the
deploy playbook. A second run and a plan change nothing."""

import os
import pathlib
import subprocess

import pytest
import yaml
from kubernetes.dynamic import DynamicClient
from playbook_run import run_playbook
from services import KUBECONFIG, connect_kube

from ansible_collections.mas.platform.plugins.module_utils.model.addon_charts import CHARTS
from ansible_collections.mas.platform.plugins.module_utils.spec.addons import CATALOGUE

REPO = pathlib.Path(__file__).resolve().parents[3]

RELEASE = CATALOGUE["gpu_device_plugin"]["name"]
NAMESPACE = CATALOGUE["gpu_device_plugin"]["namespace"]


@pytest.fixture
def installing(helm):
    """The extra variables and environment of a deploy that installs the device plugin only
    (the other add-ons provided, so that nothing else is installed), and its cleanup."""
    binary, charts = helm
    path = REPO / "inventories" / "local" / "group_vars" / "all" / "infrastructure.yml"
    infrastructure = yaml.safe_load(path.read_text())["infrastructure"]
    infrastructure["kubernetes"]["addons"] = dict((name, {"mode": "provided"}) for name in CATALOGUE)
    infrastructure["kubernetes"]["addons"]["gpu_device_plugin"] = {"mode": "install"}
    chart = charts / ("%s-%s" % (CHARTS["gpu_device_plugin"]["name"], CHARTS["gpu_device_plugin"]["version"]))
    extra_vars = {"infrastructure": infrastructure, "cluster_addons_install": True,
                  "cluster_addons_chart_dirs": {"gpu_device_plugin": str(chart)}}
    env = {"PATH": "%s:%s:%s" % (binary.parent, REPO / ".venv" / "bin", os.environ.get("PATH", "")),
           "K8S_AUTH_KUBECONFIG": str(KUBECONFIG)}
    yield extra_vars, env
    subprocess.run([str(binary), "uninstall", RELEASE, "--namespace", NAMESPACE, "--kubeconfig", str(KUBECONFIG), "--wait"],
                   capture_output=True, check=False)


def deploy(installing, check=False):
    extra_vars, env = installing
    return run_playbook("deploy", extra_vars=extra_vars, env=env, check=check, args=("--tags", "cluster_addons_install"))


def test_the_role_installs_the_device_plugin_with_helm_once(installing):
    run = deploy(installing)
    assert run.ok, run.explain()
    assert run.changed() == ["Install the add-ons"], run.explain()
    client = DynamicClient(connect_kube())
    daemonset = client.resources.get(api_version="apps/v1", kind="DaemonSet").get(namespace=NAMESPACE, name=RELEASE).to_dict()
    gpu_nodes = client.resources.get(api_version="v1", kind="Node").get(label_selector="node-role=gpu").items
    # helm waited for it: one ready pod on every GPU node, and on no other.
    assert daemonset["status"]["desiredNumberScheduled"] == len(gpu_nodes) > 0
    assert daemonset["status"]["numberReady"] == len(gpu_nodes)
    assert daemonset["metadata"]["labels"]["helm.sh/chart"] == "nvidia-device-plugin-0.19.3"

    again = deploy(installing)
    assert again.ok and again.changed() == [], again.explain()
    plan = deploy(installing, check=True)
    assert plan.ok and plan.changed() == [], plan.explain()
