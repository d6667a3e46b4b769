#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: backup_prune
short_description: Apply each backup kind's retention to the restic repository, then check it
version_added: 0.1.0
description:
  - For each kind in O(policies), C(restic forget) of this platform's snapshots of that kind with
    C(--keep-within-<frequency> <retention>) - the newest snapshot of each period (hour, day,
    week, month) is kept while it is younger than the retention, counted back from the kind's
    newest snapshot. The newest snapshot is always kept, even when the backups stopped long ago.
  - Snapshots are grouped by host and tags, so that a backup of fewer components than the kind's
    (a maintenance-window dump of one database) is kept by the same rule, apart.
  - Then C(restic prune) deletes the data no snapshot uses any more (O(prune)), and C(restic check)
    verifies the repository's structure and reads and authenticates O(read_data_subset) of its
    data (O(check)). A failed check fails the module, naming the repository.
  - A module rather than C(restic forget) in a task for the reasons M(mas.platform.platform_backup)
    gives, and so that the policy comes from the spec's frequency and retention in one tested
    function.
author:
  - mas.platform contributors (@mas-platform)
options:
  policies:
    description:
      - Kind -> its C(frequency) (C(hourly), C(daily), C(weekly), C(monthly)) and C(retention)
        (such as C(7d), C(12h), C(90d)), as C(backup_procedures.<kind>) has them; other keys of
        a kind are ignored. Kinds not given are not pruned.
    type: dict
    required: true
  prune:
    description: Delete the data that the forgotten snapshots alone used (C(restic prune)).
    type: bool
    default: true
  check:
    description: Verify the repository afterwards (C(restic check)), also in a run that removed nothing.
    type: bool
    default: true
  read_data_subset:
    description:
      - The share of the data C(restic check) reads and authenticates, such as C(5%), C(1/7) or
        C(500M); an empty string checks the structure only.
    type: str
    default: 5%
extends_documentation_fragment:
  - mas.platform.backup
attributes:
  check_mode:
    description: Reports what would be forgotten (C(restic forget --dry-run)); prunes and checks nothing.
    support: full
  diff_mode:
    description: The snapshots of each kind, before and after.
    support: full
requirements:
  - restic 0.17 or newer on the PATH (the execution environment has the version of tools/restic/version.env)
"""

EXAMPLES = r"""
- name: Apply every kind's retention, then check 5 % of the data
  mas.platform.backup_prune:
    store: "{{ backup_procedures.store }}"
    platform: "{{ infrastructure.cluster_name }}"
    policies:
      system_state: "{{ backup_procedures.system_state }}"
      model_registry: "{{ backup_procedures.model_registry }}"
      metrics: "{{ backup_procedures.metrics }}"
"""

RETURN = r"""
removed:
  description: Per kind, the short ids of the snapshots forgotten (would be, in check mode).
  returned: always
  type: dict
  sample: {system_state: [0178198a], model_registry: [], metrics: []}
kept:
  description: Per kind, the short ids of the snapshots kept.
  returned: always
  type: dict
  sample: {system_state: [63a03ce9, 8c733a63]}
policies:
  description: Per kind, the restic forget options applied.
  returned: always
  type: dict
  sample: {system_state: [--keep-within-hourly, 7d], metrics: [--keep-within-daily, 90d]}
checked:
  description: Whether C(restic check) ran (and passed).
  returned: always
  type: bool
read_data_subset:
  description: The share of the data the check read.
  returned: when checked
  type: str
notes:
  description: Why nothing was done (no repository yet).
  returned: when there is no repository
  type: list
  elements: str
"""

from ansible_collections.mas.platform.plugins.module_utils.aws.common import HAS_BOTO3
from ansible_collections.mas.platform.plugins.module_utils.backup.options import repository_argument_spec
from ansible_collections.mas.platform.plugins.module_utils.backup.prune import POLICY_OPTIONS, prune
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformModule

ARGUMENT_SPEC = repository_argument_spec(**POLICY_OPTIONS)


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                            required_libraries={"boto3": HAS_BOTO3})
    module.run(prune)


if __name__ == "__main__":
    main()
