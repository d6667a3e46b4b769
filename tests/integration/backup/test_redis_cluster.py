"""Redis Cluster, as production runs it: every primary's keys are backed up, and a
restore writes each key to the primary that owns its slot."""

from ansible_collections.mas.platform.plugins.modules import platform_backup, platform_restore

from backup_helpers import ENCRYPTION_KEY, PLATFORM


def test_a_redis_cluster_is_backed_up_and_restored_across_its_primaries(run_module, store, redis_cluster):
    client = redis_cluster.client()
    for i in range(3000):
        client.set("agent:%04d" % i, "state-%d" % i)
    client.hset("coordinator:plan", mapping={"step": "3", "owner": "coordinator-0"})
    # The keys are spread over the three primaries.
    per_node = [redis_cluster.node(port).dbsize() for port in redis_cluster.ports]
    assert all(count > 0 for count in per_node) and sum(per_node) == 3001
    redis = dict(url=redis_cluster.url, password=redis_cluster.password, cluster=True)
    repository = dict(store=store, platform=PLATFORM, encryption_key=ENCRYPTION_KEY)
    taken = run_module(platform_backup, dict(repository, kind="system_state", type="incremental", components=["redis"],
                                             redis=redis))
    assert taken["components"]["redis"]["keys"] == 3001

    for i in range(0, 3000, 2):
        client.delete("agent:%04d" % i)
    client.set("agent:0001", "corrupted")
    args = dict(repository, kind="system_state", redis=redis)
    planned = run_module(platform_restore, args, check_mode=True)
    assert (planned["plan"]["redis"]["create_count"], planned["plan"]["redis"]["overwrite_count"]) == (1500, 1)
    restored = run_module(platform_restore, args)
    assert restored["validation"]["redis"] == dict(keys=3001, missing=0, differ=0, examples=[], ok=True)
    assert client.get("agent:0000") == b"state-0" and client.get("agent:0001") == b"state-1"
    assert not run_module(platform_restore, args, check_mode=True)["changed"]
    assert not run_module(platform_restore, args)["changed"]
