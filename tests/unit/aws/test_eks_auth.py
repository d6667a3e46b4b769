"""EKS tokens and the kubeconfig of mas.platform.eks_kubeconfig (no aws CLI)."""

import base64
import json
import os
import stat
import subprocess
import sys
import urllib.parse

import yaml

from ansible_collections.mas.platform.plugins.module_utils.aws import eks_auth as aws_eks_auth
from ansible_collections.mas.platform.plugins.modules import eks_kubeconfig

from aws_shapes import CLUSTER, REGION, cluster, fails


def _sts():
    import boto3

    return boto3.session.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret").client(
        "sts", region_name=REGION)


def _query(token):
    url = aws_eks_auth.token_url(token)
    parsed = urllib.parse.urlparse(url)
    return parsed, urllib.parse.parse_qs(parsed.query)


def test_a_token_is_a_presigned_get_caller_identity_for_the_cluster():
    token = aws_eks_auth.eks_token(_sts(), CLUSTER)
    assert token.startswith("k8s-aws-v1.") and "=" not in token
    parsed, query = _query(token)
    assert parsed.netloc == "sts.%s.amazonaws.com" % REGION
    assert query["Action"] == ["GetCallerIdentity"] and query["X-Amz-Expires"] == ["60"]
    assert query["X-Amz-SignedHeaders"][0].split(";") == ["host", "x-k8s-aws-id"]
    assert query["X-Amz-Credential"][0].startswith("AKIDEXAMPLE/")


def test_the_cluster_header_is_not_left_on_the_client():
    sts = _sts()
    aws_eks_auth.eks_token(sts, "one")
    _parsed, query = _query(aws_eks_auth.eks_token(sts, "two"))
    assert query["X-Amz-SignedHeaders"][0] == "host;x-k8s-aws-id"


def test_the_exec_plugin_prints_an_exec_credential_with_the_same_kind_of_token():
    env = dict(os.environ, AWS_ACCESS_KEY_ID="AKIDEXAMPLE", AWS_SECRET_ACCESS_KEY="secret",
               AWS_CONFIG_FILE=os.devnull, AWS_SHARED_CREDENTIALS_FILE=os.devnull)
    env.pop("AWS_ENDPOINT_URL", None)
    user = aws_eks_auth.exec_user(sys.executable, CLUSTER, REGION)
    output = subprocess.run([user["exec"]["command"]] + user["exec"]["args"], env=env, check=True,
                            stdout=subprocess.PIPE, universal_newlines=True).stdout
    credential = json.loads(output)
    assert credential["kind"] == "ExecCredential"
    assert credential["apiVersion"] == user["exec"]["apiVersion"] == "client.authentication.k8s.io/v1beta1"
    plugin_url, plugin_query = _query(credential["status"]["token"])
    module_url, module_query = _query(aws_eks_auth.eks_token(_sts(), CLUSTER))
    assert plugin_url.netloc == module_url.netloc
    for key in ("Action", "Version", "X-Amz-Expires", "X-Amz-SignedHeaders"):
        assert plugin_query[key] == module_query[key]
    assert credential["status"]["expirationTimestamp"].endswith("Z")


def test_merging_keeps_other_clusters_and_replaces_ours():
    other = aws_eks_auth.kubeconfig_entries("other", "https://other", "Q0E=", {"token": "t"})
    existing = aws_eks_auth.merge_kubeconfig(None, other, True)
    old = aws_eks_auth.kubeconfig_entries(CLUSTER, "https://old", "Q0E=", {"token": "t"})
    existing = aws_eks_auth.merge_kubeconfig(existing, old, False)
    assert existing["current-context"] == "other"
    new = aws_eks_auth.kubeconfig_entries(CLUSTER, "https://new", "Q0E=", {"token": "u"})
    merged = aws_eks_auth.merge_kubeconfig(existing, new, True)
    assert [c["name"] for c in merged["clusters"]] == [CLUSTER, "other"]
    assert [c["cluster"]["server"] for c in merged["clusters"]] == ["https://new", "https://other"]
    assert merged["current-context"] == CLUSTER


def _describe(stub):
    stub.add_response("describe_cluster", {"cluster": cluster()}, {"name": CLUSTER})


def test_four_ways_exec_kubeconfig(aws_stubs, run_module, tmp_path):
    stub = aws_stubs("eks")
    path = tmp_path / "kube" / "config"
    args = dict(cluster_name=CLUSTER, region=REGION, path=str(path), python="/usr/bin/python3")
    for _run in range(4):
        _describe(stub)
    planned = run_module(eks_kubeconfig, args, check_mode=True, diff=True)
    assert planned["changed"] is True and not path.exists()
    made = run_module(eks_kubeconfig, args)
    assert made["changed"] is True and path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    config = yaml.safe_load(path.read_text())
    assert config["clusters"][0]["cluster"]["server"] == cluster()["endpoint"]
    assert config["users"][0]["user"]["exec"]["command"] == "/usr/bin/python3"
    assert run_module(eks_kubeconfig, args, check_mode=True)["changed"] is False
    assert run_module(eks_kubeconfig, args)["changed"] is False


def test_token_mode_renews_the_token_without_reporting_a_change(aws_stubs, run_module, tmp_path):
    stub = aws_stubs("eks")
    path = tmp_path / "config"
    args = dict(cluster_name=CLUSTER, region=REGION, path=str(path), auth="token")
    _describe(stub)
    _describe(stub)
    run_module(eks_kubeconfig, args)
    first = yaml.safe_load(path.read_text())["users"][0]["user"]["token"]
    again = run_module(eks_kubeconfig, args, diff=True)
    assert again["changed"] is False
    assert "<redacted>" in json.dumps(again["diff"]) and first not in json.dumps(again["diff"])
    assert yaml.safe_load(path.read_text())["users"][0]["user"]["token"].startswith("k8s-aws-v1.")


def test_a_missing_cluster_is_named(aws_stubs, run_module, tmp_path):
    aws_stubs("eks").add_client_error("describe_cluster", "ResourceNotFoundException", "No cluster found", 404)
    failure = fails(run_module, eks_kubeconfig, dict(cluster_name="nope", region=REGION, path=str(tmp_path / "c")))
    assert failure["msg"] == "cluster_name: EKS cluster nope does not exist in eu-west-1"
    assert not (tmp_path / "c").exists()


def test_a_file_that_is_not_a_kubeconfig_is_named(aws_stubs, run_module, tmp_path):
    _describe(aws_stubs("eks"))
    path = tmp_path / "c"
    path.write_text("- just\n- a list\n")
    failure = fails(run_module, eks_kubeconfig, dict(cluster_name=CLUSTER, region=REGION, path=str(path)))
    assert failure["msg"].startswith("path: %s is not a kubeconfig" % path)


def test_token_base64_has_no_padding():
    token = aws_eks_auth.TOKEN_PREFIX + base64.urlsafe_b64encode(b"https://x/?a=b").decode().rstrip("=")
    assert aws_eks_auth.token_url(token) == "https://x/?a=b"
