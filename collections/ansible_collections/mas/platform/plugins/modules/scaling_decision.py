#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: scaling_decision
short_description: Apply one scaling trigger (metric, threshold, step, cooldown, ceiling) to a Kubernetes object
version_added: 0.1.0
description:
  - Reads a metric (the ready messages of RabbitMQ queues, or a PromQL expression),
    reads the target object's current value and the time it was last scaled by this
    trigger, decides, and when the decision is to scale, patches the object and records
    the time in the annotation C(mas.platform/last-scaled-<trigger>).
  - The target is a HorizontalPodAutoscaler (its C(minReplicas) is raised; the replicas
    the HPA owns are never written), a Deployment or StatefulSet (C(replicas), refused when
    an HPA scales it), or one container's memory limit.
  - Never scales past O(max_value) (the capacity the preflight computes from the node
    groups and quotas) nor, for an HPA, past its C(maxReplicas); at that ceiling it holds
    and says so.
  - The metric is read before the object, so an unreachable broker or Prometheus fails
    before anything in Kubernetes is read or changed.
author:
  - mas.platform contributors (@mas-platform)
options:
  trigger:
    description:
      - Name of the trigger, such as C(task-executors-queue-depth). It names the cooldown
        annotation, so each trigger has its own cooldown on an object.
    type: str
    required: true
  metric:
    description:
      - Where the metric comes from.
    type: dict
    required: true
    suboptions:
      source:
        description:
          - C(rabbitmq) sums the ready messages of the queues O(metric.queue_pattern)
            selects (the queue depth); C(prometheus) runs O(metric.query), which must
            return one value.
        type: str
        required: true
        choices: [rabbitmq, prometheus]
      queue_pattern:
        description:
          - Regular expression selecting the queues, for O(metric.source=rabbitmq).
        type: str
      query:
        description:
          - PromQL expression returning one value, for O(metric.source=prometheus).
        type: str
  comparison:
    description:
      - How the metric compares with O(threshold) for the trigger to fire.
    type: str
    choices: ['>', '>=', '<', '<=']
    default: '>'
  threshold:
    description:
      - The threshold of the trigger.
    type: float
    required: true
  step:
    description:
      - What one scaling adds, in replicas (C(2)) or, for a memory limit, as a quantity (C(8Gi)).
    type: str
    required: true
  cooldown:
    description:
      - Seconds after a scaling by this trigger during which it does nothing.
    type: int
    required: true
  max_value:
    description:
      - The ceiling, in replicas or as a memory quantity. The caller derives it from the
        preflight's capacity (node groups, namespace quotas).
    type: str
    required: true
  max_value_reason:
    description:
      - What O(max_value) stands for, in the words of the messages.
    type: str
    default: max_value
  target:
    description:
      - The Kubernetes object to scale.
    type: dict
    required: true
    suboptions:
      kind:
        description:
          - Kind of the object.
        type: str
        required: true
        choices: [HorizontalPodAutoscaler, Deployment, StatefulSet]
      name:
        description:
          - Name of the object.
        type: str
        required: true
      namespace:
        description:
          - Namespace of the object.
        type: str
        required: true
      field:
        description:
          - The value to move. Defaults to C(min_replicas) for an HPA, to C(memory_limit)
            when O(target.container) is given, else to C(replicas).
        type: str
        choices: [min_replicas, replicas, memory_limit]
      container:
        description:
          - The container whose memory limit moves, for O(target.field=memory_limit).
        type: str
  kubeconfig:
    description:
      - Path of the kubeconfig of the cluster.
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
    description: Reports what would change without changing it.
    support: full
  diff_mode:
    description: Shows the scaled value and the cooldown annotation before and after.
    support: full
requirements:
  - kubernetes (Python library)
"""

EXAMPLES = r"""
- name: Task executors +2 when the queue depth passes 1000 (cooldown 300s)
  mas.platform.scaling_decision:
    trigger: task-executors-queue-depth
    metric: {source: rabbitmq, queue_pattern: '^tasks\.'}
    threshold: 1000
    step: "2"
    cooldown: 300
    max_value: "{{ __capacity.task_executor.max_replicas }}"
    max_value_reason: worker node group capacity
    target: {kind: HorizontalPodAutoscaler, name: task-executor, namespace: agent-system}

- name: Learning agent memory +8Gi when usage passes 80 % (cooldown 1800s)
  mas.platform.scaling_decision:
    trigger: learning-agent-memory
    metric:
      source: prometheus
      query: >-
        max(container_memory_working_set_bytes{namespace="learning",container="learning-agent"}
        / container_spec_memory_limit_bytes{namespace="learning",container="learning-agent"}) * 100
    threshold: 80
    step: 8Gi
    cooldown: 1800
    max_value: 112Gi
    max_value_reason: g5.8xlarge allocatable memory
    target: {kind: Deployment, name: learning-agent, namespace: learning, container: learning-agent}
"""

RETURN = r"""
decision:
  description: The decision, as the pure function returned it.
  returned: always
  type: dict
  sample:
    action: scale
    reason: "1500 > 1000: 3 -> 5"
    current_value: 3
    new_value: 5
    cooldown_remaining: 0
    bound: max_value
metric_value:
  description: The metric as read.
  returned: always
  type: float
  sample: 1500
value:
  description: The target's value after the run (as a quantity for memory).
  returned: always
  type: raw
  sample: 5
last_scaled:
  description: The cooldown annotation's value after the run (null when never scaled).
  returned: always
  type: str
  sample: "2026-01-31T12:00:00Z"
msg:
  description: The decision's reason, for the log.
  returned: always
  type: str
  sample: "in cooldown: last scaled 40s ago, cooldown 300s, 260s left (1500 > 1000)"
"""

import time

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError, PlatformModule
from ansible_collections.mas.platform.plugins.module_utils.clients.prometheus import (
    PROMETHEUS_ARGUMENT_SPEC,
    PrometheusClient,
)
from ansible_collections.mas.platform.plugins.module_utils.clients.rabbitmq import (
    compile_pattern,
    depth_totals,
    queue_depth,
    rabbitmq_argument_spec,
    RabbitMQClient,
    select_queues,
)
from ansible_collections.mas.platform.plugins.module_utils.runbooks.scaling import (
    annotation_key,
    decide,
    describer,
    format_timestamp,
    HAS_KUBERNETES,
    KUBERNETES_ARGUMENT_SPEC,
    kubernetes_client,
    KUBERNETES_IMPORT_ERROR,
    parse_field_value,
    ScalingTarget,
    target_field,
    TARGET_SPEC,
)

ARGUMENT_SPEC = rabbitmq_argument_spec(
    trigger=dict(type="str", required=True),
    metric=dict(type="dict", required=True, options=dict(
        source=dict(type="str", required=True, choices=["rabbitmq", "prometheus"]),
        queue_pattern=dict(type="str"),
        query=dict(type="str"),
    ), required_if=[("source", "rabbitmq", ("queue_pattern",)), ("source", "prometheus", ("query",))]),
    comparison=dict(type="str", choices=[">", ">=", "<", "<="], default=">"),
    threshold=dict(type="float", required=True),
    step=dict(type="str", required=True),
    cooldown=dict(type="int", required=True),
    max_value=dict(type="str", required=True),
    max_value_reason=dict(type="str", default="max_value"),
    target=dict(type="dict", required=True, options=TARGET_SPEC),
    **dict(PROMETHEUS_ARGUMENT_SPEC, **KUBERNETES_ARGUMENT_SPEC)
)


def read_metric(params):
    metric = params["metric"]
    if metric["source"] == "rabbitmq":
        pattern = compile_pattern(metric["queue_pattern"], key="metric.queue_pattern")
        depths = [queue_depth(q) for q in select_queues(RabbitMQClient(params).queues(), pattern)]
        if not depths:
            raise PlatformError("metric.queue_pattern: no queue matches %r at %s"
                                % (metric["queue_pattern"], params.get("api_url")))
        return float(depth_totals(depths)["messages_ready"])
    return PrometheusClient(params).single_value(metric["query"])


def scale(module):
    params = module.params
    field = target_field(params["target"])
    annotation_key(params["trigger"])
    step = parse_field_value(field, params["step"], "step")
    max_value = parse_field_value(field, params["max_value"], "max_value")
    metric_value = read_metric(params)
    dynamic, host = kubernetes_client(params)
    target = ScalingTarget(dynamic, host, params["target"], params["trigger"])
    target.read()
    owner = target.hpa_owner(dynamic)
    if owner:
        raise PlatformError("%s is scaled by the HorizontalPodAutoscaler %s: scale the HPA's bounds instead of its "
                            "replicas" % (target.ref, owner))
    ceilings = dict(target.object_ceilings())
    ceilings[params["max_value_reason"]] = max_value
    now = time.time()
    decision = decide(metric_value, params["threshold"], params["comparison"], step, params["cooldown"],
                      target.last_scaled(), now, target.current_value(), ceilings=ceilings,
                      describe=describer(field))
    before = dict(value=target.formatted(decision["current_value"]),
                  last_scaled=format_or_none(target.last_scaled()))
    changed = decision["action"] == "scale"
    after = dict(value=target.formatted(decision["new_value"]),
                 last_scaled=format_timestamp(now) if changed else before["last_scaled"])
    if decision["bound"] and decision["action"] == "hold" and decision["reason"].startswith("at ceiling"):
        module.warn("%s: %s" % (target.ref, decision["reason"]))
    if changed and not module.check_mode:
        target.patch(decision["new_value"], now)
        after = dict(value=target.formatted(target.current_value()), last_scaled=format_or_none(target.last_scaled()))
    return dict(changed=changed, decision=decision, metric_value=metric_value, value=after["value"],
                last_scaled=after["last_scaled"], target=target.ref, msg="%s: %s" % (target.ref, decision["reason"]),
                diff=dict(before=before, after=after))


def format_or_none(epoch):
    return None if epoch is None else format_timestamp(epoch)


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                            required_libraries={"kubernetes": HAS_KUBERNETES},
                            import_errors={"kubernetes": KUBERNETES_IMPORT_ERROR})
    module.run(scale)


if __name__ == "__main__":
    main()
