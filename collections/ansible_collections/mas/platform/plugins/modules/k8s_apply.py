#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: k8s_apply
short_description: Server-side apply a batch of rendered Kubernetes objects
version_added: 0.1.0
author: mas.platform contributors (@mas-platform)
description:
  - Applies a list of objects with server-side apply, one field manager for the whole
    platform, and reports per object whether it changed.
  - Written because
    L(kubernetes.core.k8s,https://docs.ansible.com/ansible/latest/collections/kubernetes/core/k8s_module.html)
    fails a check-mode run as soon as an object
    belongs to a namespace that the same run creates (its server-side dry run gets a 404),
    so C(--check) on an empty cluster could not plan a deploy. Here such an object is
    reported as to be created. Secret values never appear in the result or the diff.
  - In check mode every other object is applied with a server-side dry run, so admission
    (quotas, Pod Security, schema validation) is checked as for real.
extends_documentation_fragment:
  - mas.platform.k8s
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
options:
  definitions:
    description:
      - The objects to apply. Items that are empty (for example the empty documents of a
        multi-document template) are ignored.
    type: list
    elements: raw
    required: true
  state:
    description: C(present) applies the objects, C(absent) deletes those that exist.
    type: str
    choices: [present, absent]
    default: present
  namespace:
    description: Namespace for namespaced objects that name none.
    type: str
  field_manager:
    description: Field manager of the server-side apply.
    type: str
    default: mas-platform
  force_conflicts:
    description: Take over fields another manager owns.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Apply the rendered objects
  mas.platform.k8s_apply:
    definitions: "{{ lookup('ansible.builtin.template', 'objects.yml.j2') | ansible.builtin.from_yaml_all }}"
"""

RETURN = r"""
objects:
  description: One entry per object, in order.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: C(Kind/namespace/name).
      type: str
      sample: Deployment/agent-system/task-executor
    changed:
      description: Whether this object changed (or would change, in check mode).
      type: bool
changed_objects:
  description: The ids of the objects that changed.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.mas.platform.plugins.module_utils.k8s import (
    Applier,
    comparable,
    connect,
    kubernetes_module,
    object_id,
    redact,
)


def apply_definitions(module):
    params = module.params
    client, endpoint = connect(params)
    applier = Applier(client, endpoint, params["field_manager"], params["force_conflicts"], module.check_mode)
    objects, diffs = [], []
    for obj in [d for d in params["definitions"] if d]:
        if params["state"] == "absent":
            changed, before = applier.delete(obj, params["namespace"])
            after = None
        else:
            changed, before, after = applier.apply(obj, params["namespace"])
        objects.append(dict(id=object_id(obj), changed=changed))
        if changed:
            diffs.append(dict(before=redact(comparable(before)), after=redact(comparable(after)),
                              before_header=object_id(obj), after_header=object_id(obj)))
    changed_objects = [o["id"] for o in objects if o["changed"]]
    return dict(
        changed=bool(changed_objects),
        objects=objects,
        changed_objects=changed_objects,
        diff=diffs,
    )


def main():
    module = kubernetes_module(dict(
        definitions=dict(type="list", elements="raw", required=True),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        namespace=dict(type="str"),
        field_manager=dict(type="str", default="mas-platform"),
        force_conflicts=dict(type="bool", default=True),
    ))
    module.run(apply_definitions)


if __name__ == "__main__":
    main()
