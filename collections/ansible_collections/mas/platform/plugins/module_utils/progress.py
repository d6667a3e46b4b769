# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The progress of a long wait, shown to the operator while the wait lasts.

A module cannot print while it runs: Ansible shows what it returns when it ends, so a
drain that takes twenty minutes is silent for twenty minutes, and a slow drain looks like
a hung one. The collection's callback plugin ``mas.platform.progress`` (enabled in the
project's ansible.cfg; in AWX, with ``ANSIBLE_CALLBACKS_ENABLED``) gives the modules a
file to append to, named in their environment (``MAS_PLATFORM_PROGRESS``), and prints
each line as it comes::

    Wait until the task queues are drained: draining ^tasks\\.: tasks.default 1,204 ready,
    40 unacked, 7 consumers; 312 s of 1,200 s

A wait makes one ``Progress`` and calls it on every poll with what it sees; a line is
written at most every ``MAS_PLATFORM_PROGRESS_INTERVAL`` seconds (the callback's
``interval`` option, 10 s), the first one after that long too, so that a short wait
prints nothing. Without the callback nothing is written. Writing is best effort: a
progress file that cannot be written never fails the wait.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import time

ENV_FILE = "MAS_PLATFORM_PROGRESS"
ENV_INTERVAL = "MAS_PLATFORM_PROGRESS_INTERVAL"
DEFAULT_INTERVAL = 10.0


class Progress(object):
    """``progress(state)`` on every poll of a wait that may last ``timeout`` seconds (for
    ``what``, when the state does not say); ``state`` is the text of what the poll saw, or
    a function that makes it (only called when a line is due). Returns whether a line was
    written."""

    def __init__(self, timeout, what=None, environ=None, clock=time.monotonic):
        environ = os.environ if environ is None else environ
        self.what, self.timeout, self._clock = what, timeout, clock
        self.path = environ.get(ENV_FILE) or None
        try:
            self.interval = max(0.0, float(environ.get(ENV_INTERVAL) or DEFAULT_INTERVAL))
        except ValueError:
            self.interval = DEFAULT_INTERVAL
        self.started = clock()
        self._next = self.started + self.interval

    def __call__(self, state):
        if self.path is None:
            return False
        now = self._clock()
        if now < self._next:
            return False
        self._next = now + self.interval
        line = dict(what=self.what, state=state() if callable(state) else state,
                    elapsed=int(now - self.started), timeout=self.timeout)
        try:
            with open(self.path, "a") as sink:
                sink.write(json.dumps(line, sort_keys=True) + "\n")
        except (IOError, OSError):
            self.path = None
            return False
        return True


def format_line(line):
    """The text the callback prints for one line a ``Progress`` wrote."""
    text = "%s" % line.get("state")
    if line.get("what"):
        text = "%s: %s" % (line["what"], text)
    timeout = line.get("timeout")
    if timeout:
        text += "; {0:,} s of {1:,} s".format(int(line.get("elapsed") or 0), int(timeout))
    return text
