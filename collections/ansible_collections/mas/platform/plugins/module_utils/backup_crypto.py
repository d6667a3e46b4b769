# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client-side encryption of secret records, and the signature of manifests.

Records that hold secrets (Kubernetes Secrets, RabbitMQ users with their password
hashes) are encrypted before they leave the host, with AES-256-GCM, on top of the
store's server-side encryption. The key is 32 random bytes given base64-encoded
(``encryption_key`` or ``MAS_BACKUP_ENCRYPTION_KEY``; generate one with
``openssl rand -base64 32`` and keep it in Vault, not beside the backups).

The nonce of each record is derived from its content (HMAC-SHA256 of key and payload,
the "synthetic IV" construction): the same record encrypts to the same bytes, so an
unchanged Secret does not make every hourly backup store a new chunk. What this reveals
is only whether two backups hold the same value; a nonce is never reused for different
plaintexts (that would need an HMAC collision).

With the same key, the manifest is signed (HMAC-SHA256 over its canonical JSON): a
restore refuses a manifest whose signature does not match, so that the digests it lists
cannot be edited to match altered chunks.

Three keys are derived from the one given, with HKDF-SHA256: encryption, nonce and
signature. ``key_id`` (8 bytes of a fourth derivation) names the key in manifests
without revealing it, so that a restore with the wrong key says so.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import hashlib
import hmac

from ansible_collections.mas.platform.plugins.module_utils.backup_format import canonical_json, signed_part
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError

try:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    HAS_CRYPTOGRAPHY = True
except ImportError:  # pragma: no cover - reported by PlatformModule
    HAS_CRYPTOGRAPHY = False

CIPHER = "AES-256-GCM-SIV-HMAC"
_NONCE_BYTES = 12


def _derive(key, label):
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"mas-platform-backup/" + label).derive(key)


class BackupKey(object):
    """The keys derived from the backup encryption key."""

    def __init__(self, encoded, option="encryption_key"):
        raw = None
        text = (encoded or "").strip()
        try:
            raw = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            raw = None
        if raw is None or len(raw) != 32:
            raise PlatformError("%s: expected 32 random bytes, base64-encoded (44 characters, e.g. from "
                                "`openssl rand -base64 32`), got %d characters" % (option, len(text)))
        self._aead = AESGCM(_derive(raw, b"encrypt"))
        self._nonce_key = _derive(raw, b"nonce")
        self._sign_key = _derive(raw, b"sign")
        self.key_id = _derive(raw, b"id")[:8].hex()

    def encrypt(self, record_key, payload):
        nonce = hmac.new(self._nonce_key, _frame(record_key, payload), hashlib.sha256).digest()[:_NONCE_BYTES]
        return nonce + self._aead.encrypt(nonce, payload, record_key)

    def decrypt(self, record_key, data, where):
        if len(data) < _NONCE_BYTES + 16:
            raise PlatformError("%s: record %s is too short to be encrypted data" % (where, _show(record_key)))
        try:
            return self._aead.decrypt(data[:_NONCE_BYTES], data[_NONCE_BYTES:], record_key)
        except InvalidTag:
            raise PlatformError("%s: record %s does not decrypt with this key (altered data)" % (where, _show(record_key)))

    def sign(self, manifest):
        return "hmac-sha256:" + hmac.new(self._sign_key, canonical_json(signed_part(manifest)), hashlib.sha256).hexdigest()

    def verify(self, manifest, where):
        expected = self.sign(manifest)
        actual = manifest.get("signature") or ""
        if not hmac.compare_digest(expected, actual):
            raise PlatformError("signature mismatch in %s: the manifest was altered after the backup (or signed by "
                                "another key); nothing was restored" % where)


def _frame(record_key, payload):
    return len(record_key).to_bytes(4, "big") + record_key + payload


def _show(record_key):
    return record_key.decode("utf-8", "replace")


def load_key(encoded, required_for=None, option="encryption_key"):
    """The BackupKey, or None when no key is given and nothing needs one.

    ``required_for``: what needs the key (named in the message when it is missing).
    """
    if not encoded:
        if required_for:
            raise PlatformError("%s: required for %s (set %s or MAS_BACKUP_ENCRYPTION_KEY)"
                                % (option, required_for, option))
        return None
    return BackupKey(encoded, option)


def check_key_matches(manifest, key, where):
    """Refuse a restore with a key other than the one that wrote the backup."""
    wanted = (manifest.get("encryption") or {}).get("key_id")
    if not wanted:
        return
    if key is None:
        raise PlatformError("%s was encrypted and signed with key %s: set encryption_key (or "
                            "MAS_BACKUP_ENCRYPTION_KEY) to restore it" % (where, wanted))
    if key.key_id != wanted:
        raise PlatformError("%s was encrypted with key %s, the encryption_key given is key %s" % (where, wanted, key.key_id))
    key.verify(manifest, where)
