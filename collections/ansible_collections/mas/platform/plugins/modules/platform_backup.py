#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: platform_backup
short_description: Back up the platform's state, model registry or metrics to S3
version_added: 0.1.0
description:
  - Takes one backup of one kind of C(backup_procedures) and stores it in the S3 store as
    content-addressed chunks (SHA-256) and one manifest listing every item with its chunk
    digests, byte counts and record counts.
  - C(system_state) holds the platform's Kubernetes objects (workloads with their replica
    counts, autoscalers with their bounds, ConfigMaps, Secrets, policies), Consul KV,
    RabbitMQ definitions, Redis keys, a MongoDB dump and a Neo4j dump. C(model_registry)
    holds the model registry's objects. C(metrics) holds a Prometheus TSDB snapshot.
  - O(type=incremental) stores only chunks the store lacks, and does not even read a file
    whose size and modification time (or ETag) are those of the previous backup;
    O(type=full) reads and writes everything again; O(type=snapshot) is a point-in-time
    snapshot stored like an incremental backup. Every manifest is complete either way.
  - Secrets are encrypted on this host before upload (O(encryption_key)), everything is
    stored with server-side encryption, and the manifest is signed.
  - MongoDB and Neo4j are dumped by Kubernetes Jobs next to them, which upload to the
    store's staging area; the backup reads the dump from there into chunks. With the
    community edition, Neo4j is stopped while it is dumped.
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
  - mas.platform.backup.encryption
  - mas.platform.backup.sources
  - mas.platform.k8s
attributes:
  check_mode:
    description: Reports what a backup would upload, and uploads nothing.
    support: partial
    details:
      - Reads what it can without side effects (Kubernetes objects, Redis keys, RabbitMQ
        definitions, Consul KV, the model registry) and reports what would be uploaded.
      - Takes no Prometheus snapshot and runs no MongoDB or Neo4j dump Job, since both
        write (a snapshot to the Prometheus volume, a dump to the staging area).
  diff_mode:
    description: No diff; a backup adds a restore point and changes nothing it reads.
    support: none
notes:
  - A backup always reports C(changed) (it adds a restore point); RV(upload) says how much it stored.
  - Pruning old backups is M(mas.platform.backup_prune); restoring is M(mas.platform.platform_restore).
"""

EXAMPLES = r"""
- name: Hourly state backup, as the backup CronJob runs it
  mas.platform.platform_backup:
    kind: system_state
    type: incremental
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
    store: "{{ backup_store }}"
    prometheus:
      url: http://127.0.0.1:9090
      data_dir: /var/lib/prometheus/metrics2
"""

RETURN = r"""
backup:
  description: The backup taken (C(manifest) is null in check mode).
  returned: always
  type: dict
  sample: {id: 20261128T010500Z, kind: system_state, type: incremental, created: "2026-11-28T01:05:00Z",
           manifest: "s3://mas-production-backups/platform/manifests/system_state/20261128T010500Z.json"}
totals:
  description: What the backup holds.
  returned: always
  type: dict
  sample: {items: 6, records: 10412, bytes: 1873211, chunks: 171, unique_chunks: 171}
upload:
  description:
    - What this backup stored. C(bytes_uploaded) counts the content of new chunks,
      C(stored_bytes_uploaded) what they take in the store (compressed).
  returned: always
  type: dict
  sample: {chunks_uploaded: 3, bytes_uploaded: 41217, stored_bytes_uploaded: 9312, chunks_reused: 168,
           bytes_reused: 1831994, files_reused: 0}
components:
  description: Per component, what was backed up.
  returned: always
  type: dict
  sample: {redis: {keys: 10000, databases: 1}, rabbitmq: {definitions: 38, version: 3.12.0}}
notes:
  description: What was not done, and why (check mode).
  returned: always
  type: list
  elements: str
"""

from ansible_collections.mas.platform.plugins.module_utils.backup_crypto import HAS_CRYPTOGRAPHY
from ansible_collections.mas.platform.plugins.module_utils.backup_options import backup_argument_spec
from ansible_collections.mas.platform.plugins.module_utils.backup_run import BackupRun
from ansible_collections.mas.platform.plugins.module_utils.aws import HAS_BOTO3
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformModule

ARGUMENT_SPEC = backup_argument_spec(
    kind=dict(type="str", required=True, choices=["system_state", "model_registry", "metrics"]),
    type=dict(type="str", required=True, choices=["full", "incremental", "snapshot"]),
    components=dict(type="list", elements="str"),
)


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                            required_libraries={"boto3": HAS_BOTO3, "cryptography": HAS_CRYPTOGRAPHY})
    module.run(lambda m: BackupRun(m).run())


if __name__ == "__main__":
    main()
