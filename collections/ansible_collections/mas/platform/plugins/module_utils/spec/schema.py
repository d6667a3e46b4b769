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
Messages quote at most QUOTE_LIMIT characters of a value (``quote``), whatever its size,
and patterns match the whole string (``fullmatch``: ``$`` alone would accept a value
with a trailing newline, which no Kubernetes name can hold).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re
from decimal import Decimal

from ansible_collections.mas.platform.plugins.module_utils.preflight.capacity import MIB, parse_quantity, QuantityError

try:
    from collections.abc import Mapping
except ImportError:  # pragma: no cover - Python 2 is not supported, this keeps sanity quiet
    Mapping = dict

INVALID = object()

# How much of a value a message quotes, and how long a message or path may get: a spec
# can hold a 10 MB string, and a message that echoes it helps nobody.
QUOTE_LIMIT = 200
MESSAGE_LIMIT = 4000
PATH_LIMIT = 500
# The largest integer the spec may hold anywhere (Kubernetes stores int64). Python's
# int() and str() refuse numbers of more than 4300 digits with a ValueError, so no
# bigger number may reach a computation or a message.
INT64_MAX = 2 ** 63 - 1


def clip(text, limit):
    """``text`` cut to ``limit`` characters, saying how long it was."""
    if len(text) <= limit:
        return text
    return "%s... (%d characters)" % (text[:limit], len(text))


class Findings:
    """Errors and warnings, each a ``{"path": ..., "message": ...}`` dict.

    ``at`` is the key path being checked, kept up to date by the schema nodes and the
    checks, so that an unexpected exception can still name where it happened.
    """

    def __init__(self):
        self.errors = []
        self.warnings = []
        self.at = "spec"

    def error(self, path, message):
        self.errors.append({"path": clip(path, PATH_LIMIT), "message": clip(message, MESSAGE_LIMIT)})

    def warning(self, path, message):
        self.warnings.append({"path": clip(path, PATH_LIMIT), "message": clip(message, MESSAGE_LIMIT)})


def key_path(path, key):
    """The path of mapping key ``key`` below ``path`` ("a.b")."""
    return "%s.%s" % (path, key) if path else "%s" % (key,)


def index_path(path, index):
    """The path of list item ``index`` below ``path`` ("a[0]")."""
    return "%s[%d]" % (path, index)


def quote(value, limit=QUOTE_LIMIT):
    """A value as a message shows it: repr, at most ``limit`` characters of it.

    Integers too long to print (Python refuses str() beyond 4300 digits) are described
    by their size instead.
    """
    if is_int(value) and abs(value) > INT64_MAX:
        return "a %d-bit number" % value.bit_length()
    if isinstance(value, str) and len(value) > limit:
        return "%r... (%d characters)" % (value[:limit], len(value))
    if isinstance(value, (str, int, float, bool)) or value is None:
        return "%r" % (value,)
    return describe(value)


def describe(value):
    """A short description of a value's type for messages ("a list", "the string 'x'")."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "the boolean %s" % ("true" if value else "false")
    if isinstance(value, (int, float)):
        return "the number %s" % quote(value)
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
            findings.error(path, "expected one of %s, got %s" % (", ".join(self.choices), quote(value)))
            return INVALID
        if self.max_length is not None and len(value) > self.max_length:
            findings.error(path, "expected %s, got a string of %d characters" % (self.expected, len(value)))
            return INVALID
        if self.pattern and not self.pattern.fullmatch(value):
            findings.error(path, "expected %s, got %s" % (self.expected, quote(value)))
            return INVALID
        return value


class Int(Node):
    """An integer (not a bool, not a numeric string), at most INT64_MAX unless bounded lower."""

    def __init__(self, minimum=None, maximum=INT64_MAX):
        self.minimum = minimum
        self.maximum = maximum

    @property
    def expected(self):
        if self.minimum is not None and self.maximum is not None and self.maximum < INT64_MAX:
            return "an integer from %d to %d" % (self.minimum, self.maximum)
        if self.minimum is not None:
            return "an integer of at least %d" % self.minimum
        return "an integer"

    def check(self, value, path, findings):
        if not is_int(value):
            findings.error(path, "expected %s, got %s" % (self.expected, describe(value)))
            return INVALID
        if (self.minimum is not None and value < self.minimum) or (self.maximum is not None and value > self.maximum):
            findings.error(path, "expected %s, got %s" % (self.expected, quote(value)))
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
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (is_int(value) and abs(value) > INT64_MAX):
            findings.error(path, "expected %s, got %s" % (expected, describe(value)))
            return INVALID
        number = Decimal(str(value))
        if not number.is_finite() or (self.minimum is not None and number < Decimal(str(self.minimum))) \
                or (self.maximum is not None and number > Decimal(str(self.maximum))):
            findings.error(path, "expected %s, got %s" % (expected, quote(value)))
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
            findings.error(path, "expected a quantity of at least 0, got %s" % quote(value))
            return INVALID
        if self.kind == "memory" and 0 < number < MIB:
            findings.error(path, "%s is %s bytes: memory needs a unit such as Mi or Gi" % (quote(value), number.normalize()))
            return INVALID
        if self.kind == "count" and number != number.to_integral_value():
            findings.error(path, "expected a whole number (extended resources cannot be split), got %s" % quote(value))
            return INVALID
        return number


_PERCENT = re.compile(r"([0-9]{1,9}(?:\.[0-9]{1,9})?)%")


class Percent(Node):
    """A percentage written as "45%", returned as Decimal 45."""

    expected = "a percentage such as '45%'"

    def check(self, value, path, findings):
        match = _PERCENT.fullmatch(value) if isinstance(value, str) else None
        if not match:
            hint = " (write the % sign: is 0.45 meant as 45% or 0.45%?)" if is_int(value) or isinstance(value, float) else ""
            findings.error(path, "expected a percentage such as '45%%', got %s%s" % (describe(value), hint))
            return INVALID
        number = Decimal(match.group(1))
        if number > 100:
            findings.error(path, "expected a percentage from 0%% to 100%%, got %s" % quote(value))
            return INVALID
        return number


# At most 12 digits: durations are compared and converted, never astronomically long.
_DURATION = re.compile(r"([0-9]{1,12})(ms|s|m|h|d|w|y)")
_DURATION_SECONDS = {
    "ms": Decimal("0.001"), "s": Decimal(1), "m": Decimal(60), "h": Decimal(3600),
    "d": Decimal(86400), "w": Decimal(604800), "y": Decimal(31536000),
}


def parse_duration(value):
    """Seconds (Decimal) of a Prometheus-style duration ("30s", "5m", "90d"), or None."""
    match = _DURATION.fullmatch(value) if isinstance(value, str) else None
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
            findings.error(path, "expected a duration longer than 0, got %s" % quote(value))
            return INVALID
        return seconds


class Cidr(Node):
    """An IPv4 or IPv6 network ("10.0.0.0/16"), returned as an ip_network.

    The prefix length must be written and the address must be the network's own (no
    host bits), as AWS and Kubernetes' NetworkPolicy expect; ``version`` (4 or 6)
    restricts the family, ``prefixes`` the allowed prefix lengths (AWS: a VPC or a
    subnet is a /16 to a /28).
    """

    expected = "a CIDR such as '10.0.0.0/16'"

    def __init__(self, version=None, prefixes=None):
        self.version = version
        self.prefixes = prefixes

    def check(self, value, path, findings):
        if not isinstance(value, str) or "/" not in value or len(value) > 64:
            findings.error(path, "expected a CIDR such as '10.0.0.0/16' (address/prefix length), got %s" % (
                quote(value) if isinstance(value, str) else describe(value)))
            return INVALID
        try:
            network = ipaddress.ip_network(value, strict=False)
            address = ipaddress.ip_address(value.split("/", 1)[0])
        except ValueError:
            findings.error(path, "expected a CIDR such as '10.0.0.0/16', got %s, which is not an IP network" % quote(value))
            return INVALID
        if address != network.network_address:
            findings.error(path, "%s has host bits set: the network is %s" % (quote(value), network.compressed))
            return INVALID
        if self.version is not None and network.version != self.version:
            findings.error(path, "expected an IPv%d CIDR, got %s" % (self.version, quote(value)))
            return INVALID
        if self.prefixes is not None and network.prefixlen not in self.prefixes:
            findings.error(path, "a /%d network: expected a prefix length from /%d to /%d" % (
                network.prefixlen, min(self.prefixes), max(self.prefixes)))
            return INVALID
        return network


class IntOrPercent(Node):
    """An integer or a percentage ("25%"), as Kubernetes takes for maxSurge."""

    def check(self, value, path, findings):
        if is_int(value) and 0 <= value <= 2 ** 31 - 1:
            return value
        if isinstance(value, str) and _PERCENT.fullmatch(value):
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

    def __init__(self, item, min_items=0, unique_key=None, single_hint=None, unique=False):
        self.item = item
        self.min_items = min_items
        self.unique_key = unique_key
        self.single_hint = single_hint
        self.unique = unique

    def check(self, value, path, findings):
        findings.at = path
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
                                   "duplicate %s %s (also at %s)" % (self.unique_key, quote(key), index_path(path, seen[key])))
                    cleaned.append(None)
                    continue
                seen[key] = index
            elif self.unique and isinstance(result, str):
                if result in seen:
                    findings.error(index_path(path, index), "duplicate %s (also at %s)" % (quote(result), index_path(path, seen[result])))
                    cleaned.append(None)
                    continue
                seen[result] = index
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
        findings.at = path
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
        findings.at = path
        if not isinstance(value, Mapping):
            findings.error(path, "expected a mapping with %s, got %s" % (self._field_list(), describe(value)))
            return INVALID
        cleaned = {}
        complete = True
        for key, entry in value.items():
            if key not in self.fields:
                findings.error(key_path(path, key), "unknown key (expected %s)" % self._field_list())
                continue
            result = self.fields[key].check(entry, key_path(path, key), findings)
            if result is not INVALID:
                cleaned[key] = result
            else:
                complete = False
        for key in self.required:
            if key not in value:
                hint = self.missing_hint.get(key)
                findings.error(key_path(path, key), "required key is missing: expected %s%s" % (
                    self.fields[key].expected, " (%s)" % hint if hint else ""))
        # Cross-field rules only on fields that are all valid: a field already reported
        # as wrong would otherwise be reported again, as missing.
        if self.cross_check is not None and complete:
            findings.at = path
            self.cross_check(cleaned, path, findings)
        return cleaned

    @property
    def expected(self):
        return "a mapping with %s" % self._field_list()

    def _field_list(self):
        names = sorted(self.fields)
        return "keys %s" % ", ".join(names) if names else "no keys"
