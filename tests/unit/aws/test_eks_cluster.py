"""mas.platform.eks_cluster: what changes on an existing cluster, and the updates, each
waited for (moto's server has no UpdateClusterConfig update ids nor DescribeUpdate)."""

import pytest

from ansible_collections.mas.platform.plugins.module_utils.aws import eks as aws_eks
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.modules import eks_cluster

from aws_shapes import CLUSTER, REGION, closed_endpoint, cluster, fails, update

ARGS = dict(
    name=CLUSTER, region=REGION, version="1.31",
    role_arn="arn:aws:iam::123456789012:role/%s-cluster" % CLUSTER,
    subnet_ids=["subnet-0b", "subnet-0a"], security_group_ids=["sg-0cp"],
    endpoint_private_access=True, endpoint_public_access=True,
    tags={"mas.platform/cluster": CLUSTER},
)


def desired(**changes):
    params = dict(**{
        "role_arn": ARGS["role_arn"], "subnet_ids": ARGS["subnet_ids"], "security_group_ids": ["sg-0cp"],
        "endpoint_private_access": True, "endpoint_public_access": True, "public_access_cidrs": ["0.0.0.0/0"],
        "logging": ["api", "audit", "authenticator"], "authentication_mode": "API_AND_CONFIG_MAP",
        "tags": {"mas.platform/cluster": CLUSTER}})
    params.update(changes)
    return aws_eks.cluster_desired(params)


@pytest.mark.parametrize("changes, expected", [
    ({}, []),
    ({"endpoint_public_access": False}, ["endpoint_access"]),
    ({"public_access_cidrs": ["203.0.113.0/24"]}, ["endpoint_access"]),
    ({"logging": ["api"]}, ["logging"]),
    ({"authentication_mode": "API"}, ["authentication_mode"]),
    ({"security_group_ids": ["sg-0cp", "sg-extra"]}, ["subnets"]),
    ({"logging": [], "endpoint_private_access": False}, ["endpoint_access", "logging"]),
])
def test_cluster_changes(changes, expected):
    updates, _set, _remove = aws_eks.cluster_changes(aws_eks.cluster_view(cluster()), desired(**changes))
    assert [what for what, _request in updates] == expected


def test_public_cidrs_are_not_compared_when_the_public_endpoint_is_off():
    current = aws_eks.cluster_view(cluster(public=False, cidrs=["10.0.0.0/8"]))
    updates, _set, _remove = aws_eks.cluster_changes(current, desired(endpoint_public_access=False))
    assert updates == []


def test_an_unreported_authentication_mode_is_left_alone():
    reported = cluster()
    del reported["accessConfig"]
    updates, _set, _remove = aws_eks.cluster_changes(aws_eks.cluster_view(reported), desired())
    assert updates == []


def test_the_role_of_a_cluster_cannot_change():
    with pytest.raises(PlatformError) as raised:
        aws_eks.cluster_changes(aws_eks.cluster_view(cluster()), desired(role_arn="arn:aws:iam::1:role/other"))
    assert raised.value.msg.startswith("role_arn:")


def test_logging_request_names_enabled_and_disabled_types():
    assert aws_eks.logging_config(["audit", "api"]) == {"clusterLogging": [
        {"types": ["api", "audit"], "enabled": True},
        {"types": ["authenticator", "controllerManager", "scheduler"], "enabled": False}]}


def _endpoint_update_expected(stub, public):
    stub.add_response("describe_cluster", {"cluster": cluster()}, {"name": CLUSTER})
    stub.add_response(
        "update_cluster_config", {"update": update()},
        {"name": CLUSTER, "resourcesVpcConfig": dict(endpointPrivateAccess=True, endpointPublicAccess=public)})


def test_check_mode_reports_the_update_without_making_it(aws_stubs, run_module):
    stub = aws_stubs("eks")
    stub.add_response("describe_cluster", {"cluster": cluster()}, {"name": CLUSTER})
    result = run_module(eks_cluster, dict(ARGS, endpoint_public_access=False), check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["actions"] == ["endpoint_access"]
    assert result["diff"]["before"]["endpoint_public_access"] is True
    assert result["diff"]["after"]["endpoint_public_access"] is False


def test_apply_updates_waits_and_rereads(aws_stubs, run_module):
    stub = aws_stubs("eks")
    _endpoint_update_expected(stub, public=False)
    stub.add_response("describe_update", {"update": update(status="InProgress")}, {"name": CLUSTER, "updateId": "upd-1"})
    stub.add_response("describe_update", {"update": update(status="Successful")}, {"name": CLUSTER, "updateId": "upd-1"})
    stub.add_response("describe_cluster", {"cluster": cluster(public=False)}, {"name": CLUSTER})
    result = run_module(eks_cluster, dict(ARGS, endpoint_public_access=False))
    assert result["changed"] is True and result["actions"] == ["endpoint_access"]
    assert result["cluster"]["endpoint"].startswith("https://")


def test_a_failed_update_names_the_cluster_and_the_error(aws_stubs, run_module):
    stub = aws_stubs("eks")
    _endpoint_update_expected(stub, public=False)
    failed = update(status="Failed", errors=[{"errorCode": "AccessDenied", "errorMessage": "not allowed",
                                              "resourceIds": [CLUSTER]}])
    stub.add_response("describe_update", {"update": failed}, {"name": CLUSTER, "updateId": "upd-1"})
    failure = fails(run_module, eks_cluster, dict(ARGS, endpoint_public_access=False))
    assert "endpoint_access of EKS cluster mas-production" in failure["msg"]
    assert "Failed" in failure["msg"] and "not allowed" in failure["msg"]


def test_an_unchanged_cluster_reports_no_change(aws_stubs, run_module):
    aws_stubs("eks").add_response("describe_cluster", {"cluster": cluster()}, {"name": CLUSTER})
    result = run_module(eks_cluster, ARGS)
    assert result["changed"] is False and result["actions"] == []


def test_tags_are_added_without_removing_others(aws_stubs, run_module):
    stub = aws_stubs("eks")
    stub.add_response("describe_cluster", {"cluster": cluster(tags={"mas.platform/cluster": CLUSTER, "team": "x"})},
                      {"name": CLUSTER})
    arn = cluster()["arn"]
    stub.add_response("tag_resource", {}, {"resourceArn": arn, "tags": {"env": "prod"}})
    stub.add_response("describe_cluster", {"cluster": cluster()}, {"name": CLUSTER})
    result = run_module(eks_cluster, dict(ARGS, tags={"mas.platform/cluster": CLUSTER, "env": "prod"}))
    assert result["actions"] == ["tags"]


def test_delete_refuses_while_node_groups_exist(aws_stubs, run_module):
    stub = aws_stubs("eks")
    stub.add_response("describe_cluster", {"cluster": cluster()}, {"name": CLUSTER})
    stub.add_response("list_nodegroups", {"nodegroups": ["gpu"]}, {"clusterName": CLUSTER})
    failure = fails(run_module, eks_cluster, dict(name=CLUSTER, region=REGION, state="absent"))
    assert failure["msg"] == "EKS cluster mas-production still has node groups (gpu); delete them first"


def test_missing_required_options_are_named(run_module):
    failure = fails(run_module, eks_cluster, dict(name=CLUSTER, region=REGION))
    assert "role_arn" in failure["msg"] and "subnet_ids" in failure["msg"]


def test_a_wrong_type_is_named(run_module):
    failure = fails(run_module, eks_cluster, dict(ARGS, endpoint_public_access="sometimes"))
    assert "endpoint_public_access" in failure["msg"]


def test_bad_credentials_are_named_and_nothing_changes(aws_stubs, run_module):
    aws_stubs("eks").add_client_error("describe_cluster", "UnrecognizedClientException",
                                      "The security token included in the request is invalid.", 403)
    failure = fails(run_module, eks_cluster, ARGS)
    assert "credentials were rejected" in failure["msg"]
    assert "EKS cluster mas-production" in failure["msg"]


def test_an_unreachable_endpoint_is_named(run_module, monkeypatch):
    url = closed_endpoint()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "x")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "y")
    failure = fails(run_module, eks_cluster, dict(ARGS, endpoint_url=url))
    assert failure["msg"].startswith(url + ": cannot reach the AWS API for describe_cluster")
