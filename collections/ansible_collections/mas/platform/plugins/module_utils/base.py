# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one wrapper every mas.platform module is built on.

``PlatformModule`` is an AnsibleModule that
- checks that the Python libraries a module needs are importable, and says which pip
  package to install when one is not;
- turns a ``PlatformError`` (raised anywhere in module_utils) into one ``fail_json``
  with a message that names the key or the endpoint, and never a traceback;
- builds the result: ``changed`` from a real comparison, ``diff`` only when asked.

A module's main() is then about ten lines::

    def main():
        module = PlatformModule(argument_spec=..., supports_check_mode=True,
                                required_libraries={"hvac": HAS_HVAC})
        module.run(ensure_policy)

where ``ensure_policy(module)`` returns the result dict.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import random
import time
import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.mas.platform.plugins.module_utils.progress import Progress


class PlatformError(Exception):
    """An error a user can act on. ``msg`` names the key or the endpoint."""

    def __init__(self, msg, **details):
        super(PlatformError, self).__init__(msg)
        self.msg = msg
        self.details = details


class EndpointError(PlatformError):
    """An endpoint that cannot be reached or that refuses the request."""

    def __init__(self, endpoint, reason, **details):
        super(EndpointError, self).__init__("%s: %s" % (endpoint, reason), endpoint=endpoint, **details)


# The wait options every module that waits exposes, with the same names everywhere.
WAIT_ARGUMENT_SPEC = dict(
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=600),
)


class PlatformModule(AnsibleModule):
    """AnsibleModule with the library check and the error handling of the collection.

    ``required_libraries`` maps a pip package name to whether its import succeeded;
    ``import_errors`` optionally maps the same names to the import traceback.
    """

    def __init__(self, *args, **kwargs):
        required = kwargs.pop("required_libraries", None) or {}
        import_errors = kwargs.pop("import_errors", None) or {}
        super(PlatformModule, self).__init__(*args, **kwargs)
        for package, present in sorted(required.items()):
            if not present:
                self.fail_json(msg=missing_required_lib(package), exception=import_errors.get(package))

    def run(self, operation):
        """Call ``operation(self)`` and exit with its result, or fail with one message."""
        try:
            result = operation(self)
        except PlatformError as exc:
            self.fail_json(msg=exc.msg, **exc.details)
        except Exception as exc:  # pylint: disable=broad-except
            # Not expected: still one line for the user, the traceback only at -vvv.
            self.fail_json(msg="%s: %s" % (type(exc).__name__, exc), exception=traceback.format_exc())
        if not self._diff:
            result.pop("diff", None)
        self.exit_json(**result)


def wait_for(check, timeout, description, interval=1.0, max_interval=10.0, state=None):
    """Call ``check()`` until it returns a truthy value, with capped exponential backoff.

    Returns that value. Raises PlatformError naming ``description`` after ``timeout``
    seconds; the message includes what the last check returned so that the user sees
    what did not come up. ``state()``, when given, says what the last check saw, for the
    wait's progress lines (module_utils/progress.py).
    """
    deadline = time.monotonic() + timeout
    progress = Progress(timeout, what=description)
    last = None
    while True:
        last = check()
        if last:
            return last
        progress(state or "still waiting")
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise PlatformError("timed out after %ss waiting for %s" % (timeout, description), last_state=last)
        time.sleep(min(interval, remaining))
        interval = min(interval * 2, max_interval)


def retry_with_backoff(call, is_retryable, attempts=5, base_delay=0.5, max_delay=8.0):
    """Call ``call()``; on an exception that ``is_retryable(exc)`` accepts (throttling,
    a transient 5xx), retry with full-jitter exponential backoff, up to ``attempts``."""
    for attempt in range(attempts):
        try:
            return call()
        except Exception as exc:  # pylint: disable=broad-except
            if attempt == attempts - 1 or not is_retryable(exc):
                raise
            time.sleep(random.uniform(0, min(max_delay, base_delay * 2 ** attempt)))
    raise AssertionError("unreachable")  # pragma: no cover


def diff_result(changed, before, after, **extra):
    """The result dict of a module that ensures a state: changed, diff, and extras."""
    result = dict(changed=changed, diff=dict(before=before, after=after))
    result.update(extra)
    return result
