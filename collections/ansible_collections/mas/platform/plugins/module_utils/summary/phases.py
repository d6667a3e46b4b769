# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The accounting behind the summary callback (plugins/callback/summary.py).

A run's phases are its plays. ``Phases`` is told when each play starts and what each task
returned; a k8s_apply result lists its objects with what was done to each
(``objects[].action``: created, changed, deleted, unchanged), and every other task counts
as one change when it reports one. ``finish`` returns the summary: the phases with their
counts and seconds, the totals, the platform's status when the run made one, and the lines
the callback prints.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

ACTIONS = ("created", "changed", "unchanged", "deleted")


class Phases(object):

    def __init__(self, check_mode=False, clock=time.monotonic):
        self.check_mode = check_mode
        self._clock = clock
        self._started = clock()
        self.phases = []
        self.failed = 0

    def start(self, name):
        self._close()
        self.phases.append(dict(name=name, started=self._clock(), seconds=None, other_changes=0, failed=0,
                                **dict((a, 0) for a in ACTIONS)))

    def _close(self):
        if self.phases and self.phases[-1]["seconds"] is None:
            phase = self.phases[-1]
            phase["seconds"] = round(self._clock() - phase.pop("started"), 1)

    def record(self, result, failed=False):
        """Count one task's result (a loop's items each count)."""
        if not self.phases:
            self.start("(before the first play)")
        phase = self.phases[-1]
        if failed:
            phase["failed"] += 1
            self.failed += 1
        items = result.get("results") if isinstance(result.get("results"), list) else [result]
        for item in items:
            if not isinstance(item, dict):
                continue
            objects = item.get("objects")
            if isinstance(objects, list) and all(isinstance(o, dict) and "action" in o for o in objects):
                for obj in objects:
                    if obj["action"] in ACTIONS:
                        phase[obj["action"]] += 1
            elif item.get("changed"):
                phase["other_changes"] += 1

    def finish(self, playbook, custom_stats=None):
        self._close()
        totals = dict((key, sum(p[key] for p in self.phases)) for key in ACTIONS + ("other_changes", "failed"))
        summary = dict(playbook=playbook, check_mode=self.check_mode, seconds=round(self._clock() - self._started, 1),
                       phases=self.phases, totals=totals,
                       platform_status=(custom_stats or {}).get("platform_status"))
        summary["lines"] = self.lines(summary)
        return summary

    def lines(self, summary):
        verbs = ("would create", "would change", "unchanged", "would delete") if self.check_mode else ACTIONS
        width = min(max([len(p["name"]) for p in self.phases] + [len("phase")]), 60)
        row = "{0:<%d} {1:>8} {2:>13} {3:>13} {4:>10} {5:>13} {6:>13}{7}" % width
        out = [row.format("phase", "seconds", verbs[0], verbs[1], verbs[2], verbs[3], "other changes", "")]
        for p in self.phases:
            name = p["name"] if len(p["name"]) <= width else p["name"][:width - 3] + "..."
            out.append(row.format(name, "%.1f" % p["seconds"], p["created"], p["changed"], p["unchanged"],
                                  p["deleted"], p["other_changes"], "  FAILED" if p["failed"] else ""))
        t = summary["totals"]
        out.append(row.format("total", "%.1f" % summary["seconds"], t["created"], t["changed"], t["unchanged"],
                              t["deleted"], t["other_changes"], ""))
        if self.check_mode:
            out.append("plan: the run would create %d, change %d and delete %d Kubernetes objects (%d unchanged), "
                       "and change %d other things" % (t["created"], t["changed"], t["deleted"], t["unchanged"],
                                                       t["other_changes"]))
        return out
