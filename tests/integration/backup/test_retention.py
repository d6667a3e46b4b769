"""Retention: with backups dated across the retention window, pruning removes exactly
those past it, never the last good backup, and the chunks only those listed."""

import datetime
import json

from ansible_collections.mas.platform.plugins.modules import backup_prune, platform_backup

from conftest import ENCRYPTION_KEY, objects

NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def take(run_module, store, redis_server, redis_args, value):
    """One real state backup whose Redis data differs from the others' (own chunks)."""
    client = redis_server.client()
    client.flushall()
    client.set("generation", value)
    for i in range(50):
        client.set("key:%d:%s" % (i, value), value * 20)
    return run_module(platform_backup, dict(kind="system_state", type="incremental", components=["redis"],
                                            store=store, encryption_key=ENCRYPTION_KEY, redis=redis_args))


def redate(s3, bucket, kind, backup, age):
    """Move a backup's manifest to the id and creation time ``age`` ago."""
    old_key = "platform/manifests/%s/%s.json" % (kind, backup)
    manifest = json.loads(s3.get_object(Bucket=bucket, Key=old_key)["Body"].read())
    created = NOW - age
    manifest["id"] = created.strftime("%Y%m%dT%H%M%SZ")
    manifest["created"] = created.strftime("%Y-%m-%dT%H:%M:%SZ")
    s3.put_object(Bucket=bucket, Key="platform/manifests/%s/%s.json" % (kind, manifest["id"]),
                  Body=json.dumps(manifest).encode())
    s3.delete_object(Bucket=bucket, Key=old_key)
    return manifest


def dated_backups(run_module, store, s3, redis_server, redis_args, ages):
    found = {}
    for index, age in enumerate(ages):
        taken = take(run_module, store, redis_server, redis_args, "v%d" % index)
        found[age] = redate(s3, store["bucket"], "system_state", taken["backup"]["id"], age)
    return found


def prune_args(store, **extra):
    return dict(store=store, retention={"system_state": "7d", "metrics": "90d"}, grace_period="0s", **extra)


def manifest_ids(s3, bucket, kind="system_state"):
    return sorted(k.rsplit("/", 1)[-1][:-len(".json")] for k in objects(s3, bucket, "platform/manifests/%s/" % kind))


def test_pruning_removes_exactly_the_backups_past_retention(run_module, store, s3, redis_server, redis_args):
    hours = datetime.timedelta(hours=1)
    days = datetime.timedelta(days=1)
    ages = [30 * days, 10 * days, 7 * days + hours, 7 * days - hours, 3 * days, hours]
    backups = dated_backups(run_module, store, s3, redis_server, redis_args, ages)
    expired = sorted(backups[a]["id"] for a in ages[:3])
    kept = sorted(backups[a]["id"] for a in ages[3:])
    chunks_before = objects(s3, store["bucket"], "platform/chunks/")
    args = prune_args(store)

    # Four ways: check mode says what it would delete, apply deletes it, then nothing is left to do.
    planned = run_module(backup_prune, args, check_mode=True)
    assert planned["changed"] and sorted(planned["deleted"]["system_state"]) == expired
    assert manifest_ids(s3, store["bucket"]) == sorted(expired + kept)
    pruned = run_module(backup_prune, args)
    assert pruned["changed"]
    assert sorted(pruned["deleted"]["system_state"]) == expired
    assert manifest_ids(s3, store["bucket"]) == kept
    assert pruned["last_good"]["system_state"] == backups[hours]["id"]
    assert not run_module(backup_prune, args, check_mode=True)["changed"]
    assert not run_module(backup_prune, args)["changed"]

    # The chunks left are exactly those the kept backups list.
    listed = set()
    for age in ages[3:]:
        listed |= set(c["sha256"] for i in backups[age]["items"] for c in i["chunks"])
    left = set(k.rsplit("/", 1)[-1] for k in objects(s3, store["bucket"], "platform/chunks/"))
    assert left == listed
    assert pruned["chunks_deleted"] == len(chunks_before) - len(left) > 0


def test_the_last_good_backup_is_never_deleted(run_module, store, s3, redis_server, redis_args):
    days = datetime.timedelta(days=1)
    backups = dated_backups(run_module, store, s3, redis_server, redis_args, [20 * days, 12 * days, 9 * days])
    # The newest lost a chunk: it is not good, so the one before it is the last good one.
    newest = backups[9 * days]
    lost = newest["items"][0]["chunks"][0]["sha256"]
    s3.delete_object(Bucket=store["bucket"], Key="platform/chunks/%s/%s" % (lost[:2], lost))

    pruned = run_module(backup_prune, prune_args(store))
    assert pruned["last_good"]["system_state"] == backups[12 * days]["id"]
    assert sorted(pruned["deleted"]["system_state"]) == sorted([backups[20 * days]["id"], newest["id"]])
    assert manifest_ids(s3, store["bucket"]) == [backups[12 * days]["id"]]


def test_no_chunk_is_deleted_while_a_backup_runs(run_module, store, s3, redis_server, redis_args):
    days = datetime.timedelta(days=1)
    dated_backups(run_module, store, s3, redis_server, redis_args, [20 * days, 1 * days])
    s3.put_object(Bucket=store["bucket"], Key="platform/locks/system_state-20990101T000000Z.json", Body=b"{}")
    chunks = objects(s3, store["bucket"], "platform/chunks/")
    pruned = run_module(backup_prune, prune_args(store))
    assert len(pruned["deleted"]["system_state"]) == 1
    assert pruned["chunks_deleted"] == 0 and "backups in progress" in pruned["chunks_kept_because"]
    assert objects(s3, store["bucket"], "platform/chunks/") == chunks
