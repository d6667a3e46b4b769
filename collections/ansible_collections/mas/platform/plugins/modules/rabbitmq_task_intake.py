#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rabbitmq_task_intake
short_description: Pause or resume task intake on RabbitMQ queues
version_added: 0.1.0
description:
  - Closes (O(state=paused)) or reopens (O(state=open)) the intake gate of the task queues.
    While paused, every publish to a queue that O(queue_pattern) selects is refused with a
    C(basic.nack) to a publisher that uses publisher confirms, and the messages already in
    the queues stay there for the consumers to drain.
  - The gate is a RabbitMQ policy named O(policy_name) on the queues, with
    C(overflow=reject-publish) and C(max-length=0). RabbitMQ applies one policy per queue,
    so the definition of the policy that governed the queues before (for example a
    C(delivery-limit) or a dead-letter exchange) is merged into the gate, which takes a
    higher priority; reopening deletes the gate and that policy governs again, unchanged.
  - A classic queue drops its backlog when C(max-length=0) reaches it before
    C(overflow=reject-publish) does, and RabbitMQ applies a new policy's length limit before
    its overflow mode. The module therefore arms each classic queue first (a policy
    C(<policy_name>-arming) with C(overflow=reject-publish) only), waits until every
    classic queue reports that policy, and only then closes the gate.
  - Quorum queues take the gate at once, but they admit a publish each time their ready
    count falls to zero (RabbitMQ unblocks their publishers then), so for them the pause
    is not strict; they are refused unless O(allow_quorum_queues=true).
  - The contract for producers is in C(docs/runbooks/task-intake.md).
author:
  - mas.platform contributors (@mas-platform)
options:
  queue_pattern:
    description:
      - Regular expression selecting the task queues by name; it becomes the gate
        policy's pattern, so queues declared later that match it are gated too.
    type: str
    required: true
  state:
    description:
      - C(paused) closes the gate; C(open) deletes it.
    type: str
    choices: [paused, open]
    default: paused
  policy_name:
    description:
      - Name of the gate policy.
    type: str
    default: mas-intake-pause
  allow_quorum_queues:
    description:
      - Gate quorum queues too, knowing that they admit a publish whenever they have no
        ready message left (see the description). A warning names them.
    type: bool
    default: false
  wait:
    description:
      - After closing or opening the gate, wait until every selected queue reports the
        new state in its statistics.
      - Arming the classic queues is always waited for, as closing the gate before it is
        done would drop their messages.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the queues (arming, then the gate) before failing with the
        queues that did not report it. A failed arming is rolled back.
    type: int
    default: 600
extends_documentation_fragment:
  - mas.platform.rabbitmq
attributes:
  check_mode:
    description: Reports what would change without changing it.
    support: full
  diff_mode:
    description: Shows the gate policy (and a leftover arming policy) before and after.
    support: full
notes:
  - Publishers that do not use publisher confirms are not told of a refusal, and RabbitMQ
    discards their refused messages. The contract requires confirms.
  - A queue declared with an C(x-overflow) argument other than C(reject-publish), or a
    stream, cannot be gated by a policy; the module fails and changes nothing.
"""

EXAMPLES = r"""
- name: Pause task intake before the shutdown
  mas.platform.rabbitmq_task_intake:
    api_url: http://rabbitmq.core-services:15672
    username: ops
    password: "{{ rabbitmq_ops_password }}"
    queue_pattern: '^tasks\.'
    state: paused

- name: Resume task intake (credentials from RABBITMQ_* environment variables)
  mas.platform.rabbitmq_task_intake:
    queue_pattern: '^tasks\.'
    state: open
"""

RETURN = r"""
state:
  description: The state of the gate after the run.
  returned: always
  type: str
  sample: paused
policy:
  description: The gate policy as it is now (null when the gate is open).
  returned: always
  type: dict
  sample:
    name: mas-intake-pause
    pattern: '^tasks\.'
    apply-to: queues
    priority: 6
    definition: {delivery-limit: 5, overflow: reject-publish, max-length: 0}
base_policy:
  description: The policy the gate stands in for on the selected queues (null when none).
  returned: when O(state=paused)
  type: str
  sample: tasks-quorum
armed:
  description: The classic queues that were armed in this run.
  returned: always
  type: list
  elements: str
  sample: [tasks.default, tasks.priority]
queues:
  description: The selected queues with their depth, as last read.
  returned: always
  type: list
  elements: dict
  sample:
    - {name: tasks.default, type: classic, messages_ready: 9120, messages_unacknowledged: 50,
       messages: 9170, consumers: 3, policy: mas-intake-pause, state: running}
"""

import re

from ansible_collections.mas.platform.plugins.module_utils.base import (
    WAIT_ARGUMENT_SPEC,
    PlatformError,
    PlatformModule,
)
from ansible_collections.mas.platform.plugins.module_utils.clients.rabbitmq import (
    effective_policy,
    policy_applies,
    poll_queues,
    queue_depth,
    rabbitmq_argument_spec,
    RabbitMQClient,
    select_queues,
)

ARGUMENT_SPEC = rabbitmq_argument_spec(
    queue_pattern=dict(type="str", required=True),
    state=dict(type="str", choices=["paused", "open"], default="paused"),
    policy_name=dict(type="str", default="mas-intake-pause"),
    allow_quorum_queues=dict(type="bool", default=False),
    **WAIT_ARGUMENT_SPEC
)

GATE = {"overflow": "reject-publish", "max-length": 0}
# Reopening quorum queues first lifts the limit in place: RabbitMQ (3.10 to 3.13) unblocks
# their publishers only when the ready count falls below 80 % of a limit, never when the
# limit is deleted, so deleting the gate alone would leave those publishers refused.
RELEASE_MAX_LENGTH = 2147483647


def arming_name(policy_name):
    return policy_name + "-arming"


def exact_names_pattern(names):
    return "^(?:%s)$" % "|".join(re.escape(name) for name in sorted(names))


def find_policy(policies, name):
    for policy in policies:
        if policy.get("name") == name:
            return policy
    return None


def policy_view(policy):
    """The fields of a policy that make it what it is (no vhost, no noise)."""
    if policy is None:
        return None
    return {"name": policy.get("name"), "pattern": policy.get("pattern"), "apply-to": policy.get("apply-to", "all"),
            "priority": int(policy.get("priority") or 0), "definition": dict(policy.get("definition") or {})}


def refusals(queues, allow_quorum_queues):
    """Why the selected queues cannot be gated (empty when they can)."""
    problems = []
    for queue in queues:
        name, kind = queue["name"], queue.get("type") or "classic"
        overflow = (queue.get("arguments") or {}).get("x-overflow")
        if kind == "stream":
            problems.append("%s is a stream, which cannot refuse publishes" % name)
        elif overflow not in (None, "reject-publish"):
            consequence = ("drop its messages" if overflow == "drop-head"
                           else "send every refused publish to its dead-letter exchange too")
            problems.append("%s was declared with x-overflow=%s, which a policy cannot override "
                            "(with max-length 0 it would %s)" % (name, overflow, consequence))
        elif kind == "quorum" and not allow_quorum_queues:
            problems.append("%s is a quorum queue, which admits a publish whenever it has no ready message "
                            "(set allow_quorum_queues=true to gate it anyway)" % name)
    return problems


def plan_gate(queues, policies, queue_pattern, policy_name, allow_quorum_queues):
    """The gate policy for the selected queues: (desired policy, base policy, selected).

    Pure. Raises PlatformError, changing nothing, when the queues cannot be gated or when
    different policies govern them (one gate policy can stand in for one of them only).
    """
    selected = select_queues(queues, queue_pattern)
    problems = refusals(selected, allow_quorum_queues)
    if problems:
        raise PlatformError("cannot pause intake on the queues matching %r: %s" % (queue_pattern, "; ".join(problems)))
    ours = (policy_name, arming_name(policy_name))
    others = [p for p in policies if p.get("name") not in ours]
    groups = {}
    for queue in selected:
        base = effective_policy(others, queue)
        groups.setdefault(base["name"] if base else None, []).append(queue["name"])
    if len(groups) > 1:
        described = "; ".join("%s: %s" % (name or "no policy", ", ".join(names)) for name, names in sorted(
            groups.items(), key=lambda item: item[0] or ""))
        raise PlatformError("cannot pause intake on the queues matching %r: they are governed by different policies "
                            "(%s), and the gate replaces the one policy of each queue; narrow queue_pattern to "
                            "queues that share one policy" % (queue_pattern, described))
    base = find_policy(others, next(iter(groups))) if groups and next(iter(groups)) else None
    definition = dict((base or {}).get("definition") or {})
    definition.update(GATE)
    priorities = [int(p.get("priority") or 0) for p in others if p.get("apply-to", "all") != "exchanges"]
    desired = {"name": policy_name, "pattern": queue_pattern, "apply-to": "queues",
               "priority": max(priorities + [-1]) + 1, "definition": definition}
    return desired, base, selected


def queues_to_arm(selected, current):
    """Classic queues that must be armed before the gate closes: all of them, except those
    that the existing gate policy (with its reject-publish overflow) already governs."""
    gated = current is not None and (current.get("definition") or {}).get("overflow") == "reject-publish"
    return [q["name"] for q in selected
            if (q.get("type") or "classic") == "classic" and not (gated and policy_applies(current, q))]


def pause(module, client, policies, queues):
    params = module.params
    name = params["policy_name"]
    desired, base, selected = plan_gate(queues, policies, params["queue_pattern"], name, params["allow_quorum_queues"])
    current = policy_view(find_policy(policies, name))
    arming = policy_view(find_policy(policies, arming_name(name)))
    result = dict(state="paused", base_policy=(base or {}).get("name"), armed=[],
                  queues=[queue_depth(q) for q in selected])
    quorum = [q["name"] for q in selected if q.get("type") == "quorum"]
    if quorum:
        module.warn("intake on the quorum queues %s is not strictly paused: a quorum queue admits a publish "
                    "whenever it has no ready message" % ", ".join(quorum))
    changed = current != desired or arming is not None
    result.update(changed=changed, policy=desired if module.check_mode else current,
                  diff=dict(before=dict(policy=current, arming=arming), after=dict(policy=desired, arming=None)))
    if not changed or module.check_mode:
        if not changed:
            result["policy"] = current
        return result

    to_arm = queues_to_arm(selected, current)
    if to_arm:
        arm(module, client, to_arm, base, max(desired["priority"], (current or {}).get("priority", 0)) + 1)
        result["armed"] = to_arm
    client.put_policy(name, desired["pattern"], desired["definition"], desired["priority"])
    client.delete_policy(arming_name(name))
    if params["wait"]:
        pending = poll_queues(client, [q["name"] for q in selected], lambda q: q.get("policy") == name,
                              params["wait_timeout"])[0]
        if pending:
            raise PlatformError("the gate policy %s is set, but after %ss the queues %s do not report it yet; "
                                "check that they are running" % (name, params["wait_timeout"], ", ".join(pending)))
    result["policy"] = policy_view(find_policy(client.policies(), name))
    result["queues"] = [queue_depth(q) for q in select_queues(client.queues(), params["queue_pattern"])]
    return result


def arm(module, client, names, base, priority):
    """Give the classic queues overflow=reject-publish before any length limit, and wait
    until each queue process reports it; roll back and fail when one does not."""
    params = module.params
    policy = arming_name(params["policy_name"])
    definition = dict((base or {}).get("definition") or {})
    definition["overflow"] = "reject-publish"
    client.put_policy(policy, exact_names_pattern(names), definition, priority)
    pending = poll_queues(client, names, lambda q: q.get("policy") == policy, params["wait_timeout"])[0]
    if pending:
        client.delete_policy(policy)
        raise PlatformError("intake not paused: after %ss the classic queues %s still do not report the arming "
                            "policy %s, and closing the gate before they do would drop their messages; the arming "
                            "policy was removed, nothing else changed" % (params["wait_timeout"], ", ".join(pending), policy))


def reopen(module, client, policies, queues):
    params = module.params
    name = params["policy_name"]
    current = policy_view(find_policy(policies, name))
    arming = policy_view(find_policy(policies, arming_name(name)))
    selected = select_queues(queues, params["queue_pattern"])
    result = dict(state="open", policy=None, armed=[], queues=[queue_depth(q) for q in selected],
                  changed=current is not None or arming is not None,
                  diff=dict(before=dict(policy=current, arming=arming), after=dict(policy=None, arming=None)))
    if not result["changed"] or module.check_mode:
        return result
    if current is not None:
        quorum = [q["name"] for q in queues if q.get("type") == "quorum" and policy_applies(current, q)]
        if quorum:
            release_quorum_publishers(module, client, current, quorum)
        client.delete_policy(name)
    if arming is not None:
        client.delete_policy(arming_name(name))
    if params["wait"]:
        pending = poll_queues(client, [q["name"] for q in selected],
                              lambda q: q.get("policy") not in (name, arming_name(name)), params["wait_timeout"])[0]
        if pending:
            raise PlatformError("the gate policy %s is deleted, but after %ss the queues %s still report it"
                                % (name, params["wait_timeout"], ", ".join(pending)))
    result["queues"] = [queue_depth(q) for q in select_queues(client.queues(), params["queue_pattern"])]
    return result


def release_quorum_publishers(module, client, current, names):
    definition = dict(current["definition"])
    definition["max-length"] = RELEASE_MAX_LENGTH
    client.put_policy(current["name"], current["pattern"], definition, current["priority"], current["apply-to"])
    # The statistics show the raised limit once the queues' leaders have had it for a tick.
    poll_queues(client, names, lambda q: (q.get("effective_policy_definition") or {}).get("max-length")
                == RELEASE_MAX_LENGTH, module.params["wait_timeout"] if module.params["wait"] else 0)


def ensure_intake(module):
    client = RabbitMQClient(module.params)
    policies, queues = client.policies(), client.queues()
    if module.params["state"] == "paused":
        return pause(module, client, policies, queues)
    return reopen(module, client, policies, queues)


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.run(ensure_intake)


if __name__ == "__main__":
    main()
