"""Every vault_* module fails with one clear line, and changes nothing, when Vault is
unreachable, sealed, or refuses the token; the connection options come from the
environment when not given."""

import pytest

from ansible_collections.mas.platform.plugins.modules import (
    vault_auth_method,
    vault_auth_role,
    vault_kv_secret,
    vault_policy,
    vault_secrets_engine,
)

from vault_helpers import POLICY, free_port

# Each module with arguments that would make it change something.
MODULE_CALLS = [
    pytest.param(vault_policy, dict(name="err-policy", policy=POLICY % "x"), "read the policy sys/policies/acl/err-policy",
                 id="vault_policy"),
    pytest.param(vault_secrets_engine, dict(path="err-kv"), "list the secrets engines at sys/mounts",
                 id="vault_secrets_engine"),
    pytest.param(vault_auth_method, dict(type="cert", path="err-cert"), "list the auth methods at sys/auth",
                 id="vault_auth_method"),
    pytest.param(vault_auth_role, dict(method="kubernetes", name="r", bound_service_account_names=["a"],
                                       bound_service_account_namespaces=["b"]),
                 "list the auth methods at sys/auth", id="vault_auth_role"),
    pytest.param(vault_kv_secret, dict(mount="platform", path="err/x", generate=["password"]),
                 "read the secret platform/data/err/x", id="vault_kv_secret"),
]


@pytest.fixture
def closed_url():
    return "http://127.0.0.1:%d" % free_port()


@pytest.mark.parametrize("module, args, operation", MODULE_CALLS)
def test_unreachable_vault_names_the_url(fail_message, closed_url, module, args, operation):
    message = fail_message(module, dict(args, url=closed_url, token="t"))
    assert message == "%s: cannot reach Vault: connection refused" % closed_url


@pytest.mark.parametrize("module, args, operation", MODULE_CALLS)
def test_sealed_vault_is_named(fail_message, sealed_vault, module, args, operation):
    message = fail_message(module, dict(args, url=sealed_vault.url, token=sealed_vault.token), check_mode=True)
    assert message == "Vault at %s is sealed: unseal it (operator unseal) and run again" % sealed_vault.url


@pytest.mark.parametrize("module, args, operation", MODULE_CALLS)
def test_invalid_token_is_named_and_not_shown(fail_message, vault_server, module, args, operation):
    token = "s.not-a-real-token-0123456789"
    message = fail_message(module, dict(args, url=vault_server.url, token=token))
    assert message == "Vault at %s refused the token: it is invalid, expired or revoked" % vault_server.url
    assert token not in message


@pytest.mark.parametrize("module, args, operation", MODULE_CALLS)
def test_token_without_permission_names_operation_and_path(fail_message, vault_server, module, args, operation):
    # A valid token with only the default policy: it may look itself up, nothing more.
    status, body = vault_server.api("POST", "auth/token/create", {"ttl": "10m", "policies": ["default"]})
    assert status == 200
    token = body["auth"]["client_token"]
    message = fail_message(module, dict(args, url=vault_server.url, token=token))
    assert message.startswith("Vault at %s: the token may not %s (permission denied" % (vault_server.url, operation))
    assert token not in message


def test_permission_to_read_but_not_write_changes_nothing(fail_message, vault_server, limited_token, unique):
    """The token may list mounts but not enable one: the error names the write."""
    path = "denied-" + unique
    message = fail_message(vault_secrets_engine, dict(url=vault_server.url, token=limited_token, path=path))
    assert "the token may not enable a secrets engine at sys/mounts/%s" % path in message
    assert path + "/" not in vault_server.api("GET", "sys/mounts")[1]["data"]


def test_connection_options_come_from_the_environment(run_module, vault_server, monkeypatch, unique):
    monkeypatch.setenv("VAULT_ADDR", vault_server.url)
    monkeypatch.setenv("VAULT_TOKEN", vault_server.token)
    result = run_module(vault_policy, dict(name="env-" + unique, policy=POLICY % "env"))
    assert result["changed"]
    assert vault_server.api("GET", "sys/policies/acl/env-" + unique)[0] == 200


@pytest.mark.parametrize("missing", ["url", "token"])
def test_missing_connection_option_is_named(fail_message, vault_server, monkeypatch, missing):
    for name in ("VAULT_ADDR", "VAULT_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    args = dict(url=vault_server.url, token=vault_server.token, name="p", policy=POLICY % "p")
    del args[missing]
    assert "missing required arguments: %s" % missing in fail_message(vault_policy, args)


@pytest.mark.parametrize("url", ["127.0.0.1:8200", "vault.example"])
def test_url_without_scheme_is_named(fail_message, url):
    message = fail_message(vault_policy, dict(url=url, token="t", name="p", policy=POLICY % "p"))
    assert message == "url: %r is not a Vault address (expected http(s)://host:port)" % url


def test_tls_to_a_plain_http_server_is_an_endpoint_error(fail_message, vault_server):
    https_url = vault_server.url.replace("http://", "https://")
    message = fail_message(vault_policy, dict(url=https_url, token="t", name="p", policy=POLICY % "p"))
    assert message.startswith(https_url + ": ")
