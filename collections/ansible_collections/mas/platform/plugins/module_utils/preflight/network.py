# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform's NetworkPolicies, computed from the spec, and whether the platform works
behind them.

One computation with two users: the compiled platform holds the policies that the
network_policies role applies, and the preflight evaluates the same set. Both start
from the flows (model/flows.py), the traffic the platform needs, port by port; the
policies are rendered in model/policies.py. The preflight checks each flow against the
union of all the policies, with the labels the pods really carry (model/labels.py), so
a selector or port that misses its pods, or DNS left closed, is an error before
anything is applied."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.model.flows import (
    DEFAULT_OPTIONS,
    OPTIONS_SCHEMA,
    _entries,
    default_policy,
    platform_flows,
    platform_namespaces,
)
from ansible_collections.mas.platform.plugins.module_utils.model.labels import (
    namespace_labels,
    NAMESPACE_NAME_LABEL,
    POLICY_PATH,
)
from ansible_collections.mas.platform.plugins.module_utils.model.policies import (
    render_policies,
    unmet_flows,
)
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import (
    INVALID,
    SingleItemList,
    index_path,
    key_path,
)


# ---------------------------------------------------------------------------
# Checks and entry points

def _check_selector_labels(policy, labels, findings):
    """A selector that names a platform namespace through a label no namespace carries."""
    for direction, key in (("ingress", "from"), ("egress", "to")):
        path = key_path(POLICY_PATH, direction)
        for index, rule in enumerate(policy.get(direction) or []):
            peers = (rule or {}).get(key) or []
            peers_path = key_path(index_path(path, index), key)
            if isinstance(peers, SingleItemList):
                pairs = [(peers[0], peers_path)]
            else:
                pairs = [(peer, index_path(peers_path, i)) for i, peer in enumerate(peers)]
            for peer, peer_path in pairs:
                selector = (peer or {}).get("namespaceSelector") or {}
                for label, value in (selector.get("matchLabels") or {}).items():
                    if value in labels and not any(carried.get(label) == value for carried in labels.values()):
                        findings.error("%s.namespaceSelector.matchLabels.%s" % (peer_path, label),
                                       "no namespace carries the label %s=%s, so this peer matches nothing: Kubernetes "
                                       "labels every namespace %s=<name> (select %s: %s), and environment_config declares "
                                       "no label %s" % (label, value, NAMESPACE_NAME_LABEL, NAMESPACE_NAME_LABEL, value, label))


def _check_flows(policies, flows, labels, findings):
    reported = {}
    for flow, refused in unmet_flows(policies, flows, labels):
        if flow.blocked is not None:
            reported.setdefault((flow.path, flow.blocked), [])
            continue
        reported.setdefault((flow.path, None), []).extend("%s (%s)" % (r, flow.why) for r in refused)
    for (path, blocked), refused in sorted(reported.items(), key=lambda item: item[0][0]):
        if blocked is not None:
            findings.error(path, blocked)
        else:
            seen = []
            for line in refused:
                if line not in seen:
                    seen.append(line)
            findings.error(path, "the network policies block traffic the platform needs: %s" % "; ".join(seen))


def _evaluate(cleaned, options, findings):
    """Compute the flows and the policies, and check the first against the second."""
    namespaces = platform_namespaces(cleaned)
    labels = dict((name, namespace_labels(name, entry)) for name, entry in namespaces.items())
    _check_selector_labels(default_policy(cleaned), labels, findings)
    flows = platform_flows(cleaned, options, findings)
    policies = render_policies(cleaned, flows, options)
    _check_flows(policies, flows, labels, findings)
    return policies


def check_network_policy(cleaned, options, findings):
    """The preflight's check: the policies the platform needs let it work. Returns them
    (the compiled platform holds them, and the network_policies role applies them as they
    are), or [] when the spec is not valid enough to compute them.

    ``options`` override DEFAULT_OPTIONS (the preflight's ``options.network``); without
    ``kube_api_cidrs``, the pods that use the Kubernetes API reach it in the VPC (on EKS
    the private endpoint's addresses are there): ``infrastructure.networking.vpc.cidr``."""
    errors = len(findings.errors)
    options = _validate_options(options, "options.network.", findings)
    if len(findings.errors) > errors:
        return []  # the options are reported; policies computed from them would be wrong
    if not (options or {}).get("kube_api_cidrs"):
        vpc = (((cleaned.get("infrastructure") or {}).get("networking") or {}).get("vpc") or {}).get("cidr")
        if vpc:
            options["kube_api_cidrs"] = [str(vpc)]
    if "security_setup" not in cleaned or not platform_namespaces(cleaned):
        return []  # missing or invalid: already reported
    if not _workload_namespaces_known(cleaned):
        return []  # preflight/namespaces.py reports the workload in an unknown namespace
    return _evaluate(cleaned, options, findings)


def _workload_namespaces_known(cleaned):
    namespaces = platform_namespaces(cleaned)
    return all(body.get("namespace") is None or body.get("namespace") in namespaces
               for section in ("deployment_sequence", "core_services") for _name, body, _path in _entries(cleaned, section))


def _validate_options(options, prefix, findings):
    cleaned = dict(DEFAULT_OPTIONS)
    for key, value in (options or {}).items():
        if key not in OPTIONS_SCHEMA:
            findings.error(prefix + key, "unknown option (expected %s)" % ", ".join(sorted(prefix + k for k in OPTIONS_SCHEMA)))
            continue
        if value is None:
            continue
        result = OPTIONS_SCHEMA[key].check(value, prefix + key, findings)
        if result is not INVALID:
            cleaned[key] = result
    return cleaned
