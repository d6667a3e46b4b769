# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runbooks_health_checks filter (module_utils/runbooks/health.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: runbooks_health_checks
short_description: The spec's system checks as the checks of the health report
version_added: 0.1.0
description:
- Turns the spec's C(health_monitoring.system_checks) into the checks of M(mas.platform.health_report) -
  C(agent_health) (every agent's rollout), C(service_health) (every core service's rollout, the broker's alarms,
  Prometheus and Consul answering) and C(resource_usage) (CPU and memory against the limits, from Prometheus) - each
  within its check's timeout.
- The decision is in C(plugins/module_utils/runbooks/health.py), with its unit tests.
options:
  _input:
    description: The spec's C(health_monitoring.system_checks).
    type: list
    elements: dict
    required: true
  workloads:
    description: The runbooks' workloads, each with C(role) (C(agent) or C(service)), C(namespace) and C(k8s_name).
    type: list
    elements: dict
    required: true
  endpoints:
    description: The platform's endpoints (C(prometheus), C(consul)).
    type: dict
    required: true
  queries:
    description: The PromQL of C(resource_cpu) and C(resource_memory), with C(${namespaces}) for the namespaces' regex.
    type: dict
    required: true
  namespaces:
    description: The platform's namespaces.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Compose the checks
  ansible.builtin.set_fact:
    _health: >-
      {{ health_monitoring.system_checks | mas.platform.runbooks_health_checks(_runbooks_workloads, runbooks_endpoints,
         runbooks_health_queries, _runbooks_namespaces) }}
"""

RETURN = r"""
_value:
  description: C({plan, checks}) - each system check's C(interval) and C(timeout) in seconds, and the checks.
  type: dict
"""

from ansible_collections.mas.platform.plugins.module_utils.runbooks.health import health_checks
from ansible_collections.mas.platform.plugins.plugin_utils.filter_input import input_errors


def runbooks_health_checks(system_checks, workloads, endpoints, queries, namespaces):
    with input_errors("runbooks_health_checks: health_monitoring.system_checks cannot be turned into checks"):
        return health_checks(system_checks, workloads, endpoints or {}, queries, namespaces)


class FilterModule(object):
    def filters(self):
        return {"runbooks_health_checks": runbooks_health_checks}
