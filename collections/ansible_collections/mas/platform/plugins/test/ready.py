# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ready test: the collection's one readiness rule (module_utils/k8s/readiness.py)
for templates and conditionals."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: ready
short_description: Whether a Kubernetes object is ready, by the collection's one readiness rule
version_added: 0.1.0
description:
  - True for a Deployment whose controller has seen its latest spec and whose every replica
    runs that spec and is available, with no pod of an older revision left; a StatefulSet
    whose every member is updated to the current revision and ready; a DaemonSet available
    on every node it should run on; a completed Job; a Ready (or Succeeded) Pod; a Bound
    claim; an Established CRD; an Available APIService; a Ready cert-manager Certificate or
    issuer; an Active Namespace. Any other kind is ready when it exists.
  - The same rule as every wait of M(mas.platform.k8s_apply), the health report, the
    runbooks, backup and recovery (C(plugins/module_utils/k8s/readiness.py)).
options:
  _input:
    description: The object, as M(mas.platform.k8s_read) or the API returns it; null or empty is not ready.
    type: raw
    required: true
"""

EXAMPLES = r"""
- name: Fail when the broker has not rolled out
  ansible.builtin.assert:
    that: __statefulset.resources[0] is mas.platform.ready
"""

RETURN = r"""
_value:
  description: Whether the object is ready.
  type: bool
"""

from ansible_collections.mas.platform.plugins.module_utils.k8s.readiness import is_ready


def ready(obj):
    return is_ready(obj if isinstance(obj, dict) else None)


class TestModule(object):
    def tests(self):
        return {"ready": ready}
