# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runbooks_saved_state filter (module_utils/runbooks/state.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: runbooks_saved_state
short_description: The system state the shutdown runbook saves
version_added: 0.1.0
description:
- The replicas and HorizontalPodAutoscaler bounds of every deployed workload, keyed by the spec's workload name, as
  the shutdown's C(save_system_state) step writes them to the state ConfigMap.
- A workload already at 0 keeps the replicas of a saved state not yet restored, so that a shutdown run again after a
  partial one never saves zeros; a state whose workloads did not change keeps its time.
- The decision is in C(plugins/module_utils/runbooks/state.py), with its unit tests.
options:
  _input:
    description: The workloads read, C([{target, result}]), each C(result) with C(resources) (roles/runbooks/tasks/read_workloads.yml).
    type: list
    elements: dict
    required: true
  hpas:
    description: The HorizontalPodAutoscalers of the cluster.
    type: list
    elements: dict
    required: true
  previous:
    description: The state saved before (an empty mapping for none).
    type: dict
    required: true
  cluster:
    description: The cluster's name, recorded in the state.
    type: str
    required: true
  now:
    description: The time to record when the workloads changed, in ISO 8601.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Compose the state
  ansible.builtin.set_fact:
    _state: "{{ _runbooks_read | mas.platform.runbooks_saved_state(hpas, _runbooks_saved, 'mas-production', now) }}"
"""

RETURN = r"""
_value:
  description: C({format, state, cluster, saved_at, workloads}).
  type: dict
"""

from ansible_collections.mas.platform.plugins.module_utils.runbooks.state import saved_state
from ansible_collections.mas.platform.plugins.plugin_utils.filter_input import input_errors


def runbooks_saved_state(pairs, hpas, previous, cluster, now):
    with input_errors("runbooks_saved_state: the workloads or HPAs read are not as expected"):
        return saved_state(pairs, hpas, previous, cluster, now)


class FilterModule(object):
    def filters(self):
        return {"runbooks_saved_state": runbooks_saved_state}
