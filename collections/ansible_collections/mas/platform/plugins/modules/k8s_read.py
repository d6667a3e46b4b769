#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: k8s_read
short_description: Read several kinds of Kubernetes objects in one task
version_added: 0.1.0
author: mas.platform contributors (@mas-platform)
description:
  - Runs a list of queries (a kind, and a name or selectors) against the Kubernetes API
    with one connection, and returns the objects of each query in order.
  - Written because
    L(kubernetes.core.k8s_info,https://docs.ansible.com/ansible/latest/collections/kubernetes/core/k8s_info_module.html)
    reads one kind per task. A role that checks a StatefulSet, its Services, Pods, claims
    and nodes looped over it, and every iteration paid the module's start and the
    Kubernetes client's import again (about 1.3 s each; the deploy benchmark, C(make bench),
    measured 72 s of a 267 s deploy in such loops). The result has the shape of such a
    loop, C(results[i].resources), so a loop converts without changing what reads it.
  - Never changes anything; it runs in check mode as in a normal run.
  - Never returns secret values, so that no output shows them. The values of a Secret's
    C(data) and C(stringData) read as C(VALUE_HIDDEN) (its keys stay). To use a Secret's
    values, read it with M(kubernetes.core.k8s_info) in a task with C(no_log).
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
  queries:
    description: What to read, one entry per query.
    type: list
    elements: dict
    required: true
    suboptions:
      api_version:
        description: API group and version of the kind.
        type: str
        default: v1
      kind:
        description: The kind to read.
        type: str
        required: true
      namespace:
        description: Namespace to read in; all namespaces when omitted. Ignored for cluster-wide kinds.
        type: str
      name:
        description: One object by name. A name that does not exist gives no resources, not an error.
        type: str
      label_selectors:
        description: Label selectors the objects must all match, as C(key=value) or C(key!=value).
        type: list
        elements: str
        default: []
      field_selectors:
        description: Field selectors the objects must all match, such as C(status.phase=Running).
        type: list
        elements: str
        default: []
      metadata_only:
        description:
          - Return only C(apiVersion), C(kind) and C(metadata) (without C(managedFields)) of
            each object, for a query that needs names and labels of many objects (the
            nodes of a large cluster) and not their spec and status.
        type: bool
        default: false
"""

EXAMPLES = r"""
- name: Read a StatefulSet and its pods
  mas.platform.k8s_read:
    queries:
      - {api_version: apps/v1, kind: StatefulSet, namespace: core-services, name: rabbitmq}
      - {kind: Pod, namespace: core-services, label_selectors: [app.kubernetes.io/instance=rabbitmq]}
  register: read

- name: Count the ready pods
  ansible.builtin.debug:
    msg: "{{ read.results[1].resources | selectattr('status.phase', 'equalto', 'Running') | list | length }}"
"""

RETURN = r"""
results:
  description: One entry per query, in order.
  returned: always
  type: list
  elements: dict
  contains:
    query:
      description: The query, with its defaults.
      type: dict
    resources:
      description: The objects the query selects (each with C(apiVersion) and C(kind)).
      type: list
      elements: dict
"""

from ansible_collections.mas.platform.plugins.module_utils.k8s.client import connect, kubernetes_module, read
from ansible_collections.mas.platform.plugins.module_utils.k8s.objects import redact

QUERY_SPEC = dict(
    api_version=dict(type="str", default="v1"),
    kind=dict(type="str", required=True),
    namespace=dict(type="str"),
    name=dict(type="str"),
    label_selectors=dict(type="list", elements="str", default=[]),
    field_selectors=dict(type="list", elements="str", default=[]),
    metadata_only=dict(type="bool", default=False),
)


def metadata_of(obj):
    meta = dict(obj.get("metadata") or {})
    meta.pop("managedFields", None)
    return dict(apiVersion=obj.get("apiVersion"), kind=obj.get("kind"), metadata=meta)


def describe(index, query):
    where = query.get("namespace") or "all namespaces"
    return "queries[%d] (%s %s in %s)" % (index, query["kind"], query.get("name") or "list", where)


def read_queries(module):
    client, endpoint = connect(module.params)
    results = []
    for index, query in enumerate(module.params["queries"]):
        resources = read(client, endpoint, query, describe(index, query))
        if query["metadata_only"]:
            resources = [metadata_of(obj) for obj in resources]
        else:
            resources = [redact(obj) for obj in resources]
        results.append(dict(query=query, resources=resources))
    return dict(changed=False, results=results)


def main():
    module = kubernetes_module(dict(queries=dict(type="list", elements="dict", required=True, options=QUERY_SPEC)))
    module.run(read_queries)


if __name__ == "__main__":
    main()
