"""The vault_* modules against a real OpenBao server: every change four ways (check mode
reports it, apply, check mode reports none, apply reports none), the state checked
through the API, and bad input that changes nothing."""

import pytest

from ansible_collections.mas.platform.plugins.modules import (
    vault_auth_method,
    vault_auth_role,
    vault_kv_secret,
    vault_policy,
    vault_secrets_engine,
)

from vault_helpers import POLICY, ca_pem as _ca_pem

# -- policies -----------------------------------------------------------------------------

def test_policy_created_updated_deleted_four_ways(run_module, four_way, vault_server, vault_args, unique):
    name = "agent-" + unique
    path = "sys/policies/acl/" + name
    args = dict(vault_args, name=name, policy=POLICY % "a")
    check, applied = four_way(vault_policy, args,
                              verify_unchanged=lambda: _assert_status(vault_server, path, 404))
    assert check["diff"] == {"before": {"policy": ""}, "after": {"policy": POLICY % "a"}}
    assert vault_server.api("GET", path)[1]["data"]["policy"] == POLICY % "a"

    four_way(vault_policy, dict(args, policy=POLICY % "b"))
    assert vault_server.api("GET", path)[1]["data"]["policy"] == POLICY % "b"

    four_way(vault_policy, dict(vault_args, name=name, state="absent"))
    _assert_status(vault_server, path, 404)


def test_policy_whitespace_is_not_a_change(run_module, vault_args, unique):
    args = dict(vault_args, name="ws-" + unique, policy=POLICY % "a")
    assert run_module(vault_policy, args)["changed"]
    reformatted = "\n\n" + (POLICY % "a").replace("\n", "   \r\n") + "\n\n"
    assert not run_module(vault_policy, dict(args, policy=reformatted))["changed"]


@pytest.mark.parametrize("args, message", [
    (dict(name="root", policy=POLICY % "a"), "name: Vault does not allow changing the 'root' policy"),
    (dict(name="default", state="absent"), "name: Vault does not allow deleting the 'default' policy"),
    (dict(name="x/y", policy=POLICY % "a"), "name: 'x/y' is not a policy name"),
    (dict(name="p", policy=" "), "policy: the policy text is required"),
])
def test_policy_bad_input(run_module, fail_message, vault_args, args, message):
    assert message in fail_message(vault_policy, dict(vault_args, **args))


def test_policy_missing_text_names_the_option(run_module, fail_message, vault_args):
    assert "policy" in fail_message(vault_policy, dict(vault_args, name="p"))


def test_policy_syntax_error_is_refused_and_changes_nothing(run_module, fail_message, vault_server, vault_args, unique):
    name = "bad-" + unique
    message = fail_message(vault_policy, dict(vault_args, name=name, policy='path "x" { capabilities = '))
    assert "refused to write the policy sys/policies/acl/%s" % name in message
    _assert_status(vault_server, "sys/policies/acl/" + name, 404)


# -- secrets engines ------------------------------------------------------------------------

def test_kv2_engine_four_ways_then_tuned_then_disabled(four_way, vault_server, vault_args, unique):
    path = "kv-" + unique
    args = dict(vault_args, path=path)
    check, applied = four_way(vault_secrets_engine, args,
                              verify_unchanged=lambda: _assert_not_mounted(vault_server, "sys/mounts", path))
    assert check["diff"]["before"] is None and check["diff"]["after"]["options"] == {"version": "2"}
    assert applied["mount"]["type"] == "kv" and applied["mount"]["options"] == {"version": "2"}
    mount = vault_server.api("GET", "sys/mounts")[1]["data"][path + "/"]
    assert mount["type"] == "kv" and mount["options"]["version"] == "2"

    _, tuned = four_way(vault_secrets_engine, dict(args, description="platform secrets", max_lease_ttl="48h"))
    assert tuned["changes"] == {"description": ["", "platform secrets"], "max_lease_ttl": [0, 172800]}
    mount = vault_server.api("GET", "sys/mounts")[1]["data"][path + "/"]
    assert mount["description"] == "platform secrets" and mount["config"]["max_lease_ttl"] == 172800

    four_way(vault_secrets_engine, dict(args, state="absent"))
    _assert_not_mounted(vault_server, "sys/mounts", path)


def test_kv1_engine_is_upgraded_to_version_2(run_module, vault_server, vault_args, unique):
    path = "kv1-" + unique
    assert vault_server.api("POST", "sys/mounts/" + path, {"type": "kv", "options": {"version": "1"}})[0] == 204
    result = run_module(vault_secrets_engine, dict(vault_args, path=path), diff=True)
    assert result["changed"] and result["changes"] == {"version": ["1", "2"]}
    assert vault_server.api("GET", "sys/mounts")[1]["data"][path + "/"]["options"]["version"] == "2"


def test_kv2_engine_is_not_downgraded(run_module, fail_message, vault_server, vault_args, unique):
    path = "kv2-" + unique
    run_module(vault_secrets_engine, dict(vault_args, path=path))
    message = fail_message(vault_secrets_engine, dict(vault_args, path=path, version=1))
    assert "version: %s/ is a KV version 2 engine; Vault cannot downgrade" % path in message


def test_engine_of_another_type_is_not_replaced(run_module, fail_message, vault_server, vault_args, unique):
    path = "transit-" + unique
    assert vault_server.api("POST", "sys/mounts/" + path, {"type": "transit"})[0] == 204
    message = fail_message(vault_secrets_engine, dict(vault_args, path=path))
    assert "path: %s/ is a transit secrets engine, not kv" % path in message
    assert vault_server.api("GET", "sys/mounts")[1]["data"][path + "/"]["type"] == "transit"


@pytest.mark.parametrize("args, message", [
    (dict(path="kv-x", default_lease_ttl="soon"), "default_lease_ttl: expected a duration"),
    (dict(path="kv-x", max_lease_ttl=-5), "max_lease_ttl: a duration cannot be negative"),
    (dict(path="/"), "path: '/' is not a mount path"),
    (dict(path="sys"), "path: 'sys' is reserved by Vault"),
])
def test_engine_bad_input_changes_nothing(run_module, fail_message, vault_server, vault_args, args, message):
    assert message in fail_message(vault_secrets_engine, dict(vault_args, **args))
    _assert_not_mounted(vault_server, "sys/mounts", "kv-x")


# -- auth methods --------------------------------------------------------------------------

def test_cert_auth_method_four_ways_then_disabled(four_way, vault_server, vault_args, unique):
    path = "tls-" + unique
    args = dict(vault_args, type="cert", path=path, description="services with platform certificates",
                default_lease_ttl="1h")
    four_way(vault_auth_method, args, verify_unchanged=lambda: _assert_not_mounted(vault_server, "sys/auth", path))
    mount = vault_server.api("GET", "sys/auth")[1]["data"][path + "/"]
    assert mount["type"] == "cert" and mount["config"]["default_lease_ttl"] == 3600

    four_way(vault_auth_method, dict(args, listing_visibility="unauth", default_lease_ttl="30m"))
    four_way(vault_auth_method, dict(vault_args, type="cert", path=path, state="absent"))
    _assert_not_mounted(vault_server, "sys/auth", path)


def test_kubernetes_auth_method_and_config_four_ways(four_way, run_module, vault_server, vault_args, unique):
    path = "k8s-" + unique
    ca = _ca_pem()
    reviewer = "reviewer-jwt-" + unique
    config = dict(kubernetes_host="https://127.0.0.1:6443", kubernetes_ca_cert=ca, token_reviewer_jwt=reviewer)
    args = dict(vault_args, type="kubernetes", path=path, kubernetes=config)
    check, applied = four_way(vault_auth_method, args)
    assert check["changes"]["config.token_reviewer_jwt_set"] == [None, True]
    assert applied["config"]["kubernetes_host"] == "https://127.0.0.1:6443"
    assert applied["config"]["token_reviewer_jwt_set"] is True
    assert reviewer not in repr(check) and reviewer not in repr(applied)
    stored = vault_server.api("GET", "auth/%s/config" % path)[1]["data"]
    assert stored["kubernetes_host"] == "https://127.0.0.1:6443" and stored["token_reviewer_jwt_set"]
    assert stored["kubernetes_ca_cert"].strip() == ca.strip()

    # A changed host is written; the stored reviewer JWT (unreadable) is written again with it.
    _, moved = four_way(vault_auth_method, dict(args, kubernetes=dict(config, kubernetes_host="https://127.0.0.1:7443")))
    assert moved["changes"] == {"config.kubernetes_host": ["https://127.0.0.1:6443", "https://127.0.0.1:7443"]}
    stored = vault_server.api("GET", "auth/%s/config" % path)[1]["data"]
    assert stored["kubernetes_host"] == "https://127.0.0.1:7443" and stored["token_reviewer_jwt_set"]

    # A rotated reviewer JWT can only be detected by the user: update_token_reviewer_jwt writes it.
    rotate = dict(args, kubernetes=dict(config, kubernetes_host="https://127.0.0.1:7443",
                                        token_reviewer_jwt="rotated-" + unique, update_token_reviewer_jwt=True))
    assert run_module(vault_auth_method, rotate, check_mode=True)["changed"]
    assert run_module(vault_auth_method, rotate)["changed"]

    # Without a reviewer JWT, the stored one is removed (Vault then reviews with each login's JWT).
    no_reviewer = dict(args, kubernetes=dict(kubernetes_host="https://127.0.0.1:7443", kubernetes_ca_cert=ca))
    _, removed = four_way(vault_auth_method, no_reviewer)
    assert removed["changes"] == {"config.token_reviewer_jwt_set": [True, False]}
    assert not vault_server.api("GET", "auth/%s/config" % path)[1]["data"]["token_reviewer_jwt_set"]


def test_auth_method_of_another_type_is_not_replaced(run_module, fail_message, vault_server, vault_args, unique):
    path = "m-" + unique
    assert vault_server.api("POST", "sys/auth/" + path, {"type": "userpass"})[0] == 204
    message = fail_message(vault_auth_method, dict(vault_args, type="cert", path=path))
    assert "path: %s/ is a userpass auth method, not cert" % path in message
    assert vault_server.api("GET", "sys/auth")[1]["data"][path + "/"]["type"] == "userpass"


@pytest.mark.parametrize("args, message", [
    (dict(type="cert", path="c-x", kubernetes=dict(kubernetes_host="https://h")),
     "kubernetes: this configuration is for type kubernetes, not cert"),
    (dict(type="kubernetes", path="c-x", kubernetes=dict(kubernetes_ca_cert="x")), "kubernetes_host"),
    (dict(type="cert", path="c-x", max_lease_ttl="1 week"), "max_lease_ttl: expected a duration"),
    (dict(type="token"), "path: 'token' is reserved by Vault"),
    (dict(type="cert", path="c-x", listing_visibility="public"), "listing_visibility"),
])
def test_auth_method_bad_input_changes_nothing(run_module, fail_message, vault_server, vault_args, args, message):
    assert message in fail_message(vault_auth_method, dict(vault_args, **args))
    _assert_not_mounted(vault_server, "sys/auth", "c-x")


def test_kubernetes_config_refused_by_vault_leaves_the_method_without_config(run_module, fail_message, vault_server, vault_args, unique):
    path = "k8s-noca-" + unique
    args = dict(vault_args, type="kubernetes", path=path, kubernetes=dict(kubernetes_host="https://127.0.0.1:6443"))
    assert "refused to write the configuration auth/%s/config" % path in fail_message(vault_auth_method, args)


# -- auth roles --------------------------------------------------------------------------------

@pytest.fixture
def kubernetes_mount(vault_server, unique):
    path = "k8s-roles-" + unique
    assert vault_server.api("POST", "sys/auth/" + path, {"type": "kubernetes"})[0] == 204
    return path


@pytest.fixture
def cert_mount(vault_server, unique):
    path = "cert-roles-" + unique
    assert vault_server.api("POST", "sys/auth/" + path, {"type": "cert"})[0] == 204
    return path


def test_kubernetes_role_four_ways(four_way, run_module, vault_server, vault_args, kubernetes_mount):
    role_path = "auth/%s/role/task-executor" % kubernetes_mount
    args = dict(vault_args, method="kubernetes", mount_point=kubernetes_mount, name="task-executor",
                bound_service_account_names=["task-executor"], bound_service_account_namespaces=["agent-system"],
                token_policies=["agent-task-executor"], token_ttl="1h")
    check, applied = four_way(vault_auth_role, args, verify_unchanged=lambda: _assert_status(vault_server, role_path, 404))
    assert check["diff"]["before"] is None
    assert applied["role"] == dict(bound_service_account_names=["task-executor"],
                                   bound_service_account_namespaces=["agent-system"],
                                   token_policies=["agent-task-executor"], token_ttl=3600)
    stored = vault_server.api("GET", role_path)[1]["data"]
    assert stored["token_policies"] == ["agent-task-executor"] and stored["token_ttl"] == 3600

    # Same meaning, other form: not a change.
    same = dict(args, bound_service_account_names=["task-executor", "task-executor"], token_ttl=3600,
                token_policies=["Agent-Task-Executor"])
    assert not run_module(vault_auth_role, same, check_mode=True)["changed"]

    _, updated = four_way(vault_auth_role, dict(args, bound_service_account_namespaces=["agent-system", "learning"]))
    assert updated["changes"] == {"bound_service_account_namespaces": [["agent-system"], ["agent-system", "learning"]]}
    # Fields not given stay as they are.
    assert vault_server.api("GET", role_path)[1]["data"]["token_ttl"] == 3600

    four_way(vault_auth_role, dict(vault_args, method="kubernetes", mount_point=kubernetes_mount,
                                   name="task-executor", state="absent"))
    _assert_status(vault_server, role_path, 404)


def test_cert_role_four_ways(four_way, vault_server, vault_args, cert_mount):
    ca = _ca_pem("platform-ca")
    args = dict(vault_args, method="cert", mount_point=cert_mount, name="consul", certificate=ca,
                allowed_common_names=["consul.platform.internal"], token_policies=["service-consul"])
    four_way(vault_auth_role, args)
    stored = vault_server.api("GET", "auth/%s/certs/consul" % cert_mount)[1]["data"]
    assert stored["allowed_common_names"] == ["consul.platform.internal"]
    assert stored["certificate"].strip() == ca.strip()
    _, rotated = four_way(vault_auth_role, dict(args, certificate=_ca_pem("platform-ca-2")))
    assert list(rotated["changes"]) == ["certificate"]


def test_role_without_its_auth_method(run_module, fail_message, vault_server, vault_args, unique):
    args = dict(vault_args, method="kubernetes", mount_point="absent-" + unique, name="r",
                bound_service_account_names=["a"], bound_service_account_namespaces=["b"])
    expected = "mount_point: no auth method is enabled at auth/absent-%s/ on %s" % (unique, vault_server.url)
    assert expected in fail_message(vault_auth_role, args)
    # In check mode an earlier task of the same run may enable it: reported as to be created.
    result = run_module(vault_auth_role, args, check_mode=True)
    assert result["changed"] and result["role"]["bound_service_account_names"] == ["a"]


@pytest.mark.parametrize("args, message", [
    (dict(method="cert", name="r"), "method: auth/%(mount)s/ is a kubernetes auth method, not cert"),
    (dict(method="kubernetes", name="r", certificate="x"),
     "certificate: this option is for roles of a cert auth method, not kubernetes"),
    (dict(method="kubernetes", name="r", bound_service_account_names=["a"]),
     "bound_service_account_namespaces: required to create the kubernetes role r"),
    (dict(method="kubernetes", name="r", bound_service_account_names=["a"],
          bound_service_account_namespaces=["b"], token_ttl="forever"), "token_ttl: expected a duration"),
    (dict(method="kubernetes", name="a/b", bound_service_account_names=["a"],
          bound_service_account_namespaces=["b"]), "name: 'a/b' is not a role name"),
])
def test_role_bad_input_changes_nothing(run_module, fail_message, vault_server, vault_args, kubernetes_mount, args, message):
    failure = fail_message(vault_auth_role, dict(vault_args, mount_point=kubernetes_mount, **args))
    assert message % dict(mount=kubernetes_mount) in failure
    assert vault_server.api("LIST", "auth/%s/role" % kubernetes_mount)[0] == 404


# -- KV v2 secrets ---------------------------------------------------------------------------------

@pytest.fixture
def kv_mount(vault_server, unique):
    path = "secrets-" + unique
    assert vault_server.api("POST", "sys/mounts/" + path, {"type": "kv", "options": {"version": "2"}})[0] == 204
    return path


def test_kv_secret_generated_once_never_rotated(four_way, run_module, vault_server, vault_args, kv_mount):
    args = dict(vault_args, mount=kv_mount, path="core/rabbitmq", data={"username": "platform"},
                generate=["password"])
    check, applied = four_way(vault_kv_secret, args,
                              verify_unchanged=lambda: _assert_status(vault_server, kv_mount + "/data/core/rabbitmq", 404))
    assert check["generated_keys"] == ["password"] and applied["keys"] == ["password", "username"]
    stored = vault_server.api("GET", kv_mount + "/data/core/rabbitmq")[1]["data"]
    password = stored["data"]["password"]
    assert len(password) == 32 and stored["metadata"]["version"] == 1
    assert password not in repr(check) and password not in repr(applied)

    # A new key is generated; the existing password is not rotated.
    _, added = four_way(vault_kv_secret, dict(args, generate=["password", "erlang_cookie"]))
    assert added["generated_keys"] == ["erlang_cookie"] and added["version"] == 2
    stored = vault_server.api("GET", kv_mount + "/data/core/rabbitmq")[1]["data"]["data"]
    assert stored["password"] == password and set(stored) == {"username", "password", "erlang_cookie"}

    # A value given is written when it differs; the diff shows keys, never values.
    _, renamed = four_way(vault_kv_secret, dict(args, data={"username": "mas"}, generate=[]))
    assert renamed["changed_keys"] == ["username"]
    assert renamed["diff"]["after"]["username"] == "<hidden> (changed)"
    assert "mas" not in repr(renamed["diff"])
    assert vault_server.api("GET", kv_mount + "/data/core/rabbitmq")[1]["data"]["data"]["password"] == password

    four_way(vault_kv_secret, dict(vault_args, mount=kv_mount, path="core/rabbitmq", state="absent"))
    _assert_status(vault_server, kv_mount + "/metadata/core/rabbitmq", 404)


@pytest.mark.parametrize("args, message", [
    (dict(path="a", data={"k": "v"}, generate=["k"]), "generate: key 'k' is also given in data"),
    (dict(path="a"), "data: give the keys to write"),
    (dict(path="a", generate=["k"], generate_length=4), "generate_length: 4 is too short"),
])
def test_kv_secret_bad_input_changes_nothing(run_module, fail_message, vault_server, vault_args, kv_mount, args, message):
    assert message in fail_message(vault_kv_secret, dict(vault_args, mount=kv_mount, **args))
    _assert_status(vault_server, kv_mount + "/metadata/a", 404)


def test_kv_secret_on_a_missing_engine_is_named(fail_message, vault_args, unique):
    message = fail_message(vault_kv_secret, dict(vault_args, mount="absent-" + unique, path="a", generate=["k"]))
    assert message.startswith("Vault at %s cannot write the secret absent-%s/data/a: nothing is mounted there"
                              % (vault_args["url"], unique))


# -- helpers -------------------------------------------------------------------------------------

def _assert_status(server, path, expected):
    status, _ = server.api("GET", path)
    assert status == expected, "GET %s: %s, expected %s" % (path, status, expected)


def _assert_not_mounted(server, collection, path):
    assert path + "/" not in server.api("GET", collection)[1]["data"], "%s/ is mounted" % path
