# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The progress callback: prints what the collection's long waits see while they wait."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: progress
type: aggregate
short_description: Prints the progress of the collection's long waits while they last
version_added: 0.1.0
description:
  - A module cannot print while it runs, so a long wait (a queue drain, a rollout, an EKS
    cluster or node group coming up) is silent until it ends. This callback gives every
    module of the run a file to append to (the environment variable C(MAS_PLATFORM_PROGRESS))
    and prints each line the collection's waits write there as it comes, after the name of
    the task - what is awaited, how far it got, and how long is left before the timeout,
    for example C(tasks.default 1,204 ready, 40 unacked, 7 consumers; 312 s of 1,200 s).
  - It works beside any stdout callback, with ansible-playbook and with ansible-runner (AWX,
    Tower) - there the lines are part of the job's output. Enable it with C(callbacks_enabled)
    in ansible.cfg (the project's enables it) or C(ANSIBLE_CALLBACKS_ENABLED=mas.platform.progress).
  - Why a callback rather than async polling or retries - an async task's status holds no
    partial result until the module ends, and retries would split every wait into many
    module runs, each reading the state anew; the waits here stay one loop in one module.
requirements:
  - The modules run on the controller (a local connection, or delegated to localhost), as all
    of this collection's do - they inherit the environment variable.
options:
  interval:
    description:
      - The seconds between two lines of one wait (the first comes after this long too, so
        that a short wait prints nothing).
    type: float
    default: 10
    env:
      - name: MAS_PLATFORM_PROGRESS_INTERVAL
    ini:
      - section: mas_platform_progress
        key: interval
"""

import json
import os
import tempfile
import threading

from ansible.plugins.callback import CallbackBase

from ansible_collections.mas.platform.plugins.module_utils.progress import ENV_FILE, ENV_INTERVAL, format_line


class CallbackModule(CallbackBase):
    """Tails the run's progress file in a thread and prints each complete line."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "mas.platform.progress"
    CALLBACK_NEEDS_ENABLED = True

    # The seconds between two reads of the file.
    POLL = 0.5

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self._path = None
        self._task = None
        self._offset, self._pending = 0, ""
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = None

    def v2_playbook_on_start(self, playbook):
        if self._path is not None:
            return
        handle, self._path = tempfile.mkstemp(prefix="mas-platform-progress-", suffix=".jsonl")
        os.close(handle)
        # The workers fork from this process after this point: every module inherits them.
        os.environ[ENV_FILE] = self._path
        os.environ[ENV_INTERVAL] = str(self.get_option("interval"))
        self._thread = threading.Thread(target=self._tail, name="mas-platform-progress")
        self._thread.daemon = True
        self._thread.start()

    def v2_playbook_on_task_start(self, task, is_conditional):
        self._next_task(task)

    def v2_playbook_on_handler_task_start(self, task):
        self._next_task(task)

    def _next_task(self, task):
        # A line the last task wrote just before it ended is still its own.
        self._read()
        self._task = task.get_name()

    def v2_playbook_on_stats(self, stats):
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join(5)
        self._thread = None
        self._read()
        for key in (ENV_FILE, ENV_INTERVAL):
            os.environ.pop(key, None)
        try:
            os.unlink(self._path)
        except OSError:
            pass

    def _tail(self):
        while not self._stop.wait(self.POLL):
            self._read()

    def _read(self):
        """Show the complete lines written since the last read."""
        if self._path is None:
            return
        with self._lock:
            try:
                with open(self._path) as source:
                    source.seek(self._offset)
                    self._pending += source.read()
                    self._offset = source.tell()
            except (IOError, OSError):
                return
            lines = self._pending.split("\n")
            self._pending = lines.pop()
            for line in lines:
                self._show(line)

    def _show(self, line):
        try:
            parsed = json.loads(line)
        except ValueError:
            return
        if isinstance(parsed, dict):
            where = "%s: " % self._task if self._task else ""
            self._display.display("[progress] %s%s" % (where, format_line(parsed)), color="cyan")
