"""Credentials generated once and kept (module_utils/k8s/credentials.py): what is kept,
what is generated, and that a placeholder can only become a Secret's data."""

import base64
import re

import pytest

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.k8s.credentials import (
    complete,
    credentials_secret,
    decode_data,
    generate,
    placeholder,
    substitute,
)

KEYS = {"username": {"kind": "value", "value": "mas-admin"}, "password": {"kind": "password", "length": 32},
        "cookie": {"length": 64}, "token": {"kind": "uuid"}, "gossip": {"kind": "base64", "length": 32}}


def test_generates_each_kind():
    values, generated = complete(KEYS, {})
    assert values["username"] == "mas-admin"
    assert re.fullmatch(r"[A-Za-z0-9]{32}", values["password"])
    assert re.fullmatch(r"[A-Za-z0-9]{64}", values["cookie"])
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[0-9a-f]{4}-[0-9a-f]{12}", values["token"])
    assert len(base64.b64decode(values["gossip"])) == 32
    assert sorted(generated) == sorted(KEYS)


def test_keeps_stored_values_and_generates_only_the_missing():
    stored = {"username": "mas-admin", "password": "kept-password", "stale": "not asked for"}
    values, generated = complete(KEYS, stored)
    assert values["password"] == "kept-password"
    assert sorted(generated) == ["cookie", "gossip", "token"]
    assert "stale" not in values


def test_vault_wins_over_the_secret():
    values, generated = complete({"password": {"length": 8}}, {"password": "from-secret"}, {"password": "from-vault"})
    assert values == {"password": "from-vault"} and generated == []


def test_two_generations_differ():
    assert generate("p", {"length": 32}) != generate("p", {"length": 32})


@pytest.mark.parametrize("spec, message", [
    ({"kind": "rot13"}, "kind 'rot13' is not one of"),
    ({"kind": "value"}, "kind value needs a value"),
    ({"kind": "password", "length": 0}, "length 0 is not between 1 and 4096"),
])
def test_bad_key_specs_name_the_key(spec, message):
    with pytest.raises(PlatformError, match=message) as failure:
        generate("admin-password", spec)
    assert "admin-password" in str(failure.value)


def test_secret_round_trip():
    secret = credentials_secret({"name": "redis-credentials", "namespace": "core-services", "labels": {"a": "b"}},
                                {"password": "s3cret"})
    assert secret["data"] == {"password": base64.b64encode(b"s3cret").decode()}
    assert decode_data(secret) == {"password": "s3cret"}


def test_substitute_fills_a_secret_and_moves_string_data_to_data():
    rendered = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "redis-secret-config"},
                "stringData": {"auth.conf": "requirepass %s\n" % placeholder("redis-credentials", "password")}}
    result = substitute(rendered, {"redis-credentials": {"password": "s3cret"}})
    assert "stringData" not in result
    assert base64.b64decode(result["data"]["auth.conf"]).decode() == "requirepass s3cret\n"
    assert rendered["stringData"]["auth.conf"].startswith("requirepass ((")  # the input is left as it was


def test_a_placeholder_outside_a_secret_is_refused():
    config_map = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "leak", "namespace": "x"},
                  "data": {"x": placeholder("redis-credentials", "password")}}
    with pytest.raises(PlatformError, match="ConfigMap/x/leak holds a credential placeholder outside"):
        substitute(config_map, {"redis-credentials": {"password": "s3cret"}})


def test_an_unknown_credential_is_named():
    rendered = {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s", "namespace": "x"},
                "stringData": {"k": placeholder("other-credentials", "password")}}
    with pytest.raises(PlatformError, match="stringData.k names the credential other-credentials/password"):
        substitute(rendered, {"redis-credentials": {"password": "s3cret"}})
