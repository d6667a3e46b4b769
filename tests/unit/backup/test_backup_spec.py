"""The spec's backup_procedures: the seed's keys and the added ones (store, source,
schedule, components), as the preflight checks them."""

import pytest

from ansible_collections.mas.platform.plugins.module_utils.spec.configuration import BACKUP_PROCEDURES
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import Findings


def check(value):
    findings = Findings()
    BACKUP_PROCEDURES.check(value, "backup_procedures", findings)
    return [(f["path"], f["message"]) for f in findings.errors]


def test_the_shipped_spec_is_valid(production_spec, local_spec):
    assert check(production_spec["backup_procedures"]) == []
    assert check(local_spec["backup_procedures"]) == []


@pytest.mark.parametrize("path, value, key, message", [
    (("system_state", "schedule"), "0 3 * * *", "backup_procedures.system_state.schedule", "does not run hourly"),
    (("metrics", "schedule"), "*/5 * * * *", "backup_procedures.metrics.schedule", "does not run daily"),
    (("metrics", "schedule"), "every day", "backup_procedures.metrics.schedule", "a cron expression of five fields"),
    (("system_state", "components"), ["redis", "postgres"], "backup_procedures.system_state.components[1]",
     "expected one of kubernetes, consul, rabbitmq, redis, mongodb, neo4j"),
    (("metrics", "type"), "incremental", "backup_procedures.metrics.type", "expected one of snapshot"),
    (("store", "bucket"), "Backups_Bucket", "backup_procedures.store.bucket", "an S3 bucket name"),
    (("store", "endpoint_url"), "s3.local", "backup_procedures.store.endpoint_url", "a URL"),
    (("store", "server_side_encryption"), "AES256", "backup_procedures.store.kms_key_id", "aws:kms, not AES256"),
    (("model_registry", "retention"), "12h", "backup_procedures.model_registry.retention", "expire before the next"),
])
def test_bad_values_are_named(production_spec, path, value, key, message):
    procedures = production_spec["backup_procedures"]
    target = procedures
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    errors = check(procedures)
    assert any(p == key and message in m for p, m in errors), errors


@pytest.mark.parametrize("drop, key, message", [
    ("store", "backup_procedures.store", "required key is missing"),
    ("source", "backup_procedures.model_registry.source", "where the learning pipeline's models live"),
])
def test_where_backups_go_and_where_models_live_are_required(production_spec, drop, key, message):
    procedures = production_spec["backup_procedures"]
    if drop == "store":
        del procedures["store"]
    else:
        del procedures["model_registry"]["source"]
    assert any(p == key and message in m for p, m in check(procedures))


def test_the_seeds_backup_procedures_lack_a_store(seed_spec):
    errors = check(seed_spec["backup_procedures"])
    assert ("backup_procedures.store", "required key is missing: expected a mapping with keys bucket, endpoint_url, "
            "kms_key_id, prefix, region, server_side_encryption") in errors
