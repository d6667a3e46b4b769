# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The files of one snapshot, as restic stores them.

A backup writes each component's dump to a private temporary directory (mode 0700,
deleted afterwards), one file per item, then ``restic backup`` stores that directory as
one snapshot:

    contents.json                    what the snapshot holds: per file its component, byte
                                     count, SHA-256 and record count, per component its
                                     summary (replicas, HPA bounds, key and collection counts)
    kubernetes/objects.jsonl         one object per line, sorted, as it would be applied again
    consul/state.snap                Consul's snapshot (GET /v1/snapshot), and
    consul/kv.jsonl                  its KV entries, for the validation after a restore
    rabbitmq/definitions.json        the definitions, as POST /api/definitions takes them
    redis/db<N>.jsonl                one key per line: key, absolute expiry, DUMP (base64)
    mongodb/mongodb.archive.gz       mongodump --archive --gzip
    neo4j/neo4j.dump                 neo4j-admin database dump (or .backup)
    models/<path below the prefix>   each object of the model registry
    prometheus/<path>                each file of the TSDB snapshot

The files are plain formats an operator can read with ``restic dump``. Records are
sorted by key, so that an unchanged platform dumps the same bytes and restic stores
nothing new but the snapshot and its directory entries.

A restore restores the snapshot (or the components asked for) into another private
temporary directory, then ``RestoredSnapshot.verify`` checks every file against
contents.json before anything is planned or written.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import hashlib
import json
import os
import shutil
import tempfile

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError

CONTENTS = "contents.json"
FORMAT = "mas-platform-snapshot/2"
_PIECE = 1024 * 1024


def canonical_json(value):
    """The one byte form of a JSON value (sorted keys, no spaces)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def b64(data):
    return base64.b64encode(data).decode("ascii")


def unb64(text):
    return base64.b64decode(text.encode("ascii"))


def compare(records, current_records):
    """How a snapshot's (key, payload) records stand against the ones there now: the keys
    to create and to overwrite, the unchanged count, and the keys only there now (extra)."""
    current = dict(current_records)
    wanted = dict(records)
    plan = dict(create=[], overwrite=[], unchanged=0)
    for key, payload in sorted(wanted.items()):
        if key not in current:
            plan["create"].append(key)
        elif current[key] != payload:
            plan["overwrite"].append(key)
        else:
            plan["unchanged"] += 1
    plan["extra"] = sorted(k for k in current if k not in wanted)
    return plan


def file_sha256(path):
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for piece in iter(lambda: handle.read(_PIECE), b""):
                digest.update(piece)
    except OSError:
        return None
    return digest.hexdigest()


def _inside(root, relative):
    """``root/relative``, refusing a name that leaves ``root``."""
    path = os.path.realpath(os.path.join(root, relative))
    if not path.startswith(os.path.realpath(root) + os.sep):
        raise PlatformError("the snapshot names a file outside its directory: %s" % relative)
    return path


class _Writer(object):
    """A binary file that counts and hashes what is written to it."""

    def __init__(self, path):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.handle = open(path, "wb")
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data):
        self.handle.write(data)
        self.digest.update(data)
        self.size += len(data)

    def close(self):
        self.handle.close()


class Spool(object):
    """The directory a backup writes its files to, and their contents.json."""

    def __init__(self, kind, backup_type, platform):
        self.root = tempfile.mkdtemp(prefix="mas-backup-")
        self.contents = dict(format=FORMAT, kind=kind, type=backup_type, platform=platform, files={}, components={})

    def _entry(self, name, component, writer, records=None, meta=None):
        entry = dict(component=component, bytes=writer.size, sha256=writer.digest.hexdigest())
        if records is not None:
            entry["records"] = records
        if meta:
            entry["meta"] = meta
        self.contents["files"][name] = entry
        return entry

    def write_lines(self, name, component, values, meta=None):
        """One JSON value per line (``values`` in the order given); returns the entry."""
        writer, count = _Writer(_inside(self.root, name)), 0
        try:
            for value in values:
                writer.write(canonical_json(value) + b"\n")
                count += 1
        finally:
            writer.close()
        return self._entry(name, component, writer, records=count, meta=meta)

    def write_json(self, name, component, value, records=None, meta=None):
        writer = _Writer(_inside(self.root, name))
        try:
            writer.write(json.dumps(value, sort_keys=True, indent=1, ensure_ascii=False).encode("utf-8") + b"\n")
        finally:
            writer.close()
        return self._entry(name, component, writer, records=records, meta=meta)

    def write_stream(self, name, component, stream, meta=None):
        """Copy a binary stream (a dump, a model file) into the snapshot."""
        writer = _Writer(_inside(self.root, name))
        try:
            for piece in iter(lambda: stream.read(_PIECE), b""):
                writer.write(piece)
        finally:
            writer.close()
            close = getattr(stream, "close", None)
            if close:
                close()
        return self._entry(name, component, writer, meta=meta)

    def copy_file(self, name, component, source, meta=None):
        with open(source, "rb") as handle:
            return self.write_stream(name, component, handle, meta=meta)

    def summary(self, component, value):
        self.contents["components"][component] = value

    def files_of(self, component):
        return dict((n, e) for n, e in self.contents["files"].items() if e["component"] == component)

    def finish(self):
        """Write contents.json; returns the totals."""
        files = self.contents["files"]
        self.contents["totals"] = dict(files=len(files), bytes=sum(e["bytes"] for e in files.values()),
                                       records=sum(e.get("records", 0) for e in files.values()))
        with open(os.path.join(self.root, CONTENTS), "wb") as handle:
            handle.write(json.dumps(self.contents, sort_keys=True, indent=1).encode("utf-8") + b"\n")
        return self.contents["totals"]

    def cleanup(self):
        shutil.rmtree(self.root, ignore_errors=True)


class RestoredFile(object):
    """One file of a restored snapshot."""

    def __init__(self, root, name, entry):
        self.name = name
        self.entry = entry
        self.path = _inside(root, name)

    @property
    def meta(self):
        return self.entry.get("meta") or {}

    def open(self):
        return open(self.path, "rb")

    def json(self):
        with self.open() as handle:
            return json.loads(handle.read().decode("utf-8"))

    def lines(self):
        """The JSON values of a ``write_lines`` file."""
        with self.open() as handle:
            return [json.loads(line.decode("utf-8")) for line in handle if line.strip()]


class RestoredSnapshot(object):
    """A snapshot restored by restic into a private temporary directory."""

    def __init__(self, root, where):
        self.root = root
        self.where = where
        path = os.path.join(root, CONTENTS)
        try:
            with open(path, "rb") as handle:
                self.contents = json.loads(handle.read().decode("utf-8"))
        except (OSError, ValueError) as exc:
            raise PlatformError("%s holds no readable %s (%s): it is not a snapshot of these modules"
                                % (where, CONTENTS, exc))
        if not isinstance(self.contents, dict) or self.contents.get("format") != FORMAT:
            raise PlatformError("%s: %s is not %s" % (where, CONTENTS, FORMAT))

    def components(self):
        return sorted(set(e["component"] for e in self.contents["files"].values()))

    def files(self, component):
        return [RestoredFile(self.root, name, entry) for name, entry in sorted(self.contents["files"].items())
                if entry["component"] == component]

    def verify(self, components):
        """Every file of ``components`` is there with the size and SHA-256 that
        contents.json lists; raises PlatformError naming the first one that is not."""
        checked = 0
        for component in components:
            for restored in self.files(component):
                size = os.path.getsize(restored.path) if os.path.exists(restored.path) else None
                digest = file_sha256(restored.path) if size is not None else None
                if size != restored.entry["bytes"] or digest != restored.entry["sha256"]:
                    raise PlatformError("%s: %s holds %s bytes with SHA-256 %s, its contents.json says %d bytes with "
                                        "%s" % (self.where, restored.name, size, digest, restored.entry["bytes"],
                                                restored.entry["sha256"]))
                checked += 1
        return checked


def private_directory(prefix):
    return tempfile.mkdtemp(prefix=prefix)
