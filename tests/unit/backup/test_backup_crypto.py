"""Client-side encryption of secret records and the manifest signature."""

import base64

import pytest

from ansible_collections.mas.platform.plugins.module_utils.backup_crypto import (
    BackupKey,
    check_key_matches,
    load_key,
)
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError

KEY = base64.b64encode(bytes(range(32))).decode()
OTHER = base64.b64encode(bytes(range(1, 33))).decode()


def test_the_same_record_encrypts_to_the_same_bytes_and_back():
    key = BackupKey(KEY)
    sealed = key.encrypt(b"v1/Secret/agent-system/token", b'{"data": {"token": "czNjcjN0"}}')
    assert sealed == BackupKey(KEY).encrypt(b"v1/Secret/agent-system/token", b'{"data": {"token": "czNjcjN0"}}')
    assert b"czNjcjN0" not in sealed
    assert key.decrypt(b"v1/Secret/agent-system/token", sealed, "item x") == b'{"data": {"token": "czNjcjN0"}}'


def test_different_values_get_different_nonces():
    key = BackupKey(KEY)
    assert key.encrypt(b"k", b"one")[:12] != key.encrypt(b"k", b"two")[:12]
    assert key.encrypt(b"k", b"one")[:12] != key.encrypt(b"j", b"one")[:12]


@pytest.mark.parametrize("record_key, data", [
    (b"other/key", None),  # the key is authenticated: a record cannot be moved
    (b"k", b"tampered"),
])
def test_altered_records_do_not_decrypt(record_key, data):
    key = BackupKey(KEY)
    sealed = key.encrypt(b"k", b"secret value")
    if data:
        sealed = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(PlatformError, match="item x: record .* does not decrypt with this key"):
        key.decrypt(record_key, sealed, "item x")


def test_another_key_does_not_decrypt():
    sealed = BackupKey(KEY).encrypt(b"k", b"secret")
    with pytest.raises(PlatformError, match="does not decrypt"):
        BackupKey(OTHER).decrypt(b"k", sealed, "item x")


@pytest.mark.parametrize("value", ["", "short", "A" * 44, base64.b64encode(b"x" * 16).decode(), "not base64 !!"])
def test_a_bad_key_is_named_without_showing_it(value):
    with pytest.raises(PlatformError) as failure:
        BackupKey(value or " ")
    assert failure.value.msg.startswith("encryption_key: expected 32 random bytes, base64-encoded")
    if value:
        assert value not in failure.value.msg


def test_a_missing_key_is_named_when_needed():
    assert load_key(None) is None
    with pytest.raises(PlatformError, match="encryption_key: required for the Secrets"):
        load_key("", required_for="the Secrets")


def test_the_signature_covers_the_whole_manifest():
    key = BackupKey(KEY)
    manifest = dict(id="20261128T010500Z", items=[dict(name="redis/db0", records=10)], encryption=dict(key_id=key.key_id))
    manifest["signature"] = key.sign(manifest)
    check_key_matches(manifest, key, "s3://b/m.json")
    manifest["items"][0]["records"] = 11
    with pytest.raises(PlatformError, match="signature mismatch in s3://b/m.json"):
        check_key_matches(manifest, key, "s3://b/m.json")


def test_a_restore_with_another_or_no_key_is_refused():
    key = BackupKey(KEY)
    manifest = dict(id="x", encryption=dict(key_id=key.key_id))
    manifest["signature"] = key.sign(manifest)
    with pytest.raises(PlatformError, match="encrypted with key %s, the encryption_key given is key" % key.key_id):
        check_key_matches(manifest, BackupKey(OTHER), "backup x")
    with pytest.raises(PlatformError, match="set encryption_key"):
        check_key_matches(manifest, None, "backup x")
    # A backup without encryption (a model registry backup taken without a key) needs none.
    check_key_matches(dict(id="y"), None, "backup y")
