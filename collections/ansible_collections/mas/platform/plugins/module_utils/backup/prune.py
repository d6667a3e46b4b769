# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Retention and verification of the repository: ``restic forget`` by each kind's
frequency and retention, ``restic prune``, then ``restic check``.

Each kind's policy is ``--keep-within-<frequency> <retention>`` (module_utils/backup/
restic.py ``forget_policy``), applied to the snapshots of that kind and platform, per
group of host and tags (a backup of fewer components than the kind's, such as a
maintenance-window dump of one database, is a group of its own, kept by the same rule).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mas.platform.plugins.module_utils.backup.options import KINDS, open_repository
from ansible_collections.mas.platform.plugins.module_utils.backup.restic import forget_policy
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import parse_duration

POLICY_OPTIONS = dict(
    policies=dict(type="dict", required=True),
    prune=dict(type="bool", default=True),
    check=dict(type="bool", default=True),
    read_data_subset=dict(type="str", default="5%"),
)


def policies(value):
    """{kind: restic forget options} of the ``policies`` option."""
    unknown = sorted(k for k in value if k not in KINDS)
    if unknown:
        raise PlatformError("policies: %s is no kind of backup (kinds: %s)" % (", ".join(unknown), ", ".join(KINDS)))
    found = {}
    for kind, policy in sorted(value.items()):
        if not isinstance(policy, dict) or not policy.get("frequency") or not policy.get("retention"):
            raise PlatformError("policies.%s: expected frequency and retention (backup_procedures.%s), got %r"
                                % (kind, kind, policy))
        seconds = parse_duration(policy["retention"])
        if not seconds or seconds <= 0:
            raise PlatformError("policies.%s.retention: expected a duration such as '7d', '12h' or '90d', got %r"
                                % (kind, policy["retention"]))
        try:
            found[kind] = forget_policy(policy["frequency"], seconds)
        except PlatformError as exc:
            raise PlatformError("policies.%s.%s" % (kind, exc.msg))
    return found


def check_subset(value):
    if value and not re.match(r"^(\d+(\.\d+)?%|\d+/\d+|\d+[KMGT]?)$", value):
        raise PlatformError("read_data_subset: %r is not a share restic reads (such as '5%%', '1/7' or '500M')" % value)
    return value


def prune(module):
    params = module.params
    wanted = policies(params["policies"])
    subset = check_subset(params["read_data_subset"])
    location, repository = open_repository(module)
    location.check_bucket()
    listed = repository.snapshots(host=params["platform"], tags=["platform=%s" % params["platform"]], missing_ok=True)
    if listed is None:
        return dict(changed=False, removed={}, kept={}, checked=False, policies=wanted,
                    notes=["no restic repository at %s yet: nothing to prune" % repository.url])
    removed, kept = {}, {}
    for kind, policy in wanted.items():
        ours = [s["short_id"] for s in listed if "kind=%s" % kind in (s.get("tags") or [])]
        removed[kind], kept[kind] = [], sorted(ours)
        if len(ours) < 2:
            continue  # the newest snapshot of a kind is always kept: nothing to forget
        groups = repository.forget(params["platform"], ["kind=%s" % kind, "platform=%s" % params["platform"]], policy,
                                   dry_run=module.check_mode)
        removed[kind] = sorted(s["short_id"] for g in groups for s in g.get("remove") or [])
        kept[kind] = sorted(s["short_id"] for g in groups for s in g.get("keep") or [])
    changed = any(removed.values())
    result = dict(changed=changed, removed=removed, kept=kept, policies=wanted, checked=False,
                  diff=dict(before=dict((k, sorted(kept[k] + removed[k])) for k in kept), after=kept))
    if module.check_mode:
        return result
    if changed and params["prune"]:
        repository.prune()
    if params["check"]:
        repository.check(subset)
        result.update(checked=True, read_data_subset=subset)
    return result
