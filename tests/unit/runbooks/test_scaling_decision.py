"""The scaling decision as a pure function: every case of the seed's triggers, the
cooldown, the ceilings and bad inputs."""

import math

import pytest

from ansible_collections.mas.platform.plugins.module_utils.preflight.capacity import GIB
from ansible_collections.mas.platform.plugins.module_utils.runbooks.scaling import (
    annotation_key,
    decide,
    DecisionError,
    describer,
    format_memory_quantity,
    format_timestamp,
    parse_field_value,
    parse_timestamp,
    target_field,
)
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError

NOW = 1_800_000_000
CAPACITY = {"capacity": 20}


def executors(depth, current=3, last_scaled=None, now=NOW, ceilings=None):
    """The seed's task executor trigger: queue_depth > 1000, step 2, cooldown 300s."""
    return decide(depth, 1000, ">", 2, 300, last_scaled, now, current, ceilings=ceilings or CAPACITY)


@pytest.mark.parametrize("depth, current, last_scaled, ceilings, action, new_value, reason", [
    # below, at and above the threshold
    (999, 3, None, CAPACITY, "hold", 3, "not triggered: 999 > 1000 is false"),
    (1000, 3, None, CAPACITY, "hold", 3, "not triggered: 1000 > 1000 is false"),
    (1001, 3, None, CAPACITY, "scale", 5, "1001 > 1000: 3 -> 5"),
    (1500, 3, None, CAPACITY, "scale", 5, "1500 > 1000: 3 -> 5"),
    # cooldown: inside, at its end, past it, and a timestamp from the future
    (1500, 5, NOW - 299, CAPACITY, "hold", 5, "in cooldown: last scaled 299s ago, cooldown 300s, 1s left"),
    (1500, 5, NOW - 1, CAPACITY, "hold", 5, "in cooldown: last scaled 1s ago, cooldown 300s, 299s left"),
    (1500, 5, NOW - 300, CAPACITY, "scale", 7, "1500 > 1000: 5 -> 7"),
    (1500, 5, NOW - 86400, CAPACITY, "scale", 7, "1500 > 1000: 5 -> 7"),
    (1500, 5, NOW + 60, CAPACITY, "hold", 5, "in cooldown: last scaled 0s ago, cooldown 300s, 360s left"),
    # below the threshold inside the cooldown: the trigger is what is reported
    (10, 5, NOW - 10, CAPACITY, "hold", 5, "not triggered"),
    # ceilings: room for the step, step clipped, at, above; the lowest ceiling binds
    (1500, 18, None, CAPACITY, "scale", 20, "1500 > 1000: 18 -> 20"),
    (1500, 19, None, CAPACITY, "scale", 20, "1500 > 1000: 19 -> 20 (step clipped to capacity 20)"),
    (1500, 20, None, CAPACITY, "hold", 20, "at ceiling: 20 is at or above capacity 20; not scaling past it"),
    (1500, 25, None, CAPACITY, "hold", 25, "at ceiling: 25 is at or above capacity 20"),
    (1500, 3, None, {"capacity": 20, "the HPA's maxReplicas": 4}, "scale", 4,
     "3 -> 4 (step clipped to the HPA's maxReplicas 4)"),
    (1500, 4, None, {"capacity": 20, "the HPA's maxReplicas": 4, "quota": None}, "hold", 4,
     "at ceiling: 4 is at or above the HPA's maxReplicas 4"),
])
def test_task_executor_trigger(depth, current, last_scaled, ceilings, action, new_value, reason):
    decision = executors(depth, current, last_scaled, ceilings=ceilings)
    assert decision["action"] == action
    assert decision["new_value"] == new_value
    assert decision["current_value"] == current
    assert reason in decision["reason"]


def test_cooldown_remaining_is_reported_in_whole_seconds():
    assert executors(1500, last_scaled=NOW - 100.5)["cooldown_remaining"] == 200
    assert executors(1500, last_scaled=NOW - 400)["cooldown_remaining"] == 0


def test_bound_names_the_binding_ceiling():
    assert executors(1500)["bound"] == "capacity"
    assert executors(10)["bound"] is None


def test_coordinator_cpu_trigger():
    """cpu_usage > 75 %, step 1, cooldown 600s."""
    assert decide(75.0, 75, ">", 1, 600, None, NOW, 3, ceilings={"capacity": 6})["action"] == "hold"
    decision = decide(75.4, 75, ">", 1, 600, None, NOW, 3, ceilings={"capacity": 6})
    assert (decision["action"], decision["new_value"]) == ("scale", 4)
    assert decision["reason"] == "75.4 > 75: 3 -> 4"
    assert decide(90, 75, ">", 1, 600, NOW - 599, NOW, 4, ceilings={"capacity": 6})["action"] == "hold"


def test_learning_agent_memory_trigger():
    """memory_usage > 80 %, +8Gi, cooldown 1800s, bounded by the node's allocatable."""
    describe = describer("memory_limit")
    decision = decide(85, 80, ">", 8 * GIB, 1800, None, NOW, 64 * GIB, ceilings={"g5.8xlarge": 112 * GIB},
                      describe=describe)
    assert decision["new_value"] == 72 * GIB
    assert decision["reason"] == "85 > 80: 64Gi -> 72Gi"
    clipped = decide(85, 80, ">", 8 * GIB, 1800, None, NOW, 108 * GIB, ceilings={"g5.8xlarge": 112 * GIB},
                     describe=describe)
    assert clipped["new_value"] == 112 * GIB and "clipped to g5.8xlarge 112Gi" in clipped["reason"]


@pytest.mark.parametrize("comparison, value, fires", [
    (">", 10, False), (">", 11, True), (">=", 10, True), (">=", 9, False),
    ("<", 10, False), ("<", 9, True), ("<=", 10, True), ("<=", 11, False),
])
def test_comparisons(comparison, value, fires):
    decision = decide(value, 10, comparison, 1, 0, None, NOW, 1, ceilings={"c": 5})
    assert (decision["action"] == "scale") is fires


@pytest.mark.parametrize("current, floor, action, new_value, reason", [
    (5, 3, "scale", 4, "2 < 10: 5 -> 4"),
    (4, 3, "scale", 3, "4 -> 3"),
    (3, 3, "hold", 3, "at floor: 3 is at or below the floor 3"),
    (5, None, "scale", 4, "5 -> 4"),
])
def test_negative_step_respects_the_floor(current, floor, action, new_value, reason):
    decision = decide(2, 10, "<", -1, 0, None, NOW, current, floor=floor)
    assert (decision["action"], decision["new_value"]) == (action, new_value)
    assert reason in decision["reason"]


def test_negative_step_clipped_to_the_floor():
    decision = decide(2, 10, "<", -4, 0, None, NOW, 5, floor=3)
    assert decision["new_value"] == 3 and "clipped to the floor 3" in decision["reason"]


@pytest.mark.parametrize("overrides, message", [
    (dict(metric_value="1500"), "metric_value: expected a number, got '1500'"),
    (dict(metric_value=None), "metric_value: expected a number, got None"),
    (dict(metric_value=True), "metric_value: expected a number, got True"),
    (dict(metric_value=float("nan")), "metric_value: expected a finite number"),
    (dict(threshold=float("inf")), "threshold: expected a finite number"),
    (dict(comparison="=="), "comparison: expected one of <, <=, >, >=, got '=='"),
    (dict(step=0), "step: must not be 0"),
    (dict(step="2"), "step: expected a number"),
    (dict(cooldown=-1), "cooldown: must not be negative"),
    (dict(last_scaled="yesterday"), "last_scaled: expected a number"),
    (dict(now=None), "now: expected a number"),
    (dict(current=[3]), "current: expected a number"),
    (dict(ceilings={"capacity": "20"}), "ceiling capacity: expected a number"),
    (dict(ceilings={}), "ceilings: scaling up needs at least one ceiling"),
    (dict(ceilings={"capacity": None}), "ceilings: scaling up needs at least one ceiling"),
    (dict(floor="3"), "floor: expected a number"),
])
def test_bad_inputs_name_the_input(overrides, message):
    inputs = dict(metric_value=1500, threshold=1000, comparison=">", step=2, cooldown=300, last_scaled=None, now=NOW,
                  current=3, ceilings=CAPACITY)
    inputs.update(overrides)
    with pytest.raises(DecisionError) as error:
        decide(**inputs)
    assert error.value.msg.startswith(message)


def test_decision_is_pure():
    first = executors(1500, last_scaled=NOW - 10)
    assert executors(1500, last_scaled=NOW - 10) == first


# -- the module's conversions -------------------------------------------------------------

@pytest.mark.parametrize("trigger", ["task-executors-queue-depth", "a", "coordinator-cpu", "x" * 51])
def test_annotation_key(trigger):
    assert annotation_key(trigger) == "mas.platform/last-scaled-" + trigger


@pytest.mark.parametrize("trigger", ["Queue", "queue_depth", "-queue", "queue-", "", "x" * 52, None, 3])
def test_bad_trigger_names(trigger):
    with pytest.raises(PlatformError) as error:
        annotation_key(trigger)
    assert error.value.msg.startswith("trigger: ")


def test_timestamps_round_trip():
    assert format_timestamp(NOW) == "2027-01-15T08:00:00Z"
    assert parse_timestamp(format_timestamp(NOW), "k") == NOW
    assert parse_timestamp(None, "k") is None
    with pytest.raises(PlatformError) as error:
        parse_timestamp("last tuesday", "mas.platform/last-scaled-x")
    assert error.value.msg.startswith("annotation mas.platform/last-scaled-x: 'last tuesday' is not a time")


@pytest.mark.parametrize("field, value, expected", [
    ("min_replicas", "2", 2), ("replicas", 20, 20), ("replicas", " 4 ", 4),
    ("memory_limit", "8Gi", 8 * GIB), ("memory_limit", "112Gi", 112 * GIB), ("memory_limit", "512Mi", 512 << 20),
])
def test_field_values(field, value, expected):
    assert parse_field_value(field, value, "step") == expected


@pytest.mark.parametrize("field, value, message", [
    ("replicas", "two", "step: expected a whole number of replicas, got 'two'"),
    ("replicas", "2.5", "step: expected a whole number of replicas"),
    ("replicas", True, "step: expected a whole number of replicas"),
    ("memory_limit", "8 GB", "step: expected a Kubernetes quantity"),
])
def test_bad_field_values(field, value, message):
    with pytest.raises(PlatformError) as error:
        parse_field_value(field, value, "step")
    assert error.value.msg.startswith(message)


@pytest.mark.parametrize("num_bytes, quantity", [(40 * GIB, "40Gi"), (1536 << 20, "1536Mi"), (1000, "1000")])
def test_memory_quantities(num_bytes, quantity):
    assert format_memory_quantity(num_bytes) == quantity


@pytest.mark.parametrize("target, field", [
    (dict(kind="HorizontalPodAutoscaler", name="t"), "min_replicas"),
    (dict(kind="Deployment", name="t"), "replicas"),
    (dict(kind="StatefulSet", name="t", container="c"), "memory_limit"),
    (dict(kind="Deployment", name="t", field="replicas", container="c"), "replicas"),
])
def test_target_field(target, field):
    assert target_field(target) == field


@pytest.mark.parametrize("target, message", [
    (dict(kind="HorizontalPodAutoscaler", name="t", field="replicas"), "target.field: a HorizontalPodAutoscaler"),
    (dict(kind="Deployment", name="t", field="min_replicas"), "target.field: min_replicas belongs to"),
    (dict(kind="Deployment", name="t", field="memory_limit"), "target.container: required"),
])
def test_bad_targets(target, message):
    with pytest.raises(PlatformError) as error:
        target_field(target)
    assert error.value.msg.startswith(message)


def test_describer_for_replicas_and_memory():
    assert describer("replicas")(3) == "3"
    assert describer("memory_limit")(40 * GIB) == "40Gi"
    assert not math.isnan(executors(1500)["new_value"])
