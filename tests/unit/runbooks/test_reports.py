"""Pure parts of the Prometheus client, the drain wait and the health report.

The Prometheus answers below are recorded shapes of /api/v1/query (Prometheus 2.42);
the queue answers are recorded shapes of the RabbitMQ management API. The real servers
are exercised in tests/integration/runbooks."""

import pytest

from ansible_collections.mas.platform.plugins.module_utils.base import EndpointError, PlatformError
from ansible_collections.mas.platform.plugins.module_utils.clients.prometheus import parse_query_response
from ansible_collections.mas.platform.plugins.modules.health_report import rollout_status, validate_checks
from ansible_collections.mas.platform.plugins.modules.rabbitmq_drain_wait import wait_drained

URL = "http://prometheus:9090"


def vector(*samples):
    return {"status": "success", "data": {"resultType": "vector", "result": [
        {"metric": labels, "value": [1769860800.123, value]} for labels, value in samples]}}


def test_vector_and_scalar_results():
    samples = parse_query_response(200, vector(({"job": "a"}, "1"), ({"job": "b"}, "0.5")), "up", URL)
    assert samples == [dict(labels={"job": "a"}, value=1.0), dict(labels={"job": "b"}, value=0.5)]
    scalar = {"status": "success", "data": {"resultType": "scalar", "result": [1769860800.1, "42"]}}
    assert parse_query_response(200, scalar, "scalar(42)", URL) == [dict(labels={}, value=42.0)]
    assert parse_query_response(200, vector(({}, "+Inf")), "x", URL)[0]["value"] == float("inf")


def test_rejected_query_names_the_query_and_the_reason():
    body = {"status": "error", "errorType": "bad_data",
            "error": "invalid parameter \"query\": 1:8: parse error: unexpected end of input"}
    with pytest.raises(PlatformError) as error:
        parse_query_response(400, body, "rate(up[", URL)
    assert error.value.msg == ("query 'rate(up[' rejected by Prometheus at %s: invalid parameter \"query\": 1:8: "
                               "parse error: unexpected end of input" % URL)


@pytest.mark.parametrize("status, body, message", [
    (200, None, "Prometheus answered HTTP 200 without a JSON body"),
    (404, {"reason": "404 page not found"}, "no Prometheus query API here"),
    (200, {"status": "success", "data": {"resultType": "matrix", "result": []}}, "returned a matrix"),
    (200, vector(({}, "NaN")), "returned NaN"),
    (200, vector(({}, "abc")), "returned a sample that is not a number"),
])
def test_unusable_answers(status, body, message):
    with pytest.raises((PlatformError, EndpointError)) as error:
        parse_query_response(status, body, "q", URL)
    assert message in error.value.msg


class RecordedQueues:
    def __init__(self, answers):
        self.answers = list(answers)

    def queues(self):
        return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.now += max(seconds, 0.5)


def depth(name, ready, unacked=0):
    return {"name": name, "type": "classic", "messages_ready": ready, "messages_unacknowledged": unacked,
            "consumers": 1}


def test_drain_needs_empty_readings_for_stable_for_seconds():
    clock = FakeClock()
    client = RecordedQueues([[depth("tasks.a", 5, 2)], [depth("tasks.a", 0, 1)], [depth("tasks.a", 0)],
                             [depth("tasks.a", 1)], [depth("tasks.a", 0)]])
    drained, depths, waited = wait_drained(client, r"^tasks\.", 60, 3, sleep=clock.sleep, clock=clock)
    assert drained is True and depths[0]["messages"] == 0
    # the reading with one ready message restarted the stable period: 4 readings + 3 seconds
    assert waited >= 6


def test_drain_times_out_with_what_is_left():
    clock = FakeClock()
    client = RecordedQueues([[depth("tasks.a", 5, 2), depth("tasks.b", 0), depth("other", 9)]])
    drained, depths, waited = wait_drained(client, r"^tasks\.", 4, 1, sleep=clock.sleep, clock=clock)
    assert drained is False and waited == 4
    assert [(d["name"], d["messages"]) for d in depths] == [("tasks.a", 7), ("tasks.b", 0)]


def test_drain_of_no_queue_is_immediate_with_stable_for_zero():
    clock = FakeClock()
    assert wait_drained(RecordedQueues([[]]), "^x", 10, 0, sleep=clock.sleep, clock=clock)[0] is True


@pytest.mark.parametrize("kind, obj, ok, reason", [
    ("Deployment", {"metadata": {"generation": 2}, "spec": {"replicas": 3},
                    "status": {"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3}},
     True, "3/3 replicas updated, 3 available, 3 in total"),
    ("Deployment", {"metadata": {"generation": 3}, "spec": {"replicas": 3},
                    "status": {"observedGeneration": 2, "replicas": 3, "updatedReplicas": 3, "availableReplicas": 3}},
     False, "the controller has not seen generation 3 yet"),
    ("Deployment", {"metadata": {"generation": 2}, "spec": {"replicas": 3},
                    "status": {"observedGeneration": 2, "replicas": 4, "updatedReplicas": 2, "availableReplicas": 3}},
     False, "2/3 replicas updated, 3 available, 4 in total"),
    ("Deployment", {"metadata": {"generation": 1}, "spec": {"replicas": 2}, "status": {
        "observedGeneration": 1, "conditions": [{"type": "Progressing", "reason": "ProgressDeadlineExceeded",
                                                 "message": "ReplicaSet \"x\" has timed out progressing."}]}},
     False, "rollout exceeded its progress deadline: ReplicaSet \"x\" has timed out progressing."),
    ("Deployment", {"metadata": {"generation": 1}, "spec": {"replicas": 0}, "status": {"observedGeneration": 1}},
     True, "0/0 replicas updated, 0 available, 0 in total"),
    ("StatefulSet", {"metadata": {"generation": 1}, "spec": {"replicas": 3}, "status": {
        "observedGeneration": 1, "readyReplicas": 3, "updatedReplicas": 3, "currentRevision": "r1",
        "updateRevision": "r1"}}, True, "3/3 replicas updated, 3 ready"),
    ("StatefulSet", {"metadata": {"generation": 1}, "spec": {"replicas": 3}, "status": {
        "observedGeneration": 1, "readyReplicas": 3, "updatedReplicas": 3, "currentRevision": "r1",
        "updateRevision": "r2"}}, False, "3/3 replicas updated, 3 ready, revision rolling out"),
    ("DaemonSet", {"metadata": {"generation": 1}, "status": {
        "observedGeneration": 1, "desiredNumberScheduled": 6, "updatedNumberScheduled": 6, "numberAvailable": 5}},
     False, "6/6 pods updated, 5 available"),
])
def test_rollout_status(kind, obj, ok, reason):
    assert rollout_status(kind, obj) == (ok, reason)


def test_validate_checks_accepts_every_kind():
    validate_checks([
        dict(name="a", kind="http", target="https://x/healthz", timeout=5),
        dict(name="b", kind="prometheus", target="up == 1", timeout=5),
        dict(name="c", kind="kubernetes_rollout", target="agent-system/deployment/coordinator", timeout=5),
        dict(name="d", kind="rabbitmq", target=None, timeout=5),
    ])
