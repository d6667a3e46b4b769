# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runbooks_read_pairs filter (module_utils/runbooks/state.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: runbooks_read_pairs
short_description: Each runbook workload with its object, picked out of the listings that read them
version_added: 0.1.0
description:
- Pairs each workload with its object (or none, when it is not deployed), from the results of a
  M(mas.platform.k8s_read) call with the queries of P(mas.platform.runbooks_workload_queries#filter).
options:
  _input:
    description: The workloads, each with C(kind), C(namespace) and C(k8s_name).
    type: list
    elements: dict
    required: true
  results:
    description: The C(results) of the M(mas.platform.k8s_read) call.
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Pick the workloads out of the listings
  ansible.builtin.set_fact:
    _pairs: "{{ _runbooks_workloads | mas.platform.runbooks_read_pairs(read.results) }}"
"""

RETURN = r"""
_value:
  description: One C({target, result, object}) per workload, C(result) with C(resources) (its object, or none).
  type: list
  elements: dict
"""

from ansible_collections.mas.platform.plugins.module_utils.runbooks.state import read_pairs
from ansible_collections.mas.platform.plugins.plugin_utils.filter_input import input_errors


def runbooks_read_pairs(targets, results):
    with input_errors("runbooks_read_pairs: the workloads or the results read are not as expected"):
        return read_pairs(targets, results)


class FilterModule(object):
    def filters(self):
        return {"runbooks_read_pairs": runbooks_read_pairs}
