"""Incremental backups store only what changed, measured in the store itself; a full
backup writes everything again; an unchanged file is not even read again."""

import json

from ansible_collections.mas.platform.plugins.modules import platform_backup

from conftest import ENCRYPTION_KEY, objects


def state_args(store, redis_args, rabbitmq_args, kind_type="incremental"):
    return dict(kind="system_state", type=kind_type, components=["redis", "rabbitmq"], store=store,
                encryption_key=ENCRYPTION_KEY, redis=redis_args, rabbitmq=rabbitmq_args)


def fill(client, keys=10000):
    client.flushall()
    pipe = client.pipeline(transaction=False)
    for i in range(keys):
        pipe.hset("agent:state:%05d" % i, mapping={"status": "idle", "load": i % 100, "tier": "executor"})
    pipe.execute()


def test_the_second_backup_stores_only_the_changed_content(run_module, store, s3, redis_server, redis_args,
                                                           rabbitmq_args, capsys):
    client = redis_server.client()
    fill(client)
    first = run_module(platform_backup, state_args(store, redis_args, rabbitmq_args))
    after_first = objects(s3, store["bucket"], "platform/chunks/")

    # Little change: 5 of 10,000 keys.
    for i in (17, 2500, 5003, 7777, 9998):
        client.hset("agent:state:%05d" % i, "status", "busy")
    second = run_module(platform_backup, state_args(store, redis_args, rabbitmq_args))
    after_second = objects(s3, store["bucket"], "platform/chunks/")

    new_chunks = set(after_second) - set(after_first)
    stored_first = sum(after_first.values())
    stored_second = sum(after_second[k] for k in new_chunks)
    # What the module reports is what the store gained.
    assert second["upload"]["chunks_uploaded"] == len(new_chunks)
    assert second["upload"]["stored_bytes_uploaded"] == stored_second
    assert first["upload"]["stored_bytes_uploaded"] == stored_first
    # Only the chunks holding the 5 changed keys: at most one new chunk per changed key.
    assert 1 <= len(new_chunks) <= 5
    assert second["totals"]["bytes"] == first["totals"]["bytes"]
    assert second["upload"]["bytes_uploaded"] <= first["totals"]["bytes"] * 0.1
    manifests = objects(s3, store["bucket"], "platform/manifests/system_state/")
    assert len(manifests) == 2
    # Both backups are complete: every chunk each lists is in the store.
    for key in manifests:
        listed = json.loads(s3.get_object(Bucket=store["bucket"], Key=key)["Body"].read())
        for item in listed["items"]:
            for chunk in item["chunks"]:
                assert "platform/chunks/%s/%s" % (chunk["sha256"][:2], chunk["sha256"]) in after_second
    with capsys.disabled():
        print("\n[measured] first backup: %d bytes of content in %d chunks, %d bytes stored; second (5 of 10,000 keys "
              "changed): %d chunks, %d bytes of content, %d bytes stored (%.1f%% of the first)"
              % (first["totals"]["bytes"], first["upload"]["chunks_uploaded"], stored_first, len(new_chunks),
                 second["upload"]["bytes_uploaded"], stored_second, 100.0 * stored_second / stored_first))


def test_a_full_backup_writes_everything_again(run_module, store, s3, redis_server, redis_args, rabbitmq_args):
    fill(redis_server.client(), keys=2000)
    first = run_module(platform_backup, state_args(store, redis_args, rabbitmq_args, "full"))
    second = run_module(platform_backup, state_args(store, redis_args, rabbitmq_args, "full"))
    assert second["upload"]["chunks_uploaded"] == first["upload"]["chunks_uploaded"] == first["totals"]["unique_chunks"]
    assert second["upload"]["chunks_reused"] == 0


def test_an_unchanged_model_file_is_not_read_again(run_module, store, s3, moto, unique):
    models = "mas-models-%s" % unique
    s3.create_bucket(Bucket=models, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    s3.put_object(Bucket=models, Key="registry/planner/1/model.bin", Body=b"\x01" * 300000)
    s3.put_object(Bucket=models, Key="registry/planner/2/model.bin", Body=b"\x02" * 300000)
    args = dict(kind="model_registry", type="incremental", store=store, models=dict(bucket=models, prefix="registry/"))
    first = run_module(platform_backup, args)
    s3.put_object(Bucket=models, Key="registry/planner/3/model.bin", Body=b"\x03" * 300000)
    second = run_module(platform_backup, args)
    assert first["upload"]["files_reused"] == 0
    assert second["upload"]["files_reused"] == 2
    assert second["upload"]["bytes_uploaded"] == 300000
    assert second["totals"]["items"] == 3


def test_check_mode_reports_what_would_be_uploaded_and_uploads_nothing(run_module, store, s3, redis_server,
                                                                       redis_args, rabbitmq_args):
    fill(redis_server.client(), keys=1000)
    planned = run_module(platform_backup, state_args(store, redis_args, rabbitmq_args), check_mode=True)
    assert planned["changed"] and planned["backup"]["manifest"] is None
    assert planned["upload"]["chunks_uploaded"] == planned["totals"]["unique_chunks"] > 0
    assert objects(s3, store["bucket"], "platform/") == {}
    taken = run_module(platform_backup, state_args(store, redis_args, rabbitmq_args))
    assert taken["upload"]["bytes_uploaded"] == planned["upload"]["bytes_uploaded"]
    assert taken["totals"] == planned["totals"]
