# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform's NetworkPolicies rendered from the flows, and the evaluation of whether
the union of the policies admits a flow."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

from ansible_collections.mas.platform.plugins.module_utils.preflight.selectors import selector_matches
from ansible_collections.mas.platform.plugins.module_utils.model.flows import (
    default_policy,
    _namespace_order,
    DEFAULT_OPTIONS,
    platform_namespaces,
)
from ansible_collections.mas.platform.plugins.module_utils.model.labels import (
    DNS_PORT,
    NAMESPACE_NAME_LABEL,
    POLICY_LABELS,
    POLICY_PATH,
    WHY_ANNOTATION,
)
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import SingleItemList


# ---------------------------------------------------------------------------
# Rendering: the NetworkPolicy objects

def _plain(value):
    """A cleaned spec value as the API takes it: lists for single-item mappings, CIDRs as strings."""
    if isinstance(value, dict):
        return dict((k, _plain(v)) for k, v in value.items() if v is not None)
    if isinstance(value, (list, SingleItemList)):
        return [_plain(v) for v in value if v is not None]
    if isinstance(value, (ipaddress.IPv4Network, ipaddress.IPv6Network)):
        return str(value)
    return value


def _policy(namespace, name, policy_types, pod_selector=None):
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace, "labels": dict(POLICY_LABELS), "annotations": {}},
        "spec": {"podSelector": pod_selector or {}, "policyTypes": policy_types},
    }


def _ports(ports):
    return [{"protocol": protocol, "port": number} for protocol, number in ports]


def render_policies(cleaned, flows, options=None):
    """The NetworkPolicies: the default and the namespace-wide ones, then the flows'."""
    options = dict(DEFAULT_OPTIONS, **(options or {}))
    namespaces = platform_namespaces(cleaned)
    default = default_policy(cleaned)
    policies = {}
    order = []

    def get(namespace, name, policy_type, selector, why):
        key = (namespace, name)
        if key not in policies:
            policies[key] = _policy(namespace, name, [policy_type], {"matchLabels": dict(selector)} if selector else {})
            policies[key]["spec"][policy_type.lower()] = []
            order.append(key)
        whys = policies[key]["metadata"]["annotations"]
        if why not in whys.get(WHY_ANNOTATION, "").split("; "):
            whys[WHY_ANNOTATION] = "; ".join([w for w in [whys.get(WHY_ANNOTATION)] if w] + [why])
        return policies[key]

    for namespace in namespaces:
        policy = _policy(namespace, "platform-default", ["Ingress", "Egress"])
        policy["metadata"]["annotations"][WHY_ANNOTATION] = "the spec's default (%s): every pod, closed but for its rules" % POLICY_PATH
        policy["spec"]["ingress"] = _plain(default.get("ingress") or [])
        policy["spec"]["egress"] = _plain(default.get("egress") or [])
        policies[(namespace, "platform-default")] = policy
        order.append((namespace, "platform-default"))
        if options["kube_api_cidrs"]:
            policy = get(namespace, "allow-kube-api", "Egress", {}, "pods that use the Kubernetes API reach it")
            policy["spec"]["egress"] = [{"to": [{"ipBlock": {"cidr": str(cidr)}} for cidr in options["kube_api_cidrs"]],
                                         "ports": _ports(("TCP", port) for port in options["kube_api_ports"])}]

    for flow in flows:
        if not flow.render:
            continue
        ports = _ports(flow.ports)
        for direction, own, other in (("egress", flow.source, flow.dest), ("ingress", flow.dest, flow.source)):
            if own.external:
                continue
            policy = get(own.namespace, own.policy_name(direction), direction.capitalize(), own.selector, flow.why)
            rules = policy["spec"][direction]
            peers_key = "to" if direction == "egress" else "from"
            peer = other.peer()
            # Rules with the same ports share their peers (the same traffic either way).
            rule = next((r for r in rules if r["ports"] == ports), None)
            if rule is None:
                rules.append({peers_key: [peer], "ports": ports})
            elif peer not in rule[peers_key]:
                rule[peers_key].append(peer)

    rank = _namespace_order(namespaces)
    first = {"platform-default": 0, "allow-dns": 1, "allow-kube-api": 2}
    return [policies[key] for key in sorted(order, key=lambda k: (rank(k[0]), first.get(k[1], 3), k[1]))]


# ---------------------------------------------------------------------------
# Evaluation: does the union of the policies admit a flow?

def _cidr_is_everything(block):
    try:
        network = ipaddress.ip_network(u"%s" % block.get("cidr"), strict=False)
    except ValueError:
        return False
    return network.prefixlen == 0 and not block.get("except")


def _peer_admits(peer, policy_namespace, endpoint):
    namespace, labels_of_namespace, labels = endpoint
    block = peer.get("ipBlock")
    if block is not None:
        # Only a block of every address reliably covers pod addresses.
        return _cidr_is_everything(block)
    namespace_selector, pod_selector = peer.get("namespaceSelector"), peer.get("podSelector")
    if namespace_selector is None and pod_selector is None:
        return False
    if namespace_selector is None:
        # A podSelector alone selects pods of the policy's own namespace.
        if namespace != policy_namespace:
            return False
    elif not selector_matches(namespace_selector, labels_of_namespace):
        return False
    return pod_selector is None or selector_matches(pod_selector, labels)


def _port_admits(entry, protocol, number):
    if entry.get("protocol", "TCP") != protocol:  # NetworkPolicy ports default to TCP
        return False
    port = entry.get("port")
    if port is None:
        return True
    if isinstance(port, int):
        return port == number or (entry.get("endPort") is not None and port <= number <= entry["endPort"])
    # A named port: the platform's only well-known one is DNS.
    return number == DNS_PORT and port in ("dns", "domain")


def admits(policies, direction, subject, other, protocol, number):
    """Whether the policies let ``subject`` send to (egress) or receive from (ingress) ``other``.

    Endpoints are (namespace, namespace labels, pod labels). Policies that do not select
    the subject for this direction do not restrict it; those that do admit what any of
    their rules admits.
    """
    policy_type, rules_key, peers_key = (("Egress", "egress", "to") if direction == "egress" else ("Ingress", "ingress", "from"))
    selecting = [p for p in policies
                 if p["metadata"]["namespace"] == subject[0] and policy_type in p["spec"].get("policyTypes", [])
                 and selector_matches(p["spec"].get("podSelector") or {}, subject[2])]
    if not selecting:
        return True
    for policy in selecting:
        for rule in policy["spec"].get(rules_key) or []:
            if rule is None:  # invalid, already reported; an empty rule admits everything
                continue
            if rule.get("ports") and not any(p and _port_admits(p, protocol, number) for p in rule["ports"]):
                continue
            peers = [p for p in rule.get(peers_key) or [] if p]
            if not rule.get(peers_key) or any(_peer_admits(p, policy["metadata"]["namespace"], other) for p in peers):
                return True
    return False


def unmet_flows(policies, flows, labels_by_namespace):
    """[(flow, [what is refused])] for the flows the policies do not admit, pod by pod."""
    def endpoint(group, labels):
        return (group.namespace, labels_by_namespace.get(group.namespace) or {NAMESPACE_NAME_LABEL: group.namespace}, labels)

    unmet = []
    for flow in flows:
        refused = []
        for source_name, source_labels in flow.source.members:
            for dest_name, dest_labels in flow.dest.members:
                source, dest = endpoint(flow.source, source_labels), endpoint(flow.dest, dest_labels)
                for protocol, number in flow.needed:
                    sides = [side for side, subject, other in (("egress", source, dest), ("ingress", dest, source))
                             if not admits(policies, side, subject, other, protocol, number)]
                    if sides:
                        refused.append("%s/%s -> %s/%s %s %s (refused by the %s policies)" % (
                            flow.source.namespace, source_name, flow.dest.namespace, dest_name, protocol, number,
                            " and ".join(sides)))
        if refused:
            unmet.append((flow, refused))
    return unmet
