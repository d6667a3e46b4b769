# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes label selectors, node affinity and taints, evaluated offline.

The same rules the scheduler and the NetworkPolicy implementation apply, on the
cleaned spec (see spec.py): a label selector against a node group's or a namespace's
labels, a required node affinity against a node group, tolerations against taints.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def requirement_matches(requirement, labels):
    """One matchExpressions entry ({key, operator, values}) against a label dict."""
    key, operator = requirement.get("key"), requirement.get("operator")
    values = [v for v in requirement.get("values") or [] if v is not None]
    present = key in labels
    if operator == "In":
        return present and labels[key] in values
    if operator == "NotIn":
        return not present or labels[key] not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    if operator in ("Gt", "Lt"):
        try:
            actual, bound = int(labels[key]), int(values[0])
        except (KeyError, IndexError, ValueError):
            return False
        return actual > bound if operator == "Gt" else actual < bound
    # An invalid requirement was reported by the structure check; it constrains nothing.
    return True


def selector_matches(selector, labels):
    """A LabelSelector ({matchLabels, matchExpressions}) against a label dict.

    An empty selector matches everything, as in Kubernetes.
    """
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    return all(requirement_matches(r, labels) for r in selector.get("matchExpressions") or [] if r)


def required_node_affinity(affinity):
    """The nodeSelectorTerms of a required node affinity, or None when there is none."""
    node_affinity = (affinity or {}).get("nodeAffinity") or {}
    required = node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {}
    terms = required.get("nodeSelectorTerms")
    return [t for t in terms if t is not None] if terms else None


def node_affinity_matches(terms, labels):
    """nodeSelectorTerms are ORed, expressions within a term ANDed; an empty term matches nothing."""
    for term in terms:
        expressions = [e for e in term.get("matchExpressions") or [] if e]
        if expressions and all(requirement_matches(e, labels) for e in expressions):
            return True
    return False


def tolerates(tolerations, taint):
    """Whether any toleration tolerates the taint ({key, value, effect})."""
    for toleration in tolerations:
        if not toleration:
            continue
        effect = toleration.get("effect")
        if effect and effect != taint.get("effect"):
            continue
        key = toleration.get("key")
        if toleration.get("operator", "Equal") == "Exists":
            # An Exists toleration without a key tolerates every taint.
            if key is None or key == taint.get("key"):
                return True
        elif key == taint.get("key") and toleration.get("value", "") == taint.get("value", ""):
            return True
    return False


def blocking_taints(tolerations, taints):
    """The taints that keep a pod off a node: NoSchedule and NoExecute ones it does not tolerate.

    PreferNoSchedule only discourages the scheduler, it does not block.
    """
    return [t for t in taints if t and t.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(tolerations, t)]


def format_taint(taint):
    value = taint.get("value")
    return "%s%s:%s" % (taint.get("key"), "=%s" % value if value is not None else "", taint.get("effect"))
