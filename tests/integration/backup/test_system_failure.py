"""System failure on the local cluster: the agents' Deployments (with an HPA), their
configuration and a Secret are backed up by playbooks/backup.yml, deleted, and
playbooks/recovery.yml (system_failure) brings them back with the saved replica counts
and HPA bounds, rolled out, and verifies that nothing differs from the backup."""

import base64
import json

import pytest

from ansible_collections.mas.platform.plugins.modules import platform_restore

from backup_helpers import (
    ENCRYPTION_KEY,
    KUBECONFIG,
    KUBE_CONTEXT,
    PLATFORM,
    PLATFORM_LABELS,
    agent_deployment,
    autoscaler,
    create,
    delete,
    objects,
    read,
    spec_section,
    wait_until,
)

AGENTS = {"resource-manager": 2, "coordinator-agent": 3, "task-executor": 5}


@pytest.fixture
def agents(kube, namespace, unique):
    """The agent tiers as plain Deployments, an HPA on the executors, a ConfigMap and a
    Secret, with the platform's labels (and this test's, so that only they are selected)."""
    labels = dict(PLATFORM_LABELS, **{"mas-platform.test/run": unique})
    for name, replicas in AGENTS.items():
        create(kube, agent_deployment(namespace, name, replicas, labels))
    create(kube, autoscaler(namespace, "task-executor", 3, 20, labels))
    create(kube, {"apiVersion": "v1", "kind": "ConfigMap",
                  "metadata": {"name": "agent-config", "namespace": namespace, "labels": labels},
                  "data": {"coordinator.yaml": "strategy: auction\nmax_tasks: 40\n"}})
    create(kube, {"apiVersion": "v1", "kind": "Secret",
                  "metadata": {"name": "agent-token", "namespace": namespace, "labels": labels},
                  "stringData": {"token": "s3cr3t-%s" % unique}})
    for name, replicas in AGENTS.items():
        wait_until(lambda name=name, replicas=replicas: (read(kube, "apps/v1", "Deployment", namespace, name)["status"]
                                                         .get("availableReplicas") == replicas),
                   what="%s to roll out" % name)
    return "app.kubernetes.io/part-of=mas-platform,mas-platform.test/run=%s" % unique


@pytest.fixture
def settings(store, namespace, agents):
    procedures = spec_section("backup_procedures")
    procedures["store"] = dict(store, server_side_encryption="AES256")
    # Retention and the repository check are test_retention.py's and test_data_corruption.py's.
    return dict(backup_kind="system_state", backup_procedures=procedures, backup_components=["kubernetes"],
                backup_prune=False,
                backup_kubernetes_namespaces=[namespace], backup_kubernetes_label_selector=agents,
                recovery_core_namespaces=[], recovery_agent_namespaces=[namespace])


def test_deleted_agents_come_back_with_their_replicas_and_hpa_bounds(playbook, settings, kube, namespace, s3, store,
                                                                     unique):
    env = dict(MAS_BACKUP_ENCRYPTION_KEY=ENCRYPTION_KEY)
    backup = playbook("backup.yml", settings, env=env)
    assert backup.ok, backup.failure()
    taken = backup.result("Take the backup")
    assert taken["components"]["kubernetes"]["kinds"] == {"Deployment": 3, "HorizontalPodAutoscaler": 1,
                                                          "ConfigMap": 1, "Secret": 1}
    # restic encrypts everything before it leaves: no object of the repository holds the Secret in clear.
    stored = objects(s3, store["bucket"], "platform/")
    assert stored and all(key.startswith("platform/restic/") for key in stored)
    for key in stored:
        body = s3.get_object(Bucket=store["bucket"], Key=key)["Body"].read()
        assert b"s3cr3t" not in body and base64.b64encode(b"s3cr3t-%s" % unique.encode()) not in body

    for name in AGENTS:
        delete(kube, "apps/v1", "Deployment", namespace, name)
    delete(kube, "autoscaling/v2", "HorizontalPodAutoscaler", namespace, "task-executor")
    delete(kube, "v1", "Secret", namespace, "agent-token")
    wait_until(lambda: all(read(kube, "apps/v1", "Deployment", namespace, n) is None for n in AGENTS),
               what="the agents to be deleted")

    recovery = playbook("recovery.yml", dict(settings, recovery_scenario="system_failure"), env=env)
    assert recovery.ok, recovery.failure()
    assessment = recovery.result("Assess the damage (what is missing or differs from the backup)")
    assert sorted(assessment["plan"]["kubernetes"]["create"]) == sorted(
        ["Deployment/%s/%s" % (namespace, n) for n in AGENTS]
        + ["HorizontalPodAutoscaler/%s/task-executor" % namespace, "Secret/%s/agent-token" % namespace])

    for name, replicas in AGENTS.items():
        deployment = read(kube, "apps/v1", "Deployment", namespace, name)
        assert deployment["spec"]["replicas"] == replicas
        assert deployment["status"].get("readyReplicas") == replicas
    hpa = read(kube, "autoscaling/v2", "HorizontalPodAutoscaler", namespace, "task-executor")
    assert (hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"]) == (3, 20)
    secret = read(kube, "v1", "Secret", namespace, "agent-token")
    assert base64.b64decode(secret["data"]["token"]).decode() == "s3cr3t-%s" % unique
    verified = recovery.result("Verify the system's integrity (nothing differs from the backup)")
    assert not verified["changed"] and verified["plan"]["kubernetes"]["objects"] == 6
    assert "workloads ready" in recovery.result("Check the system's integrity")["msg"]


def test_restoring_agent_state_four_ways(run_module, settings, kube, namespace, store, playbook):
    """Check mode reports the change, apply makes it, then both report nothing to do."""
    env = dict(MAS_BACKUP_ENCRYPTION_KEY=ENCRYPTION_KEY)
    assert playbook("backup.yml", settings, env=env).ok
    # Drift: the HPA's bounds and the configuration were changed by hand.
    from kubernetes import dynamic
    client = dynamic.DynamicClient(kube)
    hpa = client.resources.get(api_version="autoscaling/v2", kind="HorizontalPodAutoscaler")
    client.patch(hpa, name="task-executor", namespace=namespace, body={"spec": {"minReplicas": 5, "maxReplicas": 6}},
                 content_type="application/merge-patch+json")
    config_maps = client.resources.get(api_version="v1", kind="ConfigMap")
    client.patch(config_maps, name="agent-config", namespace=namespace, body={"data": {"coordinator.yaml": "broken"}},
                 content_type="application/merge-patch+json")

    args = dict(kind="system_state", components=["kubernetes"], store=store, encryption_key=ENCRYPTION_KEY,
                platform=PLATFORM,
                kubeconfig=str(KUBECONFIG), context=KUBE_CONTEXT,
                kubernetes=dict(namespaces=[namespace], label_selector=settings["backup_kubernetes_label_selector"]))
    planned = run_module(platform_restore, args, check_mode=True, diff=True)
    assert planned["changed"]
    assert sorted(planned["plan"]["kubernetes"]["overwrite"]) == [
        "ConfigMap/%s/agent-config" % namespace, "HorizontalPodAutoscaler/%s/task-executor" % namespace]
    assert planned["plan"]["kubernetes"]["fields"]["HorizontalPodAutoscaler/%s/task-executor" % namespace] == ["spec"]
    assert read(kube, "autoscaling/v2", "HorizontalPodAutoscaler", namespace, "task-executor")["spec"]["maxReplicas"] == 6

    applied = run_module(platform_restore, args)
    assert applied["changed"] and applied["validation"]["kubernetes"]["ok"]
    assert read(kube, "autoscaling/v2", "HorizontalPodAutoscaler", namespace, "task-executor")["spec"]["maxReplicas"] == 20
    assert read(kube, "v1", "ConfigMap", namespace, "agent-config")["data"]["coordinator.yaml"].startswith("strategy")

    assert not run_module(platform_restore, args, check_mode=True)["changed"]
    again = run_module(platform_restore, args)
    assert not again["changed"]
    assert json.dumps(again["plan"]["kubernetes"]["create"]) == "[]"
