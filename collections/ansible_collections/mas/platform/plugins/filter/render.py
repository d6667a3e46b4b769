# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The agent_tier_steps filter (and core_service_objects, documented in core_service_objects.py):
the platform's objects rendered in Python (module_utils/render/)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: agent_tier_steps
short_description: The agent tiers' objects, one step of mas.platform.k8s_apply per phase
version_added: 0.1.0
description:
  - Renders, from the compiled platform (C(mas_platform)) and the agent_tiers role's options,
    each agent's ConfigMap (its environment - name, phase, ports, log format, the OpenTelemetry
    SDK's settings, the core services' endpoints), Service, Deployment, PodDisruptionBudget and,
    where the spec asks for autoscaling, HorizontalPodAutoscaler.
  - Returns one step per phase of the seed's C(deployment_sequence), in order, for
    M(mas.platform.k8s_apply); an autoscaled agent's Deployment names no replicas (the HPA owns
    them), and comes once more with the seed's replicas as a create-only object.
  - The code and its unit tests are in C(plugins/module_utils/render/agents.py).
options:
  _input:
    description: The compiled platform.
    type: dict
    required: true
  options:
    description:
      - The role's options - C(image_registry), C(image_tag), C(images), C(image_pull_policy),
        C(image_pull_secrets), C(run_as_user), C(startup_timeout), C(topology_spread),
        C(pdb_max_unavailable), C(extra_env), C(collection_version).
    type: dict
    required: true
  wait:
    description: Whether each step waits for its Deployments to roll out.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: The agent tiers, phase by phase
  ansible.builtin.set_fact:
    steps: "{{ mas_platform | mas.platform.agent_tier_steps({'image_registry': 'registry.example/mas'}) }}"
"""

RETURN = r"""
_value:
  description: The steps (C(name), C(definitions), C(create_only), C(wait), C(wait_kinds)).
  type: list
  elements: dict
"""

import json

from ansible.errors import AnsibleFilterError
from ansible_collections.mas.platform.plugins.module_utils.render.agents import agent_phase_steps


def plain(value):
    """Ansible's lazily templated containers as plain data, in one pass (deep copies of
    them would template them over and over)."""
    return json.loads(json.dumps(value))


def agent_tier_steps(platform, options, wait=True):
    try:
        return agent_phase_steps(plain(platform), plain(options), wait)
    except (KeyError, TypeError) as exc:
        raise AnsibleFilterError("agent_tier_steps needs the compiled platform (mas_platform) and the role's options; "
                                 "missing %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"agent_tier_steps": agent_tier_steps}
