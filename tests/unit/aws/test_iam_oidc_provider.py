"""mas.platform.iam_oidc_provider on recorded IAM response shapes."""

import pytest

from ansible_collections.mas.platform.plugins.module_utils.aws.iam import issuer_path
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.modules import iam_oidc_provider

from aws_shapes import ACCOUNT, NOW, REGION, fails

ISSUER = "https://oidc.eks.%s.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE" % REGION
PATH = ISSUER[len("https://"):]
ARN = "arn:aws:iam::%s:oidc-provider/%s" % (ACCOUNT, PATH)


def _listed(stub, arns):
    stub.add_response("list_open_id_connect_providers", {"OpenIDConnectProviderList": [{"Arn": a} for a in arns]}, {})


def _provider(stub, clients=("sts.amazonaws.com",), tags=None):
    stub.add_response("get_open_id_connect_provider", {
        "Url": PATH, "ClientIDList": list(clients), "ThumbprintList": ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"],
        "CreateDate": NOW, "Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()]},
        {"OpenIDConnectProviderArn": ARN})


def test_issuer_path():
    assert issuer_path(ISSUER + "/") == PATH


def test_an_issuer_must_be_https():
    with pytest.raises(PlatformError) as raised:
        issuer_path("http://example")
    assert raised.value.msg.startswith("url:")


def test_create_without_thumbprints(aws_stubs, run_module):
    stub = aws_stubs("iam")
    _listed(stub, ["arn:aws:iam::%s:oidc-provider/other.example/id/1" % ACCOUNT])
    stub.add_response("create_open_id_connect_provider", {"OpenIDConnectProviderArn": ARN},
                      {"Url": ISSUER, "ClientIDList": ["sts.amazonaws.com"], "Tags": [{"Key": "a", "Value": "b"}]})
    _provider(stub, tags={"a": "b"})
    result = run_module(iam_oidc_provider, dict(url=ISSUER, region=REGION, tags={"a": "b"}))
    assert result["changed"] is True and result["arn"] == ARN and result["issuer"] == PATH


def test_an_unchanged_provider_reports_no_change(aws_stubs, run_module):
    stub = aws_stubs("iam")
    _listed(stub, [ARN])
    _provider(stub)
    assert run_module(iam_oidc_provider, dict(url=ISSUER, region=REGION))["changed"] is False


def test_check_mode_then_apply_a_new_client_id(aws_stubs, run_module):
    stub = aws_stubs("iam")
    for _run in range(2):
        _listed(stub, [ARN])
        _provider(stub)
    args = dict(url=ISSUER, region=REGION, client_ids=["sts.amazonaws.com", "vault"])
    assert run_module(iam_oidc_provider, args, check_mode=True)["changed"] is True
    stub.add_response("add_client_id_to_open_id_connect_provider", {},
                      {"OpenIDConnectProviderArn": ARN, "ClientID": "vault"})
    _provider(stub, clients=("sts.amazonaws.com", "vault"))
    result = run_module(iam_oidc_provider, args, diff=True)
    assert result["changed"] is True and result["diff"]["after"]["client_ids"] == ["sts.amazonaws.com", "vault"]


def test_permission_denied_is_named(aws_stubs, run_module):
    aws_stubs("iam").add_client_error("list_open_id_connect_providers", "AccessDenied", "not authorized", 403)
    failure = fails(run_module, iam_oidc_provider, dict(url=ISSUER, region=REGION))
    assert "OIDC provider %s" % PATH in failure["msg"] and "permission denied (AccessDenied" in failure["msg"]
