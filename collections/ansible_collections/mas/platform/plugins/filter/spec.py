# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters that read the platform spec the same way in every role and playbook."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: agent_tiers
short_description: The agent tiers of the spec's deployment_sequence, in deployment order
version_added: 0.1.0
description:
  - Flattens C(deployment_sequence) (phase -> agent name -> settings) into one list, in the
    order of the phases (C(1_core_agents), C(2_coordination), C(3_executors)) and, within a
    phase, in the order the spec lists the agents.
  - Each item is the agent's settings plus C(name) (the spec's key, e.g. C(task_executor)),
    C(phase), C(k8s_name) (the DNS-1123 name of its Deployment and ServiceAccount, e.g.
    C(task-executor)), C(namespace) (default C(agent-system)), C(labels) and C(selector) -
    the entries of the compiled platform (the preflight role's C(mas_platform.agents)),
    which the roles read; this filter is for playbooks of your own.
options:
  _input:
    description: The spec's C(deployment_sequence).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Deploy the agents in order
  ansible.builtin.debug:
    msg: "{{ item.phase }}: {{ item.k8s_name }} in {{ item.namespace }}"
  loop: "{{ deployment_sequence | mas.platform.agent_tiers }}"
"""

RETURN = r"""
_value:
  description: The agent tiers in deployment order.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

from ansible_collections.mas.platform.plugins.filter.render import plain
from ansible_collections.mas.platform.plugins.module_utils.model import compile as compiled


def _check_phases(spec, what):
    if not isinstance(spec, dict):
        raise AnsibleFilterError("%s must be a mapping of phases, got %s" % (what, type(spec).__name__))
    for phase, members in spec.items():
        if not isinstance(members, dict):
            raise AnsibleFilterError("%s.%s must be a mapping" % (what, phase))
        for name, settings in members.items():
            if not isinstance(settings, dict):
                raise AnsibleFilterError("%s.%s.%s must be a mapping" % (what, phase, name))


def core_services(spec, cluster_domain="cluster.local"):
    """The core services in start order, as the compiled platform has them
    (module_utils/model/compile.py: one derivation)."""
    _check_phases(spec, "core_services")
    return list(compiled.core_services(plain(spec), cluster_domain).values())


def agent_tiers(deployment_sequence):
    """The agent tiers in deployment order, as the compiled platform has them."""
    _check_phases(deployment_sequence, "deployment_sequence")
    return list(compiled.agents(plain(deployment_sequence), {}).values())


class FilterModule(object):
    def filters(self):
        return {"agent_tiers": agent_tiers}
