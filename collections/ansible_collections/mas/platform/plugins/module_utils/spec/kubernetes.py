# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes' own vocabulary, validated as the API server validates it: names (DNS-1123
labels and subdomains), label keys and values, port names, label and node selectors,
tolerations and taints, node and pod (anti-)affinity.

The rules are those of k8s.io/apimachinery's validation (IsDNS1123Label,
IsQualifiedName, IsValidLabelValue, IsValidPortName) and of the core API's
ValidateTolerations, ValidateNodeSelectorRequirement and ValidatePodAffinityTerm, so
that what the API would refuse is refused here, with the key path, before anything is
applied. Every pattern is matched against the whole value (Str uses fullmatch).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mas.platform.plugins.module_utils.spec.schema import (
    describe,
    index_path,
    Int,
    INVALID,
    key_path,
    ListOf,
    MapOf,
    Node,
    quote,
    Record,
    Str,
)

# A DNS-1123 label: a namespace, a Service, a node group (at most 63 characters).
DNS_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
# A DNS-1123 subdomain: dot-separated labels, at most 253 characters.
DNS_SUBDOMAIN = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*"
# An agent or core service name: lower_snake_case whose Kubernetes name (underscores
# as dashes) is a DNS-1123 label that starts with a letter (a Service name).
IDENTIFIER = r"[a-z]([a-z0-9_]{0,61}[a-z0-9])?"
# An ordered phase ("1_core_agents"): its number orders the phases, and the whole name
# is the value of the mas.platform/phase label (at most 63 characters).
PHASE = r"[0-9]{1,9}_([a-z0-9_]{0,51}[a-z0-9])"


def phase_order(phases):
    """Phase names ("1_core_agents") in their numeric order; PHASE bounds the number."""
    return sorted(phases, key=lambda name: (int(name.split("_", 1)[0]), name))


_LABEL_NAME = r"([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9]"
LABEL_VALUE = r"(%s)?" % _LABEL_NAME
# A release such as "1.9.0" or "5.26": digits bounded, so int() never sees thousands.
VERSION = r"[0-9]{1,9}\.[0-9]{1,9}(\.[0-9]{1,9})?"
# An IANA service name as a port name: at most 15 characters, lower case letters,
# digits and '-', at least one letter, no '-' at either end or twice in a row.
_PORT_NAME = re.compile(r"(?=.*[a-z])[a-z0-9]([a-z0-9]|-(?!-))*(?<!-)")

dns_label = Str(pattern=DNS_LABEL, hint="a DNS label (DNS-1123: lower case letters, digits and '-', at most 63 characters)",
                max_length=63)
dns_subdomain = Str(pattern=DNS_SUBDOMAIN, hint="a DNS-1123 subdomain (lower case letters, digits, '-' and '.')",
                    max_length=253)
identifier = Str(pattern=IDENTIFIER, hint="a lower_snake_case name that starts with a letter and ends with a letter "
                                          "or digit, at most 63 characters", max_length=63)
phase = Str(pattern=PHASE, hint="an ordered phase name such as '1_core_agents' (at most 63 characters)", max_length=63)
label_value = Str(pattern=LABEL_VALUE, hint="a Kubernetes label value (at most 63 letters, digits, '-', '_' and '.', "
                                            "beginning and ending with a letter or digit)", max_length=63)
version = Str(pattern=VERSION, hint="a version such as '1.9.0'", max_length=32)


class LabelKey(Node):
    """A label key (IsQualifiedName): an optional DNS subdomain prefix and '/', then a
    name of at most 63 letters, digits, '-', '_' and '.'."""

    expected = "a Kubernetes label key such as 'node-role' or 'example.com/tier'"

    def check(self, value, path, findings):
        if not isinstance(value, str) or not value or len(value) > 317:
            findings.error(path, "expected %s, got %s" % (self.expected, quote(value) if isinstance(value, str) else describe(value)))
            return INVALID
        prefix, _slash, name = value.rpartition("/")
        if _slash and (not prefix or len(prefix) > 253 or not re.fullmatch(DNS_SUBDOMAIN, prefix)):
            findings.error(path, "%s: the prefix before '/' must be a DNS-1123 subdomain such as 'example.com'" % quote(value))
            return INVALID
        if len(name) > 63 or not re.fullmatch(_LABEL_NAME, name):
            findings.error(path, "%s: the name must be at most 63 letters, digits, '-', '_' and '.', beginning and ending "
                                 "with a letter or digit" % quote(value))
            return INVALID
        return value


class PortName(Node):
    """A named port (IsValidPortName), such as 'http' or 'dns'."""

    expected = "a port name such as 'http' (at most 15 lower case letters, digits and '-')"

    def check(self, value, path, findings):
        if isinstance(value, str) and len(value) <= 15 and _PORT_NAME.fullmatch(value):
            return value
        findings.error(path, "expected %s, got %s" % (self.expected, quote(value) if isinstance(value, str) else describe(value)))
        return INVALID


label_key = LabelKey()
labels = MapOf(label_value, key=label_key)


# ---------------------------------------------------------------------------
# Selectors

def _check_requirement(node_selector):
    def check(cleaned, path, findings):
        operator, values = cleaned.get("operator"), cleaned.get("values")
        given = values is not None and len(values) > 0
        if operator in ("In", "NotIn") and not given:
            findings.error(key_path(path, "values"), "required with operator %s: a non-empty list" % operator)
        elif operator in ("Exists", "DoesNotExist") and given:
            findings.error(key_path(path, "values"), "must be empty with operator %s" % operator)
        elif node_selector and operator in ("Gt", "Lt"):
            if values is None or len(values) != 1 or not (isinstance(values[0], str) and re.fullmatch(r"-?[0-9]{1,18}", values[0])):
                findings.error(key_path(path, "values"), "operator %s takes exactly one value, an integer" % operator)
    return check


SELECTOR_REQUIREMENT = Record(
    {
        "key": label_key,
        "operator": Str(choices=("In", "NotIn", "Exists", "DoesNotExist")),
        "values": ListOf(label_value),
    },
    required=("key", "operator"),
    check=_check_requirement(False),
)
NODE_SELECTOR_REQUIREMENT = Record(
    dict(SELECTOR_REQUIREMENT.fields, operator=Str(choices=("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"))),
    required=("key", "operator"),
    check=_check_requirement(True),
)
LABEL_SELECTOR = Record({
    "matchLabels": labels,
    "matchExpressions": ListOf(SELECTOR_REQUIREMENT),
})
# matchFields selects on metadata.name only, which a spec written before the nodes
# exist cannot know: refused as the preflight cannot evaluate it.
NODE_SELECTOR_TERM = Record({"matchExpressions": ListOf(NODE_SELECTOR_REQUIREMENT)})


# ---------------------------------------------------------------------------
# Tolerations and taints

def _check_toleration(cleaned, path, findings):
    operator = cleaned.get("operator", "Equal")
    if not cleaned.get("key") and operator != "Exists":
        findings.error(key_path(path, "key"), "required unless operator is Exists (which, without a key, tolerates "
                                              "every taint)")
    if operator == "Exists" and cleaned.get("value"):
        findings.error(key_path(path, "value"), "must be empty with operator Exists, which tolerates every value of "
                                                "the key (use operator Equal to tolerate one value)")
    if "tolerationSeconds" in cleaned and cleaned.get("effect") != "NoExecute":
        findings.error(key_path(path, "tolerationSeconds"), "only with effect NoExecute (how long the pod stays on a node "
                                                            "that gets the taint)")


TOLERATIONS = ListOf(Record(
    {
        "key": label_key,
        "operator": Str(choices=("Exists", "Equal")),
        "value": label_value,
        "effect": Str(choices=("NoSchedule", "PreferNoSchedule", "NoExecute")),
        "tolerationSeconds": Int(minimum=0),
    },
    check=_check_toleration,
))


class _Taints(ListOf):
    """A node's taints: at most one per key and effect, as the API requires."""

    def check(self, value, path, findings):
        cleaned = super(_Taints, self).check(value, path, findings)
        if cleaned is INVALID:
            return cleaned
        seen = {}
        for index, taint in enumerate(cleaned):
            if not taint or "key" not in taint or "effect" not in taint:
                continue
            pair = (taint["key"], taint["effect"])
            if pair in seen:
                findings.error(index_path(path, index), "a second taint %s:%s (also at %s): a node takes one taint per key "
                                                        "and effect" % (pair[0], pair[1], index_path(path, seen[pair])))
                cleaned[index] = None
            else:
                seen[pair] = index
        return cleaned


TAINTS = _Taints(Record(
    {
        "key": label_key,
        "value": label_value,
        "effect": Str(choices=("NoSchedule", "PreferNoSchedule", "NoExecute")),
    },
    required=("key", "effect"),
))


# ---------------------------------------------------------------------------
# Affinity

POD_AFFINITY_TERM = Record(
    {
        "labelSelector": LABEL_SELECTOR,
        "namespaceSelector": LABEL_SELECTOR,
        "namespaces": ListOf(dns_label),
        "topologyKey": label_key,
        "matchLabelKeys": ListOf(label_key),
        "mismatchLabelKeys": ListOf(label_key),
    },
    required=("topologyKey",),
    missing_hint={"topologyKey": "the node label whose value is the domain, such as kubernetes.io/hostname"},
)
_WEIGHT = Int(minimum=1, maximum=100)
_POD_AFFINITY = Record({
    "requiredDuringSchedulingIgnoredDuringExecution": ListOf(POD_AFFINITY_TERM),
    "preferredDuringSchedulingIgnoredDuringExecution": ListOf(Record(
        {"weight": _WEIGHT, "podAffinityTerm": POD_AFFINITY_TERM}, required=("weight", "podAffinityTerm"))),
})
AFFINITY = Record({
    # The seed puts nodeSelector under affinity; Kubernetes has it beside affinity.
    # The roles render it where Kubernetes wants it.
    "nodeSelector": labels,
    "nodeAffinity": Record({
        "requiredDuringSchedulingIgnoredDuringExecution": Record(
            {"nodeSelectorTerms": ListOf(NODE_SELECTOR_TERM, min_items=1)},
            required=("nodeSelectorTerms",)),
        "preferredDuringSchedulingIgnoredDuringExecution": ListOf(Record(
            {"weight": _WEIGHT, "preference": NODE_SELECTOR_TERM}, required=("weight", "preference"))),
    }),
    # Evaluated by the preflight's placement (module_utils/preflight/scheduler.py).
    "podAffinity": _POD_AFFINITY,
    "podAntiAffinity": _POD_AFFINITY,
})
