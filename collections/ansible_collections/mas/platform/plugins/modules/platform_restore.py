#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: platform_restore
short_description: Restore a platform backup from its restic repository, verified first and validated after
version_added: 0.1.0
description:
  - Restores one snapshot taken by M(mas.platform.platform_backup), O(backup) by id or the
    newest snapshot of O(kind) and O(platform) that holds the components asked for.
  - Fails closed. Before anything is planned or written, the repository is opened with the
    password, the snapshot's tags must name O(kind) and O(platform), and restic restores the
    snapshot's files into a private temporary directory, authenticating every blob it reads;
    each file is then checked against the snapshot's C(contents.json) (size, SHA-256). A
    missing repository, a wrong or missing password, a snapshot of another platform or kind, a
    damaged or truncated pack, an unreachable store - each is refused with one message naming the
    store and the snapshot, and nothing is written.
  - Then it plans against what is there now and returns the plan (RV(plan)), the
    Kubernetes objects it creates or overwrites (a server-side dry run), the Redis keys,
    RabbitMQ definitions, Consul keys, model files it creates or overwrites, the databases
    (and the Consul state) it replaces. In check mode it stops there.
  - It writes in dependency order (Kubernetes objects, Consul, RabbitMQ, Redis, MongoDB,
    Neo4j) and validates, reading everything back and comparing it with the snapshot (keys and
    definitions one by one, objects field by field, file digests, MongoDB collection counts and
    replica set health, Neo4j online). A failed validation fails the module.
  - What exists now and is not in the backup is left alone (and counted as C(extra)),
    except Redis keys with O(redis.delete_extra_keys), and Consul, whose snapshot replaces
    the servers' whole state.
  - A module rather than C(restic restore) in a task for the reasons M(mas.platform.platform_backup)
    gives; restic alone restores files, not a Redis database or a broker's definitions.
author:
  - mas.platform contributors (@mas-platform)
options:
  kind:
    description: Which kind of backup.
    type: str
    required: true
    choices: [system_state, model_registry, metrics]
  backup:
    description:
      - The snapshot id (the 8-character short id such as C(1f0c2a9b) or the whole id), or C(latest)
        for the newest snapshot of O(kind) and O(platform) that holds the components asked for.
    type: str
    default: latest
  components:
    description:
      - Restore only these components of the backup (all that it holds when not given).
      - With component C(kubernetes), O(kubernetes.kinds), O(kubernetes.namespaces) and
        O(kubernetes.label_selector) select which of the backup's objects are restored.
    type: list
    elements: str
extends_documentation_fragment:
  - mas.platform.backup
  - mas.platform.backup.sources
  - mas.platform.k8s
attributes:
  check_mode:
    description: Verifies the snapshot (every blob read and authenticated) and reports the plan; writes nothing.
    support: full
  diff_mode:
    description: Per component, what is absent, different or replaced, and the snapshot it comes from.
    support: full
requirements:
  - restic 0.17 or newer on the PATH (the execution environment has the version of tools/restic/version.env)
"""

EXAMPLES = r"""
- name: What would a restore of the latest state backup overwrite?
  mas.platform.platform_restore:
    kind: system_state
    platform: mas-production
    components: [redis, rabbitmq]
    store: "{{ backup_store }}"
    redis: {url: "redis://redis.core-services:6379", cluster: true}
    rabbitmq: {api_url: "http://rabbitmq.core-services:15672", username: backup}
  check_mode: true
  register: restore_plan

- name: Recover the agents' replicas, HPA bounds and configuration
  mas.platform.platform_restore:
    kind: system_state
    platform: mas-production
    backup: 1f0c2a9b
    components: [kubernetes]
    store: "{{ backup_store }}"
    kubernetes:
      namespaces: [agent-system, monitoring, learning]
      kinds: [v1/ConfigMap, v1/Secret, apps/v1/Deployment, autoscaling/v2/HorizontalPodAutoscaler]
"""

RETURN = r"""
backup:
  description: The snapshot restored.
  returned: always
  type: dict
  sample: {id: 1f0c2a9b, snapshot_id: 1f0c2a9b7d..., created: "2026-11-28T01:05:02.5Z", kind: system_state,
           platform: mas-production, components: [kubernetes, rabbitmq, redis], host: mas-production}
components:
  description: The components restored, in the order they were written.
  returned: always
  type: list
  elements: str
  sample: [kubernetes, rabbitmq, redis]
plan:
  description:
    - Per component, what the restore creates, overwrites, leaves unchanged, and what exists
      and is not in the backup (C(extra), left alone). Names are listed up to 20 per list;
      the C(_count) fields count them all.
  returned: always
  type: dict
  sample:
    redis: {changed: true, create: [session:17], overwrite: [task:42], create_count: 1200, overwrite_count: 3,
            unchanged: 8797, expired: 0, extra: 0, delete_extra: false}
    kubernetes: {changed: true, create: [Deployment/agent-system/task-executor], overwrite: [],
                 unchanged: 12, objects: 13, fields: {}}
validation:
  description: Per component, what was read back and whether it matches the snapshot (C(ok)).
  returned: when not in check mode
  type: dict
  sample: {redis: {keys: 10000, missing: 0, differ: 0, ok: true}, rabbitmq: {definitions: 38, missing: [], differ: [], ok: true}}
notes:
  description: What the validation tolerated, and why.
  returned: always
  type: list
  elements: str
"""

from ansible_collections.mas.platform.plugins.module_utils.aws.common import HAS_BOTO3
from ansible_collections.mas.platform.plugins.module_utils.backup.options import backup_argument_spec
from ansible_collections.mas.platform.plugins.module_utils.backup.restore import RestoreRun
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformModule

ARGUMENT_SPEC = backup_argument_spec(
    kind=dict(type="str", required=True, choices=["system_state", "model_registry", "metrics"]),
    backup=dict(type="str", default="latest"),
    components=dict(type="list", elements="str"),
)


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                            required_libraries={"boto3": HAS_BOTO3})
    module.run(lambda m: RestoreRun(m).run())


if __name__ == "__main__":
    main()
