"""The files of a snapshot (module_utils/backup/snapshot.py): what a backup writes, and
the check of what a restore got back against contents.json."""

import io
import json
import os
import shutil
import stat

import pytest

from ansible_collections.mas.platform.plugins.module_utils.backup.snapshot import (
    CONTENTS,
    RestoredSnapshot,
    Spool,
)
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError


@pytest.fixture
def spool():
    written = Spool("system_state", "incremental", "mas-local")
    yield written
    written.cleanup()


def write_some(spool):
    spool.write_lines("redis/db0.jsonl", "redis", [{"key": "b", "n": 2}, {"key": "a", "n": 1}], meta=dict(db=0))
    spool.write_json("rabbitmq/definitions.json", "rabbitmq", {"queues": [{"name": "q"}]}, records=1)
    spool.write_stream("mongodb/mongodb.archive.gz", "mongodb", io.BytesIO(b"\x1f\x8b" + os.urandom(3000)))
    spool.summary("redis", dict(keys=2))
    return spool.finish()


def test_the_spool_is_private_and_gone_after(spool):
    assert stat.S_IMODE(os.stat(spool.root).st_mode) == 0o700
    write_some(spool)
    spool.cleanup()
    assert not os.path.exists(spool.root)


def test_contents_lists_every_file_with_its_digest_and_records(spool):
    totals = write_some(spool)
    contents = json.loads(open(os.path.join(spool.root, CONTENTS)).read())
    assert totals == dict(files=3, bytes=sum(e["bytes"] for e in contents["files"].values()), records=3)
    redis = contents["files"]["redis/db0.jsonl"]
    assert redis["records"] == 2 and redis["meta"] == {"db": 0}
    assert open(os.path.join(spool.root, "redis/db0.jsonl"), "rb").read() == b'{"key":"b","n":2}\n{"key":"a","n":1}\n'
    assert contents["components"] == {"redis": {"keys": 2}}
    assert (contents["kind"], contents["platform"]) == ("system_state", "mas-local")


def test_a_name_outside_the_snapshot_is_refused(spool):
    with pytest.raises(PlatformError, match="outside its directory: ../escape"):
        spool.write_lines("../escape", "redis", [])


def restored_copy(spool, tmp_path):
    write_some(spool)
    target = tmp_path / "restored"
    shutil.copytree(spool.root, target)
    return target


def test_a_restored_snapshot_that_matches_contents_verifies(spool, tmp_path):
    restored = RestoredSnapshot(str(restored_copy(spool, tmp_path)), "snapshot 1f0c2a9b in s3:x/b/p/restic")
    assert restored.verify(["redis", "rabbitmq", "mongodb"]) == 3
    assert restored.components() == ["mongodb", "rabbitmq", "redis"]
    assert [line["key"] for line in restored.files("redis")[0].lines()] == ["b", "a"]


@pytest.mark.parametrize("damage, message", [
    (lambda p: p.write_bytes(p.read_bytes()[:-1]), "holds 35 bytes"),
    (lambda p: p.write_bytes(p.read_bytes().replace(b'"n":1', b'"n":7')), "holds 36 bytes with SHA-256"),
    (lambda p: p.unlink(), "holds None bytes"),
])
def test_a_file_that_differs_from_contents_is_named(spool, tmp_path, damage, message):
    target = restored_copy(spool, tmp_path)
    damage(target / "redis" / "db0.jsonl")
    restored = RestoredSnapshot(str(target), "snapshot 1f0c2a9b in s3:x/b/p/restic")
    with pytest.raises(PlatformError) as failed:
        restored.verify(["rabbitmq", "redis"])
    assert failed.value.msg.startswith("snapshot 1f0c2a9b in s3:x/b/p/restic: redis/db0.jsonl %s" % message), \
        failed.value.msg


def test_a_directory_without_contents_is_not_a_snapshot(tmp_path):
    with pytest.raises(PlatformError, match="holds no readable contents.json"):
        RestoredSnapshot(str(tmp_path), "snapshot 1f0c2a9b in s3:x/b/p/restic")
