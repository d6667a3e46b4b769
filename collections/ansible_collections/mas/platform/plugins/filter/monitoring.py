# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The alert_rule_groups filter (its code is in module_utils/model/monitoring.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: alert_rule_groups
short_description: The spec's alert rules as a Prometheus rule group
version_added: 0.1.0
description:
  - Turns C(service_configuration.monitoring.metrics.rules) into one Prometheus rule group
    named C(mas-platform); a rule without a C(severity) label gets O(default_severity), one
    without a C(summary) annotation a summary naming the pod.
options:
  _input:
    description: The rules (C(alert), C(expr), optionally C(for), C(labels), C(annotations)).
    type: list
    elements: dict
    required: true
  default_severity:
    description: The severity of a rule that names none.
    type: str
    default: warning
"""

EXAMPLES = r"""
- name: The rule groups of the platform's PrometheusRule
  ansible.builtin.set_fact:
    groups: "{{ mas_platform.monitoring.metrics.rules | mas.platform.alert_rule_groups('warning') }}"
"""

RETURN = r"""
_value:
  description: A list of one rule group (C(name), C(rules)).
  type: list
  elements: dict
"""

from ansible_collections.mas.platform.plugins.filter.render import plain
from ansible_collections.mas.platform.plugins.module_utils.model import monitoring


def _alert_rule_groups(rules, default_severity="warning"):
    return monitoring.alert_rule_groups(plain(rules), default_severity)


class FilterModule(object):
    def filters(self):
        return {"alert_rule_groups": _alert_rule_groups}
