# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The core_services filter (its code is in spec.py, next to the filters it shares it with)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: core_services
short_description: The core services of the spec, in start order, with their in-cluster endpoints
version_added: 0.1.0
description:
- Flattens C(core_services) (phase -> service name -> settings) into one list, in the order of the phases
  and, within a phase, in the order the spec lists the services.
- Each item is the service's settings plus C(name), C(phase), C(k8s_name) (the DNS-1123 name of its StatefulSet
  and Service), C(host) (C(<k8s_name>.<namespace>.svc.<cluster_domain>)) and C(client) (C(host:port) of
  its C(client) port, or null when it has none).
options:
  _input:
    description: The spec's C(core_services).
    type: dict
    required: true
  cluster_domain:
    description: The cluster's DNS domain.
    type: str
    default: cluster.local
"""

EXAMPLES = r"""
- name: The broker's endpoint
  ansible.builtin.debug:
    msg: "{{ (core_services | mas.platform.core_services | selectattr('name', 'equalto', 'rabbitmq') | first).client }}"
"""

RETURN = r"""
_value:
  description: The core services in start order.
  type: list
  elements: dict
"""

from ansible_collections.mas.platform.plugins.filter.spec import core_services


class FilterModule(object):
    def filters(self):
        return {"core_services": core_services}
