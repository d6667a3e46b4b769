"""The pure functions of the vault_* modules: normalization, comparison, plans."""

import pytest

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.vault.mounts import plan_mount
from ansible_collections.mas.platform.plugins.module_utils.vault.state import (
    as_pem,
    as_policy_names,
    clean_path,
    field_changes,
    find_mount,
    kubernetes_config_changes,
    KUBERNETES_ROLE_FIELDS,
    kv_secret_plan,
    masked,
    mount_state,
    MOUNT_TUNE_FIELDS,
    normalize_policy,
    parse_duration,
    state_diff,
)


@pytest.mark.parametrize("value, seconds", [
    (0, 0), (90, 90), ("90", 90), ("90s", 90), ("30m", 1800), ("1h", 3600), ("1h30m", 5400),
    ("7d", 604800), (" 2H ", 7200), (None, None),
])
def test_parse_duration(value, seconds):
    assert parse_duration(value, "token_ttl") == seconds


@pytest.mark.parametrize("value, message", [
    ("soon", "token_ttl: expected a duration such as '1h', '30m' or '90s', got 'soon'"),
    ("1h 30m", "token_ttl: expected a duration"),
    ("1w", "token_ttl: expected a duration"),
    ("", "token_ttl: expected a duration"),
    (-1, "token_ttl: a duration cannot be negative, got -1"),
    (True, "token_ttl: expected a duration such as '1h' or a number of seconds, got True"),
])
def test_parse_duration_names_the_key(value, message):
    with pytest.raises(PlatformError) as failure:
        parse_duration(value, "token_ttl")
    assert message in failure.value.msg


def test_policy_normalization_ignores_layout_only():
    text = 'path "a/*" {\n  capabilities = ["read"]\n}\n'
    assert normalize_policy("\n" + text.replace("\n", "  \r\n") + "\n\n") == normalize_policy(text)
    assert normalize_policy(text) != normalize_policy(text.replace("read", "list"))
    assert normalize_policy(text) != normalize_policy("# a comment\n" + text)


def test_pem_and_policy_names_normalize_like_vault():
    assert as_pem("-----BEGIN X-----\r\nAAA \n-----END X-----\n\n") == "-----BEGIN X-----\nAAA\n-----END X-----"
    assert as_policy_names(["B", "a", "b"]) == ["a", "b"]
    assert as_policy_names(None) == []


# (desired, current, expected changes)
ROLE_CASES = [
    pytest.param(dict(token_ttl="1h", bound_service_account_names=["x"]), None,
                 dict(token_ttl=[None, 3600], bound_service_account_names=[None, ["x"]]), id="create"),
    pytest.param(dict(token_ttl="1h"), dict(token_ttl=3600), {}, id="same-duration-other-form"),
    pytest.param(dict(bound_service_account_names=["b", "a", "a"]), dict(bound_service_account_names=["a", "b"]), {},
                 id="set-order-and-duplicates"),
    pytest.param(dict(token_policies=["P1"]), dict(token_policies=["p1"]), {}, id="policy-case"),
    pytest.param(dict(token_ttl=None, audience="vault"), dict(token_ttl=60, audience=""),
                 dict(audience=["", "vault"]), id="only-given-fields"),
    pytest.param(dict(token_no_default_policy=False), dict(token_no_default_policy=True),
                 dict(token_no_default_policy=[True, False]), id="false-is-given"),
    pytest.param(dict(bound_service_account_namespaces=["a"]), dict(bound_service_account_namespaces=None),
                 dict(bound_service_account_namespaces=[[], ["a"]]), id="null-list"),
]


@pytest.mark.parametrize("desired, current, expected", ROLE_CASES)
def test_field_changes(desired, current, expected):
    assert field_changes(KUBERNETES_ROLE_FIELDS, desired, current) == expected


def test_state_diff_shows_given_fields_only():
    before, after = state_diff(KUBERNETES_ROLE_FIELDS, dict(token_ttl="2h"), dict(token_ttl=3600, token_num_uses=3))
    assert before == dict(token_ttl=3600) and after == dict(token_ttl=7200)
    assert state_diff(KUBERNETES_ROLE_FIELDS, dict(token_ttl="2h"), None) == (None, dict(token_ttl=7200))
    assert state_diff(KUBERNETES_ROLE_FIELDS, dict(token_ttl="2h"), dict(token_ttl=1), present=False) == (
        dict(token_ttl=1), None)


@pytest.mark.parametrize("current_set, jwt, update, expected", [
    (False, "jwt", False, [False, True]),
    (True, "jwt", False, None),
    (True, "jwt", True, [True, True]),
    (True, None, False, [True, False]),
    (False, None, False, None),
])
def test_reviewer_jwt_is_compared_by_presence(current_set, jwt, update, expected):
    desired = dict(kubernetes_host="https://k", kubernetes_ca_cert="", disable_local_ca_jwt=False,
                   disable_iss_validation=True, issuer="", pem_keys=[])
    current = dict(desired, token_reviewer_jwt_set=current_set)
    changes = kubernetes_config_changes(desired, current, jwt, update)
    assert changes.get("token_reviewer_jwt_set") == expected
    assert "jwt" not in repr(changes).replace("token_reviewer_jwt_set", "")


LISTING = {
    "kubernetes/": {"type": "kubernetes", "description": "", "options": None,
                    "config": {"default_lease_ttl": 0, "max_lease_ttl": 0, "token_type": "default-service"}},
    "platform/": {"type": "kv", "description": "p", "options": {"version": "2"},
                  "config": {"default_lease_ttl": 3600, "max_lease_ttl": 0, "listing_visibility": "unauth"}},
    "request_id": "ignored",
}


def test_mount_state_from_a_listing():
    assert mount_state(find_mount(LISTING, "platform")) == dict(
        type="kv", description="p", default_lease_ttl=3600, max_lease_ttl=0, listing_visibility="unauth",
        options={"version": "2"})
    assert find_mount(LISTING, "absent") is None and mount_state(None) is None


def _tune(**given):
    tune = dict((k, None) for k in MOUNT_TUNE_FIELDS)
    tune.update(given)
    return tune


@pytest.mark.parametrize("mount_type, tune, options, present, current, action, changes", [
    ("kv", _tune(), {"version": "2"}, True, None, "enable", {"type": [None, "kv"], "version": [None, "2"]}),
    ("kv", _tune(description="p", default_lease_ttl="1h"), {"version": "2"}, True, "platform", None, {}),
    ("kv", _tune(description="q"), {"version": "2"}, True, "platform", "tune", {"description": ["p", "q"]}),
    ("kv", _tune(), {"version": "2"}, False, "platform", "disable", {"mounted": [True, False]}),
    ("kv", _tune(), {"version": "2"}, False, None, None, {}),
])
def test_plan_mount(mount_type, tune, options, present, current, action, changes):
    state = mount_state(find_mount(LISTING, current)) if current else None
    assert plan_mount("secrets", "platform", mount_type, tune, options, present, state) == (changes, action)


@pytest.mark.parametrize("path, mount_type, options, message", [
    ("platform", "transit", None, "path: platform/ is a kv secrets engine, not transit"),
    ("platform", "kv", {"version": "1"}, "version: platform/ is a KV version 2 engine"),
    ("sys", "kv", None, "path: 'sys' is reserved by Vault"),
])
def test_plan_mount_refuses(path, mount_type, options, message):
    state = mount_state(find_mount(LISTING, "platform"))
    with pytest.raises(PlatformError) as failure:
        plan_mount("secrets", path, mount_type, _tune(), options, True, state)
    assert message in failure.value.msg


@pytest.mark.parametrize("value", ["", "/", "a/../b", None])
def test_clean_path_refuses(value):
    with pytest.raises(PlatformError, match="mount_point: .* is not a mount path"):
        clean_path(value, "mount_point")


def test_kv_plan_generates_missing_keys_only():
    generated = dict(password="NEW", cookie="NEWCOOKIE")
    data, changed, made = kv_secret_plan(dict(password="OLD", other="x"), dict(user="u"), ["password", "cookie"],
                                         generated)
    assert data == dict(password="OLD", other="x", user="u", cookie="NEWCOOKIE")
    assert changed == ["cookie", "user"] and made == ["cookie"]
    assert kv_secret_plan(data, dict(user="u"), ["password", "cookie"], {}) == (data, [], [])


def test_kv_plan_refuses_a_key_both_given_and_generated():
    with pytest.raises(PlatformError, match="generate: key 'k' is also given in data"):
        kv_secret_plan(None, dict(k="v"), ["k"], dict(k="g"))


def test_masked_shows_keys_never_values():
    assert masked(dict(b="secret-b", a="secret-a")) == dict(a="<hidden>", b="<hidden>")
    assert masked(None) is None
