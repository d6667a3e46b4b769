#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: platform_preflight
short_description: Check that the platform spec can work, before any API call
version_added: 0.1.0
description:
  - Validates the platform spec (the inventory's C(infrastructure), C(environment_config),
    C(core_services), C(deployment_sequence), ... in the seed's vocabulary) and checks that
    it can work at all, without calling any API. It changes nothing.
  - "Structure: types, required keys and allowed values. Each error names the full key
    path, for example C(deployment_sequence.1_core_agents.resource_manager.resources.requests.cpu),
    and what was expected. Unknown keys are errors at every level, the top one and the
    optional sections included (they are usually typos). No message quotes more than 200
    characters of a value."
  - "Fields as the Kubernetes and AWS APIs validate them: DNS-1123 names, label keys and
    values (the whole value: a trailing newline is refused), quantities in Kubernetes'
    grammar (C(32e0Gi) is refused), CronJob schedules field by field (minute 0-59, hour
    0-23, day 1-31, month 1-12 or JAN-DEC, weekday 0-6 or SUN-SAT, or a descriptor such as
    C(@daily)), AWS regions and their availability zones, VPC and subnet CIDRs (IPv4, /16
    to /28, no host bits), NetworkPolicy ports (C(endPort) at least C(port), a number),
    ipBlock exceptions inside their block, tolerations (C(operator: Exists) takes no
    C(value), C(tolerationSeconds) only with C(NoExecute)), one taint per key and effect,
    label and node selector operators with the values they need, pod (anti-)affinity
    terms with their C(topologyKey), HPA metrics with the source their type names."
  - "Rules that agree with what they name: each core service in one phase only, RabbitMQ
    plugins that RabbitMQ ships, ingress paths to agents of C(deployment_sequence),
    C(scaling_procedures.horizontal) maxima no lower than the agent's replicas, trigger
    thresholds in the metric's unit (a queue depth is a number of messages, CPU and
    memory usage are percentages of the limit), vertical rules on C(memory_usage) with
    memory amounts. Each error lands on the rule's own key."
  - "Placement: every nodeSelector and required node affinity matches a node group (whose
    nodes carry C(node-role=<role>), the instance type, os/arch and the group's labels); a
    pod that would land on a tainted group tolerates the taint; one pod's requests and
    limits fit one node's allocatable (computed as EKS reserves it,
    see C(module_utils/preflight/capacity.py)); C(nvidia.com/gpu) request equals limit and fits the
    node's GPUs."
  - "Worst case per node group: the most replicas (the HPA's max, or the scaling runbook's
    C(max_replicas)), plus the rolling update's surge (Deployments: maxSurge, 25% by
    default; the core services are StatefulSets and do not surge), with the vertical
    bumps of C(scaling_procedures.vertical) (requests and limits raised step by step up to
    C(max_limit)), summed over the group's nodes: C(max_count) nodes when
    C(infrastructure.kubernetes.cluster_autoscaler) is true, else C(count)."
  - "Packing: the worst case placed pod by pod as kube-scheduler 1.36 places it, on the
    nodes every node group will have (C(max_count) with the cluster autoscaler, else
    C(count); node i in availability zone i modulo the zones): first the DaemonSets of
    C(infrastructure.kubernetes.daemonsets) on every node they tolerate, then the core
    services' members, each agent at its replicas, each agent at its maximum, and the
    rolling updates' surge. Each pod is filtered by node selector and affinity, taints,
    requests (cpu, memory, C(nvidia.com/gpu)), the node's pod count and required pod
    (anti-)affinity, and the feasible nodes are scored with the scheduler's plugins,
    arithmetic and weights (taints 3, node affinity 2, least allocated 1, topology spread
    2, pod affinity 2, balanced allocation 1). The pods carry the rules the roles render:
    the agents' topology spread over hosts and zones, the core services' member
    anti-affinity (preferred for Redis, required for the others) and zone spread. A pod
    no node takes would stay Pending: an error on its workload (or DaemonSet) that names
    the node groups and what ran out, as the scheduler words it (C(Insufficient memory),
    C(didn't match pod anti-affinity rules)). The result is RV(packing)."
  - "Namespaces: the shares of C(environment_config.namespaces) add up to at most 100%
    and resolve to ResourceQuota amounts (returned as RV(quotas)): each share is a
    percentage of the allocatable of all node groups at their C(count), and caps both
    requests and limits; a namespace without C(gpu_limit) gets no GPUs. Each quota, and
    the pod count of C(environment_config.resource_quotas), must admit the worst case of
    the namespace's workloads."
  - "Storage classes: parameters legal for the EBS volume type (gp3 IOPS 3000 to 16000 and
    at most 500 per GiB of the smallest volume of the class, throughput 125 to 1000 MiB/s
    and at most IOPS/4; gp2, st1 and sc1 take no IOPS; io1 and io2 need IOPS); locally,
    a pre-created volume for every claim."
  - "Core services: quorum sizes (warnings for even or fewer than 3 members), Redis
    Cluster with at least 3 masters, Neo4j cluster mode only with the enterprise edition
    and its license accepted, RabbitMQ and Grafana plugin names."
  - "Network policy: the policies the network_policies role would apply (the spec's
    C(security_setup.network_policies.default) in every namespace of
    C(environment_config), plus the port-level openings the platform needs) are evaluated
    together: DNS must be open (C(allow_dns_egress=true)), and every needed flow (agents
    to the core services' client ports, Prometheus to the metrics ports, the members of
    each core service to each other, ...) must be allowed by them."
  - "Release lines: a core service whose version belongs to a release line past its
    upstream end of life (a dated table of RabbitMQ, Redis, MongoDB, Neo4j, Consul,
    Prometheus, Alertmanager and Grafana lines, with its sources, in
    C(module_utils/preflight/lifecycle.py)) is a warning that names the line and the date."
  - "Procedures: every startup and shutdown step is one the runbooks implement, every core
    service and agent is started and stopped, services before agents (shutdown: drain
    first, then the reverse)."
  - "Fails when it finds errors, with one line per error (C(path: message)); the result
    then holds RV(errors) and RV(summary). Warnings are Ansible warnings in the same form.
    Whatever the spec holds, it does not raise: an exception no check expected becomes
    an error at the key path it was checking, with a one-line reason."
author:
  - mas.platform contributors (@mas-platform)
options:
  spec:
    description:
      - The platform spec, a dict of its top-level keys as the inventory's
        C(group_vars/all/<key>.yml) files define them. Required keys are
        C(infrastructure), C(environment_config), C(core_services), C(deployment_sequence),
        C(service_configuration), C(security_setup), C(startup_procedures),
        C(shutdown_procedures), C(health_monitoring), C(backup_procedures) and
        C(scaling_procedures); C(preparation), C(troubleshooting_guide) and
        C(recovery_procedures) are checked when given. Any other key is an error.
      - A key whose value is null counts as missing, so a playbook can pass
        C("{{ core_services | default(None) }}") and get a message naming the key.
    type: dict
    required: true
  options:
    description:
      - What the compiled platform needs beyond the spec.
    type: dict
    default: {}
    suboptions:
      cluster_domain:
        description: The cluster's DNS domain (the core services' in-cluster host names end with it).
        type: str
        default: cluster.local
      network:
        description:
          - Where the pods that the platform does not deploy run, for the network policies
            (the set the preflight evaluates is the set the network_policies role applies,
            C(platform.network_policies)).
          - "C(cluster_dns), C(ingress_controller): C(namespace) and C(pod_labels);
            C(mesh_control_plane): C(namespace), C(pod_labels) and C(ports); C(kube_api_cidrs)
            (the API server's addresses, none: no egress policy to it) and C(kube_api_ports)."
        type: dict
        default: {}
notes:
  - The seed's own node list (C(infrastructure.kubernetes.nodes)) is an error, but is read
    as node groups so that the rest of a seed-shaped spec is still checked.
  - "The packing scores every feasible node, as kube-scheduler does in clusters of up to
    100 nodes; in larger ones it scores a sample, so it may choose other nodes (never fewer
    feasible ones). Where it breaks a tie between equally scored nodes at random, the
    packing takes the first in node order. Volumes, host ports and preemption are not
    modelled (the storage checks cover the volumes)."
  - "A property test (tests/integration/preflight/test_scheduler_agreement.py) checks the
    packing's Pending pods against the real kube-scheduler of the local cluster."
  - "When the pods of one node group add up to more than its capacity, that one error is
    reported, not also each Pending pod."
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: The module never changes anything; check mode runs the same checks.
  diff_mode:
    support: none
  platform:
    support: full
    platforms: all
"""

EXAMPLES = r"""
- name: Check the inventory's platform spec
  mas.platform.platform_preflight:
    spec:
      infrastructure: "{{ infrastructure | default(None) }}"
      environment_config: "{{ environment_config | default(None) }}"
      core_services: "{{ core_services | default(None) }}"
      deployment_sequence: "{{ deployment_sequence | default(None) }}"
      service_configuration: "{{ service_configuration | default(None) }}"
      security_setup: "{{ security_setup | default(None) }}"
      startup_procedures: "{{ startup_procedures | default(None) }}"
      shutdown_procedures: "{{ shutdown_procedures | default(None) }}"
      health_monitoring: "{{ health_monitoring | default(None) }}"
      backup_procedures: "{{ backup_procedures | default(None) }}"
      scaling_procedures: "{{ scaling_procedures | default(None) }}"
  register: __preflight

- name: Use the resolved quota of a namespace
  ansible.builtin.debug:
    msg: "{{ __preflight.quotas['agent-system'] }}"

- name: Print the capacity plan
  ansible.builtin.debug:
    msg: "{{ __preflight.summary }}"
"""

RETURN = r"""
errors:
  description:
    - What makes the spec unworkable, each with the key path and what is wrong. Empty on
      success; on failure the module fails and C(msg) lists them one per line.
  returned: always
  type: list
  elements: dict
  contains:
    path:
      description: The full key path, list items as C([index]).
      type: str
      sample: deployment_sequence.1_core_agents.learning_agent.resources.limits.nvidia.com/gpu
    message:
      description: What is wrong and what was expected.
      type: str
      sample: "request (2) and limit (4) differ: nvidia.com/gpu is an extended resource, ..."
quotas:
  description:
    - "ResourceQuota C(spec.hard) per namespace, every value a string quantity:
      C(requests.cpu), C(limits.cpu), C(requests.memory), C(limits.memory),
      C(requests.nvidia.com/gpu) from the namespace's shares, and the object counts of
      C(environment_config.resource_quotas) (C(pods), C(services), C(secrets), ...)."
    - The namespaces role applies exactly these.
  returned: success
  type: dict
  sample:
    agent-system:
      requests.cpu: 215050m
      limits.cpu: 215050m
      requests.memory: 801534Mi
      limits.memory: 801534Mi
      requests.nvidia.com/gpu: "0"
      pods: "100"
      services: "50"
      secrets: "100"
capacity:
  description:
    - The capacity plan. Amounts are Kubernetes quantities (CPU in millicores, memory in
      MiB), GPUs and pods are integers.
  returned: success
  type: dict
  contains:
    workloads:
      description:
        - Per agent and core service - C(kind) (Deployment or StatefulSet), C(namespace),
          C(path) (in the spec), C(node_groups) (where its pods can run), C(replicas),
          C(max_replicas) (the HPA's max or the scaling runbook's maximum), C(surge)
          (extra pods during a rolling update), C(max_requests) and C(max_limits) (per pod,
          after the vertical bumps). The scaling runbook takes its bounds from here.
      type: dict
      sample:
        task_executor:
          kind: Deployment
          namespace: agent-system
          path: deployment_sequence.3_executors.task_executor
          node_groups: [worker]
          replicas: 5
          max_replicas: 20
          surge: 5
          max_requests: {cpu: 2000m, memory: 8192Mi, nvidia.com/gpu: 0}
          max_limits: {cpu: 4000m, memory: 16384Mi, nvidia.com/gpu: 0}
    node_groups:
      description:
        - Per node group - C(instance_type), C(nodes) (count), C(max_nodes), C(capacity_nodes)
          (the nodes the worst case is checked against), C(node_allocatable) (one node),
          C(allocatable) (all capacity nodes), C(steady_state) (requests at the spec's
          replicas), C(worst_case), C(headroom) (allocatable minus worst case) and
          C(workloads) (what runs only there).
      type: dict
    pools:
      description: The same for workloads that may run in several node groups, per set of groups.
      returned: when a workload's pods may run in more than one node group
      type: list
      elements: dict
    namespaces:
      description: Per namespace - C(quota) (as in RV(quotas)) and C(worst_case), the same keys summed over its workloads.
      type: dict
    cluster_at_count:
      description: The allocatable of all node groups at their count, which the shares are percentages of.
      type: dict
platform:
  description:
    - "The compiled platform: the spec expanded once, which every role renders from (the
      preflight role keeps it as the fact C(mas_platform)). C(labels) (of every object),
      C(cluster_domain), C(provider); C(namespaces) (name -> C(labels), C(quota));
      C(core_services) (name -> the spec's entry plus C(phase), C(k8s_name), C(namespace),
      C(component), C(labels), C(selector), C(replicas), C(members), C(headless),
      C(pod_domain), C(service_ports), C(host), C(client)); C(agents) (name -> the spec's
      entry plus C(phase), C(k8s_name), C(namespace), C(labels), C(selector),
      C(service_account), C(endpoints_env)); C(phases) (the core services' and the agents'
      phases in order, each with its members); C(network_policies) (the NetworkPolicy
      objects the preflight evaluated)."
    - See C(plugins/module_utils/model/compile.py).
  returned: success
  type: dict
packing:
  description:
    - The worst case placed pod by pod as kube-scheduler would place it (see the Packing
      paragraph above).
  returned: success
  type: dict
  contains:
    node_groups:
      description:
        - Per node group, its nodes in order, each with C(name), C(zone), C(pods) (workload
          name, or C(daemonset/<name>), to the number of its pods there), C(requested) and
          C(free) (C(cpu) in millicores, C(memory) in MiB, C(nvidia.com/gpu), C(pods)).
      type: dict
      sample:
        worker:
          - name: worker-0
            zone: eu-west-1a
            pods: {task_executor: 2}
            requested: {cpu: 4000m, memory: 16384Mi, nvidia.com/gpu: 0, pods: 2}
            free: {cpu: 27850m, memory: 46047Mi, nvidia.com/gpu: 0, pods: 248}
    pending:
      description:
        - Each workload with pods that no node takes - C(workload), C(pods) (of its worst
          case), C(pending), C(node_groups) (where it may run) and C(reasons) (what the nodes
          lacked for the first Pending pod, node counts first, in the scheduler's words).
      type: list
      elements: dict
      sample:
        - workload: coordinator_agent
          pods: 7
          pending: 2
          node_groups: [core]
          reasons: 4 Insufficient memory
summary:
  description: A few lines for people - per node group and per namespace, worst case against capacity.
  returned: always
  type: list
  elements: str
  sample:
    - "node group core: 3-6 x c6i.8xlarge; worst case 61.95 of 191.1 CPU, 231.5Gi of 365.81Gi memory, 0 of 0 GPUs, 35 of 1500 pods"
    - "packing: 63 pods of the worst case placed on 26 nodes as kube-scheduler would place them, 0 Pending"
    - "0 errors, 0 warnings"
"""

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError, PlatformModule
from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight

ARGUMENT_SPEC = dict(
    spec=dict(type="dict", required=True),
    options=dict(type="dict", default={}, options=dict(
        cluster_domain=dict(type="str", default="cluster.local"),
        network=dict(type="dict", default={}),
    )),
)


def preflight(module):
    report = run_preflight(module.params["spec"], module.params["options"])
    for warning in report["warnings"]:
        module.warn("%s: %s" % (warning["path"], warning["message"]))
    result = dict(
        changed=False,
        errors=report["errors"],
        quotas=report["quotas"],
        capacity=report["capacity"],
        packing=report["packing"],
        summary=report["summary"],
        platform=report.get("platform"),
    )
    if report["errors"]:
        count = len(report["errors"])
        lines = ["%s: %s" % (error["path"], error["message"]) for error in report["errors"]]
        # Only what helps fix the spec: the capacity plan of a broken spec is noise.
        raise PlatformError("the platform spec has %d error%s:\n%s" % (count, "" if count == 1 else "s", "\n".join(lines)),
                            changed=False, errors=report["errors"], summary=report["summary"])
    return result


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    module.run(preflight)


if __name__ == "__main__":
    main()
