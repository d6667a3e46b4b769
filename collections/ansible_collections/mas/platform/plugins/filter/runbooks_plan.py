# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The runbooks_plan filter (module_utils/preflight/procedures.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: runbooks_plan
short_description: The steps of the startup or shutdown procedure, as the runbook runs them
version_added: 0.1.0
description:
- The steps of the spec's C(startup_procedures) or C(shutdown_procedures) in the phases' order, each a check or the
  services and agents it starts or stops, by the contract the preflight checks the procedures with
  (C(plugins/module_utils/preflight/procedures.py)), so that the steps the runbook runs are the ones the preflight
  accepted.
options:
  _input:
    description: The procedure, phase name to its steps.
    type: dict
    required: true
  procedure:
    description: Which procedure it is.
    type: str
    choices: [startup, shutdown]
    required: true
  known:
    description: The names of the services and agents of the plan.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Plan the startup steps
  ansible.builtin.set_fact:
    _steps: "{{ startup_procedures | mas.platform.runbooks_plan('startup', ['consul', 'rabbitmq']) }}"
"""

RETURN = r"""
_value:
  description:
    - One C({phase, step, check, targets}) per step; C(targets) is empty for a check and null for a step that no
      runbook implements.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.mas.platform.plugins.module_utils.preflight.procedures import runbook_plan
from ansible_collections.mas.platform.plugins.plugin_utils.filter_input import input_errors


def runbooks_plan(procedure, which, known):
    if which not in ("startup", "shutdown"):
        raise AnsibleFilterError("runbooks_plan: the procedure must be startup or shutdown, got %r" % (which,))
    if not isinstance(procedure, dict):
        raise AnsibleFilterError("runbooks_plan: %s_procedures must be a mapping of phases to steps, got %s"
                                 % (which, type(procedure).__name__))
    with input_errors("runbooks_plan: %s_procedures is not as the preflight accepts it" % which):
        return runbook_plan(procedure, which == "startup", known)


class FilterModule(object):
    def filters(self):
        return {"runbooks_plan": runbooks_plan}
