# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runbooks_health_lines filter (module_utils/runbooks/health.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: runbooks_health_lines
short_description: The health report as an operator reads it
version_added: 0.1.0
description:
- A headline (how many checks passed, which failed), then per system check its interval, timeout and how many of
  its checks passed, and each of its checks, the failed ones first.
options:
  _input:
    description: The result of M(mas.platform.health_report).
    type: dict
    required: true
  plan:
    description: The C(plan) of P(mas.platform.runbooks_health_checks#filter).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Show the report
  ansible.builtin.debug:
    msg: "{{ report | mas.platform.runbooks_health_lines(_health.plan) }}"
"""

RETURN = r"""
_value:
  description: The lines of the report.
  type: list
  elements: str
"""

from ansible_collections.mas.platform.plugins.module_utils.runbooks.health import report_lines
from ansible_collections.mas.platform.plugins.plugin_utils.filter_input import input_errors


def runbooks_health_lines(report, plan):
    with input_errors("runbooks_health_lines: the report is not as mas.platform.health_report returns it"):
        return report_lines(plan, report)


class FilterModule(object):
    def filters(self):
        return {"runbooks_health_lines": runbooks_health_lines}
