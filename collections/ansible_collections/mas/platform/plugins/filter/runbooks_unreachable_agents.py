# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runbooks_unreachable_agents filter (module_utils/runbooks/state.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: runbooks_unreachable_agents
short_description: The agents whose Service routes to no ready pod
version_added: 0.1.0
description:
- The startup's C(validate_agent_communication) step - each agent that should run (its decided replicas, else its
  plan's, above 0) whose Service has no ready endpoint in the EndpointSlices read.
- The decision is in C(plugins/module_utils/runbooks/state.py), with its unit tests.
options:
  _input:
    description: The agents, each with C(name), C(namespace), C(k8s_name) and C(plan_replicas).
    type: list
    elements: dict
    required: true
  slices:
    description: The EndpointSlices read (of any namespace).
    type: list
    elements: dict
    required: true
  decisions:
    description: The startup's decisions (the spec's name to C(desired)); an empty mapping for none.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Name the agents nothing can reach
  ansible.builtin.debug:
    msg: "{{ agents | mas.platform.runbooks_unreachable_agents(read.results[0].resources, _runbooks_decisions) }}"
"""

RETURN = r"""
_value:
  description: C(namespace/name) of each unreachable agent.
  type: list
  elements: str
"""

from ansible_collections.mas.platform.plugins.module_utils.runbooks.state import unreachable_agents
from ansible_collections.mas.platform.plugins.plugin_utils.filter_input import input_errors


def runbooks_unreachable_agents(agents, slices, decisions):
    with input_errors("runbooks_unreachable_agents: the agents or the EndpointSlices read are not as expected"):
        return unreachable_agents(agents, slices, decisions)


class FilterModule(object):
    def filters(self):
        return {"runbooks_unreachable_agents": runbooks_unreachable_agents}
