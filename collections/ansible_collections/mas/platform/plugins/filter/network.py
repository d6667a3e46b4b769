# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform's NetworkPolicies, computed from the spec as the preflight computes them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: network_policies
short_description: The platform's NetworkPolicies, port by port, from the platform spec
version_added: 0.1.0
description:
  - Returns the NetworkPolicy objects of every namespace of C(environment_config) - the spec's
    default policy (C(security_setup.network_policies.default)), which selects every pod for
    ingress and egress, then what the platform needs to work, port by port - computed by the
    same code that the preflight (M(mas.platform.platform_preflight)) evaluates.
  - "Opened: DNS (when C(allow_dns_egress) is true), the agents to every core service's
    C(client) port and to each other's API, Prometheus to every C(metrics) port, the
    monitoring stack's own traffic, the ingress controller to the agents it exposes (and to
    cert-manager's HTTP-01 solvers with TLS), the members of each core service to each other,
    Consul registration and checks, the mesh's sidecars to their control plane, and the
    Kubernetes API's addresses when given. See docs/network-policies.md."
  - Validates the sections it reads as the preflight does, checks that every agent and core
    service names a namespace of C(environment_config), and that the policies admit all that
    traffic. Fails, before anything is applied, with one line per error that names the key,
    for example C(core_services.1_infrastructure.rabbitmq.ports.client).
options:
  _input:
    description:
      - The platform spec's C(environment_config), C(core_services), C(deployment_sequence),
        C(service_configuration) and C(security_setup), and optionally C(health_monitoring)
        (Alertmanager's webhook receivers), as a dict of those keys.
    type: dict
    required: true
  cluster_dns:
    description: Namespace (C(namespace)) and labels (C(pod_labels)) of the cluster DNS pods.
    type: dict
  ingress_controller:
    description: Namespace (C(namespace)) and labels (C(pod_labels)) of the ingress controller's pods.
    type: dict
  mesh_control_plane:
    description: Namespace (C(namespace)), labels (C(pod_labels)) and C(ports) of the mesh's control plane (istiod).
    type: dict
  kube_api_cidrs:
    description: Addresses of the Kubernetes API; none, no C(allow-kube-api) policy.
    type: list
    elements: str
  kube_api_ports:
    description: Ports of the Kubernetes API.
    type: list
    elements: int
  option_prefix:
    description: How the caller names the options in messages (a role passes its variables' prefix).
    type: str
    default: ""
"""

EXAMPLES = r"""
- name: Apply the platform's network policies
  mas.platform.k8s_apply:
    definitions: >-
      {{ {'environment_config': environment_config, 'core_services': core_services,
          'deployment_sequence': deployment_sequence, 'service_configuration': service_configuration,
          'security_setup': security_setup, 'health_monitoring': health_monitoring}
         | mas.platform.network_policies(kube_api_cidrs=[infrastructure.networking.vpc.cidr]) }}
"""

RETURN = r"""
_value:
  description: NetworkPolicy objects, namespace by namespace (C(platform-default) first).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError
from ansible_collections.mas.platform.plugins.module_utils.network import network_policies as compute_policies


def network_policies(spec, option_prefix="", **options):
    policies, findings = compute_policies(spec, options, option_prefix)
    if findings.errors:
        count = len(findings.errors)
        raise AnsibleFilterError("the platform spec cannot be turned into network policies (%d error%s):\n%s" % (
            count, "" if count == 1 else "s", "\n".join("%s: %s" % (e["path"], e["message"]) for e in findings.errors)))
    return policies


class FilterModule(object):
    def filters(self):
        return {"network_policies": network_policies}
