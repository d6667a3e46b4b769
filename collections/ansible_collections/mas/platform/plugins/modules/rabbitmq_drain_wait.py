#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rabbitmq_drain_wait
short_description: Wait until RabbitMQ queues hold no ready and no unacknowledged message
version_added: 0.1.0
description:
  - Polls the queues whose name O(queue_pattern) matches until none of them holds a
    ready or an unacknowledged message, and that has stayed so for O(stable_for) seconds.
  - After O(wait_timeout) seconds it fails with what is left in each queue, unless
    O(force=true), in which case it returns with RV(drained=false) and a warning.
  - Changes nothing. In check mode it reads the queues once and does not wait.
author:
  - mas.platform contributors (@mas-platform)
options:
  queue_pattern:
    description:
      - Regular expression selecting the queues by name.
    type: str
    required: true
  wait_timeout:
    description:
      - Seconds to wait for the queues to drain.
    type: int
    default: 600
  stable_for:
    description:
      - Seconds that every queue must read empty before the queues count as drained.
      - The management API's depths are statistics that the broker refreshes every
        C(collect_statistics_interval) (5 seconds by default); a value of twice that
        interval makes sure an empty reading is not an old one.
    type: int
    default: 10
  force:
    description:
      - On timeout, return instead of failing (with RV(drained=false), what is left and a
        warning). For an operator who accepts to go on with work in flight.
    type: bool
    default: false
extends_documentation_fragment:
  - mas.platform.rabbitmq
attributes:
  check_mode:
    description: Runs in check mode; it changes nothing in any mode.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
"""

EXAMPLES = r"""
- name: Complete active tasks (intake paused before)
  mas.platform.rabbitmq_drain_wait:
    queue_pattern: '^tasks\.'
    wait_timeout: 1800
"""

RETURN = r"""
drained:
  description: Whether every matching queue was empty for O(stable_for) seconds.
  returned: always
  type: bool
  sample: true
waited:
  description: Seconds waited.
  returned: always
  type: int
  sample: 42
remaining:
  description: The queues that still held messages at the end, with their depth.
  returned: always
  type: list
  elements: dict
  sample: []
queues:
  description: Every matching queue with its depth, as last read.
  returned: always
  type: list
  elements: dict
  sample:
    - {name: tasks.default, type: classic, messages_ready: 0, messages_unacknowledged: 0,
       messages: 0, consumers: 3, policy: mas-intake-pause, state: running}
"""

import time

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError, PlatformModule
from ansible_collections.mas.platform.plugins.module_utils.progress import Progress
from ansible_collections.mas.platform.plugins.module_utils.clients.rabbitmq import (
    compile_pattern,
    describe_depths,
    queue_depth,
    rabbitmq_argument_spec,
    RabbitMQClient,
    select_queues,
)

ARGUMENT_SPEC = rabbitmq_argument_spec(
    queue_pattern=dict(type="str", required=True),
    wait_timeout=dict(type="int", default=600),
    stable_for=dict(type="int", default=10),
    force=dict(type="bool", default=False),
)
POLL_INTERVAL = 1.0


def read_depths(client, pattern):
    return [queue_depth(q) for q in select_queues(client.queues(), pattern)]


def describe_progress(pattern, depths):
    """What a drain's progress line says: the queues that still hold messages."""
    busy = [d for d in depths if d["messages"]]
    if not busy:
        return "draining %s: every matching queue reads empty (%d)" % (pattern.pattern, len(depths))
    return "draining %s: %s" % (pattern.pattern, ", ".join(
        "{0} {1:,} ready, {2:,} unacked, {3} consumers".format(
            d["name"], d["messages_ready"], d["messages_unacknowledged"], d["consumers"]) for d in busy))


def wait_drained(client, pattern, timeout, stable_for, sleep=time.sleep, clock=time.monotonic, progress=None):
    """(drained, depths, waited): poll until every queue reads empty for stable_for seconds."""
    start = clock()
    empty_since = None
    while True:
        depths = read_depths(client, pattern)
        if progress is not None:
            progress(lambda: describe_progress(pattern, depths))
        now = clock()
        if any(d["messages"] for d in depths):
            empty_since = None
        elif empty_since is None:
            empty_since = now
        if empty_since is not None and now - empty_since >= stable_for:
            return True, depths, int(now - start)
        if now - start >= timeout:
            return False, depths, int(now - start)
        sleep(max(0.0, min(POLL_INTERVAL, timeout - (now - start))))


def drain(module):
    params = module.params
    for key in ("wait_timeout", "stable_for"):
        if params[key] < 0:
            raise PlatformError("%s: must not be negative, got %d" % (key, params[key]))
    pattern = compile_pattern(params["queue_pattern"])
    client = RabbitMQClient(params)
    if module.check_mode:
        depths = read_depths(client, pattern)
        drained, waited = not any(d["messages"] for d in depths), 0
    else:
        drained, depths, waited = wait_drained(client, pattern, params["wait_timeout"], params["stable_for"],
                                               progress=Progress(params["wait_timeout"]))
    remaining = [d for d in depths if d["messages"]]
    result = dict(changed=False, drained=drained, waited=waited, remaining=remaining, queues=depths)
    if not drained and not module.check_mode:
        left = "%d messages left: %s" % (sum(d["messages"] for d in remaining), describe_depths(remaining)) \
            if remaining else "the queues read empty for less than %ss" % params["stable_for"]
        if not params["force"]:
            raise PlatformError("queues matching %r not drained after %ss; %s. Not going on with work in flight "
                                "(force=true overrides)" % (params["queue_pattern"], params["wait_timeout"], left),
                                **result)
        module.warn("going on with work in flight (force=true): %s" % left)
    return result


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.run(drain)


if __name__ == "__main__":
    main()
