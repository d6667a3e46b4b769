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
    C(task-executor)) and C(namespace) (default C(agent-system)).
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

DEFAULT_NAMESPACE = "agent-system"


def _phase_order(phase):
    # "1_core_agents" sorts by its number; a phase without one keeps the spec's order.
    head = str(phase).split("_", 1)[0]
    return (0, int(head)) if head.isdigit() else (1, 0)


def _flatten_phases(spec, what):
    if not isinstance(spec, dict):
        raise AnsibleFilterError("%s must be a mapping of phases, got %s" % (what, type(spec).__name__))
    for phase, members in sorted(spec.items(), key=lambda item: _phase_order(item[0])):
        if not isinstance(members, dict):
            raise AnsibleFilterError("%s.%s must be a mapping" % (what, phase))
        for name, settings in members.items():
            if not isinstance(settings, dict):
                raise AnsibleFilterError("%s.%s.%s must be a mapping" % (what, phase, name))
            yield phase, name, settings


def core_services(spec, cluster_domain="cluster.local"):
    """The core services in start order, each with name, phase, k8s_name, host and
    client (host:port of its client port)."""
    services = []
    for phase, name, settings in _flatten_phases(spec, "core_services"):
        service = dict(settings)
        k8s_name = str(name).replace("_", "-")
        host = "%s.%s.svc.%s" % (k8s_name, settings.get("namespace", "default"), cluster_domain)
        service.update(name=name, phase=phase, k8s_name=k8s_name, host=host)
        client = (settings.get("ports") or {}).get("client")
        service["client"] = "%s:%s" % (host, client) if client else None
        services.append(service)
    return services


def agent_tiers(deployment_sequence):
    tiers = []
    for phase, name, settings in _flatten_phases(deployment_sequence, "deployment_sequence"):
        tier = dict(settings)
        tier.update(
            name=name,
            phase=phase,
            k8s_name=str(name).replace("_", "-"),
            namespace=settings.get("namespace", DEFAULT_NAMESPACE),
        )
        tiers.append(tier)
    return tiers


class FilterModule(object):
    def filters(self):
        return {"agent_tiers": agent_tiers}
