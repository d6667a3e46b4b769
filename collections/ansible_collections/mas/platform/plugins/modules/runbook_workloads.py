#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: runbook_workloads
short_description: Stop or start the workloads of one runbook step, waiting in the same process
version_added: 0.1.0
author: mas.platform contributors (@mas-platform)
description:
  - One step of the shutdown or startup runbook (C(roles/runbooks)) that stops or starts
    Deployments and StatefulSets, read, scaled and waited for in one module process, with
    the collection's one readiness rule (C(plugins/module_utils/k8s/readiness.py)).
  - O(state=stopped) scales every deployed workload of the step to 0, then waits until no
    replica and no pod of theirs is left. A workload that is not deployed is named in
    RV(not_deployed) and left alone. A StatefulSet whose claims Kubernetes deletes when it
    is scaled down (C(persistentVolumeClaimRetentionPolicy.whenScaled=Delete)) is refused
    before anything of the step is stopped.
  - O(state=started) restores the HorizontalPodAutoscaler bounds and the replicas of
    O(decisions), then waits until every workload is ready (every replica of its own spec
    updated and available, so an HPA may have moved it since). A workload without a
    decision was not deployed when the run began, and is refused before anything changes.
  - On a timeout, the message names each workload that is not there yet, why, and what its
    pods say (a pod the scheduler cannot place, an image that cannot be pulled).
  - Written because
    L(kubernetes.core.k8s,https://docs.ansible.com/ansible/latest/collections/kubernetes/core/k8s_module.html)
    with C(wait) waits for one object at a time and then says only that it timed out; the
    runbook read, scaled and diagnosed each step in about ten tasks, each a new process.
extends_documentation_fragment:
  - mas.platform.k8s
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads, and reports what it would scale; changes nothing and does not wait.
  diff_mode:
    support: full
    details: The replicas of each workload scaled, before and after.
  platform:
    platforms: posix
options:
  state:
    description: V(stopped) scales to 0; V(started) scales to the decided replicas.
    type: str
    choices: [stopped, started]
    required: true
  step:
    description: The runbook step, which the messages name.
    type: str
    required: true
  workloads:
    description:
      - The workloads of the step, each with C(name) (the spec's), C(kind) (C(Deployment)
        or C(StatefulSet)), C(namespace) and C(k8s_name) (the object's name); other keys are
        ignored.
    type: list
    elements: dict
    required: true
  decisions:
    description:
      - With O(state=started), the spec's name of each workload to its C(desired) replicas
        and the C(hpa) bounds to restore (C(name), C(minReplicas), C(maxReplicas)) or null,
        as the filter P(mas.platform.runbooks_startup_replicas#filter) decides them.
    type: dict
    default: {}
  wait_timeout:
    description: Seconds to wait for the step's workloads (to be ready, or to be gone).
    type: int
    default: 600
"""

EXAMPLES = r"""
- name: Stop the executors
  mas.platform.runbook_workloads:
    state: stopped
    step: stop_task_executors
    workloads:
      - {name: task_executor, kind: Deployment, namespace: agents-execution, k8s_name: task-executor}
"""

RETURN = r"""
scaled:
  description: "What was (in check mode, would be) scaled, one line per workload, such as C(Deployment a/b: 3 -> 0)."
  returned: always
  type: list
  elements: str
hpas:
  description: The HorizontalPodAutoscalers whose bounds were restored (O(state=started)).
  returned: always
  type: list
  elements: str
not_deployed:
  description: The workloads of the step that do not exist (O(state=stopped)).
  returned: always
  type: list
  elements: str
stopped:
  description: The workloads stopped, each with the C(selector) (matchLabels) of its pods.
  returned: when O(state=stopped)
  type: list
  elements: dict
"""

from ansible_collections.mas.platform.plugins.module_utils.k8s.client import connect, kubernetes_module
from ansible_collections.mas.platform.plugins.module_utils.runbooks.workloads import Cluster, start, stop


def run(module):
    params = module.params
    client, endpoint = connect(params)
    cluster = Cluster(client, endpoint, module.check_mode)
    if params["state"] == "stopped":
        return stop(cluster, params["step"], params["workloads"], params["wait_timeout"])
    return start(cluster, params["step"], params["workloads"], params["decisions"], params["wait_timeout"])


def main():
    module = kubernetes_module(dict(
        state=dict(type="str", choices=["stopped", "started"], required=True),
        step=dict(type="str", required=True),
        workloads=dict(type="list", elements="dict", required=True),
        decisions=dict(type="dict", default={}),
        wait_timeout=dict(type="int", default=600),
    ))
    module.run(run)


if __name__ == "__main__":
    main()
