"""mas.platform.eks_addon and mas.platform.eks_cluster_version on recorded response
shapes: moto's server answers every EKS add-on call, UpdateClusterVersion and
DescribeUpdate with 404 "Not yet implemented"."""

import pytest

from ansible_collections.mas.platform.plugins.module_utils.aws import eks as aws_eks
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.modules import eks_addon, eks_cluster_version

from aws_shapes import CLUSTER, REGION, addon, addon_versions, cluster, fails, nodegroup, update

EBS = "aws-ebs-csi-driver"
ROLE = "arn:aws:iam::123456789012:role/%s-%s" % (CLUSTER, EBS)
VERSIONS = ["v1.41.0-eksbuild.1", "v1.40.0-eksbuild.1", "v1.39.0-eksbuild.1"]
ADDON = {"clusterName": CLUSTER, "addonName": EBS}


@pytest.mark.parametrize("requested, expected", [
    ("default", "v1.40.0-eksbuild.1"), (None, "v1.40.0-eksbuild.1"), ("latest", "v1.41.0-eksbuild.1"),
    ("v1.39.0-eksbuild.1", "v1.39.0-eksbuild.1"),
])
def test_resolve_addon_version(requested, expected):
    assert aws_eks.resolve_addon_version(requested, VERSIONS, "v1.40.0-eksbuild.1", EBS, "1.31") == expected


def test_an_unknown_addon_version_is_named_with_what_exists():
    with pytest.raises(PlatformError) as raised:
        aws_eks.resolve_addon_version("v9.9.9", VERSIONS, None, EBS, "1.31")
    assert raised.value.msg.startswith("version: add-on aws-ebs-csi-driver has no version v9.9.9 for Kubernetes 1.31")


def _versions(stub, kubernetes="1.31", default="v1.40.0-eksbuild.1"):
    stub.add_response("describe_addon_versions", addon_versions(EBS, VERSIONS, default, kubernetes),
                      {"addonName": EBS, "kubernetesVersion": kubernetes})


def test_create_the_ebs_csi_driver_with_its_role(aws_stubs, run_module):
    stub = aws_stubs("eks")
    stub.add_client_error("describe_addon", "ResourceNotFoundException", "No addon", 404, expected_params=ADDON)
    stub.add_response("describe_cluster", {"cluster": cluster()}, {"name": CLUSTER})
    _versions(stub)
    stub.add_response("create_addon", {"addon": addon(status="CREATING", role=ROLE)},
                      dict(ADDON, addonVersion="v1.40.0-eksbuild.1", resolveConflicts="OVERWRITE", tags={},
                           serviceAccountRoleArn=ROLE))
    stub.add_response("describe_addon", {"addon": addon(status="CREATING", role=ROLE)}, ADDON)
    stub.add_response("describe_addon", {"addon": addon(role=ROLE)}, ADDON)
    result = run_module(eks_addon, dict(cluster_name=CLUSTER, name=EBS, region=REGION,
                                        service_account_role_arn=ROLE))
    assert result["changed"] is True and result["actions"] == ["create"]
    assert result["addon"]["status"] == "ACTIVE"


def test_an_unchanged_addon_reports_no_change(aws_stubs, run_module):
    stub = aws_stubs("eks")
    stub.add_response("describe_addon", {"addon": addon(role=ROLE)}, ADDON)
    stub.add_response("describe_cluster", {"cluster": cluster()}, {"name": CLUSTER})
    _versions(stub)
    result = run_module(eks_addon, dict(cluster_name=CLUSTER, name=EBS, region=REGION,
                                        service_account_role_arn=ROLE))
    assert result["changed"] is False


def test_default_does_not_move_an_upgraded_addon_back(aws_stubs, run_module):
    stub = aws_stubs("eks")
    stub.add_response("describe_addon", {"addon": addon(version="v1.41.0-eksbuild.1", role=ROLE)}, ADDON)
    stub.add_response("describe_cluster", {"cluster": cluster()}, {"name": CLUSTER})
    _versions(stub)
    result = run_module(eks_addon, dict(cluster_name=CLUSTER, name=EBS, region=REGION,
                                        service_account_role_arn=ROLE))
    assert result["changed"] is False


def test_check_mode_then_apply_of_a_new_role_and_version(aws_stubs, run_module):
    stub = aws_stubs("eks")
    for _run in range(2):
        stub.add_response("describe_addon", {"addon": addon(version="v1.39.0-eksbuild.1")}, ADDON)
        stub.add_response("describe_cluster", {"cluster": cluster()}, {"name": CLUSTER})
        _versions(stub)
    args = dict(cluster_name=CLUSTER, name=EBS, region=REGION, service_account_role_arn=ROLE)
    planned = run_module(eks_addon, args, check_mode=True, diff=True)
    assert planned["changed"] is True and planned["actions"] == ["addonVersion", "serviceAccountRoleArn"]
    stub.add_response("update_addon", {"update": update(kind="AddonUpdate")},
                      dict(ADDON, resolveConflicts="OVERWRITE", addonVersion="v1.40.0-eksbuild.1",
                           serviceAccountRoleArn=ROLE))
    stub.add_response("describe_update", {"update": update(kind="AddonUpdate", status="Successful")},
                      {"name": CLUSTER, "updateId": "upd-1", "addonName": EBS})
    stub.add_response("describe_addon", {"addon": addon(role=ROLE)}, ADDON)
    applied = run_module(eks_addon, args)
    assert applied["changed"] is True and applied["addon"]["version"] == "v1.40.0-eksbuild.1"


def test_the_api_gap_of_an_emulator_is_reported_by_name(aws_stubs, run_module):
    aws_stubs("eks").add_client_error("describe_addon", "404", "Not yet implemented", 404)
    failure = fails(run_module, eks_addon, dict(cluster_name=CLUSTER, name=EBS, region=REGION))
    assert failure["msg"].startswith("describe_addon on add-on aws-ebs-csi-driver of EKS cluster mas-production")


# ---------------------------------------------------------------------------
# Upgrades

@pytest.mark.parametrize("current, target, steps", [
    ("1.29", "1.29", []), ("1.29", "1.30", ["1.30"]), ("1.29", "1.32", ["1.30", "1.31", "1.32"]),
])
def test_upgrade_steps_one_minor_at_a_time(current, target, steps):
    assert aws_eks.upgrade_steps(current, target) == steps


def test_a_downgrade_is_refused():
    with pytest.raises(PlatformError) as raised:
        aws_eks.upgrade_steps("1.31", "1.30")
    assert raised.value.msg.startswith("version: the cluster runs Kubernetes 1.31; EKS cannot downgrade")


@pytest.mark.parametrize("current, default, expected", [
    ("v1.39.0-eksbuild.1", "v1.40.0-eksbuild.1", "v1.40.0-eksbuild.1"),
    ("v1.40.0-eksbuild.1", "v1.40.0-eksbuild.1", None),
    ("v1.41.0-eksbuild.1", "v1.40.0-eksbuild.1", None),
    ("v1.30.0-eksbuild.1", "v1.40.0-eksbuild.1", "v1.40.0-eksbuild.1"),
])
def test_addon_target_for_a_new_minor(current, default, expected):
    assert aws_eks.addon_target(current, VERSIONS, default) == expected


UPGRADE = dict(cluster_name=CLUSTER, version="1.31", region=REGION, addons=[EBS], nodegroups=["gpu"])


def test_check_mode_returns_the_plan_and_changes_nothing(aws_stubs, run_module):
    stub = aws_stubs("eks")
    stub.add_response("describe_cluster", {"cluster": cluster(version="1.29")}, {"name": CLUSTER})
    stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(version="1.29")},
                      {"clusterName": CLUSTER, "nodegroupName": "gpu"})
    result = run_module(eks_cluster_version, UPGRADE, check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["plan"] == [
        dict(version="1.30", control_plane=True, addons=[EBS], nodegroups=["gpu"]),
        dict(version="1.31", control_plane=True, addons=[EBS], nodegroups=["gpu"])]
    assert result["diff"] == dict(before=dict(version="1.29", nodegroups={"gpu": "1.29"}),
                                  after=dict(version="1.31", nodegroups={"gpu": "1.31"}))


def _step(stub, previous, version, addon_from, addon_to):
    """One minor: control plane, then the add-on, then the node group, each waited for."""
    stub.add_response("update_cluster_version", {"update": update(kind="VersionUpdate")},
                      {"name": CLUSTER, "version": version})
    stub.add_response("describe_update", {"update": update(kind="VersionUpdate", status="Successful")},
                      {"name": CLUSTER, "updateId": "upd-1"})
    stub.add_response("describe_addon", {"addon": addon(version=addon_from)}, ADDON)
    stub.add_response("describe_addon_versions", addon_versions(EBS, VERSIONS, addon_to, version),
                      {"addonName": EBS, "kubernetesVersion": version})
    stub.add_response("update_addon", {"update": update(kind="AddonUpdate")},
                      dict(ADDON, addonVersion=addon_to, resolveConflicts="PRESERVE"))
    stub.add_response("describe_update", {"update": update(kind="AddonUpdate", status="Successful")},
                      {"name": CLUSTER, "updateId": "upd-1", "addonName": EBS})
    stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(version=previous)},
                      {"clusterName": CLUSTER, "nodegroupName": "gpu"})
    stub.add_response("update_nodegroup_version", {"update": update(kind="VersionUpdate")},
                      {"clusterName": CLUSTER, "nodegroupName": "gpu", "version": version})
    stub.add_response("describe_update", {"update": update(kind="VersionUpdate", status="Successful")},
                      {"name": CLUSTER, "updateId": "upd-1", "nodegroupName": "gpu"})


def test_upgrade_goes_minor_by_minor_control_plane_addons_then_nodes(aws_stubs, run_module):
    stub = aws_stubs("eks")
    stub.add_response("describe_cluster", {"cluster": cluster(version="1.29")}, {"name": CLUSTER})
    stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(version="1.29")},
                      {"clusterName": CLUSTER, "nodegroupName": "gpu"})
    _step(stub, "1.29", "1.30", "v1.39.0-eksbuild.1", "v1.40.0-eksbuild.1")
    _step(stub, "1.30", "1.31", "v1.40.0-eksbuild.1", "v1.41.0-eksbuild.1")
    stub.add_response("describe_cluster", {"cluster": cluster(version="1.31")}, {"name": CLUSTER})
    stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(version="1.31")},
                      {"clusterName": CLUSTER, "nodegroupName": "gpu"})
    result = run_module(eks_cluster_version, UPGRADE, diff=True)
    assert [(s["version"], s["what"]) for s in result["steps"]] == [
        ("1.30", "control plane"), ("1.30", "add-on %s" % EBS), ("1.30", "node group gpu"),
        ("1.31", "control plane"), ("1.31", "add-on %s" % EBS), ("1.31", "node group gpu")]
    assert result["diff"]["after"] == dict(version="1.31", nodegroups={})


def test_a_cluster_at_the_version_is_left_alone(aws_stubs, run_module):
    stub = aws_stubs("eks")
    stub.add_response("describe_cluster", {"cluster": cluster(version="1.31")}, {"name": CLUSTER})
    stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(version="1.31")},
                      {"clusterName": CLUSTER, "nodegroupName": "gpu"})
    result = run_module(eks_cluster_version, UPGRADE)
    assert result["changed"] is False and result["plan"] == []


def test_a_failed_control_plane_upgrade_stops_before_the_nodes(aws_stubs, run_module):
    stub = aws_stubs("eks")
    stub.add_response("describe_cluster", {"cluster": cluster(version="1.30")}, {"name": CLUSTER})
    stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(version="1.30")},
                      {"clusterName": CLUSTER, "nodegroupName": "gpu"})
    stub.add_response("update_cluster_version", {"update": update(kind="VersionUpdate")},
                      {"name": CLUSTER, "version": "1.31"})
    failed = update(kind="VersionUpdate", status="Failed",
                    errors=[{"errorCode": "InsufficientFreeAddresses", "errorMessage": "subnet full"}])
    stub.add_response("describe_update", {"update": failed}, {"name": CLUSTER, "updateId": "upd-1"})
    failure = fails(run_module, eks_cluster_version, UPGRADE)
    assert "upgrade of EKS cluster mas-production to 1.31 ended in status Failed" in failure["msg"]
    assert "InsufficientFreeAddresses: subnet full" in failure["msg"]


def test_only_lagging_node_groups_are_upgraded(aws_stubs, run_module):
    stub = aws_stubs("eks")
    stub.add_response("describe_cluster", {"cluster": cluster(version="1.31")}, {"name": CLUSTER})
    stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(version="1.30")},
                      {"clusterName": CLUSTER, "nodegroupName": "gpu"})
    stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(version="1.30")},
                      {"clusterName": CLUSTER, "nodegroupName": "gpu"})
    stub.add_response("update_nodegroup_version", {"update": update(kind="VersionUpdate")},
                      {"clusterName": CLUSTER, "nodegroupName": "gpu", "version": "1.31"})
    stub.add_response("describe_update", {"update": update(kind="VersionUpdate", status="Successful")},
                      {"name": CLUSTER, "updateId": "upd-1", "nodegroupName": "gpu"})
    stub.add_response("describe_cluster", {"cluster": cluster(version="1.31")}, {"name": CLUSTER})
    stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(version="1.31")},
                      {"clusterName": CLUSTER, "nodegroupName": "gpu"})
    result = run_module(eks_cluster_version, UPGRADE)
    assert [s["what"] for s in result["steps"]] == ["node group gpu"]
