# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retention: delete the backups past their kind's retention, then the chunks that no
remaining backup lists.

- A backup is past its retention when it was created before ``now - retention``.
- The newest *good* backup of each kind is never deleted, even past its retention: good
  means its manifest is complete and every chunk it lists is in the store.
- A chunk is deleted only when no remaining manifest of any kind lists it, it is older
  than ``grace_period`` (a running backup uploads chunks before its manifest), and no
  backup is in progress (a lock younger than ``lock_stale_after``).
- Kinds without a retention are not pruned, but their manifests still protect their chunks.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.backup_format import (
    KINDS,
    chunk_digests,
    parse_backup_id,
    parse_time,
    plan_retention,
    unreferenced_chunks,
    utcnow,
)
from ansible_collections.mas.platform.plugins.module_utils.backup_store import BackupStore
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.schema import parse_duration


def seconds(value, option, allow_zero=False):
    parsed = parse_duration(value)
    if parsed is None or parsed < 0 or (parsed == 0 and not allow_zero):
        raise PlatformError("%s: expected a duration such as '7d', '12h' or '90d', got %r" % (option, value))
    return int(parsed)


def prune(module, store=None):
    params = module.params
    retention = dict((kind, seconds(value, "retention.%s" % kind)) for kind, value in (params["retention"] or {}).items())
    unknown = sorted(k for k in retention if k not in KINDS)
    if unknown:
        raise PlatformError("retention: %s is no kind of backup (kinds: %s)" % (", ".join(unknown), ", ".join(KINDS)))
    grace = seconds(params["grace_period"], "grace_period", allow_zero=True)
    stale = seconds(params["lock_stale_after"], "lock_stale_after")
    store = store or BackupStore(params["store"])
    store.check_bucket()
    now = utcnow()
    chunks = store.stored_chunks()
    stored = set(chunks)
    result = dict(deleted={}, kept={}, last_good={})
    referenced = set()
    delete_keys = []
    for kind in KINDS:
        manifests = {}
        for backup in store.manifest_ids(kind):
            try:
                manifests[backup] = store.get_manifest(kind, backup)
            except PlatformError as exc:
                module.warn("%s: %s" % (backup, exc.msg))
                manifests[backup] = None
        entries = [(b, _created(b, m)) for b, m in manifests.items()]
        entries = [(b, c) for b, c in entries if c is not None]

        good = _good_check(manifests, stored)
        if kind in retention:
            delete, keep, last_good = plan_retention(entries, retention[kind], now, good)
        else:
            delete, keep, last_good = [], [b for b, _c in entries], None
        result["deleted"][kind] = delete
        result["kept"][kind] = keep
        result["last_good"][kind] = last_good
        for backup in keep:
            if manifests.get(backup):
                referenced |= chunk_digests(manifests[backup])
        delete_keys.extend(store.manifest_key(kind, b) for b in delete)
    locks = store.locks()
    active = [key for key, modified in locks if (now - modified).total_seconds() < stale]
    if active:
        orphans = []
        result["chunks_kept_because"] = "backups in progress: %s" % ", ".join(k.rsplit("/", 1)[-1] for k in active)
    else:
        orphans = unreferenced_chunks(chunks, referenced, now, grace)
    result["chunks_deleted"] = len(orphans)
    result["bytes_freed"] = sum(chunks[d][0] for d in orphans)
    result["chunks_kept"] = len(chunks) - len(orphans)
    stale_locks = [key for key, modified in locks if key not in active]
    result["changed"] = bool(delete_keys or orphans or stale_locks)
    result["diff"] = dict(before=dict(backups=dict((k, sorted(v + result["deleted"][k])) for k, v in result["kept"].items()),
                                      chunks=len(chunks)),
                          after=dict(backups=result["kept"], chunks=len(chunks) - len(orphans)))
    if module.check_mode or not result["changed"]:
        return result
    # Manifests first: a chunk is never deleted while a manifest still lists it.
    store.delete(delete_keys)
    store.delete(store.chunk_key(d) for d in orphans)
    store.delete(stale_locks)
    return result


def _good_check(manifests, stored):
    """good(backup id): its manifest is complete and every chunk it lists is stored."""
    def good(backup):
        manifest = manifests.get(backup)
        return bool(manifest) and manifest.get("status") == "complete" and chunk_digests(manifest) <= stored
    return good


def _created(backup, manifest):
    created = parse_time((manifest or {}).get("created"))
    return created or parse_backup_id(backup)
