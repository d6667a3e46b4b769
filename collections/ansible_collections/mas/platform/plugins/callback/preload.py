# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The preload callback: loads the collection's controller plugins once per run."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: preload
type: aggregate
short_description: Loads the collection's filters, tests, lookups and action plugins once per run
version_added: 0.1.0
description:
  - Each task runs in a new process forked from ansible-playbook's, and a plugin that the
    first process has not loaded is loaded again by every task that uses it - a filter of
    this collection means importing all its filter files and the module_utils they use,
    about 0.1 s per task. The deploy's renderers are about 60 such tasks.
  - When the playbook starts, this callback loads them into ansible-playbook's own process
    (the filters, tests and lookups of this collection and of ansible.builtin, and this
    collection's action plugins), so that every task's process starts with them. It prints
    nothing and changes nothing but the time a run takes; a plugin it cannot load is left
    for the task that uses it to report.
  - Enable it with C(callbacks_enabled) in ansible.cfg (the project's enables it) or
    C(ANSIBLE_CALLBACKS_ENABLED=mas.platform.preload).
"""

import os

from ansible.plugins.callback import CallbackBase
from ansible.plugins.loader import action_loader, filter_loader, lookup_loader, test_loader

COLLECTION = "mas.platform"
PLUGINS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def plugin_names(kind):
    """The names of this collection's plugin files of a kind."""
    directory = os.path.join(PLUGINS, kind)
    if not os.path.isdir(directory):
        return []
    return sorted("%s.%s" % (COLLECTION, name[:-3]) for name in os.listdir(directory)
                  if name.endswith(".py") and not name.startswith("_"))


# Filters and tests: asking a Jinja plugin loader for any name of a collection loads every
# file of that kind there (a file holds several), so one name of each collection is enough.
# Lookups and actions: one plugin per file, each loaded by its name.
JINJA = ((filter_loader, "filter", "ansible.builtin.to_json"), (test_loader, "test", "ansible.builtin.match"))
BUILTIN_LOOKUPS = ["ansible.builtin.template", "ansible.builtin.env", "ansible.builtin.file"]


def preload():
    """Load the plugins; returns the names of those that could not be loaded."""
    missed = []

    def load(loader, name, required=True, **options):
        try:
            if loader.get(name, **options) is None and required:
                missed.append(name)
        except Exception:  # pylint: disable=broad-except
            # The task that uses it reports it, in the run's context.
            missed.append(name)

    for loader, kind, builtin in JINJA:
        load(loader, builtin)
        names = plugin_names(kind)
        if names:
            load(loader, names[0], required=False)
    for name in BUILTIN_LOOKUPS + plugin_names("lookup"):
        load(lookup_loader, name)
    for name in plugin_names("action"):
        load(action_loader, name, class_only=True)
    return missed


class CallbackModule(CallbackBase):
    """Loads the plugins when the playbook starts."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "mas.platform.preload"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_start(self, playbook):
        missed = preload()
        if missed:
            self._display.vvv("mas.platform.preload: not loaded: %s" % ", ".join(missed))
