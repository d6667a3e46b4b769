# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small declarative schema for validating the platform spec.

Each schema node checks one value, records what is wrong as a finding that names the
full key path (``deployment_sequence.1_core_agents.resource_manager.replicas``) and
returns the value *cleaned*: quantities become Decimals, durations seconds. What is
invalid is left out of the cleaned result (a field is omitted, a list item becomes
None), so the feasibility checks that run afterwards only ever see well-formed data
and can use ``dict.get`` without guarding against wrong types.

The nodes never raise on bad input: whatever the spec holds, validation returns.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
from decimal import Decimal

from ansible_collections.mas.platform.plugins.module_utils.capacity import (
    MIB,
    QuantityError,
    parse_quantity,
)

try:
    from collections.abc import Mapping
except ImportError:  # pragma: no cover - Python 2 is not supported, this keeps sanity quiet
    Mapping = dict

INVALID = object()


class Findings:
    """Errors and warnings, each a ``{"path": ..., "message": ...}`` dict."""

    def __init__(self):
        self.errors = []
        self.warnings = []

    def error(self, path, message):
        self.errors.append({"path": path, "message": message})

    def warning(self, path, message):
        self.warnings.append({"path": path, "message": message})


def key_path(path, key):
    """The path of mapping key ``key`` below ``path`` ("a.b")."""
    return "%s.%s" % (path, key) if path else "%s" % (key,)


def index_path(path, index):
    """The path of list item ``index`` below ``path`` ("a[0]")."""
    return "%s[%d]" % (path, index)


def describe(value):
    """A short description of a value's type for messages ("a list", "the string 'x'")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "the boolean %s" % ("true" if value else "false")
    if isinstance(value, (int, float)):
        return "the number %r" % (value,)
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "..."
        return "the string %r" % (shown,)
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, (list, tuple)):
        return "a list"
    return "a value of type %s" % type(value).__name__


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


class Node:
    """A schema node. ``check`` returns the cleaned value, or INVALID."""

    expected = "a value"

    def check(self, value, path, findings):
        raise NotImplementedError


class Any(Node):
    """Anything goes: the preflight does not evaluate this value."""

    def check(self, value, path, findings):
        return value


class Bool(Node):
    expected = "true or false"

    def check(self, value, path, findings):
        if isinstance(value, bool):
            return value
        findings.error(path, "expected true or false, got %s" % describe(value))
        return INVALID


class Str(Node):
    """A string, optionally from a set of choices or matching a pattern."""

    def __init__(self, choices=None, pattern=None, hint=None, max_length=None):
        self.choices = tuple(choices) if choices else None
        self.pattern = re.compile(pattern) if pattern else None
        self.hint = hint
        self.max_length = max_length

    @property
    def expected(self):
        if self.choices:
            return "one of %s" % ", ".join(self.choices)
        return self.hint or "a string"

    def check(self, value, path, findings):
        if not isinstance(value, str):
            hint = ""
            if isinstance(value, float) and self.pattern is not None:
                # YAML reads an unquoted 7.0 as a float and loses what was written.
                hint = " (quote it, YAML reads an unquoted %r as a number)" % (value,)
            findings.error(path, "expected %s, got %s%s" % (self.expected, describe(value), hint))
            return INVALID
        if self.choices and value not in self.choices:
            findings.error(path, "expected one of %s, got %r" % (", ".join(self.choices), value))
            return INVALID
        if self.max_length is not None and len(value) > self.max_length:
            findings.error(path, "expected at most %d characters, got %d" % (self.max_length, len(value)))
            return INVALID
        if self.pattern and not self.pattern.match(value):
            findings.error(path, "expected %s, got %r" % (self.expected, value))
            return INVALID
        return value


class Int(Node):
    def __init__(self, minimum=None, maximum=None):
        self.minimum = minimum
        self.maximum = maximum

    @property
    def expected(self):
        if self.minimum is not None and self.maximum is not None:
            return "an integer from %d to %d" % (self.minimum, self.maximum)
        if self.minimum is not None:
            return "an integer of at least %d" % self.minimum
        return "an integer"

    def check(self, value, path, findings):
        if not is_int(value):
            findings.error(path, "expected %s, got %s" % (self.expected, describe(value)))
            return INVALID
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            findings.error(path, "expected %s, got %d" % (self.expected, value))
            return INVALID
        return value


class Number(Node):
    """An int or float (not a numeric string), returned as a Decimal."""

    def __init__(self, minimum=None, maximum=None):
        self.minimum = minimum
        self.maximum = maximum

    def check(self, value, path, findings):
        expected = "a number"
        if self.minimum is not None and self.maximum is not None:
            expected = "a number from %s to %s" % (self.minimum, self.maximum)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            findings.error(path, "expected %s, got %s" % (expected, describe(value)))
            return INVALID
        number = Decimal(str(value))
        if not number.is_finite() or (self.minimum is not None and number < Decimal(str(self.minimum))) \
                or (self.maximum is not None and number > Decimal(str(self.maximum))):
            findings.error(path, "expected %s, got %r" % (expected, value))
            return INVALID
        return number


class Quantity(Node):
    """A Kubernetes quantity ("500m", "16Gi", 4), returned as a non-negative Decimal.

    kind "memory" also rejects amounts below 1Mi: "16" (bytes) or "512m" (millibytes)
    are almost always a forgotten unit, and no container starts with that little.
    kind "count" requires a whole number (extended resources such as nvidia.com/gpu).
    """

    expected = "a Kubernetes quantity such as '2', '500m' or '16Gi'"

    def __init__(self, kind="any"):
        self.kind = kind

    def check(self, value, path, findings):
        try:
            number = parse_quantity(value)
        except QuantityError as exc:
            findings.error(path, "%s" % exc)
            return INVALID
        if number < 0:
            findings.error(path, "expected a quantity of at least 0, got %r" % (value,))
            return INVALID
        if self.kind == "memory" and 0 < number < MIB:
            findings.error(path, "%r is %s bytes: memory needs a unit such as Mi or Gi" % (value, number.normalize()))
            return INVALID
        if self.kind == "count" and number != number.to_integral_value():
            findings.error(path, "expected a whole number (extended resources cannot be split), got %r" % (value,))
            return INVALID
        return number


_PERCENT = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*%\s*$")


class Percent(Node):
    """A percentage written as "45%", returned as Decimal 45."""

    expected = "a percentage such as '45%'"

    def check(self, value, path, findings):
        match = _PERCENT.match(value) if isinstance(value, str) else None
        if not match:
            hint = " (write the % sign: is 0.45 meant as 45% or 0.45%?)" if is_int(value) or isinstance(value, float) else ""
            findings.error(path, "expected a percentage such as '45%%', got %s%s" % (describe(value), hint))
            return INVALID
        number = Decimal(match.group(1))
        if number > 100:
            findings.error(path, "expected a percentage from 0%% to 100%%, got %r" % (value,))
            return INVALID
        return number


_DURATION = re.compile(r"^([0-9]+)(ms|s|m|h|d|w|y)$")
_DURATION_SECONDS = {
    "ms": Decimal("0.001"), "s": Decimal(1), "m": Decimal(60), "h": Decimal(3600),
    "d": Decimal(86400), "w": Decimal(604800), "y": Decimal(31536000),
}


def parse_duration(value):
    """Seconds (Decimal) of a Prometheus-style duration ("30s", "5m", "90d"), or None."""
    match = _DURATION.match(value) if isinstance(value, str) else None
    if not match:
        return None
    return Decimal(match.group(1)) * _DURATION_SECONDS[match.group(2)]


class Duration(Node):
    """A duration such as "30s", "5m", "90d", returned as seconds (Decimal)."""

    expected = "a duration such as '30s', '5m' or '90d'"

    def __init__(self, positive=True):
        self.positive = positive

    def check(self, value, path, findings):
        seconds = parse_duration(value)
        if seconds is None:
            findings.error(path, "expected a duration such as '30s', '5m' or '90d', got %s" % describe(value))
            return INVALID
        if self.positive and seconds <= 0:
            findings.error(path, "expected a duration longer than 0, got %r" % (value,))
            return INVALID
        return seconds


class Cidr(Node):
    """An IPv4 or IPv6 network ("10.0.0.0/16"), returned as an ip_network."""

    expected = "a CIDR such as '10.0.0.0/16'"

    def check(self, value, path, findings):
        if not isinstance(value, str):
            findings.error(path, "expected a CIDR such as '10.0.0.0/16', got %s" % describe(value))
            return INVALID
        try:
            return ipaddress.ip_network(value, strict=True)
        except ValueError as exc:
            findings.error(path, "expected a CIDR such as '10.0.0.0/16', got %r (%s)" % (value, exc))
            return INVALID


class IntOrPercent(Node):
    """An integer or a percentage ("25%"), as Kubernetes takes for maxSurge."""

    def check(self, value, path, findings):
        if is_int(value) and value >= 0:
            return value
        if isinstance(value, str) and _PERCENT.match(value):
            return Percent().check(value, path, findings)
        findings.error(path, "expected a non-negative integer or a percentage such as '25%%', got %s" % describe(value))
        return INVALID


class SingleItemList(list):
    """The cleaned form of a mapping given where a list belongs (see ListOf's single_hint).

    Its one item was found at the list's own path, not at ``path[0]``.
    """


class ListOf(Node):
    """A list of items. Invalid items are returned as None, so indices keep their meaning.

    ``single_hint``: a mapping given where the list belongs (the seed writes
    ``from: {namespaceSelector: ...}``) is an error, and is then checked as the list's
    only item so that the checks downstream still see it.
    """

    expected = "a list"

    def __init__(self, item, min_items=0, unique_key=None, single_hint=None):
        self.item = item
        self.min_items = min_items
        self.unique_key = unique_key
        self.single_hint = single_hint

    def check(self, value, path, findings):
        if isinstance(value, Mapping) and self.single_hint:
            findings.error(path, "expected a list, got a mapping: %s" % self.single_hint)
            result = self.item.check(value, path, findings)
            return SingleItemList([None if result is INVALID else result])
        if not isinstance(value, (list, tuple)):
            findings.error(path, "expected a list, got %s" % describe(value))
            return INVALID
        if len(value) < self.min_items:
            findings.error(path, "expected at least %d item%s, got %d" % (self.min_items, "" if self.min_items == 1 else "s", len(value)))
        cleaned = []
        seen = {}
        for index, entry in enumerate(value):
            result = self.item.check(entry, index_path(path, index), findings)
            if result is INVALID:
                cleaned.append(None)
                continue
            if self.unique_key and isinstance(result, dict) and isinstance(result.get(self.unique_key), str):
                key = result[self.unique_key]
                if key in seen:
                    findings.error(key_path(index_path(path, index), self.unique_key),
                                   "duplicate %s %r (also at %s)" % (self.unique_key, key, index_path(path, seen[key])))
                    cleaned.append(None)
                    continue
                seen[key] = index
            cleaned.append(result)
        return cleaned


class MapOf(Node):
    """A mapping with free keys (checked by ``key``) and values of one schema."""

    expected = "a mapping"

    def __init__(self, value, key=None, min_items=0):
        self.value = value
        self.key = key or Str()
        self.min_items = min_items

    def check(self, value, path, findings):
        if not isinstance(value, Mapping):
            findings.error(path, "expected a mapping, got %s" % describe(value))
            return INVALID
        if len(value) < self.min_items:
            findings.error(path, "expected at least %d entr%s, got %d" % (self.min_items, "y" if self.min_items == 1 else "ies", len(value)))
        cleaned = {}
        for key, entry in value.items():
            entry_path = key_path(path, key)
            if self.key.check(key, entry_path, findings) is INVALID:
                continue
            result = self.value.check(entry, entry_path, findings)
            if result is not INVALID:
                cleaned[key] = result
        return cleaned


class Record(Node):
    """A mapping with known fields. Unknown fields are errors (they are usually typos).

    ``check`` (optional) is called with the cleaned dict and the path for cross-field
    rules (min <= max, request <= limit); it records findings and returns nothing.
    """

    def __init__(self, fields, required=(), check=None, missing_hint=None):
        self.fields = fields
        self.required = tuple(required)
        self.cross_check = check
        self.missing_hint = missing_hint or {}

    def check(self, value, path, findings):
        if not isinstance(value, Mapping):
            findings.error(path, "expected a mapping with %s, got %s" % (self._field_list(), describe(value)))
            return INVALID
        cleaned = {}
        for key, entry in value.items():
            if key not in self.fields:
                findings.error(key_path(path, key), "unknown key (expected %s)" % self._field_list())
                continue
            result = self.fields[key].check(entry, key_path(path, key), findings)
            if result is not INVALID:
                cleaned[key] = result
        for key in self.required:
            if key not in value:
                hint = self.missing_hint.get(key)
                findings.error(key_path(path, key), "required key is missing: expected %s%s" % (
                    self.fields[key].expected, " (%s)" % hint if hint else ""))
        if self.cross_check is not None:
            self.cross_check(cleaned, path, findings)
        return cleaned

    @property
    def expected(self):
        return "a mapping with %s" % self._field_list()

    def _field_list(self):
        names = sorted(self.fields)
        return "keys %s" % ", ".join(names) if names else "no keys"
