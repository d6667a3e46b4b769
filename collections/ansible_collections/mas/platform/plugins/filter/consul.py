# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The consul_service_files filter (its code is in module_utils/model/configuration.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: consul_service_files
short_description: The agents' Consul service definitions, as the files the registration Job reads
version_added: 0.1.0
description:
  - One file C(<agent's Kubernetes name>.json) per agent - its Consul service definition (ID,
    address, API port, tags, meta) with a readiness check on its health port, timed by the
    health checks given (the same timing as the agent's readiness probe).
  - The compiled platform carries the same definitions for the spec's health checks
    (C(mas_platform.service_discovery.definitions)); this filter takes the role's own.
options:
  _input:
    description: The agents of the compiled platform (C(mas_platform.agents), a mapping or its values).
    type: raw
    required: true
  endpoints:
    description: The agents' endpoints (C(mas_platform.agent_endpoints)) - C(ports.http), C(ports.metrics), C(health.readiness).
    type: dict
    required: true
  health_checks:
    description: C(interval), C(timeout) and C(retries) of the checks.
    type: dict
    required: true
  cluster_domain:
    description: The cluster's DNS domain.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: The files of the registration ConfigMap
  ansible.builtin.set_fact:
    files: >-
      {{ mas_platform.agents | mas.platform.consul_service_files(mas_platform.agent_endpoints,
         {'interval': '10s', 'timeout': '3s'}, mas_platform.cluster_domain) }}
"""

RETURN = r"""
_value:
  description: File name -> the definition as JSON (keys sorted).
  type: dict
"""

import json

from ansible.errors import AnsibleFilterError
from ansible_collections.mas.platform.plugins.filter.render import plain
from ansible_collections.mas.platform.plugins.module_utils.model.configuration import consul_definitions


def consul_service_files(agents, endpoints, health_checks, cluster_domain):
    agents = plain(agents)
    if isinstance(agents, list):
        agents = dict((agent.get("name"), agent) for agent in agents)
    if not isinstance(agents, dict):
        raise AnsibleFilterError("consul_service_files expects the agents of the compiled platform, got %s"
                                 % type(agents).__name__)
    definitions = consul_definitions(agents, plain(endpoints) or {}, plain(health_checks) or {}, cluster_domain)
    return dict((name + ".json", json.dumps(definition, sort_keys=True)) for name, definition in definitions.items())


class FilterModule(object):
    def filters(self):
        return {"consul_service_files": consul_service_files}
