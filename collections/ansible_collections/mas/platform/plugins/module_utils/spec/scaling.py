# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The spec's scaling_procedures: the rules the scaling runbook evaluates.

A trigger compares one metric with a threshold, and the threshold's unit has to be
the metric's: a queue depth is a number of messages ("queue_depth > 1000"), CPU and
memory usage are percentages of the container's limit ("cpu_usage > 75%"), as the
runbook's queries compute them (roles/runbooks/defaults/main.yml,
runbooks_scale_queries). Vertical rules raise the memory limit (the runbook evaluates
memory_usage only), so their amounts are memory amounts. Each mismatch is reported on
the rule's own key, not later as a capacity problem of the agent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from decimal import Decimal

from ansible_collections.mas.platform.plugins.module_utils.spec.kubernetes import identifier
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import (
    describe,
    Duration,
    Int,
    INVALID,
    MapOf,
    Node,
    Quantity,
    quote,
    Record,
)

_TRIGGER = re.compile(r"(?P<metric>[a-z_]{1,40}) *(?P<op>>=|<=|>|<) *(?P<value>[0-9]{1,12}(\.[0-9]{1,6})?) *(?P<percent>%)?")
METRICS = ("queue_depth", "cpu_usage", "memory_usage")


def parse_trigger(trigger):
    """(metric, comparison, threshold as Decimal, whether it is a percentage), or None."""
    match = _TRIGGER.fullmatch(trigger) if isinstance(trigger, str) else None
    if not match:
        return None
    return match.group("metric"), match.group("op"), Decimal(match.group("value")), match.group("percent") is not None


class Trigger(Node):
    """A trigger such as 'queue_depth > 1000' or 'memory_usage > 80%'; ``metrics`` are
    the metrics a rule of this direction can be evaluated on."""

    def __init__(self, metrics):
        self.metrics = metrics

    @property
    def expected(self):
        examples = {"queue_depth": "'queue_depth > 1000'", "cpu_usage": "'cpu_usage > 75%'", "memory_usage": "'memory_usage > 80%'"}
        return "a trigger such as %s" % " or ".join(examples[m] for m in self.metrics)

    def check(self, value, path, findings):
        parsed = parse_trigger(value)
        if parsed is None:
            findings.error(path, "expected %s (metric, comparison, threshold), got %s" % (
                self.expected, quote(value) if isinstance(value, str) else describe(value)))
            return INVALID
        metric, _op, threshold, percent = parsed
        if metric not in self.metrics:
            findings.error(path, "%s: the scaling runbook evaluates %s for these rules (a vertical rule raises the memory "
                                 "limit, so its trigger is memory_usage)" % (quote(value), ", ".join(self.metrics))
                           if metric in METRICS else "%s: unknown metric %s (expected %s)" % (quote(value), metric, ", ".join(self.metrics)))
            return INVALID
        if metric == "queue_depth":
            if percent:
                findings.error(path, "%s: a queue depth is a number of messages, not a percentage; write the number, such as "
                                     "'queue_depth > 1000'" % quote(value))
                return INVALID
            if threshold != threshold.to_integral_value():
                findings.error(path, "%s: a queue depth is a whole number of messages" % quote(value))
                return INVALID
        else:
            if not percent:
                findings.error(path, "%s: %s is a percentage of the container's limit; write the %% sign, such as '%s > %s%%'" % (
                    quote(value), metric, metric, threshold))
                return INVALID
            if not 0 < threshold < 100:
                findings.error(path, "%s: a share of the limit above 0%% and below 100%% (usage never exceeds the limit)" % quote(value))
                return INVALID
        return value


SCALING_PROCEDURES = Record({
    "horizontal": MapOf(Record(
        {
            "trigger": Trigger(METRICS),
            "step": Int(minimum=1, maximum=2 ** 31 - 1),
            "cooldown": Duration(),
            # The most replicas the runbook scales to. With an HPA the runbook moves the
            # HPA's bounds instead, and autoscaling.max is the bound.
            "max_replicas": Int(minimum=1, maximum=2 ** 31 - 1),
        },
        required=("trigger", "step", "cooldown"),
    ), key=identifier),
    "vertical": MapOf(Record(
        {
            "trigger": Trigger(("memory_usage",)),
            "increment": Quantity("memory"),
            "cooldown": Duration(),
            # The largest limit the runbook raises to; requests rise by the same steps.
            "max_limit": Quantity("memory"),
        },
        required=("trigger", "increment", "cooldown"),
    ), key=identifier),
})
