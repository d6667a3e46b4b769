# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for rendered Kubernetes objects."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: immutable_drift
short_description: Names of objects whose immutable fields differ from the cluster's
version_added: 0.1.0
description:
  - Compares each desired object with the existing object of the same name and returns
    the names of those whose listed top-level fields differ. Objects that do not exist
    yet are not listed. Used where the API refuses updates (StorageClass parameters,
    a Job's template), so that a role can recreate the object or name it in an error.
options:
  _input:
    description: The desired objects (rendered definitions).
    type: list
    elements: dict
    required: true
  existing:
    description: The existing objects, as returned by kubernetes.core.k8s_info.
    type: list
    elements: dict
    required: true
  fields:
    description: Top-level fields that the API treats as immutable.
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
- name: Classes to recreate
  ansible.builtin.set_fact:
    to_recreate: "{{ desired | mas.platform.immutable_drift(existing.resources, ['provisioner', 'parameters']) }}"
"""

RETURN = r"""
_value:
  description: Names of the objects whose immutable fields differ.
  type: list
  elements: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.mas.platform.plugins.module_utils.capacity import QuantityError, parse_quantity


def _normalize(value):
    # The API returns every parameter as a string; a rendered template may carry ints.
    if isinstance(value, dict):
        return dict((str(k), _normalize(v)) for k, v in value.items())
    if isinstance(value, list):
        return [_normalize(v) for v in value]
    if value is None:
        return None
    return str(value)


def immutable_drift(desired, existing, fields):
    """Return the names of desired objects whose ``fields`` differ from the existing ones."""
    if not isinstance(desired, list) or not isinstance(existing, list):
        raise AnsibleFilterError("immutable_drift expects two lists of objects")
    current = dict((obj.get("metadata", {}).get("name"), obj) for obj in existing)
    drifted = []
    for obj in desired:
        name = obj.get("metadata", {}).get("name")
        if name not in current:
            continue
        if any(_normalize(obj.get(field)) != _normalize(current[name].get(field)) for field in fields):
            drifted.append(name)
    return drifted


def quantity(value):
    """A Kubernetes quantity as a float ("500m" -> 0.5, "1Gi" -> 1073741824.0)."""
    try:
        return float(parse_quantity(value))
    except QuantityError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    def filters(self):
        return {"immutable_drift": immutable_drift}
