# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The addons_namespaces filter (module_utils/model/addon_charts.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: addons_namespaces
short_description: The Namespaces of the cluster add-ons the platform installs
version_added: 0.1.0
description:
- The Namespace objects of the add-ons of mode C(install) (C(mas_platform.addons)) that run neither in a namespace of
  the platform nor in C(kube-system), each labelled with the Pod Security level its add-ons need and the platform's
  labels (C(plugins/module_utils/model/addon_charts.py)).
options:
  _input:
    description: The compiled platform, C(mas_platform).
    type: dict
    required: true
"""

EXAMPLES = r"""
- name: Create the add-ons' namespaces
  mas.platform.k8s_apply:
    definitions: "{{ mas_platform | mas.platform.addons_namespaces }}"
"""

RETURN = r"""
_value:
  description: One Namespace object per namespace.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.mas.platform.plugins.module_utils.model.addon_charts import namespace_objects
from ansible_collections.mas.platform.plugins.plugin_utils.filter_input import input_errors


def addons_namespaces(platform):
    if not isinstance(platform, dict) or not isinstance(platform.get("addons"), dict):
        raise AnsibleFilterError("addons_namespaces: expected the compiled platform (mas_platform, with addons), got %s"
                                 % type(platform).__name__)
    with input_errors("addons_namespaces: mas_platform.addons is not as the preflight compiles it"):
        return namespace_objects(platform)


class FilterModule(object):
    def filters(self):
        return {"addons_namespaces": addons_namespaces}
