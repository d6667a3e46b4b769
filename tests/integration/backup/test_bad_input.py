"""Bad input and unreachable or refusing endpoints: one clear message naming the key or
the endpoint, and nothing changed (no manifest written, no key restored)."""

import json

import pytest

from ansible_collections.mas.platform.plugins.modules import backup_prune, platform_backup, platform_restore

from conftest import ENCRYPTION_KEY, objects
from services import closed_port_url

OTHER_KEY = "A" * 43 + "="


def backup_args(store, redis_args, **extra):
    args = dict(kind="system_state", type="incremental", components=["redis"], store=store,
                encryption_key=ENCRYPTION_KEY, redis=redis_args)
    args.update(extra)
    return args


def no_manifests(s3, bucket):
    return objects(s3, bucket, "platform/manifests/") == {}


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
    assert no_manifests(s3, store["bucket"])
    assert objects(s3, store["bucket"], "platform/locks/") == {}


def test_bad_redis_password_is_named(module_failure, store, s3, redis_args):
    failed = module_failure(platform_backup, backup_args(store, dict(redis_args, password="wrong")))
    assert failed["msg"].startswith("bad credentials for Redis at %s" % redis_args["url"]), failed["msg"]
    assert "wrong" not in failed["msg"]
    assert no_manifests(s3, store["bucket"])


def test_bad_rabbitmq_credentials_are_named(module_failure, store, s3, rabbitmq_args):
    args = dict(kind="system_state", type="incremental", components=["rabbitmq"], store=store,
                encryption_key=ENCRYPTION_KEY, rabbitmq=dict(rabbitmq_args, password="wrong"))
    failed = module_failure(platform_backup, args)
    assert failed["msg"] == "bad credentials for %s at %s/api/definitions" % (rabbitmq_args["username"],
                                                                             rabbitmq_args["api_url"])
    assert no_manifests(s3, store["bucket"])


@pytest.mark.parametrize("args, message", [
    (dict(kind="hourly"), "value of kind must be one of"),
    (dict(components=["models"]), "components: models not part of a system_state backup"),
    (dict(type=5), "value of type must be one of"),
    (dict(encryption_key="not-a-key"), "encryption_key: expected 32 random bytes"),
    (dict(redis=dict(url="http://127.0.0.1:6379")), "redis.url: 'http://127.0.0.1:6379' is not a redis://"),
    (dict(store=dict(bucket="b")), "missing required arguments: prefix found in store"),
])
def test_bad_options_name_the_option(module_failure, store, s3, redis_args, args, message):
    failed = module_failure(platform_backup, dict(backup_args(store, redis_args), **args))
    assert message in failed["msg"], failed["msg"]
    assert no_manifests(s3, store["bucket"])


def test_secrets_need_the_encryption_key(module_failure, store, redis_args):
    args = backup_args(store, redis_args, components=["kubernetes"])
    args.pop("encryption_key")
    failed = module_failure(platform_backup, args)
    assert failed["msg"].startswith("encryption_key: required for the kubernetes records"), failed["msg"]


def test_restore_with_another_key_is_refused(run_module, module_failure, store, redis_server, redis_args):
    client = redis_server.client()
    client.set("kept", "1")
    run_module(platform_backup, backup_args(store, redis_args))
    client.set("kept", "changed")
    failed = module_failure(platform_restore, dict(kind="system_state", store=store, encryption_key=OTHER_KEY,
                                                   redis=redis_args))
    assert "was encrypted with key" in failed["msg"] and "the encryption_key given is key" in failed["msg"]
    assert client.get("kept") == b"changed"


def test_an_edited_manifest_is_refused(run_module, module_failure, store, s3, redis_server, redis_args):
    client = redis_server.client()
    client.set("kept", "1")
    taken = run_module(platform_backup, backup_args(store, redis_args))
    key = "platform/manifests/system_state/%s.json" % taken["backup"]["id"]
    manifest = json.loads(s3.get_object(Bucket=store["bucket"], Key=key)["Body"].read())
    manifest["items"][0]["records"] += 1
    s3.put_object(Bucket=store["bucket"], Key=key, Body=json.dumps(manifest).encode())
    client.set("kept", "changed")
    failed = module_failure(platform_restore, dict(kind="system_state", store=store, encryption_key=ENCRYPTION_KEY,
                                                   redis=redis_args))
    assert failed["msg"].startswith("signature mismatch in s3://%s/%s" % (store["bucket"], key)), failed["msg"]
    assert client.get("kept") == b"changed"


def test_an_unknown_backup_id_is_named(run_module, module_failure, store, redis_server, redis_args):
    redis_server.client().set("kept", "1")
    run_module(platform_backup, backup_args(store, redis_args))
    failed = module_failure(platform_restore, dict(kind="system_state", backup="20200101T000000Z", store=store,
                                                   encryption_key=ENCRYPTION_KEY, redis=redis_args))
    assert failed["msg"].startswith("backup: no system_state backup 20200101T000000Z in s3://%s/platform"
                                    % store["bucket"]), failed["msg"]


def test_restore_of_an_empty_store_says_so(module_failure, store):
    failed = module_failure(platform_restore, dict(kind="metrics", store=store))
    assert failed["msg"] == "no metrics backup in s3://%s/platform/manifests/metrics" % store["bucket"]


@pytest.mark.parametrize("retention, message", [
    ({"system_state": "7 days"}, "retention.system_state: expected a duration such as '7d'"),
    ({"hourly": "7d"}, "retention: hourly is no kind of backup"),
])
def test_bad_retention_is_named(module_failure, store, retention, message):
    failed = module_failure(backup_prune, dict(store=store, retention=retention))
    assert message in failed["msg"], failed["msg"]
