# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health runbook: the spec's health_monitoring.system_checks as the checks of
mas.platform.health_report, and the report an operator reads.

- ``health_checks``: the plan (each system check's interval and timeout) and the checks:
  agent_health (every agent's rollout), service_health (every core service's rollout,
  the broker's alarms, Prometheus and Consul answering), resource_usage (CPU and memory
  of the platform's pods against their limits, from Prometheus).
- ``report_lines``: the report, a headline and one line per system check and check.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible_collections.mas.platform.plugins.module_utils.spec.schema import parse_duration

DEFAULT_TIMEOUT = "10s"


def health_plan(system_checks):
    """{check name: {interval, timeout (whole seconds, at least 1)}}."""
    plan = {}
    for check in system_checks or []:
        seconds = parse_duration(str(check.get("timeout") or DEFAULT_TIMEOUT))
        if seconds is None:
            raise ValueError("health_monitoring.system_checks %s: timeout %r is not a duration such as '10s'"
                             % (check.get("name"), check.get("timeout")))
        plan[check["name"]] = {"interval": check.get("interval") or "?", "timeout": max(1, int(math.ceil(seconds)))}
    return plan


def health_checks(system_checks, workloads, endpoints, queries, namespaces):
    """{plan, checks}: the plan of ``health_plan`` and the checks of health_report."""
    plan = health_plan(system_checks)
    checks = []
    if "agent_health" in plan:
        timeout = plan["agent_health"]["timeout"]
        checks.extend({"name": "agent_health/" + w["k8s_name"], "kind": "kubernetes_rollout",
                       "target": "%s/Deployment/%s" % (w["namespace"], w["k8s_name"]), "timeout": timeout}
                      for w in workloads if w.get("role") == "agent")
    if "service_health" in plan:
        timeout = plan["service_health"]["timeout"]
        checks.extend({"name": "service_health/" + w["k8s_name"], "kind": "kubernetes_rollout",
                       "target": "%s/StatefulSet/%s" % (w["namespace"], w["k8s_name"]), "timeout": timeout}
                      for w in workloads if w.get("role") == "service")
        checks.append({"name": "service_health/rabbitmq-alarms", "kind": "rabbitmq", "target": "alarms",
                       "timeout": timeout})
        checks.append({"name": "service_health/prometheus-ready", "kind": "http",
                       "target": (endpoints.get("prometheus") or "").rstrip("/") + "/-/ready", "timeout": timeout})
        if endpoints.get("consul"):
            checks.append({"name": "service_health/consul-leader", "kind": "http",
                           "target": endpoints["consul"].rstrip("/") + "/v1/status/leader", "timeout": timeout})
    if "resource_usage" in plan:
        timeout = plan["resource_usage"]["timeout"]
        pattern = "|".join(namespaces)
        for key, label in (("resource_cpu", "cpu"), ("resource_memory", "memory")):
            checks.append({"name": "resource_usage/" + label, "kind": "prometheus",
                           "target": queries[key].replace("${namespaces}", pattern), "timeout": timeout})
    return {"plan": plan, "checks": checks}


def report_lines(plan, report):
    """The report: a headline, then per system check its settings and how many passed,
    and each of its checks (failed first)."""
    checks = report.get("checks") or []
    passed = [c for c in checks if c.get("status") == "ok"]
    headline = "HEALTH %s: %d of %d checks passed" % ("OK" if report.get("status") == "ok" else "FAILED",
                                                      len(passed), len(checks))
    if report.get("status") != "ok":
        headline += "; failed: " + ", ".join(report.get("failed_checks") or [])
    lines = [headline]
    for name, settings in plan.items():
        own = [c for c in checks if c["name"].startswith(name + "/")]
        lines.append("%s (every %s, timeout %ss): %d/%d ok%s" % (
            name, settings["interval"], settings["timeout"], len([c for c in own if c.get("status") == "ok"]),
            len(own), "" if own else " - no check of the runbook has this name"))
        for check in sorted(own, key=lambda c: c.get("status") or ""):
            mark = "ok    " if check.get("status") == "ok" else "FAILED"
            lines.append("  %s %s: %s" % (mark, check["name"].split("/", 1)[1], check.get("reason")))
    return lines
