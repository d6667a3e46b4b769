# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runbooks_claim_problems filter (module_utils/runbooks/state.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: runbooks_claim_problems
short_description: The StatefulSets' volume claims that are missing or not Bound
version_added: 0.1.0
description:
- The shutdown's C(check_data_persistence) step - one claim per volume claim template and replica of each
  StatefulSet (its saved replicas where the state has them), each Bound; and no claim of the platform's namespaces
  Lost.
- The decision is in C(plugins/module_utils/runbooks/state.py), with its unit tests.
options:
  _input:
    description: The StatefulSets read, C([{target, result}]), each C(result) with C(resources) (roles/runbooks/tasks/read_workloads.yml).
    type: list
    elements: dict
    required: true
  claims:
    description: The PersistentVolumeClaims of the cluster.
    type: list
    elements: dict
    required: true
  namespaces:
    description: The platform's namespaces.
    type: list
    elements: str
    required: true
  saved:
    description: The saved state (an empty mapping for none).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Compare the claims with the StatefulSets
  ansible.builtin.set_fact:
    _claims: "{{ _runbooks_read | mas.platform.runbooks_claim_problems(claims, _runbooks_namespaces, _runbooks_saved) }}"
"""

RETURN = r"""
_value:
  description: C({expected, problems}), each problem as C(namespace/claim missing) or C(namespace/claim <phase>).
  type: dict
"""

from ansible_collections.mas.platform.plugins.module_utils.runbooks.state import claim_problems
from ansible_collections.mas.platform.plugins.plugin_utils.filter_input import input_errors


def runbooks_claim_problems(pairs, claims, namespaces, saved):
    with input_errors("runbooks_claim_problems: the StatefulSets or claims read are not as expected"):
        return claim_problems(pairs, claims, namespaces, saved)


class FilterModule(object):
    def filters(self):
        return {"runbooks_claim_problems": runbooks_claim_problems}
