"""The pure parts of the RabbitMQ modules: which queues a pattern selects, which policy
governs a queue, the gate policy planned for them, which queues need arming, and what
cannot be gated. The queue and policy dicts have the shape of the management API's
answers (GET /api/queues/<vhost>?columns=..., GET /api/policies/<vhost>) as recorded from
RabbitMQ 3.10; the behaviour against the broker itself is in tests/integration/runbooks."""

import re

import pytest

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.clients.rabbitmq import (
    compile_pattern,
    depth_totals,
    describe_depths,
    effective_policy,
    policy_applies,
    poll_queues,
    queue_depth,
    select_queues,
)
from ansible_collections.mas.platform.plugins.modules.rabbitmq_task_intake import (
    exact_names_pattern,
    plan_gate,
    policy_view,
    queues_to_arm,
    refusals,
)


def queue(name, kind="classic", arguments=None, **stats):
    item = {"name": name, "type": kind, "arguments": arguments or {}, "policy": None, "state": "running",
            "effective_policy_definition": {}, "messages_ready": 0, "messages_unacknowledged": 0, "consumers": 0}
    item.update(stats)
    return item


def policy(name, pattern, definition, priority=0, apply_to="queues"):
    return {"vhost": "/", "name": name, "pattern": pattern, "apply-to": apply_to, "definition": definition,
            "priority": priority}


QUEUES = [queue("tasks.default"), queue("tasks.priority"), queue("results"), queue("amq.gen-1")]


def test_select_queues_searches_the_name_like_a_policy_pattern():
    assert [q["name"] for q in select_queues(QUEUES, r"^tasks\.")] == ["tasks.default", "tasks.priority"]
    assert [q["name"] for q in select_queues(QUEUES, "default")] == ["tasks.default"]
    assert select_queues(QUEUES, "^nothing$") == []


@pytest.mark.parametrize("pattern", ["", None, "(", "[a-"])
def test_bad_patterns_are_named(pattern):
    with pytest.raises(PlatformError) as error:
        compile_pattern(pattern)
    assert error.value.msg.startswith("queue_pattern: ")


@pytest.mark.parametrize("apply_to, kind, applies", [
    ("all", "classic", True), ("queues", "quorum", True), ("exchanges", "classic", False),
    ("classic_queues", "classic", True), ("classic_queues", "quorum", False), ("quorum_queues", "quorum", True),
    ("streams", "stream", True), ("streams", "classic", False),
])
def test_policy_apply_to(apply_to, kind, applies):
    assert policy_applies(policy("p", "^t", {}, apply_to=apply_to), queue("tasks", kind)) is applies


def test_effective_policy_is_the_highest_priority_match():
    policies = [policy("low", "^tasks", {"a": 1}, 1), policy("high", r"^tasks\.default$", {"b": 1}, 5),
                policy("other", "^results", {"c": 1}, 9), policy("x", "^tasks", {}, 99, apply_to="exchanges")]
    assert effective_policy(policies, queue("tasks.default"))["name"] == "high"
    assert effective_policy(policies, queue("tasks.priority"))["name"] == "low"
    assert effective_policy(policies, queue("nothing")) is None


def test_plan_without_policies():
    desired, base, selected = plan_gate(QUEUES, [], r"^tasks\.", "gate", False)
    assert desired == {"name": "gate", "pattern": r"^tasks\.", "apply-to": "queues", "priority": 0,
                       "definition": {"overflow": "reject-publish", "max-length": 0}}
    assert base is None
    assert [q["name"] for q in selected] == ["tasks.default", "tasks.priority"]


def test_plan_merges_the_base_policy_and_outranks_every_queue_policy():
    policies = [policy("tasks-ha", r"^tasks\.", {"delivery-limit": 5, "max-length": 100000, "overflow": "drop-head"},
                       3),
                policy("results", "^results$", {"expires": 1000}, 8),
                policy("exchanges-only", ".*", {"alternate-exchange": "ae"}, 50, apply_to="exchanges")]
    desired, base, _ = plan_gate(QUEUES, policies, r"^tasks\.", "gate", False)
    assert base["name"] == "tasks-ha"
    assert desired["definition"] == {"delivery-limit": 5, "max-length": 0, "overflow": "reject-publish"}
    assert desired["priority"] == 9


def test_plan_ignores_its_own_policies_when_looking_for_the_base():
    policies = [policy("gate", r"^tasks\.", {"overflow": "reject-publish", "max-length": 0}, 4),
                policy("gate-arming", r"^(?:tasks\.default)$", {"overflow": "reject-publish"}, 5),
                policy("base", r"^tasks\.", {"expires": 5}, 3)]
    desired, base, _ = plan_gate(QUEUES, policies, r"^tasks\.", "gate", False)
    assert base["name"] == "base" and desired["priority"] == 4


def test_plan_refuses_queues_under_different_policies():
    policies = [policy("a", r"^tasks\.default$", {"expires": 1})]
    with pytest.raises(PlatformError) as error:
        plan_gate(QUEUES, policies, r"^tasks\.", "gate", False)
    assert "governed by different policies (no policy: tasks.priority; a: tasks.default)" in error.value.msg


@pytest.mark.parametrize("item, allow, problem", [
    (queue("s", "stream"), True, "s is a stream"),
    (queue("d", arguments={"x-overflow": "drop-head"}), True, "d was declared with x-overflow=drop-head"),
    (queue("x", arguments={"x-overflow": "reject-publish-dlx"}), True, "x was declared with x-overflow=reject-publish-dlx"),
    (queue("q", "quorum"), False, "q is a quorum queue"),
])
def test_refusals(item, allow, problem):
    problems = refusals([item], allow)
    assert len(problems) == 1 and problems[0].startswith(problem), problems


@pytest.mark.parametrize("item", [queue("q", "quorum"), queue("r", arguments={"x-overflow": "reject-publish"}),
                                  queue("c", arguments={"x-max-length": 10})])
def test_gateable_queues(item):
    assert refusals([item], True) == []


def test_plan_fails_with_every_refusal_and_the_pattern():
    queues = [queue("tasks.s", "stream"), queue("tasks.q", "quorum")]
    with pytest.raises(PlatformError) as error:
        plan_gate(queues, [], r"^tasks\.", "gate", False)
    assert error.value.msg.startswith(r"cannot pause intake on the queues matching '^tasks\\.': tasks.q is a quorum")
    assert "tasks.s is a stream" in error.value.msg


def test_queues_to_arm():
    selected = [queue("tasks.a"), queue("tasks.b"), queue("tasks.q", "quorum")]
    assert queues_to_arm(selected, None) == ["tasks.a", "tasks.b"]
    gate = policy_view(policy("gate", r"^tasks\.a$", {"overflow": "reject-publish", "max-length": 0}))
    assert queues_to_arm(selected, gate) == ["tasks.b"]
    # A gate policy without the overflow setting (edited by hand) arms everything again.
    edited = policy_view(policy("gate", r"^tasks\.", {"max-length": 0}))
    assert queues_to_arm(selected, edited) == ["tasks.a", "tasks.b"]


@pytest.mark.parametrize("names", [["tasks.default"], ["tasks.a-b", "tasks.c d", "tasks.(x)", "tasks.$1"]])
def test_arming_pattern_matches_exactly_the_names(names):
    pattern = re.compile(exact_names_pattern(names))
    for name in names:
        assert pattern.search(name)
        assert not pattern.search(name + "x") and not pattern.search("x" + name)


def test_policy_view_drops_the_vhost_and_defaults():
    assert policy_view({"name": "p", "pattern": "^t", "definition": {"a": 1}, "vhost": "/"}) == {
        "name": "p", "pattern": "^t", "apply-to": "all", "priority": 0, "definition": {"a": 1}}
    assert policy_view(None) is None


def test_queue_depth_and_totals():
    depths = [queue_depth(queue("a", messages_ready=7, messages_unacknowledged=3, consumers=2)),
              queue_depth({"name": "b"})]
    assert depths[0] == dict(name="a", type="classic", messages_ready=7, messages_unacknowledged=3, messages=10,
                             consumers=2, policy=None, state="running")
    assert depths[1]["messages"] == 0 and depths[1]["type"] == "classic"
    assert depth_totals(depths) == dict(queues=2, messages_ready=7, messages_unacknowledged=3, messages=10,
                                        consumers=2)
    assert describe_depths(depths) == "a ready=7 unacked=3, b ready=0 unacked=0"


class RecordedQueues:
    """Successive answers of GET /api/queues (shapes recorded from RabbitMQ 3.10)."""

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
        self.now += seconds


def test_poll_queues_until_satisfied_or_timeout():
    clock = FakeClock()
    client = RecordedQueues([[queue("a", policy=None), queue("b", policy=None)],
                             [queue("a", policy="arming"), queue("b", policy=None)],
                             [queue("a", policy="arming")]])
    pending, _ = poll_queues(client, ["a", "b"], lambda q: q["policy"] == "arming", 30, sleep=clock.sleep,
                             clock=clock)
    assert pending == []  # b disappeared: nothing left to wait for
    client = RecordedQueues([[queue("a", policy=None)]])
    pending, last = poll_queues(client, ["a"], lambda q: q["policy"] == "arming", 5, sleep=clock.sleep, clock=clock)
    assert pending == ["a"] and last["a"]["policy"] is None
