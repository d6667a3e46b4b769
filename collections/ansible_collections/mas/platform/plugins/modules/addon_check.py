#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: addon_check
short_description: Prove that the cluster add-ons the platform relies on are present
version_added: 0.1.0
author: mas.platform contributors (@mas-platform)
description:
  - Checks, on the live cluster, each cluster add-on of the compiled platform
    (C(mas_platform.addons), from M(mas.platform.platform_preflight)) that is installed or
    provided, and fails with what is missing and what relies on it.
  - "The NVIDIA device plugin: every node of each GPU node group advertises its
    C(nvidia.com/gpu). metrics-server: the APIService C(v1beta1.metrics.k8s.io) is
    Available. The ingress controller: its IngressClass exists. The log backend and the
    trace collector: the Service their endpoint names exists, publishes that port and has a
    ready endpoint. Each add-on's workload, where the platform installs it or the spec names
    it, is ready by the collection's one readiness rule."
  - Written because no module of kubernetes.core decides presence across kinds in one call;
    M(kubernetes.core.k8s_info) reads one kind per task and leaves the decision to Jinja.
  - Never changes anything. In check mode (a plan), an add-on of mode C(install) that is not
    there yet is reported as not verified, not missing, since the deploy would install it.
extends_documentation_fragment:
  - mas.platform.k8s
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
options:
  addons:
    description: The compiled add-ons, C(mas_platform.addons).
    type: dict
    required: true
  check_installed:
    description:
      - Check the add-ons of mode C(install) too. False where the platform did not install
        them (the local cluster, whose containers do not run); they are then reported as
        not verified instead of checked.
    type: bool
    default: true
"""

EXAMPLES = r"""
- name: Prove the add-ons present
  mas.platform.addon_check:
    addons: "{{ mas_platform.addons }}"
"""

RETURN = r"""
addons:
  description: One entry per add-on, in the compiled platform's order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The add-on.
      type: str
    mode:
      description: install, provided or none.
      type: str
    status:
      description: present, missing, not_verified or none.
      type: str
    problems:
      description: What is missing.
      type: list
      elements: str
    needed_by:
      description: What in the spec relies on it.
      type: list
      elements: str
    message:
      description: One line for people.
      type: str
"""

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.k8s.addons import check, MISSING
from ansible_collections.mas.platform.plugins.module_utils.k8s.client import connect, kubernetes_module

_REQUIRED = ("name", "mode", "evidence")


def check_addons(module):
    addons = module.params["addons"]
    for name, addon in addons.items():
        if not isinstance(addon, dict) or any(key not in addon for key in _REQUIRED):
            raise PlatformError("addons.%s: expected a compiled add-on with keys %s (mas_platform.addons, from the "
                                "preflight), got %r" % (name, ", ".join(_REQUIRED), type(addon).__name__))
    client, endpoint = connect(module.params)
    results = check(client, endpoint, addons, module.params["check_installed"], plan=module.check_mode)
    missing = [r["message"] for r in results if r["status"] == MISSING]
    if missing:
        raise PlatformError("cluster add-ons missing: " + " | ".join(missing), addons=results)
    return dict(changed=False, addons=results)


def main():
    module = kubernetes_module(dict(addons=dict(type="dict", required=True),
                                    check_installed=dict(type="bool", default=True)))
    module.run(check_addons)


if __name__ == "__main__":
    main()
