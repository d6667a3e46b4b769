"""An agent logs in to Vault with a real ServiceAccount token of the local cluster and
reads what its tier's policy allows, and nothing else.

Vault (OpenBao, on 127.0.0.1) is configured by the modules with the cluster's API
address and CA from the kubeconfig and the token of a reviewer ServiceAccount bound to
system:auth-delegator; at login it sends the agent's token to the kube-apiserver
(TokenReview). The cluster is the one `make local-up` starts: when it is not up this
test fails and says so.
"""

import os
import pathlib

import hvac
import hvac.exceptions
import pytest

from ansible_collections.mas.platform.plugins.modules import (
    vault_auth_method,
    vault_auth_role,
    vault_policy,
    vault_secrets_engine,
)

CACHE = pathlib.Path(os.environ.get("MAS_CACHE_DIR") or pathlib.Path.home() / ".cache/mas-platform")
KUBECONFIG = pathlib.Path(os.environ.get("K8S_AUTH_KUBECONFIG")
                          or CACHE / "kwok/clusters/mas-local/kubeconfig.yaml")


@pytest.fixture(scope="module")
def cluster():
    """(ApiClient, API URL, CA PEM) of the local cluster; fails when it is not up."""
    from kubernetes import client, config

    if not KUBECONFIG.exists():
        pytest.fail("the local cluster is not up: no kubeconfig at %s (start it with `make local-up`)" % KUBECONFIG)
    configuration = client.Configuration()
    config.load_kube_config(config_file=str(KUBECONFIG), client_configuration=configuration)
    api_client = client.ApiClient(configuration)
    try:
        client.VersionApi(api_client).get_code()
    except Exception as exc:  # pylint: disable=broad-except
        pytest.fail("the local cluster is not up: its API server at %s does not answer (%s); start it with "
                    "`make local-up`" % (configuration.host, type(exc).__name__))
    if not configuration.ssl_ca_cert:
        pytest.fail("the kubeconfig at %s names no CA for the API server" % KUBECONFIG)
    ca_pem = pathlib.Path(configuration.ssl_ca_cert).read_text()
    return api_client, configuration.host, ca_pem


@pytest.fixture
def agent_namespace(cluster, unique):
    """A namespace with two agents' ServiceAccounts and a reviewer ServiceAccount bound to
    system:auth-delegator; deleted afterwards."""
    from kubernetes import client

    api_client = cluster[0]
    core, rbac = client.CoreV1Api(api_client), client.RbacAuthorizationV1Api(api_client)
    name = "vault-login-" + unique
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    for account in ("vault-reviewer", "task-executor", "learning-agent"):
        core.create_namespaced_service_account(name, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name=account)))
    binding = client.V1ClusterRoleBinding(
        metadata=client.V1ObjectMeta(name=name + "-auth-delegator"),
        role_ref=client.V1RoleRef(api_group="rbac.authorization.k8s.io", kind="ClusterRole", name="system:auth-delegator"),
        subjects=[client.RbacV1Subject(kind="ServiceAccount", name="vault-reviewer", namespace=name)])
    rbac.create_cluster_role_binding(binding)
    yield name
    rbac.delete_cluster_role_binding(name + "-auth-delegator")
    core.delete_namespace(name)


def _token(cluster, namespace, account):
    """A bound ServiceAccount token from the TokenRequest API."""
    from kubernetes import client

    request = client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=3600))
    response = client.CoreV1Api(cluster[0]).create_namespaced_service_account_token(account, namespace, request)
    return response.status.token


def test_agent_logs_in_with_its_serviceaccount_and_reads_only_its_tier(
        run_module, cluster, agent_namespace, vault_server, vault_args, unique):
    _, api_url, ca_pem = cluster
    mount, kv = "k8s-login-" + unique, "platform-login-" + unique
    run_module(vault_secrets_engine, dict(vault_args, path=kv))
    for tier in ("task-executor", "learning-agent"):
        policy = 'path "%s/data/agents/%s/*" {\n  capabilities = ["read"]\n}\n' % (kv, tier)
        run_module(vault_policy, dict(vault_args, name="agent-%s-%s" % (unique, tier), policy=policy))
        assert vault_server.api("POST", "%s/data/agents/%s/db" % (kv, tier), {"data": {"password": tier}})[0] == 200
    configured = run_module(vault_auth_method, dict(
        vault_args, type="kubernetes", path=mount,
        kubernetes=dict(kubernetes_host=api_url, kubernetes_ca_cert=ca_pem,
                        token_reviewer_jwt=_token(cluster, agent_namespace, "vault-reviewer"))))
    assert configured["changed"] and configured["config"]["token_reviewer_jwt_set"]
    for tier in ("task-executor", "learning-agent"):
        run_module(vault_auth_role, dict(
            vault_args, method="kubernetes", mount_point=mount, name=tier,
            bound_service_account_names=[tier], bound_service_account_namespaces=[agent_namespace],
            token_policies=["agent-%s-%s" % (unique, tier)], token_ttl="10m"))

    agent = hvac.Client(url=vault_server.url)
    login = agent.auth.kubernetes.login(role="task-executor", jwt=_token(cluster, agent_namespace, "task-executor"),
                                        mount_point=mount)
    assert "agent-%s-task-executor" % unique in login["auth"]["policies"]
    assert login["auth"]["metadata"]["service_account_namespace"] == agent_namespace

    own = agent.secrets.kv.v2.read_secret_version(mount_point=kv, path="agents/task-executor/db",
                                                  raise_on_deleted_version=True)
    assert own["data"]["data"] == {"password": "task-executor"}
    with pytest.raises(hvac.exceptions.Forbidden):
        agent.secrets.kv.v2.read_secret_version(mount_point=kv, path="agents/learning-agent/db",
                                                raise_on_deleted_version=True)
    with pytest.raises(hvac.exceptions.Forbidden):
        agent.secrets.kv.v2.create_or_update_secret(mount_point=kv, path="agents/task-executor/db",
                                                    secret={"password": "overwritten"})

    # Another agent's ServiceAccount cannot log in with the task executors' role.
    other = hvac.Client(url=vault_server.url)
    with pytest.raises(hvac.exceptions.Forbidden):
        other.auth.kubernetes.login(role="task-executor", jwt=_token(cluster, agent_namespace, "learning-agent"),
                                    mount_point=mount)
    # A token that is not the cluster's is refused by the TokenReview.
    with pytest.raises(hvac.exceptions.VaultError):
        other.auth.kubernetes.login(role="task-executor", jwt="not.a.jwt", mount_point=mount)
