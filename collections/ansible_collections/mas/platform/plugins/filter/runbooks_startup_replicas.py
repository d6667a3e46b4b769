# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runbooks_startup_replicas filter (module_utils/runbooks/state.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: runbooks_startup_replicas
short_description: The replicas the startup runbook starts each workload with
version_added: 0.1.0
description:
- For each deployed workload, the replicas (and HorizontalPodAutoscaler bounds) of the saved state when one is saved
  and not yet restored; without one, the replicas it runs with, or the plan's when it is stopped. Workloads not
  deployed are left out (the step that starts them says so).
- The decision is in C(plugins/module_utils/runbooks/state.py), with its unit tests.
options:
  _input:
    description: The workloads of the plan, each with C(name) and C(plan_replicas).
    type: list
    elements: dict
    required: true
  objects:
    description: The live object of each workload by name (null when not deployed).
    type: dict
    required: true
  saved:
    description: The saved state (an empty mapping for none).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Decide the replicas of each workload
  ansible.builtin.set_fact:
    _decisions: "{{ _runbooks_workloads | mas.platform.runbooks_startup_replicas(_runbooks_objects, _runbooks_saved) }}"
"""

RETURN = r"""
_value:
  description: Workload name -> the workload with C(current), C(desired) and C(hpa).
  type: dict
"""

from ansible_collections.mas.platform.plugins.module_utils.runbooks.state import startup_replicas
from ansible_collections.mas.platform.plugins.plugin_utils.filter_input import input_errors


def runbooks_startup_replicas(workloads, objects, saved):
    with input_errors("runbooks_startup_replicas: the workloads or the saved state are not as expected"):
        return startup_replicas(workloads, objects, saved)


class FilterModule(object):
    def filters(self):
        return {"runbooks_startup_replicas": runbooks_startup_replicas}
