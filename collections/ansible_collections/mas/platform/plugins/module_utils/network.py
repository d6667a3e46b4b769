# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The default network policy: does it leave the platform able to talk?

``security_setup.network_policies.default`` applies to every namespace of
environment_config. Checked here, with NetworkPolicy semantics:

- a restricted egress must still allow DNS (UDP 53 to kube-dns in kube-system), or
  every name lookup fails (unless ``allow_dns_egress: true`` says the role adds it);
- a namespaceSelector that means a platform namespace must use a label namespaces
  actually carry (Kubernetes sets ``kubernetes.io/metadata.name``, the namespaces role
  adds ``name`` and the part-of labels; any other key matches nothing);
- agents reach each other and the core services, Prometheus reaches every namespace.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.label_selectors import selector_matches
from ansible_collections.mas.platform.plugins.module_utils.schema import SingleItemList, index_path, key_path

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
POD_SECURITY_LABEL = "pod-security.kubernetes.io/enforce"
KUBE_DNS_NAMESPACE = {NAMESPACE_NAME_LABEL: "kube-system"}
KUBE_DNS_POD = {"k8s-app": "kube-dns"}
POLICY_PATH = "security_setup.network_policies.default"


def namespace_labels(name, entry):
    """The labels a platform namespace carries once created.

    Kubernetes sets kubernetes.io/metadata.name; the rest are what
    roles/namespaces/templates/namespaces.yml.j2 sets (keep the two in step).
    """
    labels = {
        NAMESPACE_NAME_LABEL: name,
        "name": name,
        "app.kubernetes.io/part-of": "mas-platform",
        "app.kubernetes.io/managed-by": "mas.platform",
    }
    if entry.get("pod_security"):
        labels[POD_SECURITY_LABEL] = entry["pod_security"]
    labels.update(entry.get("labels") or {})
    return labels


def _peers(rule, direction, path):
    """(peer, path) for each peer of a rule; None when the rule admits every peer."""
    peers = rule.get(direction)
    if not peers:
        return None  # no from/to: all sources or destinations
    peers_path = key_path(path, direction)
    if isinstance(peers, SingleItemList):
        return [(peers[0], peers_path)] if peers[0] else []
    return [(peer, index_path(peers_path, i)) for i, peer in enumerate(peers) if peer]


def _peer_matches(peer, namespace, labels, own_namespace, pod_labels=None):
    """Whether a peer admits (some) pods of a namespace with these labels."""
    block = peer.get("ipBlock")
    if block is not None:
        # Only a block of every address reliably covers pod addresses.
        return block.get("cidr") is not None and block["cidr"].prefixlen == 0 and not block.get("except")
    namespace_selector, pod_selector = peer.get("namespaceSelector"), peer.get("podSelector")
    if namespace_selector is None and pod_selector is None:
        return False
    if namespace_selector is None:
        # A podSelector alone selects pods of the policy's own namespace.
        if namespace != own_namespace:
            return False
    elif not selector_matches(namespace_selector, labels):
        return False
    if pod_selector is not None and pod_labels is not None:
        return selector_matches(pod_selector, pod_labels)
    return True


def _rules_admit(rules, direction, path, namespace, labels, own_namespace):
    for index, rule in enumerate(rules):
        if not rule:
            continue
        peers = _peers(rule, direction, index_path(path, index))
        if peers is None or any(_peer_matches(p, namespace, labels, own_namespace) for p, _peer_path in peers):
            return True
    return False


def _admits_udp_53(port):
    if port.get("protocol", "TCP") != "UDP":  # NetworkPolicy ports default to TCP
        return False
    number = port.get("port")
    if number in (None, 53, "dns", "domain"):
        return True
    return isinstance(number, int) and number <= 53 <= port.get("endPort", 0)


def _allows_dns(rule, path):
    if rule.get("ports") and not any(_admits_udp_53(p) for p in rule["ports"] if p):
        return False
    peers = _peers(rule, "to", path)
    if peers is None:
        return True
    return any(_peer_matches(p, "kube-system", KUBE_DNS_NAMESPACE, None, KUBE_DNS_POD) for p, _peer_path in peers)


def check_network_policy(cleaned, agents, services, namespaces, findings):
    policy = ((cleaned.get("security_setup") or {}).get("network_policies") or {}).get("default")
    if policy is None:
        return
    labels = dict((name, namespace_labels(name, entry)) for name, entry in namespaces.items())
    _check_dns(policy, findings)
    _check_selector_labels(policy, labels, findings)
    _check_reachability(policy, agents, services, labels, findings)


def _check_dns(policy, findings):
    egress = policy.get("egress")
    if egress is None or policy.get("allow_dns_egress"):
        return
    path = key_path(POLICY_PATH, "egress")
    if not any(_allows_dns(rule, index_path(path, i)) for i, rule in enumerate(egress) if rule):
        findings.error(path, "restricts egress without allowing DNS (UDP port 53 to the kube-dns pods in kube-system): "
                             "every name lookup in the platform's namespaces would fail; add that rule, or set "
                             "allow_dns_egress: true to have the network policy role add it")


def _check_selector_labels(policy, labels, findings):
    """A selector that names a platform namespace through a label no namespace carries."""
    for direction, key in (("ingress", "from"), ("egress", "to")):
        path = key_path(POLICY_PATH, direction)
        for index, rule in enumerate(policy.get(direction) or []):
            for peer, peer_path in _peers(rule or {}, key, index_path(path, index)) or []:
                selector = peer.get("namespaceSelector") or {}
                for label, value in (selector.get("matchLabels") or {}).items():
                    if value in labels and not any(carried.get(label) == value for carried in labels.values()):
                        findings.error("%s.namespaceSelector.matchLabels.%s" % (peer_path, label),
                                       "no namespace carries the label %s=%s, so this peer matches nothing: Kubernetes "
                                       "labels every namespace %s=<name> (select %s: %s), and environment_config declares "
                                       "no label %s" % (label, value, NAMESPACE_NAME_LABEL, NAMESPACE_NAME_LABEL, value, label))


def _check_reachability(policy, agents, services, labels, findings):
    needed = []
    agent_namespaces = sorted(set(a.namespace for a in agents if a.namespace in labels))
    service_namespaces = sorted(set(s.namespace for s in services if s.namespace in labels))
    for source in agent_namespaces:
        for target in agent_namespaces:
            needed.append((source, target, "agents talk to each other"))
        for target in service_namespaces:
            needed.append((source, target, "agents use the core services"))
    for prometheus in sorted(set(s.namespace for s in services if s.name == "prometheus" and s.namespace in labels)):
        for target in sorted(set(agent_namespaces) | set(service_namespaces)):
            needed.append((prometheus, target, "Prometheus scrapes every namespace"))
    blocked = {"egress": [], "ingress": []}
    for source, target, why in needed:
        egress = policy.get("egress")
        if egress is not None and not _rules_admit(egress, "to", key_path(POLICY_PATH, "egress"), target, labels[target], source):
            blocked["egress"].append("%s -> %s (%s)" % (source, target, why))
        ingress = policy.get("ingress")
        if ingress is not None and not _rules_admit(ingress, "from", key_path(POLICY_PATH, "ingress"), source, labels[source], target):
            blocked["ingress"].append("%s -> %s (%s)" % (source, target, why))
    for direction, pairs in sorted(blocked.items()):
        if pairs:
            findings.error(key_path(POLICY_PATH, direction), "blocks traffic the platform needs: %s" % "; ".join(sorted(set(pairs))))
