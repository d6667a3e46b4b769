#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: recovery_writers
short_description: Stop the writers of a data recovery and start them again, their replicas kept in the cluster
version_added: 0.1.0
author: mas.platform contributors (@mas-platform)
description:
  - The writers are the Deployments that O(label_selector) selects in O(namespaces) (the
    agents, which write to the data a recovery restores).
  - O(state=stopped) first records the replicas of every writer that runs in a key of the
    platform's state ConfigMap (O(record)), then scales each to 0 and waits until no
    replica is left. O(state=started) scales each recorded writer back to its replicas,
    waits until each is ready (the platform's one readiness rule), and only then removes
    the record.
  - A recovery killed at any step and run again brings every writer back to the replicas
    it had before the first run. A writer at 0 that the record names keeps its recorded
    count; a writer that runs keeps its live count; a writer at 0 that no record names
    was stopped before the recovery and stays so.
  - Written because
    L(kubernetes.core.k8s_scale,https://docs.ansible.com/ansible/latest/collections/kubernetes/core/k8s_scale_module.html)
    keeps nothing; the replicas it scales from live only in the run that scaled them, so
    a run that dies after scaling to 0 leaves nothing to scale back to.
  - In check mode, reports what it would record and scale and changes nothing.
extends_documentation_fragment:
  - mas.platform.k8s
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: The diff shows each writer's replicas before and after.
  platform:
    platforms: posix
options:
  state:
    description: V(stopped) records and scales to 0; V(started) scales back and removes the record.
    type: str
    choices: [stopped, started]
    required: true
  namespaces:
    description: The namespaces of the writers.
    type: list
    elements: str
    required: true
  label_selector:
    description: The label selector of the writers' Deployments; every Deployment of O(namespaces) when empty.
    type: str
    default: app.kubernetes.io/part-of=mas-platform
  record:
    description:
      - The ConfigMap that keeps the record, in its key C(recovery-writers.json); created
        when missing. The runbooks keep the platform's saved state in the same ConfigMap
        (C(runbooks_state_configmap)), under another key.
    type: dict
    default: {}
    suboptions:
      name:
        description: Its name.
        type: str
        default: mas-platform-state
      namespace:
        description: Its namespace.
        type: str
        default: core-services
  wait_timeout:
    description: Seconds to wait for the writers to stop, or to be ready again.
    type: int
    default: 600
"""

EXAMPLES = r"""
- name: Stop the writers
  mas.platform.recovery_writers:
    state: stopped
    namespaces: [agents-core, agents-execution]

- name: Start them again
  mas.platform.recovery_writers:
    state: started
    namespaces: [agents-core, agents-execution]
"""

RETURN = r"""
record:
  description: Where the replicas are kept, as C(ConfigMap namespace/name key recovery-writers.json).
  returned: always
  type: str
writers:
  description: The writers recorded, with the replicas they are brought back to.
  returned: always
  type: list
  elements: dict
  sample: [{namespace: agents-execution, name: task-executor, replicas: 3}]
scaled:
  description: "What was (in check mode, would be) scaled, one line per writer, such as C(agents-execution/task-executor: 3 -> 0)."
  returned: always
  type: list
  elements: str
missing:
  description: Recorded writers whose Deployment no longer exists (O(state=started)); a deploy creates them again.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.mas.platform.plugins.module_utils.k8s.client import connect, kubernetes_module
from ansible_collections.mas.platform.plugins.module_utils.runbooks.writers import Writers, start, stop


def run(module):
    params = module.params
    client, endpoint = connect(params)
    writers = Writers(client, endpoint, params["namespaces"], params["label_selector"], params["record"],
                      module.check_mode)
    if params["state"] == "stopped":
        return stop(writers, params["wait_timeout"])
    return start(writers, params["wait_timeout"])


def main():
    module = kubernetes_module(dict(
        state=dict(type="str", choices=["stopped", "started"], required=True),
        namespaces=dict(type="list", elements="str", required=True),
        label_selector=dict(type="str", default="app.kubernetes.io/part-of=mas-platform"),
        record=dict(type="dict", default={}, options=dict(
            name=dict(type="str", default="mas-platform-state"),
            namespace=dict(type="str", default="core-services"),
        )),
        wait_timeout=dict(type="int", default=600),
    ))
    module.run(run)


if __name__ == "__main__":
    main()
