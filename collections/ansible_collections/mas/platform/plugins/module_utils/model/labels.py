# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The labels the platform's objects carry, in one place: the namespaces' and the pods'
(read by the compiled platform, which the roles render from), and the network
policies' own."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
POD_SECURITY_LABEL = "pod-security.kubernetes.io/enforce"
POLICY_PATH = "security_setup.network_policies.default"
DNS_PORT = 53

PLATFORM_LABELS = {"app.kubernetes.io/part-of": "mas-platform", "app.kubernetes.io/managed-by": "mas.platform"}
# Every policy of the set carries these; the role prunes what carries them and is no
# longer in the set.
POLICY_LABELS = dict(PLATFORM_LABELS, **{"app.kubernetes.io/component": "network-policy"})
WHY_ANNOTATION = "mas.platform/why"


# ---------------------------------------------------------------------------
# Labels: what the namespaces and the pods carry

def namespace_labels(name, entry):
    """The labels a platform namespace carries once created: Kubernetes sets
    kubernetes.io/metadata.name, the namespaces role the rest (from the compiled
    platform, which takes them from here): the seed's ``name`` label, the platform's,
    and Pod Security's when the spec sets a level."""
    labels = {
        NAMESPACE_NAME_LABEL: name,
        # The seed's network policies select namespaces by this label.
        "name": name,
    }
    labels.update(PLATFORM_LABELS)
    level = entry.get("pod_security")
    if level:
        labels[POD_SECURITY_LABEL] = level
        labels[POD_SECURITY_LABEL + "-version"] = "latest"
        labels["pod-security.kubernetes.io/warn"] = level
        labels["pod-security.kubernetes.io/audit"] = level
    labels.update(entry.get("labels") or {})
    return labels


def k8s_name(name):
    """The DNS-1123 name of an agent or core service (task_executor -> task-executor)."""
    return str(name).replace("_", "-")


def _named(name, **more):
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": name}
    labels.update(PLATFORM_LABELS)
    labels.update(more)
    return labels


# What each core service's pods are, in app.kubernetes.io/component: part of its
# StatefulSet's selector, so it never changes for a deployed service.
SERVICE_COMPONENTS = {
    "consul": "service-registry",
    "rabbitmq": "message-broker",
    "prometheus": "monitoring",
    "alertmanager": "alerting",
    "grafana": "dashboards",
    "mongodb": "database",
    "neo4j": "database",
    "redis": "database",
}
PHASE_LABEL = "mas.platform/phase"


def service_selector(name):
    """The selector of a core service's StatefulSet and Services (immutable once deployed)."""
    k8s = k8s_name(name)
    return {"app.kubernetes.io/name": k8s, "app.kubernetes.io/instance": k8s,
            "app.kubernetes.io/component": SERVICE_COMPONENTS.get(name, "server")}


def service_labels(name, version):
    """Every object of a core service: its selector, the platform's labels, its version."""
    labels = service_selector(name)
    labels.update(PLATFORM_LABELS)
    labels["app.kubernetes.io/version"] = str(version if version is not None else "")
    return labels


def agent_selector(name):
    """The selector of an agent tier's Deployment, Service and PodDisruptionBudget."""
    k8s = k8s_name(name)
    return {"app.kubernetes.io/name": k8s, "app.kubernetes.io/instance": k8s}


def agent_labels(name, phase):
    """Every object and pod of an agent tier, with its deployment phase."""
    labels = dict(PLATFORM_LABELS, **{"app.kubernetes.io/component": "agent", PHASE_LABEL: phase})
    labels.update(agent_selector(name))
    return labels


def agent_pod_labels(name):
    """An agent's pod (roles/agent_tiers/templates/agents.yml.j2), without its phase."""
    return _named(k8s_name(name), **{"app.kubernetes.io/component": "agent"})


def service_pod_labels(name):
    """A core service's member or cluster-formation Job pod (roles/core_service); the
    component differs between them and between services, so no selector uses it."""
    return _named(k8s_name(name))


# The Job that registers the agents with Consul (roles/service_discovery).
REGISTRATION_NAME = "consul-registration"
REGISTRATION_LABELS = _named(REGISTRATION_NAME, **{"app.kubernetes.io/component": "service-discovery"})

# cert-manager's ACME HTTP-01 solver pods, in the namespace of the certificate.
ACME_SOLVER_LABELS = {"acme.cert-manager.io/http01-solver": "true"}
ACME_SOLVER_PORT = 8089

AGENTS_SELECTOR = {"app.kubernetes.io/component": "agent", "app.kubernetes.io/part-of": "mas-platform"}


def _tier_selector(name):
    return {"app.kubernetes.io/name": k8s_name(name), "app.kubernetes.io/component": "agent"}


def _service_selector(name):
    return {"app.kubernetes.io/name": k8s_name(name), "app.kubernetes.io/part-of": "mas-platform"}
