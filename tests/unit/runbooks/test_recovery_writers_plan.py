"""What stopping and starting a recovery's writers records and scales: the record keeps
the replicas of writers a killed run left at 0, a running writer's live count wins, and
a record that cannot be read is refused rather than taken as nothing to bring back."""

import json

import pytest

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.runbooks.writers import (
    format_record,
    parse_record,
    plan_start,
    plan_stop,
)


def deployment(name, replicas, namespace="agents"):
    spec = {} if replicas is None else {"replicas": replicas}
    return {"metadata": {"name": name, "namespace": namespace}, "spec": spec}


def test_a_first_stop_records_every_running_writer_and_stops_it():
    record, to_stop = plan_stop([deployment("executor", 3), deployment("coordinator", None),
                                 deployment("idle", 0)], {})
    # Kubernetes' default of 1 replica counts; a writer at 0 before the recovery stays at 0.
    assert record == {"agents/executor": 3, "agents/coordinator": 1}
    assert to_stop == ["agents/coordinator", "agents/executor"]


def test_a_stop_run_again_after_a_killed_run_keeps_the_recorded_replicas():
    # The first run recorded 3 and scaled to 0, then died: the zeros are not recorded.
    record, to_stop = plan_stop([deployment("executor", 0)], {"agents/executor": 3})
    assert record == {"agents/executor": 3}
    assert to_stop == []


def test_a_running_writer_keeps_its_live_count_over_the_record():
    # A start that scaled it up and died before removing the record, or an HPA since.
    record, to_stop = plan_stop([deployment("executor", 5), deployment("learner", 0)],
                                {"agents/executor": 3, "agents/learner": 2})
    assert record == {"agents/executor": 5, "agents/learner": 2}
    assert to_stop == ["agents/executor"]


def test_a_recorded_writer_that_is_gone_stays_recorded_when_stopping():
    record, _ = plan_stop([], {"agents/executor": 3})
    assert record == {"agents/executor": 3}


def test_start_scales_what_differs_and_names_what_is_gone():
    to_scale, missing = plan_start([deployment("executor", 0), deployment("coordinator", 2)],
                                   {"agents/executor": 3, "agents/coordinator": 2, "agents/learner": 1})
    assert to_scale == [("agents/executor", 0, 3)]
    assert missing == ["agents/learner"]


def test_the_record_reads_back_as_written():
    text = format_record({"b/two": 2, "a/one": 1}, "2026-12-07T00:00:00Z")
    assert parse_record(text, "there") == {"a/one": 1, "b/two": 2}
    assert [w["name"] for w in json.loads(text)["writers"]] == ["one", "two"]
    # The same record is the same text (a second run writes nothing).
    assert text == format_record({"a/one": 1, "b/two": 2}, "2026-12-07T00:00:00Z")


def test_no_record_is_an_empty_record():
    assert parse_record(None, "there") == {}
    assert parse_record("", "there") == {}


@pytest.mark.parametrize("text", ["{not json", '{"writers": [{"name": "x"}]}', '{"format": 1}',
                                  '{"writers": [{"namespace": "a", "name": "x", "replicas": "many"}]}'])
def test_a_damaged_record_is_refused_naming_where_it_is(text):
    with pytest.raises(PlatformError) as raised:
        parse_record(text, "ConfigMap core-services/mas-platform-state key recovery-writers.json")
    assert raised.value.msg.startswith("ConfigMap core-services/mas-platform-state key recovery-writers.json: "
                                       "the writers' record cannot be read")
