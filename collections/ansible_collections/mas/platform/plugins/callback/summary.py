# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The summary callback: per phase, what the run created, changed and deleted, and how long
it took; written as JSON too (module_utils/summary/phases.py keeps the accounting)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: summary
type: aggregate
short_description: Per phase, what a run created, changed and deleted and how long it took
version_added: 0.1.0
description:
  - At the end of every playbook (deploy, plan, and every runbook), prints one line per play
    (a phase) - the Kubernetes objects M(mas.platform.k8s_apply) created, changed, left
    unchanged and deleted (in check mode - what it would), the other tasks that changed
    something, and the seconds the phase took; then the totals. For C(plan.yml) (check mode)
    the totals are what the deploy would create, change and delete.
  - With the extra variable C(summary_file) (C(-e summary_file=summary.json)), writes the same
    as JSON, with the platform's status when the run made one (the role
    R(mas.platform.platform_summary,ansible_collections.mas.platform.platform_summary_role) hands it over with C(set_stats)), for automation.
  - Enable it with C(callbacks_enabled) in ansible.cfg (the project's enables it) or
    C(ANSIBLE_CALLBACKS_ENABLED=mas.platform.summary); in AWX the lines are part of the job's
    output.
"""

import json
import os
import tempfile

from ansible import context
from ansible.plugins.callback import CallbackBase

from ansible_collections.mas.platform.plugins.module_utils.summary.phases import Phases


class CallbackModule(CallbackBase):
    """Counts per play; prints and writes the summary when the playbook ends."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "mas.platform.summary"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self._phases = None
        self._playbook = None
        self._summary_file = None

    def v2_playbook_on_start(self, playbook):
        self._playbook = os.path.basename(getattr(playbook, "_file_name", "") or "")
        self._phases = Phases(check_mode=bool((context.CLIARGS or {}).get("check")))

    def v2_playbook_on_play_start(self, play):
        if self._phases is None:
            self.v2_playbook_on_start(None)
        extra = play.get_variable_manager().extra_vars if play.get_variable_manager() else {}
        self._summary_file = extra.get("summary_file") or self._summary_file
        self._phases.start(play.get_name())

    def v2_runner_on_ok(self, result):
        self._count(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._count(result, failed=not ignore_errors)

    def v2_runner_on_unreachable(self, result):
        self._count(result, failed=True)

    def _count(self, result, failed=False):
        if self._phases is not None:
            self._phases.record(result._result, failed=failed)

    def v2_playbook_on_stats(self, stats):
        if self._phases is None:
            return
        summary = self._phases.finish(self._playbook, (getattr(stats, "custom", None) or {}).get("_run") or {})
        self._display.banner("SUMMARY")
        for line in summary["lines"]:
            self._display.display(line)
        if self._summary_file:
            self._write(summary)

    def _write(self, summary):
        path = os.path.abspath(os.path.expanduser(str(self._summary_file)))
        try:
            handle, scratch = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".summary-")
            with os.fdopen(handle, "w") as out:
                json.dump(summary, out, indent=2, sort_keys=True)
                out.write("\n")
            os.rename(scratch, path)
        except (IOError, OSError) as exc:
            self._display.warning("summary_file: cannot write %s: %s" % (path, exc))
            return
        self._display.display("summary written to %s" % path)
