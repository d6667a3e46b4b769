"""rabbitmq_task_intake against a real RabbitMQ: the gate refuses publishes with a nack,
keeps every message already queued, merges and restores the queues' own policy, and
fails (changing nothing) on queues it cannot gate and on bad connections."""

import pytest
from amqp_clients import Publisher, declare, fill, ready_count

from ansible_collections.mas.platform.plugins.modules import rabbitmq_task_intake


def intake_params(args, pattern, state="paused", **extra):
    params = dict(args, queue_pattern=pattern, state=state, policy_name="pause-" + pattern.strip("^\\.$")[:20],
                  wait_timeout=60)
    params.update(extra)
    return params


def intake_failure(module_failure, args, pattern, **extra):
    return module_failure(rabbitmq_task_intake, intake_params(args, pattern, **extra))["msg"]


def intake(run_module, args, pattern, state="paused", check_mode=False, **extra):
    return run_module(rabbitmq_task_intake, intake_params(args, pattern, state, **extra), check_mode=check_mode,
                      diff=True)


@pytest.fixture
def classic_queue(rabbitmq, unique):
    name = "tasks-%s.default" % unique
    declare(rabbitmq, name)
    fill(rabbitmq, name, 1000)
    return name


def test_pause_four_ways_keeps_the_backlog_and_refuses_publishes(run_module, rabbitmq, rabbitmq_args,
                                                                  classic_queue, unique):
    pattern = r"^tasks-%s\." % unique
    checked = intake(run_module, rabbitmq_args, pattern, check_mode=True)
    assert checked["changed"] is True
    assert checked["diff"]["before"]["policy"] is None
    assert checked["diff"]["after"]["policy"]["definition"] == {"overflow": "reject-publish", "max-length": 0}
    assert not [p for p in rabbitmq.policies() if unique in rabbitmq.policies()[p]["pattern"]]

    applied = intake(run_module, rabbitmq_args, pattern)
    assert applied["changed"] is True
    assert applied["armed"] == [classic_queue]
    assert applied["policy"]["definition"] == {"overflow": "reject-publish", "max-length": 0}
    policy_name = applied["policy"]["name"]
    assert set(rabbitmq.policies()) >= {policy_name} and policy_name + "-arming" not in rabbitmq.policies()
    # Nothing queued was dropped by the gate (a one-step max-length 0 would drop it all).
    assert ready_count(rabbitmq, classic_queue) == 1000
    publisher = Publisher(rabbitmq)
    try:
        assert publisher.publish(classic_queue, 20) == (0, 20)
    finally:
        publisher.close()
    assert ready_count(rabbitmq, classic_queue) == 1000

    assert intake(run_module, rabbitmq_args, pattern, check_mode=True)["changed"] is False
    again = intake(run_module, rabbitmq_args, pattern)
    assert again["changed"] is False and again["armed"] == []


def test_open_four_ways_restores_intake(run_module, rabbitmq, rabbitmq_args, classic_queue, unique):
    pattern = r"^tasks-%s\." % unique
    policy_name = intake(run_module, rabbitmq_args, pattern)["policy"]["name"]

    checked = intake(run_module, rabbitmq_args, pattern, state="open", check_mode=True)
    assert checked["changed"] is True and checked["diff"]["after"]["policy"] is None
    assert policy_name in rabbitmq.policies()

    opened = intake(run_module, rabbitmq_args, pattern, state="open")
    assert opened["changed"] is True
    assert policy_name not in rabbitmq.policies()
    assert [q["policy"] for q in opened["queues"]] == [None]
    publisher = Publisher(rabbitmq)
    try:
        assert publisher.publish(classic_queue, 20) == (20, 0)
    finally:
        publisher.close()
    assert ready_count(rabbitmq, classic_queue) == 1020

    assert intake(run_module, rabbitmq_args, pattern, state="open", check_mode=True)["changed"] is False
    assert intake(run_module, rabbitmq_args, pattern, state="open")["changed"] is False


def test_one_step_gate_would_drop_a_classic_backlog(rabbitmq, unique):
    """Why the module arms classic queues first: RabbitMQ applies a policy's max-length
    before its overflow, so both at once drop the backlog (RabbitMQ 3.10 to 3.13)."""
    name = "raw-%s" % unique
    declare(rabbitmq, name)
    fill(rabbitmq, name, 50)
    status, _ = rabbitmq.api("PUT", "policies/%2F/raw-" + unique, {
        "pattern": "^%s$" % name, "apply-to": "queues", "priority": 100,
        "definition": {"overflow": "reject-publish", "max-length": 0}})
    assert status in (201, 204)
    try:
        rabbitmq.wait_for_stats(name, lambda q: q.get("policy") == "raw-" + unique)
        assert ready_count(rabbitmq, name) == 0
    finally:
        rabbitmq.api("DELETE", "policies/%2F/raw-" + unique)


def test_base_policy_is_merged_and_governs_again_after_open(run_module, rabbitmq, rabbitmq_args, classic_queue,
                                                            unique):
    pattern = r"^tasks-%s\." % unique
    base = "base-" + unique
    status, _ = rabbitmq.api("PUT", "policies/%2F/" + base, {
        "pattern": pattern, "apply-to": "queues", "priority": 7,
        "definition": {"dead-letter-exchange": "dlx-" + unique, "max-length": 50000}})
    assert status in (201, 204)
    try:
        rabbitmq.wait_for_stats(classic_queue, lambda q: q.get("policy") == base)
        paused = intake(run_module, rabbitmq_args, pattern)
        assert paused["base_policy"] == base
        assert paused["policy"]["definition"] == {"dead-letter-exchange": "dlx-" + unique,
                                                  "overflow": "reject-publish", "max-length": 0}
        assert paused["policy"]["priority"] > 7
        assert ready_count(rabbitmq, classic_queue) == 1000
        assert rabbitmq.policies()[base]["definition"] == {"dead-letter-exchange": "dlx-" + unique,
                                                           "max-length": 50000}

        intake(run_module, rabbitmq_args, pattern, state="open")
        stats = rabbitmq.wait_for_stats(classic_queue, lambda q: q.get("policy") == base)
        assert stats["effective_policy_definition"] == {"dead-letter-exchange": "dlx-" + unique, "max-length": 50000}
        assert ready_count(rabbitmq, classic_queue) == 1000
    finally:
        rabbitmq.api("DELETE", "policies/%2F/" + base)


def test_queues_under_different_policies_are_refused(module_failure, rabbitmq, rabbitmq_args, unique):
    declare(rabbitmq, "tasks-%s.a" % unique)
    declare(rabbitmq, "tasks-%s.b" % unique)
    status, _ = rabbitmq.api("PUT", "policies/%2F/only-a-" + unique, {
        "pattern": r"^tasks-%s\.a$" % unique, "apply-to": "queues", "definition": {"expires": 86400000}})
    assert status in (201, 204)
    try:
        before = rabbitmq.policies()
        message = intake_failure(module_failure, rabbitmq_args, r"^tasks-%s\." % unique)
        assert "different policies" in message
        assert "only-a-%s: tasks-%s.a" % (unique, unique) in message
        assert "no policy: tasks-%s.b" % unique in message
        assert rabbitmq.policies() == before
    finally:
        rabbitmq.api("DELETE", "policies/%2F/only-a-" + unique)


def test_queue_declared_with_drop_head_is_refused_and_keeps_its_messages(module_failure, rabbitmq, rabbitmq_args,
                                                                         unique):
    name = "tasks-%s.legacy" % unique
    declare(rabbitmq, name, arguments={"x-overflow": "drop-head"})
    fill(rabbitmq, name, 30)
    before = rabbitmq.policies()
    message = intake_failure(module_failure, rabbitmq_args, r"^tasks-%s\." % unique)
    assert "%s was declared with x-overflow=drop-head" % name in message
    assert rabbitmq.policies() == before
    assert ready_count(rabbitmq, name) == 30


def test_quorum_queue_needs_consent_then_reopens_its_blocked_publishers(run_module, module_failure, rabbitmq, rabbitmq_args,
                                                                        unique, clean_warnings):
    name = "tasks-%s.quorum" % unique
    pattern = r"^tasks-%s\." % unique
    declare(rabbitmq, name, arguments={"x-queue-type": "quorum"})
    publisher = Publisher(rabbitmq)
    try:
        assert publisher.publish(name, 200) == (200, 0)
        message = intake_failure(module_failure, rabbitmq_args, pattern)
        assert "%s is a quorum queue" % name in message
        assert "allow_quorum_queues" in message

        paused = intake(run_module, rabbitmq_args, pattern, allow_quorum_queues=True)
        assert paused["changed"] is True and paused["armed"] == []
        assert any(name in w and "not strictly paused" in w for w in clean_warnings())
        # With a backlog the quorum queue refuses...
        assert publisher.publish(name, 10) == (0, 10)
        assert ready_count(rabbitmq, name) == 200
        # ...and the same channel is let through again once intake reopens.
        intake(run_module, rabbitmq_args, pattern, state="open", allow_quorum_queues=True)
        assert publisher.publish(name, 10) == (10, 0)
        assert ready_count(rabbitmq, name) == 210
    finally:
        publisher.close()


def test_unreachable_broker_names_the_url(module_failure, rabbitmq_args, closed_url, unique):
    message = intake_failure(module_failure, dict(rabbitmq_args, api_url=closed_url), r"^tasks-%s\." % unique)
    assert message.startswith(closed_url + "/api/")
    assert "unreachable" in message and "Traceback" not in message


def test_bad_credentials_name_the_user_and_change_nothing(module_failure, rabbitmq, rabbitmq_args, classic_queue, unique):
    before = rabbitmq.policies()
    message = intake_failure(module_failure, dict(rabbitmq_args, password="wrong"), r"^tasks-%s\." % unique)
    assert message.startswith("bad credentials for %s at %s/api/" % (rabbitmq_args["username"], rabbitmq.api_url))
    assert "wrong" not in message
    assert rabbitmq.policies() == before


def test_user_without_policymaker_tag_is_denied_and_nothing_changes(module_failure, rabbitmq, rabbitmq_args,
                                                                    classic_queue, unique):
    rabbitmq.add_user("viewer-" + unique, "pw-" + unique, tags="management")
    before = rabbitmq.policies()
    message = intake_failure(module_failure, dict(rabbitmq_args, username="viewer-" + unique, password="pw-" + unique),
                             r"^tasks-%s\." % unique)
    assert message.startswith("permission denied: viewer-%s may not set the policy" % unique)
    assert rabbitmq.policies() == before
    assert ready_count(rabbitmq, classic_queue) == 1000


@pytest.mark.parametrize("extra, expected", [
    (dict(queue_pattern="^tasks(["), "queue_pattern: '^tasks([' is not a valid regular expression"),
    (dict(allow_quorum_queues="maybe"), "allow_quorum_queues"),
    (dict(state="closed"), "state"),
    (dict(vhost="no-such-vhost"), "vhost: 'no-such-vhost' does not exist"),
])
def test_bad_input_names_the_key(module_failure, rabbitmq, rabbitmq_args, unique, extra, expected):
    before = rabbitmq.policies()
    params = dict(rabbitmq_args, queue_pattern=r"^tasks-%s\." % unique)
    params.update(extra)
    assert expected in module_failure(rabbitmq_task_intake, params)["msg"]
    assert rabbitmq.policies() == before


def test_missing_queue_pattern_is_named(module_failure, rabbitmq_args):
    assert "queue_pattern" in module_failure(rabbitmq_task_intake, rabbitmq_args)["msg"]
