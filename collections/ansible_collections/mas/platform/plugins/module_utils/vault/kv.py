# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Vault's KV v2 secrets: read with their version, write with check-and-set.

Shared by vault_kv_secret and the credentials of k8s_apply (k8s/credentials.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError


def read_kv(vault, mount, path):
    """(data or None, current version) of a KV v2 secret: a secret whose latest version
    is deleted has a version but no data; one that never existed has version 0."""
    secret = vault.read("%s/data/%s" % (mount, path), "read the secret")
    if secret is not None:
        return dict(secret.get("data") or {}), int((secret.get("metadata") or {}).get("version") or 0)
    metadata = vault.read("%s/metadata/%s" % (mount, path), "read the metadata of the secret")
    return None, int((metadata or {}).get("current_version") or 0)


def write_kv(vault, mount, path, data, version):
    """Write ``data`` as the next version, only if the secret is still at ``version``
    (check-and-set); returns the new version. Fails, naming the path, when someone wrote
    in between."""
    vault.write("%s/data/%s" % (mount, path), dict(options=dict(cas=version), data=data), "write the secret")
    written, new_version = read_kv(vault, mount, path)
    if set(written or {}) != set(data):
        raise PlatformError("%s/data/%s: the secret changed while it was written; run again" % (mount, path))
    return new_version
