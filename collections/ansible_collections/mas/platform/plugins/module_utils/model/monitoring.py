# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform's alert rules and log index families, from the spec and the
observability role's options (the filters mas.platform.alert_rule_groups and
mas.platform.log_indexes)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy


def alert_rule_groups(rules, default_severity="warning", group="mas-platform"):
    """The spec's rules as one Prometheus rule group: a rule without a severity label gets
    the default one, a rule without a summary one that names the pod."""
    out = []
    for rule in rules or []:
        labels = {"severity": default_severity}
        labels.update(rule.get("labels") or {})
        annotations = {"summary": "%s on {{ $labels.namespace }}/{{ $labels.pod }}" % rule["alert"]}
        annotations.update(rule.get("annotations") or {})
        entry = {"alert": rule["alert"], "expr": rule["expr"], "labels": labels, "annotations": annotations}
        if rule.get("for") is not None:
            entry["for"] = rule["for"]
        out.append(entry)
    return [{"name": group, "rules": out}]


def log_indexes(logging, prefix, routes):
    """The log index families: each index of the spec with its retention and its route
    (where its records come from: namespaces, or a record field and its values; None when
    the options give it none), then the default family, with the spec's retention, for
    everything else."""
    logging = logging or {}
    families = []
    for index in logging.get("indexes") or []:
        families.append({"name": index["name"], "retention": index["retention"],
                         "family": "%s-%s" % (prefix, index["name"]),
                         "route": copy.deepcopy((routes or {}).get(index["name"]))})
    families.append({"name": "default", "retention": logging.get("retention"), "family": "%s-default" % prefix,
                     "route": None})
    return families
