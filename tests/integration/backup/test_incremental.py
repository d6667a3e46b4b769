"""What a backup adds to the repository, measured in the bucket itself: an unchanged
platform adds next to nothing (restic stores each chunk once), a full backup re-reads
everything and stores nothing twice, check mode adds nothing. (The figures of a larger
platform are tools/bench/backup_bench.py's.)"""

from ansible_collections.mas.platform.plugins.modules import platform_backup, platform_restore

from backup_helpers import ENCRYPTION_KEY, PLATFORM, objects, repository_bytes, snapshots


def state_args(store, redis_args, rabbitmq_args, kind_type="incremental"):
    return dict(kind="system_state", type=kind_type, components=["redis", "rabbitmq"], store=store, platform=PLATFORM,
                encryption_key=ENCRYPTION_KEY, redis=redis_args, rabbitmq=rabbitmq_args)


def fill(client, keys=10000):
    client.flushall()
    pipe = client.pipeline(transaction=False)
    for i in range(keys):
        pipe.hset("agent:state:%05d" % i, mapping={"status": "idle", "load": i % 100, "tier": "executor",
                                                   "task": "task-%08x" % (i * 2654435761 % 2 ** 32)})
    pipe.execute()


def test_an_unchanged_platform_adds_under_one_percent(run_module, store, s3, redis_server, redis_args, rabbitmq_args,
                                                      capsys):
    client = redis_server.client()
    fill(client)
    first = run_module(platform_backup, state_args(store, redis_args, rabbitmq_args))
    after_first = repository_bytes(s3, store["bucket"])
    assert first["components"]["redis"]["keys"] == 10000 and first["upload"]["files_new"] == 3

    second = run_module(platform_backup, state_args(store, redis_args, rabbitmq_args))
    added = repository_bytes(s3, store["bucket"]) - after_first
    assert second["totals"] == first["totals"]
    assert second["upload"]["data_added_packed"] <= added < 0.01 * after_first, (added, after_first)

    # A changed key is in the next snapshot, and the earlier one still restores as it was.
    client.hset("agent:state:00017", "status", "busy")
    third = run_module(platform_backup, state_args(store, redis_args, rabbitmq_args))
    assert third["upload"]["data_added"] > second["upload"]["data_added"]
    planned = run_module(platform_restore, dict(kind="system_state", backup=first["backup"]["id"], store=store,
                                                platform=PLATFORM, encryption_key=ENCRYPTION_KEY, redis=redis_args,
                                                rabbitmq=rabbitmq_args), check_mode=True)
    assert planned["plan"]["redis"]["overwrite"] == ["agent:state:00017"]
    assert [s["short_id"] for s in snapshots(store)] == [first["backup"]["id"], second["backup"]["id"],
                                                         third["backup"]["id"]]
    with capsys.disabled():
        print("\n[measured] first backup: %d bytes in the repository (%d of dumps); an unchanged second: %d bytes "
              "(%.2f%%)" % (after_first, first["totals"]["bytes"], added, 100.0 * added / after_first))


def test_a_full_backup_rereads_everything_and_stores_nothing_twice(run_module, store, s3, redis_server, redis_args,
                                                                   rabbitmq_args):
    fill(redis_server.client(), keys=2000)
    first = run_module(platform_backup, state_args(store, redis_args, rabbitmq_args, "full"))
    size = repository_bytes(s3, store["bucket"])
    second = run_module(platform_backup, state_args(store, redis_args, rabbitmq_args, "full"))
    assert second["upload"]["files_unmodified"] == 0 and second["upload"]["total_bytes_processed"] > 0
    assert repository_bytes(s3, store["bucket"]) - size < 0.05 * size
    assert second["backup"]["type"] == first["backup"]["type"] == "full"


def test_check_mode_adds_nothing(run_module, store, s3, redis_server, redis_args, rabbitmq_args):
    fill(redis_server.client(), keys=1000)
    planned = run_module(platform_backup, state_args(store, redis_args, rabbitmq_args), check_mode=True, diff=True)
    assert planned["changed"] and planned["backup"]["id"] is None
    assert planned["notes"] == ["check mode: the repository s3:%s/%s/platform/restic does not exist yet; the backup "
                                "would create it" % (store["endpoint_url"], store["bucket"])]
    assert objects(s3, store["bucket"], "platform/") == {}
    taken = run_module(platform_backup, state_args(store, redis_args, rabbitmq_args), diff=True)
    assert taken["diff"] == dict(before=dict(snapshots=[]), after=dict(snapshots=[taken["backup"]["id"]]))
    size = repository_bytes(s3, store["bucket"])
    redis_server.client().set("one-more", "key")
    planned = run_module(platform_backup, state_args(store, redis_args, rabbitmq_args), check_mode=True)
    assert planned["upload"]["data_added"] > 0 and planned["totals"]["records"] == taken["totals"]["records"] + 1
    assert repository_bytes(s3, store["bucket"]) == size and len(snapshots(store)) == 1
