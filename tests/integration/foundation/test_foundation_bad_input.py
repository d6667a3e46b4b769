"""Bad input to the deploy: one clear message naming the key, and nothing applied.

Runs the real deploy playbook against the local cluster with one spec key broken
through extra vars, and compares the platform's objects before and after.
"""

import pytest
import yaml
from playbook_run import REPO, run_playbook
from services import KUBECONFIG

SPEC = REPO / "inventories/production/group_vars/all"


@pytest.fixture(scope="module")
def cluster(kube):
    from kubernetes.dynamic import DynamicClient
    return DynamicClient(kube)


def _state(client):
    """What the foundation roles own, by resourceVersion: the spec's namespaces with their
    quotas and policies, and the platform's storage classes and cluster roles. Objects of
    other tests (their scratch namespaces come and go) are left out."""
    platform = set(ns["name"] for ns in _spec("environment_config")["namespaces"])
    seen = {}
    for api, kind in (("v1", "Namespace"), ("v1", "ResourceQuota"), ("storage.k8s.io/v1", "StorageClass"),
                      ("rbac.authorization.k8s.io/v1", "ClusterRole"), ("networking.k8s.io/v1", "NetworkPolicy")):
        for item in client.resources.get(api_version=api, kind=kind).get().items:
            meta = item.metadata
            if (meta.namespace or (meta.name if kind == "Namespace" else None)) not in platform | {None}:
                continue
            labels = meta.labels or {}
            if kind in ("StorageClass", "ClusterRole") and labels.get("app.kubernetes.io/managed-by") != "mas.platform":
                continue
            seen["%s/%s/%s" % (kind, meta.namespace or "", meta.name)] = meta.resourceVersion
    return seen


def _spec(name):
    return yaml.safe_load((SPEC / ("%s.yml" % name)).read_text())[name]


def _broken_share(spec):
    spec["namespaces"][0]["resources"]["cpu_limit"] = "most of it"
    return "environment_config", spec, "environment_config.namespaces[0].resources.cpu_limit"


def _unknown_verb(spec):
    spec["authentication"]["rbac"]["roles"][1]["rules"][0]["verbs"] = ["get", "fly"]
    return "security_setup", spec, "security_setup.authentication.rbac.roles[1].rules[0].verbs[1]"


def _gp2_with_iops(spec):
    spec["storage"]["classes"][1]["iops"] = 3000
    return "infrastructure", spec, "infrastructure.storage.classes[1].iops"


@pytest.mark.parametrize("breaker, section", [
    (_broken_share, "environment_config"),
    (_unknown_verb, "security_setup"),
    (_gp2_with_iops, "infrastructure"),
])
def test_bad_spec_fails_naming_the_key_and_changes_nothing(cluster, tmp_path, breaker, section):
    if section == "infrastructure":
        local = yaml.safe_load((REPO / "inventories/local/group_vars/all/infrastructure.yml").read_text())
        key, spec, path = breaker(local["infrastructure"])
    else:
        key, spec, path = breaker(_spec(section))
    before = _state(cluster)
    run = run_playbook("deploy", extra_vars={key: spec}, env={"K8S_AUTH_KUBECONFIG": str(KUBECONFIG)},
                       callback="default", timeout=300, workdir=tmp_path)
    output = run.output
    assert run.returncode != 0, output[-2000:]
    assert path in output, output[-2000:]
    assert "Traceback" not in output
    assert _state(cluster) == before
