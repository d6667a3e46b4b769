# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runbooks_workload_queries filter (module_utils/runbooks/state.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: runbooks_workload_queries
short_description: The queries that read the runbooks' workloads in one call
version_added: 0.1.0
description:
- The M(mas.platform.k8s_read) queries that read the runbooks' workloads, one listing per kind and namespace, so that
  one module call reads them all; P(mas.platform.runbooks_read_pairs#filter) picks each workload's object out of them.
options:
  _input:
    description: The workloads, each with C(kind) and C(namespace).
    type: list
    elements: dict
    required: true
"""

EXAMPLES = r"""
- name: Read the workloads
  mas.platform.k8s_read:
    queries: "{{ _runbooks_workloads | mas.platform.runbooks_workload_queries }}"
  register: read
"""

RETURN = r"""
_value:
  description: The queries, C(api_version), C(kind) and C(namespace) each.
  type: list
  elements: dict
"""

from ansible_collections.mas.platform.plugins.module_utils.runbooks.state import workload_queries
from ansible_collections.mas.platform.plugins.plugin_utils.filter_input import input_errors


def runbooks_workload_queries(targets):
    with input_errors("runbooks_workload_queries: each workload needs kind and namespace"):
        return workload_queries(targets)


class FilterModule(object):
    def filters(self):
        return {"runbooks_workload_queries": runbooks_workload_queries}
