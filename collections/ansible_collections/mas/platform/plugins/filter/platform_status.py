# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform_status filter (its code is in module_utils/summary/status.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: platform_status
short_description: The platform's status an operator acts on, from one read of the cluster
version_added: 0.1.0
description:
  - Takes the results of one M(mas.platform.k8s_read) of the nodes, the namespaces, the
    workloads (Deployments, StatefulSets, DaemonSets), the pods and the ingresses, and
    returns the platform's status - nodes per node group, namespaces present and missing,
    every workload of the platform's namespaces with ready/desired and the node groups its
    pods run on, each workload that is not ready with why (the readiness rule's reason, the
    scheduler's message for a Pending pod, a crash loop, a quota that refuses pods), the
    ingress hosts and the core services' client addresses, and the versions running.
  - The role R(mas.platform.platform_summary,ansible_collections.mas.platform.platform_summary_role) prints its C(lines) and hands it to
    the summary callback, which writes it to C(summary_file).
options:
  _input:
    description:
      - The C(results) of M(mas.platform.k8s_read), in this order - nodes, namespaces,
        then any number of workload, pod and ingress queries (told apart by kind).
    type: list
    elements: dict
    required: true
  namespaces:
    description: The platform's namespaces (C(mas_platform.namespaces) keys).
    type: list
    elements: str
    required: true
  core_services:
    description: The compiled platform's core services (C(mas_platform.core_services)), for their client addresses and versions.
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: The platform's status
  ansible.builtin.set_fact:
    __status: "{{ read.results | mas.platform.platform_status(namespaces=['agent-system'], core_services={}) }}"
"""

RETURN = r"""
_value:
  description: C(nodes), C(namespaces), C(workloads), C(not_ready), C(endpoints), C(versions) and C(lines).
  type: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.mas.platform.plugins.module_utils.summary.status import platform_status as _status


def platform_status(results, namespaces, core_services=None):
    if not isinstance(results, list) or len(results) < 2:
        raise AnsibleFilterError("platform_status expects the results of one k8s_read: the nodes, the namespaces, "
                                 "then the workloads, pods and ingresses")
    by_kind = {}
    for result in results[2:]:
        for obj in (result or {}).get("resources") or []:
            by_kind.setdefault(obj.get("kind"), []).append(obj)
    workloads = [obj for kind in ("Deployment", "StatefulSet", "DaemonSet") for obj in by_kind.get(kind, [])]
    return _status(results[0].get("resources") or [], results[1].get("resources") or [], workloads,
                   by_kind.get("Pod", []), by_kind.get("Ingress", []), namespaces, core_services or {})


class FilterModule(object):
    def filters(self):
        return {"platform_status": platform_status}
