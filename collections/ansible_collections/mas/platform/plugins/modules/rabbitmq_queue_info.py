#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: rabbitmq_queue_info
short_description: Read the depth of RabbitMQ queues
version_added: 0.1.0
description:
  - Returns, for each queue whose name O(queue_pattern) matches, its ready and
    unacknowledged messages, its consumers, its type and the policy that governs it, and
    the totals over those queues. Changes nothing.
author:
  - mas.platform contributors (@mas-platform)
options:
  queue_pattern:
    description:
      - Regular expression selecting the queues by name (it may match anywhere in the
        name, as a RabbitMQ policy pattern does).
    type: str
    default: '.*'
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
- name: Read the depth of the task queues
  mas.platform.rabbitmq_queue_info:
    api_url: http://rabbitmq.core-services:15672
    username: ops
    password: "{{ rabbitmq_ops_password }}"
    queue_pattern: '^tasks\.'
  register: __task_queues

- name: Show the backlog
  ansible.builtin.debug:
    msg: "{{ __task_queues.totals.messages_ready }} tasks waiting"
"""

RETURN = r"""
queues:
  description: The matching queues, sorted by name.
  returned: always
  type: list
  elements: dict
  sample:
    - {name: tasks.default, type: classic, messages_ready: 1500, messages_unacknowledged: 40,
       messages: 1540, consumers: 4, policy: null, state: running}
totals:
  description: Sums over the matching queues.
  returned: always
  type: dict
  sample: {queues: 1, messages_ready: 1500, messages_unacknowledged: 40, messages: 1540, consumers: 4}
"""

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformModule
from ansible_collections.mas.platform.plugins.module_utils.clients.rabbitmq import (
    compile_pattern,
    depth_totals,
    queue_depth,
    rabbitmq_argument_spec,
    RabbitMQClient,
    select_queues,
)

ARGUMENT_SPEC = rabbitmq_argument_spec(queue_pattern=dict(type="str", default=".*"))


def read_queues(module):
    pattern = compile_pattern(module.params["queue_pattern"])
    depths = [queue_depth(q) for q in select_queues(RabbitMQClient(module.params).queues(), pattern)]
    return dict(changed=False, queues=depths, totals=depth_totals(depths))


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.run(read_queues)


if __name__ == "__main__":
    main()
