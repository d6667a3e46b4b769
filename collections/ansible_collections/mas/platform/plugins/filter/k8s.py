# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for rendered Kubernetes objects."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: credential_placeholders
short_description: What a template writes where a generated credential goes
version_added: 0.1.0
description:
  - Turns a credentials spec (key -> C({kind, value, length}), as M(mas.platform.k8s_apply)'s
    O(mas.platform.k8s_apply#module:steps[].credentials[].keys) takes it) into key -> what a
    configuration template writes for it - the placeholder
    C(((mas-credential:<secret>/<key>))), which M(mas.platform.k8s_apply) replaces by the
    credential in the step's Secrets, or the value itself for a key of kind C(value) (a
    user name is no secret, and may appear in a ConfigMap).
  - So no credential passes through Ansible's variables.
options:
  _input:
    description: The credentials spec.
    type: dict
    required: true
  secret:
    description: The name of the Secret that keeps the credentials.
    type: str
    required: true
"""

EXAMPLES = r"""
- name: Render the broker's configuration with its credentials' placeholders
  ansible.builtin.set_fact:
    _credentials: "{{ {'username': {'kind': 'value', 'value': 'admin'}, 'password': {'length': 32}}
                      | mas.platform.credential_placeholders('rabbitmq-credentials') }}"
"""

RETURN = r"""
_value:
  description: key -> placeholder or value.
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.mas.platform.plugins.module_utils.k8s.credentials import placeholder
from ansible_collections.mas.platform.plugins.module_utils.preflight.capacity import QuantityError, parse_quantity


def credential_placeholders(keys, secret):
    if not isinstance(keys, dict):
        raise AnsibleFilterError("credential_placeholders expects the credentials spec (a mapping), got %s"
                                 % type(keys).__name__)
    result = {}
    for key, spec in keys.items():
        spec = spec or {}
        if spec.get("kind") == "value":
            result[key] = str(spec.get("value"))
        else:
            result[key] = placeholder(secret, key)
    return result


def quantity(value):
    """A Kubernetes quantity as a float ("500m" -> 0.5, "1Gi" -> 1073741824.0)."""
    try:
        return float(parse_quantity(value))
    except QuantityError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    def filters(self):
        return {"credential_placeholders": credential_placeholders}
