# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The traffic the platform needs, port by port, computed from the spec: the groups of
pods (agents, core services, the registration Job, ...) and the flows between them.

- agents to every core service's ``client`` port, and to each other's API
  (``service_configuration.agent_endpoints.ports.http``);
- Prometheus to every ``metrics`` port (core services, and the agents'
  ``agent_endpoints.ports.metrics``), to Alertmanager; Grafana to its datasources;
  Alertmanager to the receivers that are agents (``health_monitoring.receivers``);
- the ingress controller to the agents that ``service_configuration.networking.ingress``
  exposes, on their API port, and (with TLS) to cert-manager's HTTP-01 solver pods;
- the members of each core service (and the Job that forms or checks its cluster) to
  each other, on the service's ports;
- with Consul as service discovery, the registration Job to Consul and Consul's checks
  to the agents' health port; with the mesh, its sidecars to their control plane;
- every pod to the cluster DNS (opened when ``allow_dns_egress`` is true).

model/policies.py renders the NetworkPolicies that realise them: in every namespace of
environment_config ``platform-default`` (the spec's
``security_setup.network_policies.default``, the seed's "agent-system only"), which
selects every pod for ingress and egress, so that what neither it nor the flows name is
closed; ``allow-dns`` and ``allow-kube-api``; then one ``<pods>-ingress`` and
``<pods>-egress`` policy per group of pods with the flows' rules."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.model.addon_charts import pod_labels
from ansible_collections.mas.platform.plugins.module_utils.model.addons import compile_addons, service_of
from ansible_collections.mas.platform.plugins.module_utils.model.labels import (
    _service_selector,
    _tier_selector,
    ACME_SOLVER_LABELS,
    ACME_SOLVER_PORT,
    agent_pod_labels,
    AGENTS_SELECTOR,
    DNS_PORT,
    k8s_name,
    NAMESPACE_NAME_LABEL,
    PLATFORM_LABELS,
    POLICY_PATH,
    REGISTRATION_LABELS,
    REGISTRATION_NAME,
    service_pod_labels,
)
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import (
    Cidr,
    index_path,
    Int,
    key_path,
    ListOf,
    MapOf,
    Record,
    Str,
)
from ansible_collections.mas.platform.plugins.module_utils.spec.addons import INSTALL, NONE
from ansible_collections.mas.platform.plugins.module_utils.spec.common import DNS_LABEL


# Where the pods outside the platform's namespaces are, for the role to override.
DEFAULT_OPTIONS = {
    "cluster_dns": {"namespace": "kube-system", "pod_labels": {"k8s-app": "kube-dns"}},
    "ingress_controller": {"namespace": "ingress-nginx",
                           "pod_labels": {"app.kubernetes.io/name": "ingress-nginx", "app.kubernetes.io/component": "controller"}},
    # istiod serves the sidecars' configuration (xDS) and certificates on 15012.
    "mesh_control_plane": {"namespace": "istio-system", "pod_labels": {"app": "istiod"}, "ports": [15012]},
    # The Kubernetes API's addresses (none: no policy) and ports.
    "kube_api_cidrs": [],
    "kube_api_ports": [443, 6443],
}

# OpenSearch's nodes talk to each other on its transport port (the chart's default).
OPENSEARCH_TRANSPORT_PORT = 9300
# The observability role's Job that loads the retention (ISM) policies (its pods' name label).
ISM_JOB = "opensearch-ism"
ISM_JOB_LABELS = dict(PLATFORM_LABELS, **{"app.kubernetes.io/name": ISM_JOB, "app.kubernetes.io/instance": ISM_JOB,
                                          "app.kubernetes.io/component": "observability"})

# What the network_policies role reads of the spec; health_monitoring is optional.
SPEC_SECTIONS = ("environment_config", "core_services", "deployment_sequence", "service_configuration", "security_setup")
OPTIONAL_SPEC_SECTIONS = ("health_monitoring",)

_POD_LABELS = MapOf(Str(), min_items=1)
_PODS_OPTION = Record({"namespace": Str(pattern=DNS_LABEL, hint="a namespace name"), "pod_labels": _POD_LABELS},
                      required=("namespace", "pod_labels"))
_PORT_NUMBER = Int(minimum=1, maximum=65535)
OPTIONS_SCHEMA = {
    "cluster_dns": _PODS_OPTION,
    "ingress_controller": _PODS_OPTION,
    "mesh_control_plane": Record({"namespace": Str(pattern=DNS_LABEL, hint="a namespace name"), "pod_labels": _POD_LABELS,
                                  "ports": ListOf(_PORT_NUMBER, min_items=1)},
                                 required=("namespace", "pod_labels", "ports")),
    "kube_api_cidrs": ListOf(Cidr()),
    "kube_api_ports": ListOf(_PORT_NUMBER, min_items=1),
}


# ---------------------------------------------------------------------------
# The model: groups of pods, and the flows between them

class Pods:
    """A group of pods: the namespace, the selector that picks them and the pods it stands for.

    ``members`` are (name, labels) of the workloads in the group, with the labels their
    roles give them: the preflight evaluates the policies against these, not against
    the selector. ``external``: in a namespace the platform does not own, where it
    writes no policy. ``policy_names`` overrides "<key>-ingress"/"<key>-egress".
    """

    def __init__(self, key, namespace, selector, members, external=False, policy_names=None):
        self.key = key
        self.namespace = namespace
        self.selector = selector
        self.members = members
        self.external = external
        self.policy_names = policy_names or {}

    def policy_name(self, direction):
        return self.policy_names.get(direction, "%s-%s" % (self.key, direction))

    def peer(self):
        peer = {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: self.namespace}}}
        if self.selector:
            peer["podSelector"] = {"matchLabels": dict(self.selector)}
        return peer


class Flow:
    """Traffic the platform needs: from ``source`` to ``dest`` on ``ports`` [(protocol, number)].

    ``render``: whether the policies open it (DNS only when the spec asks);
    ``needed``: the ports the preflight requires open (default: all of ``ports``);
    ``path`` and ``blocked``: where and what the preflight reports when the union of the
    policies does not admit it (a generic message when ``blocked`` is None).
    """

    def __init__(self, source, dest, ports, why, path, render=True, needed=None, blocked=None):
        self.source = source
        self.dest = dest
        self.ports = ports
        self.why = why
        self.path = path
        self.render = render
        self.needed = ports if needed is None else needed
        self.blocked = blocked


def _phase_sorted(mapping):
    def order(name):
        head = str(name).split("_", 1)[0]
        return (0, int(head), str(name)) if head.isdigit() else (1, 0, str(name))
    return sorted(mapping, key=order)


def _entries(cleaned, section):
    """(name, body, path) of each agent or core service, in phase order."""
    phases = cleaned.get(section) or {}
    for phase in _phase_sorted(phases):
        for name, body in (phases[phase] or {}).items():
            if body:
                yield name, body, "%s.%s.%s" % (section, phase, name)


def default_policy(cleaned):
    """The spec's security_setup.network_policies.default (what every namespace gets)."""
    return ((cleaned.get("security_setup") or {}).get("network_policies") or {}).get("default") or {}


def platform_namespaces(cleaned):
    """{name: entry} of environment_config.namespaces, in the spec's order."""
    result = {}
    for entry in (cleaned.get("environment_config") or {}).get("namespaces") or []:
        if entry and entry.get("name"):
            result[entry["name"]] = entry
    return result


def _external(option, key):
    return Pods(key, option["namespace"], dict(option["pod_labels"]), [(key, dict(option["pod_labels"]))], external=True)


class _Platform:
    """The spec's workloads as groups of pods, and the flows between them, kind by kind."""

    def __init__(self, cleaned, options, findings):
        self.options = dict(DEFAULT_OPTIONS, **(options or {}))
        self.findings = findings
        self.cleaned = cleaned
        self.namespaces = platform_namespaces(cleaned)
        self.order = _namespace_order(self.namespaces)
        self.default = default_policy(cleaned)
        self.agents = [(n, b, p) for n, b, p in _entries(cleaned, "deployment_sequence") if b.get("namespace")]
        self.services = [(n, b, p) for n, b, p in _entries(cleaned, "core_services") if b.get("namespace")]
        configuration = cleaned.get("service_configuration") or {}
        self.networking = configuration.get("networking") or {}
        ports = (configuration.get("agent_endpoints") or {}).get("ports") or {}
        self.http, self.metrics = ports.get("http"), ports.get("metrics")
        if self.agents and "service_configuration" in cleaned and "agent_endpoints" not in configuration:
            findings.error("service_configuration.agent_endpoints",
                           "required key is missing: the agents' API and metrics ports, which the network policies open")
        self.receivers = (cleaned.get("health_monitoring") or {}).get("receivers") or []
        # The agents of each namespace form one group; a tier is its own group where one
        # tier alone is reached (the ingress, a webhook).
        self.agent_groups = []
        for namespace in sorted(set(b["namespace"] for _n, b, _p in self.agents), key=self.order):
            members = [(k8s_name(n), agent_pod_labels(n)) for n, b, _p in self.agents if b["namespace"] == namespace]
            self.agent_groups.append(Pods("agents", namespace, AGENTS_SELECTOR, members))
        self.tiers = dict((n, Pods(k8s_name(n), b["namespace"], _tier_selector(n), [(k8s_name(n), agent_pod_labels(n))]))
                          for n, b, _p in self.agents)
        self.groups = dict((n, Pods(k8s_name(n), b["namespace"], _service_selector(n), [(k8s_name(n), service_pod_labels(n))]))
                           for n, b, _p in self.services)
        self.bodies = dict((n, (b, p)) for n, b, p in self.services)

    def port(self, service, purpose):
        """A core service's port for a purpose (client, metrics), or None."""
        return (self.bodies[service][0].get("ports") or {}).get(purpose) if service in self.bodies else None

    def port_path(self, service, purpose):
        return key_path(self.bodies[service][1], "ports.%s" % purpose)

    def all_pods(self, namespace, key, policy_name):
        """Every pod of a namespace (a selector of {}), standing for its workloads."""
        members = []
        for group in self.agent_groups + list(self.groups.values()):
            if group.namespace == namespace:
                members.extend(group.members)
        # A namespace without workloads still gets its pods' traffic checked.
        return Pods(key, namespace, {}, members or [("any pod", {})], policy_names={"egress": policy_name})

    def flows(self):
        return (self._agents_to_services() + self._agents_to_agents() + self._monitoring() + self._ingress()
                + self._service_members() + self._discovery() + self._addons() + self._mesh() + self._dns())

    def _agents_to_services(self):
        """The agents use every core service, on its client port."""
        flows = []
        for name, body, path in self.services:
            client = self.port(name, "client")
            if client is None:
                # An invalid client port was reported where it was read: only a missing one here.
                reported = any(e["path"].startswith(key_path(path, "ports")) for e in self.findings.errors)
                if self.agent_groups and body.get("ports") and not reported:
                    self.findings.error(key_path(path, "ports"),
                                        "has no client port, so no agent can reach %s: client is the port the agents "
                                        "connect to, and the one the network policies open to them" % name)
                continue
            for group in self.agent_groups:
                flows.append(Flow(group, self.groups[name], [("TCP", client)], "agents use the core services",
                                  self.port_path(name, "client")))
        return flows

    def _agents_to_agents(self):
        if self.http is None:
            return []
        return [Flow(source, dest, [("TCP", self.http)], "agents call each other", "service_configuration.agent_endpoints.ports.http")
                for source in self.agent_groups for dest in self.agent_groups]

    def _monitoring(self):
        """Prometheus scrapes every metrics port and alerts Alertmanager; Grafana queries
        both; Alertmanager notifies the receivers that are agents."""
        flows = []
        prometheus, alertmanager, grafana = (self.groups.get(n) for n in ("prometheus", "alertmanager", "grafana"))
        if prometheus is not None:
            if self.metrics is not None:
                flows.extend(Flow(prometheus, group, [("TCP", self.metrics)], "Prometheus scrapes the agents",
                                  "service_configuration.agent_endpoints.ports.metrics") for group in self.agent_groups)
            for name, _body, _path in self.services:
                if self.port(name, "metrics") is not None:
                    flows.append(Flow(prometheus, self.groups[name], [("TCP", self.port(name, "metrics"))],
                                      "Prometheus scrapes the core services", self.port_path(name, "metrics")))
            if alertmanager is not None and self.port("alertmanager", "client") is not None:
                flows.append(Flow(prometheus, alertmanager, [("TCP", self.port("alertmanager", "client"))], "Prometheus sends alerts",
                                  self.port_path("alertmanager", "client")))
        if grafana is not None:
            for target in ("prometheus", "alertmanager"):
                if self.port(target, "client") is not None:
                    flows.append(Flow(grafana, self.groups[target], [("TCP", self.port(target, "client"))],
                                      "Grafana queries its datasources", self.port_path(target, "client")))
        if alertmanager is not None:
            for index, receiver in enumerate(self.receivers):
                target = _agent_of_url((receiver or {}).get("webhook_url"), self.agents)
                if target is not None:
                    flows.append(Flow(alertmanager, self.tiers[target[0]], [("TCP", target[1])], "Alertmanager notifies the agents",
                                      key_path(index_path("health_monitoring.receivers", index), "webhook_url")))
        return flows

    def _ingress(self):
        """The ingress controller reaches the agents the ingress exposes, on their API port.
        With TLS, cert-manager proves each host through the ingress (ACME HTTP-01): the
        controller routes the challenge to a solver pod in the exposed agent's namespace."""
        ingress = self.networking.get("ingress") or {}
        if not ingress.get("enabled") or self.http is None:
            return []
        controller = _external(self.options["ingress_controller"], "ingress-controller")
        flows, exposed = [], []
        for host_index, host in enumerate(ingress.get("hosts") or []):
            for path_index, route in enumerate((host or {}).get("paths") or []):
                agent = (route or {}).get("agent")
                if agent in self.tiers and agent not in exposed:
                    exposed.append(agent)
                    flows.append(Flow(controller, self.tiers[agent], [("TCP", self.http)], "the ingress controller exposes the agents",
                                      "service_configuration.networking.ingress.hosts[%d].paths[%d].agent" % (host_index, path_index)))
        if ingress.get("ssl", True):
            for namespace in sorted(set(self.tiers[a].namespace for a in exposed), key=self.order):
                solver = Pods("acme-http01-solver", namespace, dict(ACME_SOLVER_LABELS), [("acme-http01-solver", dict(ACME_SOLVER_LABELS))])
                flows.append(Flow(controller, solver, [("TCP", ACME_SOLVER_PORT)], "the ingress controller serves the ACME challenges",
                                  "service_configuration.networking.ingress.ssl"))
        return flows

    def _service_members(self):
        """The members of each core service, and the Job that forms or checks its cluster,
        reach each other on the service's ports. Both protocols: gossip (Consul's Serf,
        Alertmanager's cluster) uses UDP too, and the spec does not say which port does."""
        flows = []
        for name, body, path in self.services:
            numbers = sorted(set((body.get("ports") or {}).values()))
            if numbers:
                flows.append(Flow(self.groups[name], self.groups[name], [(protocol, n) for n in numbers for protocol in ("TCP", "UDP")],
                                  "the members of a core service reach each other", key_path(path, "ports")))
        return flows

    def _addons(self):
        """The cluster add-ons that talk to the platform (model/addons.py): the agents export
        their traces to the collector, Fluent Bit ships the logs to their backend, and an
        installed OpenSearch's nodes reach each other (HTTP and transport)."""
        addons, flows = compile_addons(self.cleaned), []
        collector = self._addon_pods(addons["trace_collector"])
        if collector is not None and (addons["trace_collector"]["evidence"].get("service") or {}).get("port"):
            port = addons["trace_collector"]["evidence"]["service"]["port"]
            flows.extend(Flow(group, collector, [("TCP", port)], "the agents export their traces",
                              "service_configuration.monitoring.tracing.collector.endpoint") for group in self.agent_groups)
        backend, shipper = self._addon_pods(addons["log_backend"]), self._addon_pods(addons["log_collector"])
        if backend is not None and (addons["log_backend"]["evidence"].get("service") or {}).get("port"):
            port = addons["log_backend"]["evidence"]["service"]["port"]
            if shipper is not None:
                flows.append(Flow(shipper, backend, [("TCP", port)], "Fluent Bit ships the logs",
                                  "service_configuration.monitoring.logging.backend.endpoint"))
            if "prometheus" in self.groups:
                # The observability role's Job loads the retention policies, in Prometheus's namespace.
                ism = Pods(ISM_JOB, self.groups["prometheus"].namespace, {"app.kubernetes.io/name": ISM_JOB},
                           [(ISM_JOB, ISM_JOB_LABELS)])
                flows.append(Flow(ism, backend, [("TCP", port)], "the retention policies are loaded into OpenSearch",
                                  "service_configuration.monitoring.logging.backend.endpoint"))
            if addons["log_backend"]["mode"] == INSTALL:
                flows.append(Flow(backend, backend, [("TCP", port), ("TCP", OPENSEARCH_TRANSPORT_PORT)],
                                  "OpenSearch's nodes form their cluster", "infrastructure.kubernetes.addons.log_backend"))
        return flows

    def _addon_pods(self, addon):
        """An add-on's pods: by its chart's labels where the platform installs it, else every
        pod of the namespace where the spec says it runs; None where that is not known."""
        if addon["mode"] == NONE or not addon.get("workload"):
            return None
        workload = addon["workload"]
        labels = (pod_labels(addon) or {}) if addon["mode"] == INSTALL else {}
        return Pods(workload["name"], workload["namespace"], labels, [(workload["name"], labels)],
                    external=workload["namespace"] not in self.namespaces)

    def _discovery(self):
        """Consul as service discovery: a Job registers the agents; Consul checks their
        health on the metrics (management) port."""
        discovery = self.networking.get("service_discovery") or {}
        if discovery.get("method") != "consul" or "consul" not in self.groups:
            return []
        consul, flows = self.groups["consul"], []
        selector = {"app.kubernetes.io/name": REGISTRATION_NAME, "app.kubernetes.io/part-of": "mas-platform"}
        registration = Pods(REGISTRATION_NAME, consul.namespace, selector, [(REGISTRATION_NAME, REGISTRATION_LABELS)])
        if self.port("consul", "client") is not None:
            flows.append(Flow(registration, consul, [("TCP", self.port("consul", "client"))], "the agents are registered with Consul",
                              "service_configuration.networking.service_discovery.method"))
        if self.metrics is not None:
            flows.extend(Flow(consul, group, [("TCP", self.metrics)], "Consul checks the agents' health",
                              "service_configuration.networking.service_discovery.health_checks") for group in self.agent_groups)
        return flows

    def _mesh(self):
        """The mesh injects a sidecar into every pod of the agents' namespaces (see
        roles/service_mesh); each sidecar fetches its configuration from the control plane."""
        mesh = self.networking.get("service_mesh") or {}
        if not mesh.get("enabled") or mesh.get("provider", "istio") != "istio":
            return []
        option = self.options["mesh_control_plane"]
        control_plane = _external(option, "mesh-control-plane")
        return [Flow(self.all_pods(namespace, "mesh-sidecars", "allow-mesh-control-plane"), control_plane,
                     [("TCP", port) for port in option["ports"]], "the mesh's sidecars reach their control plane",
                     "service_configuration.networking.service_mesh.enabled")
                for namespace in sorted(set(g.namespace for g in self.agent_groups), key=self.order)]

    def _dns(self):
        """DNS from every pod of every platform namespace; opened when the spec asks, and
        required either way."""
        dns = _external(self.options["cluster_dns"], "cluster-dns")
        blocked = ("restricts egress without allowing DNS (UDP port %d to the pods %s in %s): the default policy selects "
                   "every pod, so every name lookup in the platform's namespaces would fail; add that rule, or set "
                   "allow_dns_egress: true to have the network_policies role add it" % (
                       DNS_PORT, _describe_labels(dns.selector), dns.namespace))
        return [Flow(self.all_pods(namespace, "dns-clients", "allow-dns"), dns, [("UDP", DNS_PORT), ("TCP", DNS_PORT)],
                     "name lookups", key_path(POLICY_PATH, "egress"), render=bool(self.default.get("allow_dns_egress")),
                     needed=[("UDP", DNS_PORT)], blocked=blocked)
                for namespace in self.namespaces]


def platform_flows(cleaned, options, findings):
    """The traffic the platform needs, as Flows (see the module docstring)."""
    return _Platform(cleaned, options, findings).flows()


def _namespace_order(namespaces):
    names = list(namespaces)
    return lambda name: (names.index(name), name) if name in names else (len(names), name)


def _agent_of_url(url, agents):
    """(agent, port) when a webhook URL names an agent's Service in the cluster, else None."""
    service = service_of(url)
    if service is None:
        return None
    for name, body, _path in agents:
        if (service["name"], service["namespace"]) == (k8s_name(name), body["namespace"]):
            return name, service["port"] or 80
    return None


def _describe_labels(labels):
    return ",".join("%s=%s" % item for item in sorted(labels.items())) or "(all)"
