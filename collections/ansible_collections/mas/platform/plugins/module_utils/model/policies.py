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


_DIRECTIONS = {"egress": ("Egress", "egress", "to"), "ingress": ("Ingress", "ingress", "from")}


def _selecting(policies, policy_type, subject):
    """The indices of the policies that select ``subject`` for this policy type."""
    return tuple(i for i, p in enumerate(policies)
                 if p["metadata"]["namespace"] == subject[0] and policy_type in p["spec"].get("policyTypes", [])
                 and selector_matches(p["spec"].get("podSelector") or {}, subject[2]))


def _admitted(policies, selecting, direction, peer_matches, protocol, number):
    """Whether the rules of the selecting policies admit the other end: ``peer_matches(i,
    r, j, peer)`` tells whether peer j of rule r of policy i matches it."""
    if not selecting:
        return True
    _policy_type, rules_key, peers_key = _DIRECTIONS[direction]
    for i in selecting:
        for r, rule in enumerate(policies[i]["spec"].get(rules_key) or []):
            if rule is None:  # invalid, already reported; an empty rule admits everything
                continue
            if rule.get("ports") and not any(p and _port_admits(p, protocol, number) for p in rule["ports"]):
                continue
            peers = rule.get(peers_key)
            if not peers or any(peer_matches(i, r, j, p) for j, p in enumerate(peers) if p):
                return True
    return False


def admits(policies, direction, subject, other, protocol, number):
    """Whether the policies let ``subject`` send to (egress) or receive from (ingress) ``other``.

    Endpoints are (namespace, namespace labels, pod labels). Policies that do not select
    the subject for this direction do not restrict it; those that do admit what any of
    their rules admits.
    """
    return _admitted(policies, _selecting(policies, _DIRECTIONS[direction][0], subject), direction,
                     lambda i, _r, _j, peer: _peer_admits(peer, policies[i]["metadata"]["namespace"], other),
                     protocol, number)


class _Evaluation:
    """``admits`` for many endpoints at once. What the policies make of an endpoint is its
    class: the policies that select it (per direction) and the peers that match it. Pods
    of one class are treated alike, so each pair of classes is evaluated once; the
    agents-to-agents flow of a large spec is then as cheap as one pair of agents."""

    def __init__(self, policies, labels_by_namespace):
        self.policies = policies
        self.labels_by_namespace = labels_by_namespace
        self._classes = {}
        self._results = {}

    def endpoint(self, namespace, labels):
        return (namespace, self.labels_by_namespace.get(namespace) or {NAMESPACE_NAME_LABEL: namespace}, labels)

    def klass(self, endpoint):
        key = (endpoint[0], tuple(sorted(endpoint[2].items())))
        if key not in self._classes:
            matched = frozenset(
                (i, direction, r, j)
                for i, policy in enumerate(self.policies)
                for direction, (_type, rules_key, peers_key) in _DIRECTIONS.items()
                for r, rule in enumerate(policy["spec"].get(rules_key) or [])
                for j, peer in enumerate((rule or {}).get(peers_key) or [])
                if peer and _peer_admits(peer, policy["metadata"]["namespace"], endpoint))
            self._classes[key] = (_selecting(self.policies, "Egress", endpoint),
                                  _selecting(self.policies, "Ingress", endpoint), matched)
        return self._classes[key]

    def refused(self, source, dest, protocol, number):
        """The sides ("egress", "ingress") whose policies refuse source -> dest."""
        source_class, dest_class = self.klass(source), self.klass(dest)
        return [side for side, subject, other in (("egress", source_class[0], dest_class[2]),
                                                  ("ingress", dest_class[1], source_class[2]))
                if not self._admits(side, subject, other, protocol, number)]

    def _admits(self, direction, selecting, matched, protocol, number):
        key = (direction, selecting, matched, protocol, number)
        if key not in self._results:
            self._results[key] = _admitted(self.policies, selecting, direction,
                                           lambda i, r, j, _peer: (i, direction, r, j) in matched, protocol, number)
        return self._results[key]

    def all_admitted(self, sources, dests, needed):
        """Whether every pair of the two lists of endpoints is admitted, one pair per class."""
        source_classes = dict((self.klass(e), e) for e in sources)
        dest_classes = dict((self.klass(e), e) for e in dests)
        return not any(self.refused(source, dest, protocol, number)
                       for source in source_classes.values() for dest in dest_classes.values()
                       for protocol, number in needed)


def unmet_flows(policies, flows, labels_by_namespace):
    """[(flow, [what is refused])] for the flows the policies do not admit, pod by pod."""
    evaluation = _Evaluation(policies, labels_by_namespace)
    unmet = []
    for flow in flows:
        sources = [(name, evaluation.endpoint(flow.source.namespace, labels)) for name, labels in flow.source.members]
        dests = [(name, evaluation.endpoint(flow.dest.namespace, labels)) for name, labels in flow.dest.members]
        if evaluation.all_admitted([e for _n, e in sources], [e for _n, e in dests], flow.needed):
            continue
        refused = []
        for source_name, source in sources:
            for dest_name, dest in dests:
                for protocol, number in flow.needed:
                    sides = evaluation.refused(source, dest, protocol, number)
                    if sides:
                        refused.append("%s/%s -> %s/%s %s %s (refused by the %s policies)" % (
                            flow.source.namespace, source_name, flow.dest.namespace, dest_name, protocol, number,
                            " and ".join(sides)))
        if refused:
            unmet.append((flow, refused))
    return unmet
