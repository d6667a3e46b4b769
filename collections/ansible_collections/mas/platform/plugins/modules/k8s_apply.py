#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: k8s_apply
short_description: Apply, gate and verify a phase of rendered Kubernetes objects in one call
version_added: 0.1.0
author: mas.platform contributors (@mas-platform)
description:
  - Applies rendered objects with server-side apply, one field manager for the whole
    platform, in O(steps) that run in order; after each step it waits until the step's
    workloads are ready (the collection's one readiness rule), so that the next step
    starts only then - the seed's per-service and per-phase gating, in one module
    process. The result holds, per step, what changed and the live objects (and pods)
    that a verify needs.
  - "A step may also name credentials to generate once and keep (in a Secret, and in
    Vault's KV engine when given): the step's Secrets carry placeholders
    C(((mas-credential:<secret>/<key>))) in their C(stringData), replaced here, so that no
    credential passes through Ansible's variables."
  - A step may prune what a label selection finds and the step no longer renders (a
    formation Job of an earlier spec, a NetworkPolicy the spec no longer calls for).
  - Written because
    L(kubernetes.core.k8s,https://docs.ansible.com/ansible/latest/collections/kubernetes/core/k8s_module.html)
    applies one list without gating between its parts, generates no credentials, and
    fails a check-mode run as soon as an object belongs to a namespace that the same run
    creates (its server-side dry run gets a 404), so C(--check) on an empty cluster could
    not plan a deploy. Here such an object is reported as to be created. Secret values
    never appear in the result or the diff.
  - In check mode every other object is applied with a server-side dry run, so admission
    (quotas, Pod Security, schema validation) is checked as for real; nothing is waited for.
  - Connection settings come from the inventory's C(mas_kubeconfig) and C(mas_kube_context)
    when the task does not set O(kubeconfig) and O(context) (the action plugin of the
    collection's Kubernetes modules), then from C(K8S_AUTH_KUBECONFIG).
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
      - The objects to apply, as one step named C(apply). Items that are empty (for example
        the empty documents of a multi-document template) are ignored.
      - Give either O(definitions) or O(steps).
    type: list
    elements: raw
  steps:
    description:
      - Steps applied in order; each is applied, then waited for, before the next starts.
    type: list
    elements: dict
    suboptions:
      name:
        description: The step's name, in messages and results (a core service, an agent phase).
        type: str
        required: true
      definitions:
        description: The step's objects, applied in this order.
        type: list
        elements: raw
        default: []
      field_manager:
        description: The step's field manager, when it is not O(field_manager) (fields another role also sets).
        type: str
      create_only:
        description:
          - Objects applied only when they do not exist yet, by the field manager
            O(field_manager) with C(-initial) appended (the seed's replicas of a
            Deployment that its HorizontalPodAutoscaler owns once created).
        type: list
        elements: raw
        default: []
      credentials:
        description:
          - Secrets of credentials generated once and kept (see the description).
        type: list
        elements: dict
        default: []
        suboptions:
          name:
            description: The Secret's name.
            type: str
            required: true
          namespace:
            description: The Secret's namespace.
            type: str
            required: true
          labels:
            description: The Secret's labels.
            type: dict
            default: {}
          keys:
            description:
              - "key -> how to make it: C({kind: value, value: ...}), C({kind: password,
                length: N}) (letters and digits), C({kind: uuid}), C({kind: base64, length: N})
                (N random bytes)."
            type: dict
            required: true
          vault:
            description: Vault's KV v2 secret that holds the credentials (its values win).
            type: dict
            suboptions:
              url:
                description: Vault's address.
                type: str
                required: true
              token:
                description: A Vault token; defaults to C(VAULT_TOKEN).
                type: str
              mount:
                description: The KV v2 engine's mount.
                type: str
                required: true
              path:
                description: The secret's path in the engine.
                type: str
                required: true
      prune:
        description:
          - Label selections of objects to delete when the step no longer renders them. A kind that the
            API server does not serve has nothing to prune.
        type: list
        elements: dict
        default: []
        suboptions:
          api_version:
            description: The kind's API version.
            type: str
            default: v1
          kind:
            description: The kind.
            type: str
            required: true
          namespace:
            description: The namespace (namespaced kinds).
            type: str
          namespaces:
            description: Several namespaces.
            type: list
            elements: str
          label_selectors:
            description: The labels that select the objects (C(key=value)).
            type: list
            elements: str
            required: true
      wait:
        description: Wait for the step's objects of O(steps[].wait_kinds) to be ready.
        type: bool
        default: true
      wait_kinds:
        description: The kinds waited for (Jobs only where containers execute).
        type: list
        elements: str
        default: [Deployment, StatefulSet, DaemonSet, CustomResourceDefinition]
      recreate_immutable:
        description:
          - Delete and recreate an object whose apply the API refuses because an immutable
            field changes (a StorageClass's parameters).
        type: bool
        default: false
      adopt:
        description:
          - Kinds of controller owners to take objects over from - an object of the step that
            such an owner controls loses that owner reference before it is applied (cert-manager's
            ingress-shim makes C(<agent>-ingress-tls) Certificates owned by their Ingress).
        type: list
        elements: str
        default: []
      immutable_hint:
        description: What to tell the operator when the API refuses a change of an immutable field (HTTP 422).
        type: str
      report_pods:
        description:
          - Return the pods of the step's Deployments and StatefulSets, and verify each rolled-out one -
            every pod ready on a node of the node group its nodeSelector names, no two on one node where
            its anti-affinity requires one per node, and (a StatefulSet) every member's claim Bound with
            the class of its template. A problem fails the step, naming the object.
        type: bool
        default: false
      existing_only:
        description:
          - Only change objects that exist (for example labels of namespaces that another step or role
            makes). An object that does not exist fails the step, naming it, before anything of the step
            is applied; in check mode it is reported as a change, since an earlier step of the same run
            may create it.
        type: bool
        default: false
  state:
    description: C(present) applies the objects, C(absent) deletes those that exist (O(definitions) only).
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
  wait:
    description: Wait for each step to be ready before the next (O(steps[].wait) per step).
    type: bool
    default: true
  wait_timeout:
    description: Seconds each step may take to be ready.
    type: int
    default: 600
"""

EXAMPLES = r"""
- name: Apply the rendered objects
  mas.platform.k8s_apply:
    definitions: "{{ lookup('ansible.builtin.template', 'objects.yml.j2') | ansible.builtin.from_yaml_all }}"

- name: The core services of a phase, each rolled out before the next
  mas.platform.k8s_apply:
    steps:
      - name: rabbitmq
        definitions: "{{ _rabbitmq_objects }}"
        credentials:
          - name: rabbitmq-credentials
            namespace: core-services
            keys:
              username: {kind: value, value: mas-admin}
              password: {kind: password, length: 32}
        report_pods: true
      - name: redis
        definitions: "{{ _redis_objects }}"
    wait_timeout: 600
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
    action:
      description: What the run did to it (or would do, in check mode) - C(created), C(changed), C(deleted) or C(unchanged).
      type: str
      sample: created
changed_objects:
  description: The ids of the objects that changed.
  returned: always
  type: list
  elements: str
steps:
  description: Per step, in order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The step's name.
      type: str
    changed:
      description: Whether the step changed anything.
      type: bool
    changed_objects:
      description: The ids of what the step changed.
      type: list
      elements: str
    workloads:
      description: The live objects of the kinds waited for, as they were when ready (Secret values hidden).
      type: list
      elements: dict
    readiness:
      description: id -> C(state) (ready, progressing, failed, missing) and C(reason).
      type: dict
    pods:
      description: With O(steps[].report_pods), workload id -> its pods (C(name), C(node), C(phase), C(ready), C(reason)).
      type: dict
      returned: when asked
    waited:
      description: Seconds spent waiting for readiness.
      type: float
    seconds:
      description: Seconds the step took.
      type: float
"""

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.k8s.client import kubernetes_module
from ansible_collections.mas.platform.plugins.module_utils.k8s.steps import STEP_OPTIONS, StepRunner, normalize_steps


def apply_definitions(module):
    params = module.params
    if (params["definitions"] is None) == (params["steps"] is None):
        raise PlatformError("give either definitions or steps")
    runner = StepRunner(module, params)
    if params["state"] == "absent":
        if params["steps"] is not None:
            raise PlatformError("state=absent takes definitions, not steps")
        return runner.delete(params["definitions"])
    return runner.run(normalize_steps(params))


def main():
    module = kubernetes_module(dict(
        definitions=dict(type="list", elements="raw"),
        steps=dict(type="list", elements="dict", options=STEP_OPTIONS),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        namespace=dict(type="str"),
        field_manager=dict(type="str", default="mas-platform"),
        force_conflicts=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=600),
    ))
    module.run(apply_definitions)


if __name__ == "__main__":
    main()
