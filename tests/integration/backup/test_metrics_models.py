"""The daily backups: a Prometheus TSDB snapshot through the admin API (restored into a
data directory that a second Prometheus then serves), and the model registry (objects
in S3, restored over deleted and damaged models)."""

import hashlib
import os

from ansible_collections.mas.platform.plugins.modules import platform_backup, platform_restore

from backup_helpers import ENCRYPTION_KEY, PLATFORM, objects, wait_until
from services import PrometheusServer


def test_metrics_snapshot_is_backed_up_and_restores_into_a_working_prometheus(run_module, store, prometheus, s3,
                                                                             backup_workdir, unique):
    wait_until(lambda: prometheus.query('up{job="prometheus"}'), what="Prometheus to scrape itself")
    source = dict(url=prometheus.url, data_dir=str(prometheus.data_dir))
    repository = dict(store=store, platform=PLATFORM, encryption_key=ENCRYPTION_KEY)
    taken = run_module(platform_backup, dict(repository, kind="metrics", type="snapshot", prometheus=source))
    snapshot = taken["components"]["prometheus"]["snapshot"]
    assert taken["components"]["prometheus"]["files"] >= 3  # a block: index, meta.json, chunks
    # The snapshot is removed from the Prometheus volume once it is in the store.
    assert not os.path.exists(os.path.join(prometheus.data_dir, "snapshots", snapshot))

    restore_dir = backup_workdir / ("restored-%s" % unique)
    args = dict(repository, kind="metrics", prometheus=dict(restore_dir=str(restore_dir)))
    planned = run_module(platform_restore, args, check_mode=True)
    assert planned["changed"] and planned["plan"]["prometheus"]["create_count"] == taken["totals"]["files"]
    assert not restore_dir.exists()
    restored = run_module(platform_restore, args)
    assert restored["validation"]["prometheus"]["ok"]
    assert not run_module(platform_restore, args, check_mode=True)["changed"]

    # A Prometheus started on the restored directory answers with the backed-up series.
    replay = PrometheusServer(backup_workdir / ("replay-%s" % unique), admin_api=False, data_dir=restore_dir)
    replay.start()
    try:
        # Nothing scrapes the restored server's own target yet: only restored samples answer.
        result = replay.query('count(prometheus_build_info{job="prometheus"})')
        assert result and float(result[0]["value"][1]) >= 1
    finally:
        replay.stop()


def test_model_registry_restores_deleted_and_damaged_models(run_module, store, s3, unique):
    models = "mas-models-%s" % unique
    s3.create_bucket(Bucket=models, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    contents = {"registry/planner/3/model.onnx": os.urandom(1500000),
                "registry/planner/3/metadata.json": b'{"accuracy": 0.93}',
                "registry/router/7/weights.bin": os.urandom(20000)}
    for key, body in contents.items():
        s3.put_object(Bucket=models, Key=key, Body=body)
    source = dict(bucket=models, prefix="registry/")
    repository = dict(store=store, platform=PLATFORM, encryption_key=ENCRYPTION_KEY)
    taken = run_module(platform_backup, dict(repository, kind="model_registry", type="full", models=source))
    assert taken["totals"]["files"] == 3 and taken["totals"]["bytes"] == sum(len(b) for b in contents.values())

    s3.delete_object(Bucket=models, Key="registry/planner/3/model.onnx")
    s3.put_object(Bucket=models, Key="registry/router/7/weights.bin", Body=b"truncated")
    args = dict(repository, kind="model_registry", models=source)
    planned = run_module(platform_restore, args, check_mode=True)
    assert planned["plan"]["models"]["create"] == ["registry/planner/3/model.onnx"]
    assert planned["plan"]["models"]["overwrite"] == ["registry/router/7/weights.bin"]
    assert planned["plan"]["models"]["unchanged"] == 1
    restored = run_module(platform_restore, args)
    assert restored["changed"] and restored["validation"]["models"]["ok"]
    for key, body in contents.items():
        stored = s3.get_object(Bucket=models, Key=key)["Body"].read()
        assert hashlib.sha256(stored).hexdigest() == hashlib.sha256(body).hexdigest(), key
    assert not run_module(platform_restore, args, check_mode=True)["changed"]
    assert not run_module(platform_restore, args)["changed"]
    assert len(objects(s3, models, "registry/")) == 3
