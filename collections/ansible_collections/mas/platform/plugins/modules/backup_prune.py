#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: backup_prune
short_description: Delete the platform backups past their retention, never the last good one
version_added: 0.1.0
description:
  - Deletes exactly the backups of each kind in O(retention) that were created before
    now minus that kind's retention, except the newest good backup of the kind, which is
    always kept (good means that its manifest is complete and every chunk it lists is in the store).
  - Then deletes the chunks that no remaining backup of any kind lists, if they are older
    than O(grace_period) and no backup is in progress (a backup's lock younger than
    O(lock_stale_after)).
  - Manifests are deleted before chunks, so a chunk is never gone while a manifest lists it.
author:
  - mas.platform contributors (@mas-platform)
options:
  retention:
    description:
      - Kind -> retention (C(backup_procedures.<kind>.retention)), such as
        C(system_state=7d), C(model_registry=30d), C(metrics=90d). Kinds not given are not pruned.
    type: dict
    required: true
  grace_period:
    description:
      - Chunks younger than this are never deleted (a backup may be uploading them).
      - C(0s) only where no backup can run at the same time.
    type: str
    default: 1d
  lock_stale_after:
    description: A backup's lock older than this is from a backup that died; it is deleted.
    type: str
    default: 6h
extends_documentation_fragment:
  - mas.platform.backup
attributes:
  check_mode:
    description: Reports what would be deleted.
    support: full
  diff_mode:
    description: The backups of each kind and the chunk count, before and after.
    support: full
"""

EXAMPLES = r"""
- name: Prune every kind by the spec's retention
  mas.platform.backup_prune:
    store: "{{ backup_procedures.store }}"
    retention:
      system_state: "{{ backup_procedures.system_state.retention }}"
      model_registry: "{{ backup_procedures.model_registry.retention }}"
      metrics: "{{ backup_procedures.metrics.retention }}"
"""

RETURN = r"""
deleted:
  description: Per kind, the backup ids deleted (would be, in check mode).
  returned: always
  type: dict
  sample: {system_state: [20261120T000500Z, 20261120T010500Z], model_registry: [], metrics: []}
kept:
  description: Per kind, the backup ids kept.
  returned: always
  type: dict
  sample: {system_state: [20261121T000500Z]}
last_good:
  description: Per kind, the newest good backup (never deleted); null when a kind has none.
  returned: always
  type: dict
  sample: {system_state: 20261128T010500Z, model_registry: null}
chunks_deleted:
  description: Chunks deleted because no remaining backup lists them.
  returned: always
  type: int
chunks_kept:
  description: Chunks left in the store.
  returned: always
  type: int
bytes_freed:
  description: Stored bytes of the deleted chunks.
  returned: always
  type: int
chunks_kept_because:
  description: Why no chunk was deleted (backups in progress).
  returned: when a backup is in progress
  type: str
"""

from ansible_collections.mas.platform.plugins.module_utils.aws import HAS_BOTO3
from ansible_collections.mas.platform.plugins.module_utils.backup_retention import prune
from ansible_collections.mas.platform.plugins.module_utils.backup_store import STORE_ARGUMENT_SPEC
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformModule

ARGUMENT_SPEC = dict(
    STORE_ARGUMENT_SPEC,
    retention=dict(type="dict", required=True),
    grace_period=dict(type="str", default="1d"),
    lock_stale_after=dict(type="str", default="6h"),
)


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                            required_libraries={"boto3": HAS_BOTO3})
    module.run(prune)


if __name__ == "__main__":
    main()
