"""Retention on the S3 repository (mas.platform.backup_prune): with snapshots dated across
each kind's window, restic forget by the spec's frequency and retention removes exactly
those past it, never another platform's, four ways; then restic check reads a share of
the data, and fails, naming the repository, when a pack is damaged. (Every policy's
boundaries, on a local repository: tests/unit/backup/test_restic.py.)"""

import datetime
import tempfile
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.mas.platform.plugins.modules import backup_prune, platform_backup

from backup_helpers import ENCRYPTION_KEY, PLATFORM, damage_pack, restic, snapshots, spec_section

NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)


def dated(store, kind, hours_ago, platform=PLATFORM):
    """A snapshot of ``kind`` taken ``hours_ago`` (restic backup --time); its short id."""
    with tempfile.TemporaryDirectory() as directory:
        with open("%s/contents.json" % directory, "w") as handle:
            handle.write("{}")
        when = (NOW - datetime.timedelta(hours=hours_ago)).strftime("%Y-%m-%d %H:%M:%S")
        out = restic(store, "backup", "--json", "--time", when, "--host", platform, "--tag",
                     "kind=%s,platform=%s,component=redis" % (kind, platform), directory)
    return [line for line in out.splitlines() if '"summary"' in line][-1].split('"snapshot_id":"')[1][:8]


def test_each_kind_keeps_exactly_its_window_four_ways(run_module, module_failure, store, s3, redis_server,
                                                      redis_args):
    redis_server.client().set("retention", "1")
    newest = run_module(platform_backup, dict(kind="system_state", type="incremental", components=["redis"],
                                              store=store, platform=PLATFORM, encryption_key=ENCRYPTION_KEY,
                                              redis=redis_args))["backup"]["id"]
    # Taken in parallel: each restic process spends most of its time deriving the key.
    jobs = [("system_state", h, PLATFORM) for h in (30, 160, 170, 400)] + [
        ("metrics", h, PLATFORM) for h in (24, 80 * 24, 95 * 24)] + [("system_state", 400, "mas-other")]
    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = dict(zip(jobs, pool.map(lambda job: dated(store, *job), jobs)))
    state = dict((h, i) for (k, h, p), i in ids.items() if k == "system_state" and p == PLATFORM)
    metrics = dict((h, i) for (k, h, p), i in ids.items() if k == "metrics")
    other = [ids[("system_state", 400, "mas-other")]]
    procedures = spec_section("backup_procedures")
    args = dict(store=store, platform=PLATFORM, encryption_key=ENCRYPTION_KEY, read_data_subset="100%",
                policies=dict((k, procedures[k]) for k in ("system_state", "model_registry", "metrics")))
    # The seed's: hourly for 7 days, daily for 90 days (two in one hour: the unit tests).
    expired = dict(system_state=sorted([state[170], state[400]]), metrics=[metrics[95 * 24]])
    kept = dict(system_state=sorted([newest, state[30], state[160]]), metrics=sorted([metrics[24], metrics[80 * 24]]))

    planned = run_module(backup_prune, args, check_mode=True, diff=True)
    assert planned["changed"] and planned["removed"] == dict(expired, model_registry=[])
    assert planned["policies"]["system_state"] == ["--keep-within-hourly", "7d"]
    assert planned["diff"]["after"]["system_state"] == kept["system_state"]
    assert len(snapshots(store)) == 9 and not planned["checked"]

    pruned = run_module(backup_prune, args)
    assert pruned["changed"] and pruned["removed"] == planned["removed"] and pruned["checked"]
    left = [s["short_id"] for s in snapshots(store)]
    assert sorted(left) == sorted(kept["system_state"] + kept["metrics"] + other)

    assert not run_module(backup_prune, args, check_mode=True)["changed"]
    again = run_module(backup_prune, args)
    assert not again["changed"] and again["checked"] and again["read_data_subset"] == "100%"

    key = damage_pack(s3, store["bucket"])
    failed = module_failure(backup_prune, args)
    assert failed["msg"].startswith("restic check --read-data-subset 100%% failed on s3:%s/%s/platform/restic"
                                    % (store["endpoint_url"], store["bucket"])), failed["msg"]
    assert "pack %s" % key.rsplit("/", 1)[-1] in failed["msg"], failed["msg"]


def test_an_empty_store_has_nothing_to_prune(run_module, store):
    result = run_module(backup_prune, dict(store=store, platform=PLATFORM, encryption_key=ENCRYPTION_KEY,
                                           policies={"metrics": {"frequency": "daily", "retention": "90d"}}))
    assert not result["changed"] and result["notes"] == [
        "no restic repository at s3:%s/%s/platform/restic yet: nothing to prune" % (store["endpoint_url"],
                                                                                     store["bucket"])]
