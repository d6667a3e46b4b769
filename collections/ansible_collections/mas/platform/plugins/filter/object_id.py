# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The object_id filter: how every message of the collection names a Kubernetes object."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: object_id
short_description: How the collection names a Kubernetes object in its messages
version_added: 0.1.0
description:
- Turns an object (as M(mas.platform.k8s_read) or the API returns it) into C(Kind/namespace/name), or
  C(Kind/name) for a cluster-wide object, as the waits, verifications and reports of the collection name
  it (C(plugins/module_utils/k8s/objects.py)).
options:
  _input:
    description: The object.
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Name the workloads that are not ready
  ansible.builtin.debug:
    msg: "{{ read.results[0].resources | reject('mas.platform.ready') | map('mas.platform.object_id') | join(', ') }}"
"""

RETURN = r"""
_value:
  description: C(Kind/namespace/name) or C(Kind/name).
  type: str
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.mas.platform.plugins.module_utils.k8s.objects import object_id as _object_id


def object_id(obj):
    if not isinstance(obj, dict):
        raise AnsibleFilterError("object_id expects a Kubernetes object (a mapping), got %s" % type(obj).__name__)
    return _object_id(obj)


class FilterModule(object):
    def filters(self):
        return {"object_id": object_id}
