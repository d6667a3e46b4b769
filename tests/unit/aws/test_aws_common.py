"""module_utils/aws/common.py: errors that name the operation, resource and endpoint; retries
with backoff on throttling; tags and versions."""

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from ansible_collections.mas.platform.plugins.module_utils.aws import common as aws
from ansible_collections.mas.platform.plugins.module_utils.base import EndpointError, PlatformError

from aws_shapes import CLUSTER, REGION, cluster


def client_error(code, message="boom", status=400):
    return ClientError({"Error": {"Code": code, "Message": message},
                        "ResponseMetadata": {"HTTPStatusCode": status}}, "DescribeCluster")


@pytest.mark.parametrize("code, expected", [
    ("UnrecognizedClientException", "the AWS credentials were rejected (UnrecognizedClientException"),
    ("ExpiredTokenException", "the AWS credentials were rejected"),
    ("AccessDeniedException", "permission denied (AccessDeniedException"),
    ("InvalidParameterException", "failed: InvalidParameterException: boom"),
])
def test_client_errors_name_operation_resource_and_endpoint(code, expected):
    error = aws.describe_error(client_error(code), "describe_cluster", "EKS cluster x", "AWS eks in eu-west-1")
    assert expected in error.msg
    assert error.msg.startswith("describe_cluster on EKS cluster x (AWS eks in eu-west-1)")
    assert error.code == code


def test_unreachable_endpoint_is_an_endpoint_error():
    exc = EndpointConnectionError(endpoint_url="http://127.0.0.1:1/")
    error = aws.describe_error(exc, "describe_cluster", "EKS cluster x", "http://127.0.0.1:1")
    assert isinstance(error, EndpointError)
    assert error.msg.startswith("http://127.0.0.1:1: cannot reach the AWS API for describe_cluster on EKS cluster x")


def test_missing_credentials_say_where_they_can_come_from():
    error = aws.describe_error(NoCredentialsError(), "describe_cluster", "EKS cluster x", "AWS eks in eu-west-1")
    assert "no usable AWS credentials" in error.msg and "AWS_PROFILE" in error.msg


@pytest.mark.parametrize("code, status, retried", [
    ("ThrottlingException", 400, True),
    ("RequestLimitExceeded", 400, True),
    ("ServiceUnavailableException", 503, True),
    ("502", 502, True),  # botocore's code for a 5xx that names none
    ("InvalidParameterException", 400, False),
])
def test_what_is_retried(aws_stubs, code, status, retried):
    stub = aws_stubs("eks")
    stub.add_client_error("describe_cluster", code, "boom", status)
    api = aws.AwsApi(dict(region=REGION))
    if retried:
        stub.add_response("describe_cluster", {"cluster": cluster()}, {"name": CLUSTER})
        assert api.call("eks", "describe_cluster", "EKS cluster", name=CLUSTER)["cluster"]["name"] == CLUSTER
    else:
        with pytest.raises(aws.AwsApiError) as raised:  # at once: no second response is stubbed
            api.call("eks", "describe_cluster", "EKS cluster", name=CLUSTER)
        assert raised.value.code == code


def test_paginate_reads_every_page(aws_stubs):
    stub = aws_stubs("eks")
    stub.add_response("list_nodegroups", {"nodegroups": ["a", "b"], "nextToken": "t1"}, {"clusterName": CLUSTER})
    stub.add_client_error("list_nodegroups", "ThrottlingException", "Rate exceeded", 400)
    stub.add_response("list_nodegroups", {"nodegroups": ["a", "b"], "nextToken": "t1"}, {"clusterName": CLUSTER})
    stub.add_response("list_nodegroups", {"nodegroups": ["c"]}, {"clusterName": CLUSTER, "nextToken": "t1"})
    api = aws.AwsApi(dict(region=REGION))
    assert api.paginate("eks", "list_nodegroups", "nodegroups", "EKS cluster", clusterName=CLUSTER) == ["a", "b", "c"]


def test_throttling_is_retried_until_the_call_succeeds(aws_stubs):
    stub = aws_stubs("eks")
    stub.add_client_error("describe_cluster", "ThrottlingException", "Rate exceeded", 400)
    stub.add_client_error("describe_cluster", "ThrottlingException", "Rate exceeded", 400)
    stub.add_response("describe_cluster", {"cluster": cluster()}, {"name": CLUSTER})
    api = aws.AwsApi(dict(region=REGION))
    assert api.call("eks", "describe_cluster", "EKS cluster", name=CLUSTER)["cluster"]["name"] == CLUSTER


def test_throttling_gives_up_after_the_attempts(aws_stubs):
    stub = aws_stubs("eks")
    for _attempt in range(6):
        stub.add_client_error("describe_cluster", "ThrottlingException", "Rate exceeded", 400)
    api = aws.AwsApi(dict(region=REGION))
    with pytest.raises(aws.AwsApiError) as raised:
        api.call("eks", "describe_cluster", "EKS cluster %s" % CLUSTER, name=CLUSTER)
    assert "EKS cluster mas-production" in raised.value.msg and "ThrottlingException" in raised.value.msg


def test_find_returns_none_for_a_missing_resource(aws_stubs):
    aws_stubs("eks").add_client_error("describe_cluster", "ResourceNotFoundException", "No cluster found", 404)
    assert aws.AwsApi(dict(region=REGION)).find("eks", "describe_cluster", "EKS cluster", name="nope") is None


def test_a_region_is_required():
    with pytest.raises(PlatformError) as raised:
        aws.AwsApi(dict(region=None))
    assert raised.value.msg.startswith("region:")


@pytest.mark.parametrize("current, desired, purge, to_set, to_remove", [
    ({}, {"a": "1"}, False, {"a": "1"}, []),
    ({"a": "1"}, {"a": "1"}, False, {}, []),
    ({"a": "1", "b": "2"}, {"a": "2"}, False, {"a": "2"}, []),
    ({"a": "1", "b": "2"}, {"a": "1"}, True, {}, ["b"]),
    ({"c": "3", "b": "2", "a": "1"}, {}, True, {}, ["a", "b", "c"]),
    ({"aws:cloudformation:stack-name": "s"}, {}, True, {}, []),  # AWS's own tags stay
    (None, {"a": 1}, False, {"a": 1}, []),
])
def test_tag_changes(current, desired, purge, to_set, to_remove):
    assert aws.tag_changes(current, desired, purge) == (to_set, to_remove)


@pytest.mark.parametrize("text, expected", [("1.29", (1, 29)), ("1.30.4", (1, 30)), ("v1.31", (1, 31))])
def test_minor_version(text, expected):
    assert aws.minor_version(text) == expected


def test_minor_version_names_the_key():
    with pytest.raises(PlatformError) as raised:
        aws.minor_version("latest", "version")
    assert raised.value.msg.startswith("version: 'latest'")


def test_add_on_versions_sort_by_their_numbers():
    versions = ["v1.9.0-eksbuild.1", "v1.10.0-eksbuild.2", "v1.10.0-eksbuild.10"]
    assert sorted(versions, key=aws.version_key)[-1] == "v1.10.0-eksbuild.10"
