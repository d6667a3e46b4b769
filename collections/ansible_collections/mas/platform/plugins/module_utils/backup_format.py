# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup format: records, chunks, items and manifests. Pure functions, no I/O.

A backup is a manifest that lists *items*. An item is either
- a *record stream* (``format: records``): the keys of Redis, the objects of Kubernetes,
  the definitions of RabbitMQ, the keys of Consul... each record a (key, payload) pair,
  framed and sorted by key; or
- a *file* (``format: file``): a database dump, a TSDB block file, a model file.

Each item's bytes are cut into chunks, and each chunk is stored once, under the SHA-256
of its content (``<prefix>/chunks/<aa>/<sha256>``). A manifest lists, for every item,
its chunks in order with their digests and sizes, its byte and record counts and the
digest of the whole item, so that a restore can verify every byte before it writes any.

Record streams are cut at record boundaries chosen by the *key* (a record ends a chunk
when the hash of its key falls in 1/``RECORDS_PER_CHUNK`` of the hash space), so that a
changed value changes only the chunk that holds it, and an added or removed key only
that chunk and not every chunk after it. That is what makes an incremental backup store
only what changed. Files are cut in fixed-size pieces: the files that change between
backups (dumps) change throughout, the ones that do not (TSDB blocks, models) not at all.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import hashlib
import json
import struct
import zlib

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError

FORMAT = "mas-platform-backup/1"
# Past a chunk's minimum size, on average one record in this many ends it.
RECORDS_PER_CHUNK = 32
# The minimum chunk size grows in powers of two with the item, from 16 KiB up to 1 MiB,
# so that an item has at most a few thousand chunks (S3 requests) whatever its size.
MIN_CHUNK_BYTES = 16 * 1024
MAX_MIN_CHUNK_BYTES = 1024 * 1024
CHUNKS_PER_ITEM = 2048
# No chunk is larger than this (a record larger than it spans several chunks).
MAX_CHUNK_BYTES = 8 * 1024 * 1024
FILE_CHUNK_BYTES = 8 * 1024 * 1024
TIMESTAMP = "%Y%m%dT%H%M%SZ"
KINDS = ("system_state", "model_registry", "metrics")
_LENGTH = struct.Struct(">I")
_BOUNDARY_SPACE = 2 ** 32


def sha256_hex(data):
    return hashlib.sha256(data).hexdigest()


def canonical_json(value):
    """The one byte form of a JSON value (sorted keys, no spaces), for digests."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def to_bytes(value):
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8")


# -- records --------------------------------------------------------------------------------

def frame(key, payload):
    """One record as stored: length-prefixed key, then length-prefixed payload."""
    key, payload = to_bytes(key), to_bytes(payload)
    return _LENGTH.pack(len(key)) + key + _LENGTH.pack(len(payload)) + payload


def parse_records(data, item_name="item"):
    """The (key, payload) records of a record stream, in order."""
    records = []
    offset, end = 0, len(data)
    while offset < end:
        try:
            (key_length,) = _LENGTH.unpack_from(data, offset)
            offset += 4
            key = data[offset:offset + key_length]
            offset += key_length
            (payload_length,) = _LENGTH.unpack_from(data, offset)
            offset += 4
            payload = data[offset:offset + payload_length]
            offset += payload_length
        except struct.error:
            raise PlatformError("%s: the record stream is truncated at byte %d" % (item_name, offset))
        if len(key) != key_length or len(payload) != payload_length:
            raise PlatformError("%s: the record stream is truncated at byte %d" % (item_name, offset))
        records.append((bytes(key), bytes(payload)))
    return records


def ends_chunk(key, records_per_chunk=RECORDS_PER_CHUNK):
    """Whether the record with this key ends a chunk: decided by the key alone."""
    head = hashlib.sha256(to_bytes(key)).digest()[:4]
    return int.from_bytes(head, "big") < _BOUNDARY_SPACE // records_per_chunk


def min_chunk_size(total):
    """The minimum chunk size for an item of ``total`` bytes: a power of two, so that it
    changes only when the item doubles or halves (and all its chunks with it)."""
    size = MIN_CHUNK_BYTES
    while size < MAX_MIN_CHUNK_BYTES and total > size * CHUNKS_PER_ITEM:
        size *= 2
    return size


def chunk_records(records, records_per_chunk=RECORDS_PER_CHUNK, max_chunk=MAX_CHUNK_BYTES, min_chunk=None):
    """Cut sorted (key, payload) records into chunks; returns (chunks, item summary).

    A record ends a chunk when the chunk has reached its minimum size and the record's
    key falls in 1/``records_per_chunk`` of the hash space. Where chunks end depends on
    the keys, not on the offsets: a changed or added record changes its own chunk (and
    at most the next one, until a boundary key comes again), never every chunk after it.
    Records are sorted by key here, so the order in which a source listed them (a Redis
    SCAN, a Kubernetes list) does not change the chunks. Duplicate keys are an error.
    """
    ordered = sorted(((to_bytes(k), to_bytes(p)) for k, p in records), key=lambda r: r[0])
    if min_chunk is None:
        min_chunk = min_chunk_size(sum(8 + len(k) + len(p) for k, p in ordered))
    chunks, buffer = [], bytearray()
    whole = hashlib.sha256()
    previous = None
    for key, payload in ordered:
        if key == previous:
            raise PlatformError("duplicate record key %r" % key.decode("utf-8", "replace"))
        previous = key
        data = frame(key, payload)
        whole.update(data)
        buffer.extend(data)
        while len(buffer) >= max_chunk:
            chunks.append(bytes(buffer[:max_chunk]))
            del buffer[:max_chunk]
        if len(buffer) >= min_chunk and ends_chunk(key, records_per_chunk):
            chunks.append(bytes(buffer))
            buffer = bytearray()
    if buffer:
        chunks.append(bytes(buffer))
    return chunks, dict(records=len(ordered), bytes=sum(len(c) for c in chunks), sha256=whole.hexdigest())


def chunk_file(stream, chunk_size=FILE_CHUNK_BYTES):
    """Yield fixed-size pieces of a binary stream."""
    while True:
        piece = stream.read(chunk_size)
        if not piece:
            return
        yield piece


# -- chunk objects --------------------------------------------------------------------------

def encode_chunk(data):
    """The stored form of a chunk: (codec, bytes). zlib when it saves at least 5 %."""
    packed = zlib.compress(data, 6)
    if len(packed) <= len(data) * 0.95:
        return "zlib", packed
    return "none", data


def decode_chunk(codec, stored, digest, where):
    """The content of a stored chunk, verified against its digest; PlatformError naming
    ``where`` (the item and the object) when it does not match."""
    try:
        data = zlib.decompress(stored) if codec == "zlib" else stored
    except zlib.error as exc:
        raise PlatformError("checksum mismatch in %s: the stored chunk %s cannot be decompressed (%s); "
                            "the backup was altered or damaged, nothing was restored" % (where, digest, exc))
    actual = sha256_hex(data)
    if actual != digest:
        raise PlatformError("checksum mismatch in %s: chunk %s has SHA-256 %s; the backup was altered or "
                            "damaged, nothing was restored" % (where, digest, actual))
    return data


# -- manifests ------------------------------------------------------------------------------

def backup_id(now):
    return now.strftime(TIMESTAMP)


def parse_backup_id(value):
    """The UTC datetime of a backup id ("20261128T013100Z"), or None."""
    try:
        return datetime.datetime.strptime(value, TIMESTAMP).replace(tzinfo=_UTC)
    except (TypeError, ValueError):
        return None


class _Utc(datetime.tzinfo):
    def utcoffset(self, dt):
        return datetime.timedelta(0)

    def tzname(self, dt):
        return "UTC"

    def dst(self, dt):
        return datetime.timedelta(0)


_UTC = _Utc()


def utcnow():
    return datetime.datetime.now(_UTC).replace(microsecond=0)


def isoformat(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(value):
    try:
        return datetime.datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=_UTC)
    except (TypeError, ValueError):
        return None


def item_entry(name, component, fmt, summary, chunk_refs, encrypted=False, meta=None, source_version=None):
    """One item of a manifest."""
    entry = dict(name=name, component=component, format=fmt, encrypted=bool(encrypted),
                 bytes=summary["bytes"], sha256=summary["sha256"], chunks=chunk_refs)
    if "records" in summary:
        entry["records"] = summary["records"]
    if meta:
        entry["meta"] = meta
    if source_version is not None:
        entry["source_version"] = source_version
    return entry


def signed_part(manifest):
    """The manifest without its signature: what the signature covers."""
    return dict((k, v) for k, v in manifest.items() if k != "signature")


def check_manifest(manifest, where):
    """Raise PlatformError naming ``where`` when a manifest is not one of ours."""
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise PlatformError("%s is not a %s manifest" % (where, FORMAT))
    for key in ("id", "kind", "type", "created", "items", "status"):
        if key not in manifest:
            raise PlatformError("%s: the manifest has no %s" % (where, key))
    for item in manifest["items"]:
        for key in ("name", "component", "format", "bytes", "sha256", "chunks"):
            if key not in item:
                raise PlatformError("%s: item %s has no %s" % (where, item.get("name", "?"), key))
    return manifest


def chunk_digests(manifest):
    return set(chunk["sha256"] for item in manifest.get("items") or [] for chunk in item.get("chunks") or [])


def totals(items):
    return dict(
        items=len(items),
        records=sum(i.get("records", 0) for i in items),
        bytes=sum(i["bytes"] for i in items),
        chunks=sum(len(i["chunks"]) for i in items),
        unique_chunks=len(set(c["sha256"] for i in items for c in i["chunks"])),
    )


# -- retention ------------------------------------------------------------------------------

def plan_retention(entries, retention_seconds, now, good):
    """Which backups of one kind to delete.

    ``entries``: [(backup id, created datetime)]; ``good(id)``: whether that backup is
    complete with all its chunks present. Deletes exactly the backups created before
    ``now - retention``, except the newest good backup, which is always kept (even when
    it is past its retention: a platform whose backups stopped still has its last one).
    Returns (delete, keep, last_good) with ids sorted oldest first.
    """
    cutoff = now - datetime.timedelta(seconds=int(retention_seconds))
    ordered = sorted(entries, key=lambda e: (e[1], e[0]))
    last_good = None
    for backup, _created in reversed(ordered):
        if good(backup):
            last_good = backup
            break
    delete = [b for b, created in ordered if created < cutoff and b != last_good]
    keep = [b for b, _created in ordered if b not in delete]
    return delete, keep, last_good


def unreferenced_chunks(stored, referenced, now, grace_seconds):
    """Chunks no remaining manifest lists and older than the grace period (a backup in
    progress may have uploaded chunks that its manifest will list). ``stored``:
    {digest: (size, last modified datetime)}."""
    cutoff = now - datetime.timedelta(seconds=int(grace_seconds))
    return sorted(d for d, (_size, modified) in stored.items() if d not in referenced and modified < cutoff)
