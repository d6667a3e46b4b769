"""deploy.yml as AWX jobs: the deploy job template, with its survey, on the local cluster.

The whole deploy takes minutes; its roles are tested one by one by Molecule. Here the
job runs every play of deploy.yml (preflight, the AWS play skipped on the local
inventory, foundation, core services, service configuration, agents, summary) with the
job template's tags limited to the namespaces and their network policies, on the local
spec renamed into namespaces of this test (so that it starts from nothing and touches
nothing else). Twice, as kubernetes.core's targets do: the run job creates them, then
the same template launched as a check job (job type check, with diff) finds nothing to
change. The namespaces, their quotas and their policies are then read from the API.
"""

import uuid

import pytest
import yaml

from awx_jobs import REPO, survey_answers
from runbook_platform import Platform

TAGS = ["namespaces", "network_policies"]


def deploy_plays():
    """The names of the plays of deploy.yml, with those of the playbooks it imports."""
    names = []
    playbooks = REPO / "collections/ansible_collections/mas/platform/playbooks"
    for play in yaml.safe_load((playbooks / "deploy.yml").read_text()):
        if "ansible.builtin.import_playbook" in play:
            names += [p["name"] for p in yaml.safe_load((playbooks / play["ansible.builtin.import_playbook"])
                                                         .read_text())]
        else:
            names.append(play["name"])
    return names


@pytest.fixture
def fresh_platform(kube, awx_workdir):
    """The local spec in namespaces that do not exist yet; deleted afterwards."""
    prefix = "awxd" + uuid.uuid4().hex[:6]
    (awx_workdir / prefix).mkdir()
    platform = Platform(kube, awx_workdir / prefix, prefix)
    yield platform
    platform.delete_everything()


def test_deploy_creates_then_finds_nothing_to_change(jobs, fresh_platform, credentials_env):
    from kubernetes import client
    core = client.CoreV1Api(fresh_platform.api)
    playbook, answers = survey_answers("mas.platform deploy")
    extra = dict(fresh_platform.spec, **answers)
    namespaces = [ns["name"] for ns in fresh_platform.spec["environment_config"]["namespaces"]]
    assert namespaces and all(name.startswith(fresh_platform.prefix) for name in namespaces)

    deployed = jobs.launch(playbook, extra_vars=extra, envvars=credentials_env, tags=TAGS)
    deployed.assert_successful(changed=True)
    assert deployed.plays() == deploy_plays()
    for name in namespaces:
        namespace = core.read_namespace(name)
        assert namespace.metadata.labels.get("app.kubernetes.io/managed-by") == "mas.platform", name
        assert core.list_namespaced_resource_quota(name).items, "no ResourceQuota in %s" % name
        policies = client.NetworkingV1Api(fresh_platform.api).list_namespaced_network_policy(name).items
        assert policies, "no NetworkPolicy in %s" % name

    checked = jobs.launch(playbook, extra_vars=extra, envvars=credentials_env, tags=TAGS, check=True, diff=True)
    checked.assert_successful(changed=False)
    assert checked.plays() == deploy_plays()
