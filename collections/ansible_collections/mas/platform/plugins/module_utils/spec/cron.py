# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cron schedules as a CronJob takes them.

Kubernetes parses ``spec.schedule`` with robfig/cron's standard parser: five fields
(minute, hour, day of month, month, day of week), each a list of ``*``, ``?``, a
number or name, or a range, with an optional ``/step``; or one of the descriptors
(@hourly, @daily...). A value outside a field's range ("61 * * * *") is refused by the
API server, so it is refused here, naming the field.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mas.platform.plugins.module_utils.spec.schema import describe, INVALID, Node, quote

_MONTHS = dict((name, number) for number, name in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1))
_WEEKDAYS = dict((name, number) for number, name in enumerate(("sun", "mon", "tue", "wed", "thu", "fri", "sat")))
# name, lowest, highest, names
FIELDS = (
    ("minute", 0, 59, {}),
    ("hour", 0, 23, {}),
    ("day of month", 1, 31, {}),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 6, _WEEKDAYS),
)
DESCRIPTORS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
    "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}
_PART = re.compile(r"(?P<range>\*|\?|[0-9A-Za-z]{1,3}(-[0-9A-Za-z]{1,3})?)(/(?P<step>[0-9]{1,3}))?")


def _value(text, low, high, names, field):
    number = names.get(text.lower()) if names else None
    if number is None:
        if not re.fullmatch(r"[0-9]{1,3}", text):
            return None, "%s: %s is not a number%s" % (field, quote(text), " or a name (%s)" % ", ".join(
                n.upper() for n in sorted(names, key=names.get)) if names else "")
        number = int(text)
    if not low <= number <= high:
        return None, "%s %d is outside %d-%d" % (field, number, low, high)
    return number, None


def field_error(text, field, low, high, names):
    """What is wrong with one field of a schedule, or None."""
    for part in text.split(","):
        match = _PART.fullmatch(part)
        if not match:
            return "%s: %s is not '*', a number, a range 'a-b' or a step '*/n'" % (field, quote(part))
        if match.group("step") is not None and int(match.group("step")) == 0:
            return "%s: a step of 0 never repeats" % field
        bounds = match.group("range")
        if bounds in ("*", "?"):
            continue
        values = []
        for end in bounds.split("-"):
            number, problem = _value(end, low, high, names, field)
            if problem:
                return problem
            values.append(number)
        if len(values) == 2 and values[0] > values[1]:
            return "%s: the range %s begins after it ends" % (field, bounds)
    return None


def normal_form(schedule):
    """A valid schedule's five fields (descriptors spelt out), for reading its period."""
    return DESCRIPTORS.get(schedule.strip().lower(), schedule).split()


class Cron(Node):
    """A CronJob schedule such as '5 * * * *' or '@hourly'."""

    expected = "a cron expression of five fields (minute hour day-of-month month day-of-week) such as '5 * * * *'"

    def check(self, value, path, findings):
        if not isinstance(value, str) or len(value) > 100:
            findings.error(path, "expected %s, got %s" % (self.expected, quote(value) if isinstance(value, str) else describe(value)))
            return INVALID
        if value.startswith("@"):
            if value.lower() in DESCRIPTORS:
                return value
            findings.error(path, "expected %s or one of %s, got %s" % (self.expected, ", ".join(sorted(DESCRIPTORS)), quote(value)))
            return INVALID
        if re.match(r"\s*(CRON_)?TZ=", value):
            findings.error(path, "a time zone in the schedule is refused by Kubernetes: set the CronJob's timeZone instead")
            return INVALID
        fields = value.split(" ")
        if len(fields) != 5 or "" in fields:
            findings.error(path, "expected %s (fields separated by one space), got %s" % (self.expected, quote(value)))
            return INVALID
        for text, (field, low, high, names) in zip(fields, FIELDS):
            problem = field_error(text, field, low, high, names)
            if problem:
                findings.error(path, "%s in %s" % (problem, quote(value)))
                return INVALID
        return value
