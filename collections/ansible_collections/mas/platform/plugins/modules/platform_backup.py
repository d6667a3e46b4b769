#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: platform_backup
short_description: Back up the platform's state, model registry or metrics into its restic repository
version_added: 0.1.0
description:
  - Takes one backup of one kind of C(backup_procedures) as one restic snapshot in the
    repository on the S3 store (C(s3://<bucket>/<prefix>/restic)), tagged C(kind=<kind>),
    C(platform=<platform>) and C(component=<component>) for each component it holds. The
    first backup creates the repository.
  - Each component is dumped to a private temporary directory (one file per item, and a
    C(contents.json) with each file's size, SHA-256 and record count), which C(restic backup)
    then stores; restic deduplicates, compresses, encrypts and authenticates every blob, so an
    unchanged platform adds little more than the new snapshot's directory entries.
  - C(system_state) holds the platform's Kubernetes objects (workloads with their replica
    counts, autoscalers with their bounds, ConfigMaps, Secrets, policies), a Consul snapshot
    (C(GET /v1/snapshot)), RabbitMQ definitions, Redis keys, a MongoDB dump and a Neo4j dump.
    C(model_registry) holds the model registry's objects. C(metrics) holds a Prometheus TSDB
    snapshot.
  - Every snapshot restores on its own. O(type=full) makes restic re-read every file
    (C(--force)); O(type=incremental) and O(type=snapshot) let it skip what its parent snapshot has.
  - MongoDB and Neo4j are dumped by Kubernetes Jobs next to them, which upload to the
    store's staging area; the backup copies the dump from there into the snapshot. With the
    community edition, Neo4j is stopped while it is dumped.
  - Why a module and not restic from a task, or an existing module. No collection wraps
    restic in a way that fits (checked - community.general, kubernetes.core and amazon.aws have no
    restic module; the Galaxy roles paulfantom/umanit ansible-restic, arillso.restic,
    sgaunet.restic, angristan/ansible-restic and serdigital64.backup's bkp_restic install restic and
    template scripts and timers that back up a host's paths; Velero backs up Kubernetes objects
    and volumes through its controller, not Redis keys, RabbitMQ definitions or a Consul snapshot
    through their APIs). Here the dumps need Python clients (Redis C(DUMP)/C(PEXPIRETIME) against a
    cluster, the RabbitMQ and Consul APIs, Kubernetes Jobs), and the password must reach restic
    through its environment, never a command line or the task's output.
author:
  - mas.platform contributors (@mas-platform)
options:
  kind:
    description: Which backup of C(backup_procedures).
    type: str
    required: true
    choices: [system_state, model_registry, metrics]
  type:
    description: C(backup_procedures.<kind>.type).
    type: str
    required: true
    choices: [full, incremental, snapshot]
  components:
    description:
      - What the backup holds (C(backup_procedures.system_state.components)); all of the
        kind's components when not given. C(system_state) has C(kubernetes), C(consul),
        C(rabbitmq), C(redis), C(mongodb), C(neo4j); C(model_registry) has C(models);
        C(metrics) has C(prometheus).
    type: list
    elements: str
extends_documentation_fragment:
  - mas.platform.backup
  - mas.platform.backup.sources
  - mas.platform.k8s
attributes:
  check_mode:
    description: Reports what a backup would add to the repository (C(restic backup --dry-run)), and adds nothing.
    support: partial
    details:
      - Reads what it can without side effects (Kubernetes objects, Redis keys, RabbitMQ
        definitions, a Consul snapshot, the model registry).
      - Takes no Prometheus snapshot and runs no MongoDB or Neo4j dump Job, since both
        write (a snapshot to the Prometheus volume, a dump to the staging area).
      - Creates no repository; says so when there is none yet.
  diff_mode:
    description: The kind's snapshots of this platform before and after.
    support: full
notes:
  - A backup always reports C(changed) (it adds a snapshot); RV(upload) says how much it added.
  - The dumps are written to a temporary directory (C(TMPDIR)) before restic reads them; it needs
    room for the largest kind's dumps, and is deleted afterwards.
  - Retention and checks are M(mas.platform.backup_prune); restoring is M(mas.platform.platform_restore).
requirements:
  - restic 0.17 or newer on the PATH (the execution environment has the version of tools/restic/version.env)
"""

EXAMPLES = r"""
- name: Hourly state backup, as the backup CronJob runs it
  mas.platform.platform_backup:
    kind: system_state
    type: incremental
    platform: mas-production
    components: [kubernetes, consul, rabbitmq, redis, mongodb, neo4j]
    store:
      bucket: mas-production-backups
      prefix: platform
      region: eu-west-1
      kms_key_id: alias/mas-production-backups
    kubernetes:
      namespaces: [agent-system, monitoring, learning, core-services]
    redis:
      url: redis://redis.core-services:6379
      cluster: true
    rabbitmq:
      api_url: http://rabbitmq.core-services:15672
      username: backup
    consul:
      url: http://consul.core-services:8500

- name: Daily metrics snapshot, Prometheus' data directory mounted here
  mas.platform.platform_backup:
    kind: metrics
    type: snapshot
    platform: mas-production
    store: "{{ backup_store }}"
    prometheus:
      url: http://127.0.0.1:9090
      data_dir: /var/lib/prometheus/metrics2
"""

RETURN = r"""
backup:
  description: The snapshot taken (its ids are null in check mode), and where.
  returned: always
  type: dict
  sample: {id: 1f0c2a9b, snapshot_id: 1f0c2a9b7d..., created: "2026-11-28T01:05:02.5Z", kind: system_state,
           type: incremental, platform: mas-production, components: [kubernetes, rabbitmq, redis],
           repository: "s3:s3.eu-west-1.amazonaws.com/mas-production-backups/platform/restic"}
totals:
  description: What the snapshot holds (its files, their bytes and records).
  returned: always
  type: dict
  sample: {files: 6, bytes: 1873211, records: 10412}
upload:
  description:
    - What this backup added to the repository, as restic counts it. C(data_added) is the new
      data before compression, C(data_added_packed) what it takes in the repository.
  returned: always
  type: dict
  sample: {data_added: 41217, data_added_packed: 9312, files_new: 0, files_changed: 1, files_unmodified: 5,
           total_bytes_processed: 1873211}
components:
  description: Per component, what was backed up.
  returned: always
  type: dict
  sample: {redis: {keys: 10000, databases: 1}, rabbitmq: {definitions: 38, version: 3.12.0}}
notes:
  description: What was not done, and why (check mode), and what was done besides (the repository created).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.mas.platform.plugins.module_utils.backup.options import backup_argument_spec
from ansible_collections.mas.platform.plugins.module_utils.backup.run import BackupRun
from ansible_collections.mas.platform.plugins.module_utils.aws.common import HAS_BOTO3
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformModule

ARGUMENT_SPEC = backup_argument_spec(
    kind=dict(type="str", required=True, choices=["system_state", "model_registry", "metrics"]),
    type=dict(type="str", required=True, choices=["full", "incremental", "snapshot"]),
    components=dict(type="list", elements="str"),
)


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                            required_libraries={"boto3": HAS_BOTO3})
    module.run(lambda m: BackupRun(m).run())


if __name__ == "__main__":
    main()
