# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runbooks_pods_left filter (module_utils/runbooks/workloads.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: runbooks_pods_left
short_description: The pods of stopped workloads that still run
version_added: 0.1.0
description:
- The pods that have not ended (neither C(Succeeded) nor C(Failed)) and that one of the selectors selects, as the
  shutdown's C(verify_resource_cleanup) step looks for them (the same rule as M(mas.platform.runbook_workloads)'s wait).
options:
  _input:
    description: The pods read.
    type: list
    elements: dict
    required: true
  selectors:
    description: The selectors (C(matchLabels)) of the workloads stopped.
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Name the pods left
  ansible.builtin.debug:
    msg: "{{ pods | mas.platform.runbooks_pods_left(_runbooks_stopped | map(attribute='selector') | list) }}"
"""

RETURN = r"""
_value:
  description: The pods left.
  type: list
  elements: dict
"""

from ansible_collections.mas.platform.plugins.module_utils.runbooks.workloads import pods_left
from ansible_collections.mas.platform.plugins.plugin_utils.filter_input import input_errors


def runbooks_pods_left(pods, selectors):
    with input_errors("runbooks_pods_left: the pods or selectors are not as expected"):
        return pods_left(pods, selectors)


class FilterModule(object):
    def filters(self):
        return {"runbooks_pods_left": runbooks_pods_left}
