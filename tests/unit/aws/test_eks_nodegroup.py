"""mas.platform.eks_nodegroup: what changes on an existing node group, and the updates
(moto's server has no UpdateNodegroupConfig, UpdateNodegroupVersion or DescribeUpdate)."""

import pytest

from ansible_collections.mas.platform.plugins.module_utils.aws import nodegroup as aws_eks
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.modules import eks_nodegroup

from aws_shapes import CLUSTER, REGION, fails, nodegroup, update

ARGS = dict(
    cluster_name=CLUSTER, name="gpu", region=REGION,
    node_role_arn="arn:aws:iam::123456789012:role/%s-node" % CLUSTER,
    subnet_ids=["subnet-0a", "subnet-0b"], instance_types=["g5.12xlarge"], ami_type="AL2023_x86_64_NVIDIA",
    min_size=4, max_size=8, desired_size=4, disk_size=100,
    labels={"node-role": "gpu"},
    taints=[{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}],
    update_config={"max_unavailable": 1},
    tags={"mas.platform/cluster": CLUSTER},
)
NAMES = {"clusterName": CLUSTER, "nodegroupName": "gpu"}


def params(**changes):
    values = dict(ARGS, capacity_type="ON_DEMAND", launch_template=None, version=None, purge_tags=False)
    values.update(changes)
    return values


def changes(current, **wanted):
    return aws_eks.nodegroup_changes(aws_eks.nodegroup_view(current), aws_eks.nodegroup_desired(params(**wanted)),
                                     "gpu")


def test_an_unchanged_group_needs_nothing():
    assert changes(nodegroup()) == ({}, None, {}, [])


def test_label_values_additions_and_removals():
    config, _template, _set, _remove = changes(nodegroup(labels={"node-role": "cpu", "old": "x"}),
                                               labels={"node-role": "gpu", "new": "y"})
    assert config == {"labels": {"addOrUpdateLabels": {"node-role": "gpu", "new": "y"}, "removeLabels": ["old"]}}


def test_taints_use_eks_effects_and_are_added_and_removed():
    config, _template, _set, _remove = changes(
        nodegroup(taints=[{"key": "old", "effect": "NO_EXECUTE"}]),
        taints=[{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"}])
    assert config == {"taints": {
        "addOrUpdateTaints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}],
        "removeTaints": [{"key": "old", "effect": "NO_EXECUTE"}]}}


def test_new_bounds_keep_the_autoscalers_desired_size_inside_them():
    config, _template, _set, _remove = changes(nodegroup(scaling=(4, 8, 7)), min_size=2, max_size=6)
    assert config == {"scalingConfig": {"minSize": 2, "maxSize": 6, "desiredSize": 6}}


def test_a_desired_size_moved_by_the_autoscaler_is_not_a_change():
    assert changes(nodegroup(scaling=(4, 8, 6)))[0] == {}


def test_update_config_is_compared_when_reported():
    config = changes(nodegroup(update_config={"maxUnavailable": 1}),
                     update_config={"max_unavailable_percentage": 25})[0]
    assert config == {"updateConfig": {"maxUnavailablePercentage": 25}}


def test_an_unreported_update_config_is_left_alone():
    reported = nodegroup()
    del reported["updateConfig"]
    assert changes(reported, update_config={"max_unavailable_percentage": 25})[0] == {}


def test_a_new_launch_template_version_rolls_the_group():
    template = {"name": "mas-production-gpu", "version": "3", "id": "lt-0123"}
    _config, rolled, _set, _remove = changes(nodegroup(template=template), disk_size=None,
                                             launch_template={"name": "mas-production-gpu", "version": "4"})
    assert rolled == {"id": "lt-0123", "name": "mas-production-gpu", "version": "4"}


@pytest.mark.parametrize("field, value", [
    ("instance_types", ["g5.8xlarge"]), ("ami_type", "AL2023_x86_64_STANDARD"), ("subnet_ids", ["subnet-0c"]),
])
def test_what_eks_cannot_change_is_refused_by_name(field, value):
    with pytest.raises(PlatformError) as raised:
        changes(nodegroup(), **{field: value})
    assert raised.value.msg.startswith(field + ":")
    assert "create a node group with a new name" in raised.value.msg


def test_an_unknown_taint_effect_is_named():
    with pytest.raises(PlatformError) as raised:
        aws_eks.api_taints([{"key": "a", "effect": "Sometimes"}])
    assert raised.value.msg.startswith("taints[0].effect:")


def test_min_above_max_is_named():
    with pytest.raises(PlatformError) as raised:
        aws_eks.nodegroup_desired(params(min_size=9, max_size=8))
    assert raised.value.msg.startswith("min_size:")


def test_check_mode_reports_the_update_without_making_it(aws_stubs, run_module):
    aws_stubs("eks").add_response("describe_nodegroup", {"nodegroup": nodegroup(labels={})}, NAMES)
    result = run_module(eks_nodegroup, ARGS, check_mode=True, diff=True)
    assert result["changed"] is True and result["actions"] == ["labels"]
    assert result["diff"]["after"]["labels"] == {"node-role": "gpu"}


def test_apply_sends_one_config_update_and_waits(aws_stubs, run_module):
    stub = aws_stubs("eks")
    stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(labels={}, scaling=(4, 8, 5))}, NAMES)
    stub.add_response("update_nodegroup_config", {"update": update(kind="ConfigUpdate")},
                      dict(NAMES, labels={"addOrUpdateLabels": {"node-role": "gpu"}},
                           scalingConfig={"minSize": 4, "maxSize": 10, "desiredSize": 5}))
    stub.add_response("describe_update", {"update": update(kind="ConfigUpdate", status="Successful")},
                      {"name": CLUSTER, "updateId": "upd-1", "nodegroupName": "gpu"})
    stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(scaling=(4, 10, 5))}, NAMES)
    result = run_module(eks_nodegroup, dict(ARGS, max_size=10))
    assert result["changed"] is True and result["actions"] == ["labels", "scalingConfig"]
    assert result["nodegroup"]["max_size"] == 10


def test_create_waits_until_active(aws_stubs, run_module):
    stub = aws_stubs("eks")
    stub.add_client_error("describe_nodegroup", "ResourceNotFoundException", "No node group found", 404)
    stub.add_response("create_nodegroup", {"nodegroup": nodegroup(status="CREATING")}, {
        "clusterName": CLUSTER, "nodegroupName": "gpu", "nodeRole": ARGS["node_role_arn"],
        "subnets": ["subnet-0a", "subnet-0b"], "scalingConfig": {"minSize": 4, "maxSize": 8, "desiredSize": 4},
        "labels": {"node-role": "gpu"}, "taints": [{"key": "nvidia.com/gpu", "value": "true", "effect": "NO_SCHEDULE"}],
        "tags": {"mas.platform/cluster": CLUSTER}, "capacityType": "ON_DEMAND", "instanceTypes": ["g5.12xlarge"],
        "amiType": "AL2023_x86_64_NVIDIA", "diskSize": 100, "updateConfig": {"maxUnavailable": 1}})
    stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(status="CREATING")}, NAMES)
    stub.add_response("describe_nodegroup", {"nodegroup": nodegroup()}, NAMES)
    result = run_module(eks_nodegroup, ARGS)
    assert result["changed"] is True and result["nodegroup"]["status"] == "ACTIVE"


def test_a_group_that_fails_to_create_names_its_health_issues(aws_stubs, run_module):
    stub = aws_stubs("eks")
    stub.add_client_error("describe_nodegroup", "ResourceNotFoundException", "No node group found", 404)
    stub.add_response("create_nodegroup", {"nodegroup": nodegroup(status="CREATING")})
    broken = nodegroup(status="CREATE_FAILED")
    broken["health"] = {"issues": [{"code": "InsufficientFreeAddresses", "message": "subnet-0a is full"}]}
    stub.add_response("describe_nodegroup", {"nodegroup": broken}, NAMES)
    failure = fails(run_module, eks_nodegroup, ARGS)
    assert "node group gpu of EKS cluster mas-production" in failure["msg"]
    assert "InsufficientFreeAddresses: subnet-0a is full" in failure["msg"]


def test_a_wrong_type_is_named(run_module):
    failure = fails(run_module, eks_nodegroup, dict(ARGS, min_size="four"))
    assert "min_size" in failure["msg"]


def test_delete_waits_until_gone(aws_stubs, run_module):
    stub = aws_stubs("eks")
    stub.add_response("describe_nodegroup", {"nodegroup": nodegroup()}, NAMES)
    stub.add_response("delete_nodegroup", {"nodegroup": nodegroup(status="DELETING")}, NAMES)
    stub.add_response("describe_nodegroup", {"nodegroup": nodegroup(status="DELETING")}, NAMES)
    stub.add_client_error("describe_nodegroup", "ResourceNotFoundException", "No node group found", 404)
    result = run_module(eks_nodegroup, dict(cluster_name=CLUSTER, name="gpu", region=REGION, state="absent"))
    assert result["changed"] is True and result["actions"] == ["delete"]
