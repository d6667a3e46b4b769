#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: health_report
short_description: Run the platform's health checks and return one report
version_added: 0.1.0
description:
  - Runs each check of O(checks) (an HTTP endpoint, a Prometheus expression, a
    Kubernetes rollout, a RabbitMQ health check) within its own timeout and returns one
    report with each check's status and reason, and an overall status.
  - A check that cannot run (an unreachable endpoint, bad credentials, an object that
    does not exist) is a failed check with that reason, not a failed module; malformed
    checks fail the module before anything runs.
  - Changes nothing.
author:
  - mas.platform contributors (@mas-platform)
options:
  checks:
    description:
      - The checks to run, in order.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description:
          - Name of the check in the report (the seed's C(agent_health), ...).
        type: str
        required: true
      kind:
        description:
          - C(http) GETs O(checks[].target) and passes on a status below 400.
          - C(prometheus) runs the PromQL expression O(checks[].target) and passes when
            it returns at least one sample and no sample is 0 (for example C(up == 1) or
            C(min(up{job="rabbitmq"}))).
          - C(kubernetes_rollout) passes when the rollout of O(checks[].target),
            written C(<namespace>/<kind>/<name>) with a kind of C(Deployment),
            C(StatefulSet) or C(DaemonSet), is complete and every replica is available.
          - C(rabbitmq) runs the management API health check O(checks[].target) under
            C(/api/health/checks/), such as C(alarms) (the default) or C(virtual-hosts).
        type: str
        required: true
        choices: [http, prometheus, kubernetes_rollout, rabbitmq]
      target:
        description:
          - What the check looks at; see O(checks[].kind).
        type: str
      timeout:
        description:
          - Seconds the check may take.
        type: int
        default: 10
  fail_on_failed:
    description:
      - Fail the task when a check fails (the report is returned either way).
    type: bool
    default: false
  kubeconfig:
    description:
      - Path of the kubeconfig, for C(kubernetes_rollout) checks.
      - When not given, E(K8S_AUTH_KUBECONFIG) or E(KUBECONFIG), else C(~/.kube/config).
    type: path
  context:
    description:
      - Context of the kubeconfig to use (default, its current context).
      - When not given, the E(K8S_AUTH_CONTEXT) environment variable is used.
    type: str
extends_documentation_fragment:
  - mas.platform.rabbitmq
  - mas.platform.prometheus
attributes:
  check_mode:
    description: Runs in check mode; it changes nothing in any mode.
    support: full
  diff_mode:
    description: Nothing changes, so there is no diff.
    support: none
notes:
  - The RabbitMQ and Prometheus connection options are needed only by the checks of
    those kinds; the kubernetes Python library only by C(kubernetes_rollout) checks.
"""

EXAMPLES = r"""
- name: The seed's health checks
  mas.platform.health_report:
    prometheus_url: http://prometheus.monitoring:9090
    api_url: http://rabbitmq.core-services:15672
    username: ops
    password: "{{ rabbitmq_ops_password }}"
    checks:
      - {name: agent_health, kind: kubernetes_rollout, target: agent-system/Deployment/coordinator-agent, timeout: 5}
      - {name: service_health, kind: rabbitmq, target: alarms, timeout: 10}
      - {name: resource_usage, kind: prometheus, target: 'max(cpu_usage) < bool 80', timeout: 5}
  register: __health
"""

RETURN = r"""
status:
  description: C(ok) when every check passed, else C(failed).
  returned: always
  type: str
  sample: failed
failed_checks:
  description: Names of the checks that failed.
  returned: always
  type: list
  elements: str
  sample: [service_health]
checks:
  description: Each check with its status and the reason.
  returned: always
  type: list
  elements: dict
  sample:
    - {name: agent_health, kind: kubernetes_rollout, target: agent-system/Deployment/coordinator-agent,
       status: ok, reason: "3/3 replicas updated and available", seconds: 0.04}
    - {name: service_health, kind: rabbitmq, target: alarms, status: failed,
       reason: "http://rabbitmq:15672/api/health/checks/alarms: the RabbitMQ management API is unreachable
       (timed out)", seconds: 10.0}
"""

import time

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.urls import open_url

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError, PlatformModule
from ansible_collections.mas.platform.plugins.module_utils.clients.prometheus import (
    PROMETHEUS_ARGUMENT_SPEC,
    PrometheusClient,
)
from ansible_collections.mas.platform.plugins.module_utils.clients.rabbitmq import (
    rabbitmq_argument_spec,
    RabbitMQClient,
)
from ansible_collections.mas.platform.plugins.module_utils.runbooks.scaling import (
    HAS_KUBERNETES,
    KUBERNETES_ARGUMENT_SPEC,
    kubernetes_client,
)

ARGUMENT_SPEC = rabbitmq_argument_spec(
    checks=dict(type="list", elements="dict", required=True, options=dict(
        name=dict(type="str", required=True),
        kind=dict(type="str", required=True, choices=["http", "prometheus", "kubernetes_rollout", "rabbitmq"]),
        target=dict(type="str"),
        timeout=dict(type="int", default=10),
    )),
    fail_on_failed=dict(type="bool", default=False),
    **dict(PROMETHEUS_ARGUMENT_SPEC, **KUBERNETES_ARGUMENT_SPEC)
)

ROLLOUT_KINDS = {"deployment": ("Deployment", "apps/v1"), "statefulset": ("StatefulSet", "apps/v1"),
                 "daemonset": ("DaemonSet", "apps/v1")}


def validate_checks(checks):
    """Malformed checks fail the module before any check runs; messages name the check."""
    for index, check in enumerate(checks):
        key = "checks[%d] (%s)" % (index, check["name"])
        if check["timeout"] <= 0:
            raise PlatformError("%s.timeout: must be positive, got %d" % (key, check["timeout"]))
        if check["kind"] == "rabbitmq":
            continue
        if not check.get("target"):
            raise PlatformError("%s.target: required for a %s check" % (key, check["kind"]))
        if check["kind"] == "http" and not check["target"].startswith(("http://", "https://")):
            raise PlatformError("%s.target: %r is not an HTTP(S) URL" % (key, check["target"]))
        if check["kind"] == "kubernetes_rollout":
            parts = check["target"].split("/")
            if len(parts) != 3 or not all(parts) or parts[1].lower() not in ROLLOUT_KINDS:
                raise PlatformError("%s.target: %r is not <namespace>/<kind>/<name> with a kind of Deployment, "
                                    "StatefulSet or DaemonSet" % (key, check["target"]))


def check_http(module, check, clients):
    try:
        response = open_url(check["target"], method="GET", timeout=check["timeout"], use_netrc=False,
                            follow_redirects="safe", validate_certs=True)
        return True, "HTTP %s" % response.getcode()
    except HTTPError as exc:
        return exc.code < 400, "HTTP %s" % exc.code
    except (URLError, OSError, Exception) as exc:  # pylint: disable=broad-except
        return False, "%s: unreachable (%s)" % (check["target"], getattr(exc, "reason", None) or exc)


def check_prometheus(module, check, clients):
    client = clients.setdefault("prometheus", PrometheusClient(module.params))
    samples = client.query(check["target"], timeout=check["timeout"])
    if not samples:
        return False, "no data for %s" % check["target"]
    zero = [s for s in samples if s["value"] == 0]
    if zero:
        return False, "%d of %d series are 0: %s" % (len(zero), len(samples), ", ".join(
            _labels(s["labels"]) for s in zero[:5]))
    return True, "%d series, none 0" % len(samples)


def _labels(labels):
    return "{%s}" % ",".join("%s=%s" % item for item in sorted(labels.items()))


def check_rabbitmq(module, check, clients):
    client = clients.setdefault("rabbitmq", RabbitMQClient(module.params))
    client.timeout = check["timeout"]
    return client.health_check(check.get("target") or "alarms")


def check_rollout(module, check, clients):
    if not HAS_KUBERNETES:
        return False, "the kubernetes Python library is missing (pip install kubernetes)"
    if "kubernetes" not in clients:
        clients["kubernetes"] = kubernetes_client(module.params)
    dynamic, host = clients["kubernetes"]
    namespace, kind, name = check["target"].split("/")
    kind, api_version = ROLLOUT_KINDS[kind.lower()]
    try:
        resource = dynamic.resources.get(api_version=api_version, kind=kind)
        obj = resource.get(name=name, namespace=namespace, _request_timeout=check["timeout"]).to_dict()
    except Exception as exc:  # pylint: disable=broad-except
        status = getattr(exc, "status", None)
        if status == 404:
            return False, "%s %s/%s not found" % (kind, namespace, name)
        return False, "%s: cannot read %s %s/%s (%s)" % (host, kind, namespace, name,
                                                         " ".join(str(getattr(exc, "reason", exc)).split())[:200])
    return rollout_status(kind, obj)


def rollout_status(kind, obj):
    """(ok, reason) of a rollout, as `kubectl rollout status` judges it."""
    spec, status = obj.get("spec") or {}, obj.get("status") or {}
    generation = (obj.get("metadata") or {}).get("generation") or 0
    if (status.get("observedGeneration") or 0) < generation:
        return False, "the controller has not seen generation %s yet" % generation
    if kind == "DaemonSet":
        desired = status.get("desiredNumberScheduled") or 0
        updated, available = status.get("updatedNumberScheduled") or 0, status.get("numberAvailable") or 0
        ok = updated == desired and available == desired
        return ok, "%d/%d pods updated, %d available" % (updated, desired, available)
    wanted = spec.get("replicas") if spec.get("replicas") is not None else 1
    updated = status.get("updatedReplicas") or 0
    if kind == "Deployment":
        for condition in status.get("conditions") or []:
            if condition.get("type") == "Progressing" and condition.get("reason") == "ProgressDeadlineExceeded":
                return False, "rollout exceeded its progress deadline: %s" % condition.get("message", "")
        total, available = status.get("replicas") or 0, status.get("availableReplicas") or 0
        ok = updated == wanted and total == wanted and available == wanted
        return ok, "%d/%d replicas updated, %d available, %d in total" % (updated, wanted, available, total)
    ready = status.get("readyReplicas") or 0
    same_revision = status.get("updateRevision") in (None, status.get("currentRevision"))
    ok = ready == wanted and updated == wanted and same_revision
    return ok, "%d/%d replicas updated, %d ready%s" % (updated, wanted, ready,
                                                       "" if same_revision else ", revision rolling out")


CHECKS = {"http": check_http, "prometheus": check_prometheus, "rabbitmq": check_rabbitmq,
          "kubernetes_rollout": check_rollout}


def run_check(module, check, clients):
    started = time.monotonic()
    try:
        ok, reason = CHECKS[check["kind"]](module, check, clients)
    except PlatformError as exc:
        ok, reason = False, exc.msg
    return dict(name=check["name"], kind=check["kind"], target=check.get("target"),
                status="ok" if ok else "failed", reason=reason, seconds=round(time.monotonic() - started, 3))


def report(module):
    validate_checks(module.params["checks"])
    clients = {}
    results = [run_check(module, check, clients) for check in module.params["checks"]]
    failed = [r["name"] for r in results if r["status"] != "ok"]
    result = dict(changed=False, status="failed" if failed else "ok", failed_checks=failed, checks=results)
    if failed and module.params["fail_on_failed"]:
        raise PlatformError("health checks failed: %s" % "; ".join(
            "%s: %s" % (r["name"], r["reason"]) for r in results if r["status"] != "ok"), **result)
    return result


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.run(report)


if __name__ == "__main__":
    main()
