"""The deploy's summary on the local cluster (make local-up): the role
mas.platform.platform_summary prints every workload with ready/desired and its node group,
and a workload held Pending with the scheduler's reason; the summary callback writes the
same, with the run's phases, to summary_file."""

import json
import time
import uuid

import pytest
from kubernetes.dynamic import DynamicClient
from playbook_run import run_playbook
from services import KUBECONFIG, connect_kube

PLAYBOOK = __file__.rsplit("/", 1)[0] + "/summary.yml"
PART_OF = {"app.kubernetes.io/part-of": "mas-platform"}


def deployment(name, resources):
    labels = dict(PART_OF, app=name)
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": labels},
            "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": labels},
                                  "spec": {"nodeSelector": {"node-role": "worker"},
                                           "tolerations": [{"operator": "Exists"}],
                                           "containers": [{"name": "main", "image": "registry.example/%s:2.1.0" % name,
                                                           "resources": resources}]}}}}


def wait_until(predicate, what, timeout=60):
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out waiting for %s" % what
        time.sleep(0.5)


@pytest.fixture
def namespace():
    """A namespace with a workload that runs and one the scheduler cannot place."""
    client = DynamicClient(connect_kube())
    name = "summary-" + uuid.uuid4().hex[:8]
    namespaces = client.resources.get(api_version="v1", kind="Namespace")
    deployments = client.resources.get(api_version="apps/v1", kind="Deployment")
    pods = client.resources.get(api_version="v1", kind="Pod")
    namespaces.create(body={"metadata": {"name": name}})
    try:
        deployments.create(namespace=name, body=deployment("runs", {"requests": {"cpu": "100m"}}))
        deployments.create(namespace=name, body=deployment("held", {"limits": {"nvidia.com/gpu": "64"}}))

        def settled():
            listed = pods.get(namespace=name).to_dict()["items"]
            ready = [p for p in listed if any(c["type"] == "Ready" and c["status"] == "True"
                                              for c in p["status"].get("conditions") or [])]
            unschedulable = [p for p in listed if any(c["type"] == "PodScheduled" and c.get("reason") == "Unschedulable"
                                                      for c in p["status"].get("conditions") or [])]
            return len(ready) == 1 and len(unschedulable) == 1

        wait_until(settled, "one pod ready and one unschedulable in %s" % name)
        yield name
    finally:
        namespaces.delete(name=name)


def test_the_summary_shows_each_workload_and_why_one_is_held(namespace, tmp_path):
    summary_file = tmp_path / "summary.json"
    run = run_playbook(PLAYBOOK, inventory="localhost,", callback="default",
                       env={"K8S_AUTH_KUBECONFIG": str(KUBECONFIG)},
                       extra_vars=dict(summary_namespaces=[namespace], summary_file=str(summary_file)))
    assert run.ok, run.explain()
    lines = run.stdout.splitlines()
    runs = [line for line in lines if "Deployment/%s/runs" % namespace in line]
    held = [line for line in lines if "Deployment/%s/held" % namespace in line]
    assert runs and runs[0].split()[1:] == ["1/1", "ready", "on", "worker"], runs
    assert held and held[0].split()[1:] == ["0/1", "NOT", "READY", "on", "unscheduled"], held
    # The not-ready line quotes the scheduler.
    why = [line for line in lines if line.strip().startswith("Deployment/%s/held: " % namespace)]
    assert why and "not scheduled: Unschedulable: 0/" in why[0] and "Insufficient nvidia.com/gpu" in why[0], why
    stripped = [line.strip() for line in lines]
    images = stripped[stripped.index("images:") + 1:][:2]
    assert images == ["registry.example/held:2.1.0", "registry.example/runs:2.1.0"]

    written = json.loads(summary_file.read_text())
    status = written["platform_status"]
    assert [entry["id"] for entry in status["not_ready"]] == ["Deployment/%s/held" % namespace]
    assert "Insufficient nvidia.com/gpu" in status["not_ready"][0]["why"]
    assert status["namespaces"] == {"present": [namespace], "missing": []}
    assert [phase["name"] for phase in written["phases"]] == ["Summary"]
    assert written["check_mode"] is False and written["totals"]["failed"] == 0
    assert "SUMMARY" in run.stdout and "summary written to %s" % summary_file in run.stdout
