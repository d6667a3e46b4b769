"""The backup format: records, chunk boundaries, chunk objects, retention (pure)."""

import datetime
import random

import pytest
from hypothesis import given, settings, strategies as st

from ansible_collections.mas.platform.plugins.module_utils.backup_format import (
    MIN_CHUNK_BYTES,
    chunk_records,
    decode_chunk,
    encode_chunk,
    frame,
    min_chunk_size,
    parse_records,
    plan_retention,
    sha256_hex,
    unreferenced_chunks,
)
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 11, 28, 12, 0, tzinfo=UTC)


def records(count, value=b"v" * 40):
    return [(b"key:%06d" % i, value + b"%d" % i) for i in range(count)]


def test_records_survive_framing():
    data = b"".join(frame(k, p) for k, p in records(100))
    assert parse_records(data) == records(100)


def test_a_truncated_stream_is_named():
    data = b"".join(frame(k, p) for k, p in records(3))
    with pytest.raises(PlatformError, match="redis/db0: the record stream is truncated"):
        parse_records(data[:-5], "redis/db0")


def test_chunks_do_not_depend_on_the_order_records_were_listed_in():
    listed = records(5000)
    shuffled = list(listed)
    random.Random(7).shuffle(shuffled)
    assert chunk_records(listed)[0] == chunk_records(shuffled)[0]


def test_chunks_concatenate_to_the_sorted_stream():
    chunks, summary = chunk_records(records(5000))
    joined = b"".join(chunks)
    assert parse_records(joined) == sorted(records(5000))
    assert summary["records"] == 5000 and summary["bytes"] == len(joined) and summary["sha256"] == sha256_hex(joined)
    assert all(len(c) >= MIN_CHUNK_BYTES for c in chunks[:-1])


def test_a_duplicate_key_is_an_error():
    with pytest.raises(PlatformError, match="duplicate record key 'a'"):
        chunk_records([(b"a", b"1"), (b"a", b"2")])


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=7999), st.binary(min_size=1, max_size=200))
def test_changing_one_record_changes_at_most_two_chunks(index, value):
    before = records(8000)
    after = list(before)
    after[index] = (after[index][0], value)
    old, new = set(chunk_records(before)[0]), chunk_records(after)[0]
    assert len([c for c in new if c not in old]) <= 2


def test_an_added_key_does_not_shift_the_chunks_after_it():
    before = records(8000)
    after = before + [(b"key:003000a", b"inserted")]
    old, new = set(chunk_records(before)[0]), chunk_records(after)[0]
    assert len([c for c in new if c not in old]) <= 2


def test_a_record_larger_than_a_chunk_spans_several():
    chunks, summary = chunk_records([(b"big", b"x" * 100), (b"huge", b"y" * 1000)], max_chunk=256, min_chunk=64)
    assert max(len(c) for c in chunks) == 256
    assert parse_records(b"".join(chunks)) == [(b"big", b"x" * 100), (b"huge", b"y" * 1000)]


@pytest.mark.parametrize("total, expected", [
    (0, 16 * 1024), (16 * 1024 * 2048, 16 * 1024), (16 * 1024 * 2048 + 1, 32 * 1024), (10 ** 12, 1024 * 1024),
])
def test_the_minimum_chunk_size_grows_in_powers_of_two(total, expected):
    assert min_chunk_size(total) == expected


def test_chunks_are_compressed_when_it_pays_and_verified_when_read():
    text = b"agent state " * 1000
    codec, stored = encode_chunk(text)
    assert codec == "zlib" and len(stored) < len(text)
    assert decode_chunk(codec, stored, sha256_hex(text), "item x") == text
    noise = random.Random(1).randbytes(4096)
    assert encode_chunk(noise) == ("none", noise)


@pytest.mark.parametrize("codec, stored, message", [
    ("zlib", b"not zlib", "cannot be decompressed"),
    ("none", b"other bytes", "has SHA-256"),
])
def test_a_damaged_chunk_is_refused_naming_where(codec, stored, message):
    with pytest.raises(PlatformError) as failure:
        decode_chunk(codec, stored, sha256_hex(b"original"), "item redis/db0 (s3://b/p/chunks/ab/abc)")
    assert failure.value.msg.startswith("checksum mismatch in item redis/db0 (s3://b/p/chunks/ab/abc)")
    assert message in failure.value.msg


def days_ago(days, hours=0):
    return NOW - datetime.timedelta(days=days, hours=hours)


@pytest.mark.parametrize("ages, bad, expected_delete, expected_last_good", [
    # Exactly those created before now - 7d.
    ([30, 10, 7.1, 6.9, 3, 0.1], [], [30, 10, 7.1], 0.1),
    # All past retention: the newest good one stays.
    ([30, 20, 9], [], [30, 20], 9),
    # The newest is not good: the one before it stays, the newest past retention goes.
    ([30, 20, 9], [9], [30, 9], 20),
    # Nothing is good: everything past retention goes.
    ([30, 20], [30, 20], [30, 20], None),
    # A bad backup within retention is kept (it may still be repaired), and is not the last good one.
    ([9, 1], [1], [], 9),
    ([], [], [], None),
])
def test_retention(ages, bad, expected_delete, expected_last_good):
    ids = dict((age, "b%s" % age) for age in ages)
    entries = [(ids[a], days_ago(0, hours=a * 24)) for a in ages]
    delete, keep, last_good = plan_retention(entries, 7 * 86400, NOW, lambda b: b not in [ids[a] for a in bad])
    assert sorted(delete) == sorted(ids[a] for a in expected_delete)
    assert sorted(keep) == sorted(ids[a] for a in ages if a not in expected_delete)
    assert last_good == (ids[expected_last_good] if expected_last_good is not None else None)


def test_only_old_unreferenced_chunks_are_collected():
    stored = {"a": (10, days_ago(3)), "b": (10, days_ago(3)), "c": (10, NOW - datetime.timedelta(minutes=5))}
    assert unreferenced_chunks(stored, {"a"}, NOW, 86400) == ["b"]
    assert unreferenced_chunks(stored, {"a"}, NOW, 0) == ["b", "c"]
