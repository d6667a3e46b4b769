"""The graceful part of the shutdown against a real RabbitMQ: pause intake with 10,000
tasks queued and a consumer acknowledging slowly, check that publishing is refused to the
publisher, wait for the drain, resume intake, and count: every message a publisher had
confirmed was consumed or is still queued. Plus the drain's timeout, force and check mode,
and the queue depth it reads."""

import pytest
from amqp_clients import Publisher, SlowConsumer, declare, fill, ready_count

from ansible_collections.mas.platform.plugins.modules import (
    rabbitmq_drain_wait,
    rabbitmq_queue_info,
    rabbitmq_task_intake,
)

BACKLOG = 10000


def test_shutdown_then_startup_loses_nothing(run_module, rabbitmq, rabbitmq_args, unique):
    pattern = r"^work-%s\." % unique
    queues = ["work-%s.default" % unique, "work-%s.priority" % unique]
    exchange = "tasks-" + unique
    for name in queues:
        declare(rabbitmq, name, exchange=exchange)
    published = fill(rabbitmq, queues[0], BACKLOG // 2, exchange=exchange)
    published += fill(rabbitmq, queues[1], BACKLOG // 2, exchange=exchange)
    # Each consumer works through a quarter of the backlog, then holds until the drain is waited for.
    consumers = [SlowConsumer(rabbitmq, name, delay=0.0005, prefetch=50, hold_after=BACKLOG // 4) for name in queues]
    publisher = Publisher(rabbitmq, exchange)
    try:
        for consumer in consumers:
            consumer.start()

        # 1. pause_task_acceptance, while the consumers work through the backlog.
        paused = run_module(rabbitmq_task_intake, dict(rabbitmq_args, queue_pattern=pattern, wait_timeout=60))
        assert paused["changed"] is True and paused["armed"] == sorted(queues)
        confirmed, refused = publisher.publish(queues[0], 100)
        confirmed2, refused2 = publisher.publish(queues[1], 100)
        assert (confirmed + confirmed2, refused + refused2) == (0, 200), "publishing during the pause was admitted"
        in_flight = sum(c.acked for c in consumers)
        assert in_flight < BACKLOG, "the backlog drained before the drain was waited for"
        for consumer in consumers:
            consumer.release()

        # 2. complete_active_tasks.
        drained = run_module(rabbitmq_drain_wait, dict(rabbitmq_args, queue_pattern=pattern, wait_timeout=180,
                                                       stable_for=2))
        assert drained["drained"] is True and drained["remaining"] == []
        assert sum(c.acked for c in consumers) == published

        # startup: resume intake; new work is admitted again and consumed.
        opened = run_module(rabbitmq_task_intake, dict(rabbitmq_args, queue_pattern=pattern, state="open",
                                                       wait_timeout=60))
        assert opened["changed"] is True
        confirmed, refused = publisher.publish(queues[0], 300)
        assert (confirmed, refused) == (300, 0)
        published += confirmed
    finally:
        publisher.close()
        consumed = sum(consumer.stop() for consumer in consumers)
    queued = sum(ready_count(rabbitmq, name) for name in queues)
    assert published == consumed + queued, "lost %d messages" % (published - consumed - queued)
    assert publisher.refused == 200


@pytest.fixture
def stuck_queue(rabbitmq, unique):
    """A queue with 7 ready messages and no consumer, its statistics caught up."""
    name = "stuck-%s.default" % unique
    declare(rabbitmq, name)
    fill(rabbitmq, name, 7)
    rabbitmq.wait_for_stats(name, lambda q: q.get("messages_ready") == 7)
    return name


def test_drain_timeout_names_what_is_left_and_stops(module_failure, rabbitmq, rabbitmq_args, stuck_queue, unique):
    result = module_failure(rabbitmq_drain_wait, dict(rabbitmq_args, queue_pattern=r"^stuck-%s\." % unique,
                                                      wait_timeout=2, stable_for=1))
    assert result["msg"].startswith(r"queues matching '^stuck-%s\\.' not drained after 2s; 7 messages left: "
                                    "%s ready=7 unacked=0" % (unique, stuck_queue)), result["msg"]
    assert "force=true" in result["msg"]
    assert result["drained"] is False
    assert ready_count(rabbitmq, stuck_queue) == 7


def test_drain_force_goes_on_with_a_warning(run_module, rabbitmq_args, stuck_queue, unique, clean_warnings):
    result = run_module(rabbitmq_drain_wait, dict(rabbitmq_args, queue_pattern=r"^stuck-%s\." % unique,
                                                  wait_timeout=1, stable_for=1, force=True))
    assert result["drained"] is False and result["changed"] is False
    assert [q["name"] for q in result["remaining"]] == [stuck_queue]
    assert any("work in flight" in w and stuck_queue in w for w in clean_warnings())


def test_drain_in_check_mode_reads_once(run_module, rabbitmq_args, stuck_queue, unique):
    result = run_module(rabbitmq_drain_wait, dict(rabbitmq_args, queue_pattern=r"^stuck-%s\." % unique,
                                                  wait_timeout=600), check_mode=True)
    assert result["drained"] is False and result["waited"] == 0
    assert result["remaining"][0]["messages_ready"] == 7


def test_queue_info_reads_ready_unacked_and_consumers(run_module, rabbitmq, rabbitmq_args, unique):
    name = "info-%s.default" % unique
    declare(rabbitmq, name)
    declare(rabbitmq, "other-%s" % unique)
    fill(rabbitmq, name, 25)
    connection = rabbitmq.connection()
    try:
        channel = connection.channel()
        channel.basic_qos(prefetch_count=5)
        channel.basic_consume(name, lambda *args: None)
        connection.process_data_events(time_limit=0.5)
        rabbitmq.wait_for_stats(name, lambda q: q.get("messages_unacknowledged") == 5)
        result = run_module(rabbitmq_queue_info, dict(rabbitmq_args, queue_pattern=r"^info-%s\." % unique))
    finally:
        connection.close()
    assert result["changed"] is False
    assert result["queues"] == [dict(name=name, type="classic", messages_ready=20, messages_unacknowledged=5,
                                     messages=25, consumers=1, policy=None, state="running")]
    assert result["totals"] == dict(queues=1, messages_ready=20, messages_unacknowledged=5, messages=25, consumers=1)


@pytest.mark.parametrize("module", [rabbitmq_queue_info, rabbitmq_drain_wait])
def test_unreachable_broker_and_bad_credentials(module_failure, rabbitmq, rabbitmq_args, closed_url, module):
    message = module_failure(module, dict(rabbitmq_args, api_url=closed_url, queue_pattern="x"))["msg"]
    assert message.startswith(closed_url + "/api/queues/") and "unreachable" in message
    message = module_failure(module, dict(rabbitmq_args, password="nope", queue_pattern="x"))["msg"]
    assert message == "bad credentials for %s at %s/api/queues/%%2F?columns=%s" % (
        rabbitmq_args["username"], rabbitmq.api_url,
        "name,type,state,node,arguments,policy,effective_policy_definition,messages,messages_ready,"
        "messages_unacknowledged,consumers")


@pytest.mark.parametrize("extra, expected", [
    (dict(wait_timeout="soon"), "wait_timeout"),
    (dict(stable_for=-1), "stable_for: must not be negative"),
    (dict(queue_pattern="(("), "queue_pattern: '((' is not a valid regular expression"),
    (dict(api_url="rabbitmq:15672"), "api_url: 'rabbitmq:15672' is not an HTTP(S) URL"),
    (dict(username=None), "username: no RabbitMQ user given"),
])
def test_drain_bad_input_names_the_key(module_failure, rabbitmq_args, extra, expected):
    params = dict(rabbitmq_args, queue_pattern="x")
    params.update(extra)
    if params.get("username") is None:
        params.pop("username")
    assert expected in module_failure(rabbitmq_drain_wait, params)["msg"]
