# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The quantity filter (its code is in k8s.py, next to the filters it shares it with)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: quantity
short_description: A Kubernetes quantity as a number
version_added: 0.1.0
description:
- Turns a Kubernetes resource quantity (C(500m), C(16Gi), C(2)) into a number, so that quantities written
  differently compare equal (C(1000m) and C(1) are both C(1.0)).
- A value that is not a quantity fails, naming it.
options:
  _input:
    description: The quantity.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Memory limit in bytes
  ansible.builtin.debug:
    msg: "{{ '16Gi' | mas.platform.quantity | int }}"
"""

RETURN = r"""
_value:
  description: The quantity as a float (CPU in cores, memory in bytes).
  type: float
"""

from ansible_collections.mas.platform.plugins.filter.k8s import quantity


class FilterModule(object):
    def filters(self):
        return {"quantity": quantity}
