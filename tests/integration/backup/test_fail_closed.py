"""Fail closed: a wrong or missing password, a snapshot of another platform or kind, a
damaged or truncated pack in the bucket, a repository that does not exist, an unreachable
store, an unknown snapshot: each restore is refused with one message that names the
store and the snapshot, and nothing is restored. Bad input and unreachable or refusing
sources: one clear message naming the key or the endpoint, and nothing written."""

import pytest

from ansible_collections.mas.platform.plugins.modules import backup_prune, platform_backup, platform_restore

from backup_helpers import ENCRYPTION_KEY, PLATFORM, damage_pack, objects, snapshots, spec_section
from services import closed_port_url

OTHER_PASSWORD = "A" * 43 + "="
REFUSED = "restore refused, nothing was restored: "


def backup_args(store, redis_args, **extra):
    args = dict(kind="system_state", type="incremental", components=["redis"], store=store, platform=PLATFORM,
                encryption_key=ENCRYPTION_KEY, redis=redis_args)
    args.update(extra)
    return args


def restore_args(store, redis_args, **extra):
    args = dict(kind="system_state", store=store, platform=PLATFORM, encryption_key=ENCRYPTION_KEY, redis=redis_args)
    args.update(extra)
    return args


def nothing_in(s3, bucket):
    return objects(s3, bucket, "platform/") == {}


# -- backups: bad input, unreachable sources -----------------------------------------------------

def test_unreachable_store_names_the_endpoint(module_failure, store, redis_args):
    endpoint = closed_port_url()
    failed = module_failure(platform_backup, backup_args(dict(store, endpoint_url=endpoint), redis_args))
    assert endpoint in failed["msg"] and "head_bucket" in failed["msg"], failed["msg"]


def test_missing_bucket_names_the_key_and_the_bucket(module_failure, store, redis_args, moto):
    failed = module_failure(platform_backup, backup_args(dict(store, bucket="no-such-bucket-here"), redis_args))
    assert failed["msg"] == "store.bucket: the bucket no-such-bucket-here does not exist at %s" % moto.url


def test_unreachable_redis_names_its_url_and_writes_nothing(module_failure, store, s3, redis_args):
    url = closed_port_url("redis")
    failed = module_failure(platform_backup, backup_args(store, dict(redis_args, url=url)))
    assert failed["msg"].startswith(url) and "unreachable" in failed["msg"], failed["msg"]
    assert nothing_in(s3, store["bucket"])


def test_bad_redis_password_is_named(module_failure, store, s3, redis_args):
    failed = module_failure(platform_backup, backup_args(store, dict(redis_args, password="wrong")))
    assert failed["msg"].startswith("bad credentials for Redis at %s" % redis_args["url"]), failed["msg"]
    assert "wrong" not in failed["msg"]
    assert nothing_in(s3, store["bucket"])


def test_bad_rabbitmq_credentials_are_named(module_failure, store, s3, rabbitmq_args):
    args = dict(kind="system_state", type="incremental", components=["rabbitmq"], store=store, platform=PLATFORM,
                encryption_key=ENCRYPTION_KEY, rabbitmq=dict(rabbitmq_args, password="wrong"))
    failed = module_failure(platform_backup, args)
    assert failed["msg"] == "bad credentials for %s at %s/api/definitions" % (rabbitmq_args["username"],
                                                                             rabbitmq_args["api_url"])
    assert nothing_in(s3, store["bucket"])


@pytest.mark.parametrize("args, message", [
    (dict(kind="hourly"), "value of kind must be one of"),
    (dict(components=["models"]), "components: models not part of a system_state backup"),
    (dict(type=5), "value of type must be one of"),
    (dict(platform="mas local/1"), "platform: 'mas local/1' is not a platform name"),
    (dict(redis=dict(url="http://127.0.0.1:6379")), "redis.url: 'http://127.0.0.1:6379' is not a redis://"),
    (dict(store=dict(bucket="b")), "missing required arguments: prefix found in store"),
])
def test_bad_options_name_the_option(module_failure, store, s3, redis_args, args, message):
    failed = module_failure(platform_backup, dict(backup_args(store, redis_args), **args))
    assert message in failed["msg"], failed["msg"]
    assert nothing_in(s3, store["bucket"])


def test_a_backup_needs_the_password(module_failure, store, s3, redis_args):
    args = backup_args(store, redis_args)
    args.pop("encryption_key")
    failed = module_failure(platform_backup, args)
    assert failed["msg"] == ("encryption_key: the password of the restic repository at s3:%s/%s/platform/restic is "
                             "required (set encryption_key, or MAS_BACKUP_ENCRYPTION_KEY)"
                             % (store["endpoint_url"], store["bucket"]))
    assert nothing_in(s3, store["bucket"])


# -- restores: refused, nothing restored -------------------------------------------------------------

@pytest.fixture
def taken(run_module, store, redis_server, redis_args, unique):
    """A snapshot of a Redis key, and the key changed since: a refused restore leaves it changed."""
    client = redis_server.client()
    client.set("kept-%s" % unique, "as backed up")
    result = run_module(platform_backup, backup_args(store, redis_args))
    client.set("kept-%s" % unique, "changed since")
    yield result["backup"]
    assert client.get("kept-%s" % unique) == b"changed since", "a refused restore wrote to Redis"


def refused(module_failure, args, check_mode=False):
    message = module_failure(platform_restore, args, check_mode=check_mode)["msg"]
    assert message.startswith(REFUSED), message
    return message


def where(store, snapshot="latest", platform=PLATFORM, kind="system_state"):
    return "(store s3://%s/platform, %s snapshot %s of platform %s)" % (store["bucket"], kind, snapshot, platform)


def repository(store):
    return "s3:%s/%s/platform/restic" % (store["endpoint_url"], store["bucket"])


def test_a_wrong_or_missing_password_another_platform_or_kind_or_snapshot_are_refused(
        run_module, module_failure, store, s3, redis_args, taken):
    """One repository, every refusal that needs no damage (each restic call opens the
    repository, which costs a key derivation: they share one backup)."""
    message = refused(module_failure, restore_args(store, redis_args, encryption_key=OTHER_PASSWORD))
    assert message == REFUSED + ("wrong password for the restic repository at %s: encryption_key "
                                 "(MAS_BACKUP_ENCRYPTION_KEY) opens none of its keys %s"
                                 % (repository(store), where(store)))
    assert OTHER_PASSWORD not in message and ENCRYPTION_KEY not in message

    args = restore_args(store, redis_args, backup=taken["id"])
    args.pop("encryption_key")
    message = module_failure(platform_restore, args)["msg"]
    assert message.startswith("encryption_key: the password of the restic repository at %s is required"
                              % repository(store)), message

    other = run_module(platform_backup, backup_args(store, redis_args, platform="mas-other"))["backup"]
    message = refused(module_failure, restore_args(store, redis_args, backup=other["id"]), check_mode=True)
    assert message == REFUSED + ("snapshot %s in %s is not a system_state snapshot of platform %s (its tags: "
                                 "kind=system_state, platform=mas-other, component=redis) %s"
                                 % (other["id"], repository(store), PLATFORM, where(store, other["id"])))
    # Latest is the newest of this platform's, never the other platform's.
    planned = run_module(platform_restore, restore_args(store, redis_args), check_mode=True)
    assert planned["backup"]["id"] == taken["id"] and planned["plan"]["redis"]["overwrite_count"] == 1

    message = refused(module_failure, dict(kind="metrics", backup=taken["id"], store=store, platform=PLATFORM,
                                           encryption_key=ENCRYPTION_KEY, prometheus=dict(restore_dir="/nowhere")))
    assert "is not a metrics snapshot of platform %s" % PLATFORM in message, message

    message = refused(module_failure, restore_args(store, redis_args, backup="0000beef"))
    assert message == REFUSED + "backup: no snapshot 0000beef in %s %s" % (repository(store), where(store, "0000beef"))

    message = refused(module_failure, restore_args(store, redis_args, components=["rabbitmq"]))
    assert message.startswith(REFUSED + "no system_state snapshot of platform %s holding rabbitmq in %s"
                              % (PLATFORM, repository(store))), message
    # Nothing was written to the repository either; nor by a backup with another password.
    before = objects(s3, store["bucket"], "platform/")
    failed = module_failure(platform_backup, backup_args(store, redis_args, encryption_key=OTHER_PASSWORD))
    assert failed["msg"].startswith("wrong password for the restic repository at %s" % repository(store)), failed["msg"]
    assert objects(s3, store["bucket"], "platform/") == before
    assert sorted(s["short_id"] for s in snapshots(store)) == sorted([taken["id"], other["id"]])


@pytest.mark.parametrize("truncate", [False, True], ids=["corrupted pack", "truncated pack"])
def test_a_damaged_pack_is_refused(module_failure, store, s3, redis_args, taken, truncate):
    damage_pack(s3, store["bucket"], truncate=truncate)
    message = refused(module_failure, restore_args(store, redis_args), check_mode=True)
    assert message.startswith(REFUSED + "restic restore of snapshot %s failed on %s (exit 1): "
                              % (taken["snapshot_id"], repository(store))), message
    assert message.endswith(where(store, "latest (%s)" % taken["id"])), message
    assert ("ciphertext verification failed" if not truncate else "data/") in message, message
    # Applying is refused the same way.
    refused(module_failure, restore_args(store, redis_args, backup=taken["id"]))


def test_a_missing_repository_is_refused(module_failure, store, redis_args):
    message = refused(module_failure, restore_args(store, redis_args))
    assert message == REFUSED + "no restic repository at %s %s" % (repository(store), where(store))


def test_an_unreachable_store_is_refused(module_failure, store, redis_args):
    endpoint = closed_port_url()
    message = refused(module_failure, restore_args(dict(store, endpoint_url=endpoint), redis_args))
    assert endpoint in message and where(store) in message, message


# -- retention: bad policies ---------------------------------------------------------------------

@pytest.mark.parametrize("policies, message", [
    ({"system_state": {"frequency": "hourly", "retention": "7 days"}},
     "policies.system_state.retention: expected a duration such as '7d'"),
    ({"hourly": {"frequency": "hourly", "retention": "7d"}}, "policies: hourly is no kind of backup"),
    ({"metrics": {"retention": "90d"}}, "policies.metrics: expected frequency and retention"),
    ({"metrics": {"frequency": "yearly", "retention": "90d"}}, "policies.metrics.frequency: 'yearly' is not one of"),
])
def test_bad_policies_are_named(module_failure, store, s3, policies, message):
    failed = module_failure(backup_prune, dict(store=store, platform=PLATFORM, encryption_key=ENCRYPTION_KEY,
                                               policies=policies))
    assert message in failed["msg"], failed["msg"]
    assert nothing_in(s3, store["bucket"])


def test_the_password_is_never_in_the_output_even_at_vvv(playbook_vvv, store, redis_server, redis_args):
    """backup.yml at -vvv, the password given as an extra variable (as an AWX credential can):
    the module arguments are shown, the password is not (no_log), nor does restic print it."""
    redis_server.client().set("vvv", "1")
    procedures = spec_section("backup_procedures")
    procedures["store"] = dict(store, server_side_encryption="AES256")
    run = playbook_vvv("backup.yml", dict(
        backup_kind="system_state", backup_procedures=procedures, backup_components=["redis"],
        backup_redis_url=redis_args["url"], backup_redis_password=redis_args["password"], backup_redis_cluster=False,
        backup_encryption_key=ENCRYPTION_KEY, backup_check_read_data_subset="100%"))
    assert run.ok, run.output[-3000:]
    assert "restic" in run.output and "RESTIC_PASSWORD" not in run.output
    assert ENCRYPTION_KEY not in run.output and redis_args["password"] not in run.output
    assert len(snapshots(store)) == 1
