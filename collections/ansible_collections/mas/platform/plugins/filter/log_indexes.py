# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The log_indexes filter (its code is in module_utils/model/monitoring.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: log_indexes
short_description: The log index families of the platform, with their retention and route
version_added: 0.1.0
description:
  - Each index of C(service_configuration.monitoring.logging.indexes) with its retention, its
    family (C(<prefix>-<name>)) and its route (the namespaces, or the record field and
    values, that feed it; null when O(routes) gives none), then the C(default) family with the
    spec's C(logging.retention) for everything else.
options:
  _input:
    description: The spec's C(service_configuration.monitoring.logging).
    type: dict
    required: true
  prefix:
    description: The prefix of the index families.
    type: str
    required: true
  routes:
    description: Index name -> route.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: The index families
  ansible.builtin.set_fact:
    families: "{{ mas_platform.monitoring.logging | mas.platform.log_indexes('mas', observability_logging_routes) }}"
"""

RETURN = r"""
_value:
  description: The families (C(name), C(retention), C(family), C(route)).
  type: list
  elements: dict
"""

from ansible_collections.mas.platform.plugins.filter.render import plain
from ansible_collections.mas.platform.plugins.module_utils.model import monitoring


def _log_indexes(logging, prefix, routes):
    return monitoring.log_indexes(plain(logging), prefix, plain(routes))


class FilterModule(object):
    def filters(self):
        return {"log_indexes": _log_indexes}
