# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the collection's filters say when their input is not as expected: one line
naming the filter and what it needed, then the error, never a traceback."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib

from ansible.errors import AnsibleFilterError

# What reading input of the wrong shape raises.
INPUT_ERRORS = (KeyError, TypeError, ValueError, AttributeError)


@contextlib.contextmanager
def input_errors(message):
    """Turn an error of reading the input inside the block into one AnsibleFilterError:
    ``message`` (the filter's name and what it needed), then the error's type and text."""
    try:
        yield
    except INPUT_ERRORS as exc:
        raise AnsibleFilterError("%s (%s: %s)" % (message, type(exc).__name__, exc))
