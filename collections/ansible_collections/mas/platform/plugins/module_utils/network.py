# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform's NetworkPolicies, computed from the spec, and whether the platform works behind them.

One computation with two users: the network_policies role applies what
``network_policies`` returns (through the filter of the same name), and the preflight
evaluates the same set (``check_network_policy``). Both start from ``platform_flows``,
the traffic the platform needs, port by port:

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

In every namespace of environment_config the set holds ``platform-default`` (the spec's
``security_setup.network_policies.default``, the seed's "agent-system only"), which
selects every pod for ingress and egress: what neither it nor the flows name is closed.
``allow-dns`` and ``allow-kube-api`` follow, then one ``<pods>-ingress`` and
``<pods>-egress`` policy per group of pods with the flows' rules.

The preflight checks each flow against the union of all these policies, with the
labels the pods really carry (set by roles/agent_tiers, roles/core_service and
roles/service_discovery: keep them in step), so a selector or port that misses its
pods, or DNS left closed, is an error before anything is applied.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported, this keeps sanity quiet
    from urlparse import urlsplit

from ansible_collections.mas.platform.plugins.module_utils.label_selectors import selector_matches
from ansible_collections.mas.platform.plugins.module_utils.schema import (
    INVALID,
    Cidr,
    Findings,
    Int,
    ListOf,
    MapOf,
    Record,
    SingleItemList,
    Str,
    index_path,
    key_path,
)
from ansible_collections.mas.platform.plugins.module_utils.spec import DNS_LABEL, SECTIONS

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
POD_SECURITY_LABEL = "pod-security.kubernetes.io/enforce"
POLICY_PATH = "security_setup.network_policies.default"
DNS_PORT = 53

PLATFORM_LABELS = {"app.kubernetes.io/part-of": "mas-platform", "app.kubernetes.io/managed-by": "mas.platform"}
# Every policy of the set carries these; the role prunes what carries them and is no
# longer in the set.
POLICY_LABELS = dict(PLATFORM_LABELS, **{"app.kubernetes.io/component": "network-policy"})
WHY_ANNOTATION = "mas.platform/why"

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
# Labels: what the namespaces and the pods carry

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


def k8s_name(name):
    """The DNS-1123 name of an agent or core service (task_executor -> task-executor)."""
    return str(name).replace("_", "-")


def _named(name, **more):
    labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": name}
    labels.update(PLATFORM_LABELS)
    labels.update(more)
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
        self.namespaces = platform_namespaces(cleaned)
        self.order = _namespace_order(self.namespaces)
        self.default = _default_policy(cleaned)
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
                + self._service_members() + self._discovery() + self._mesh() + self._dns())

    def _agents_to_services(self):
        """The agents use every core service, on its client port."""
        flows = []
        for name, body, path in self.services:
            client = self.port(name, "client")
            if client is None:
                if self.agent_groups and body.get("ports"):
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
    if not isinstance(url, str):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return None
    host = (parts.hostname or "").rstrip(".")
    for name, body, _path in agents:
        service = "%s.%s.svc" % (k8s_name(name), body["namespace"])
        if host == service or host.startswith(service + "."):
            return name, port
    return None


def _describe_labels(labels):
    return ",".join("%s=%s" % item for item in sorted(labels.items())) or "(all)"


# ---------------------------------------------------------------------------
# Rendering: the NetworkPolicy objects

def _default_policy(cleaned):
    return ((cleaned.get("security_setup") or {}).get("network_policies") or {}).get("default") or {}


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
    default = _default_policy(cleaned)
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
    _check_selector_labels(_default_policy(cleaned), labels, findings)
    flows = platform_flows(cleaned, options, findings)
    policies = render_policies(cleaned, flows, options)
    _check_flows(policies, flows, labels, findings)
    return policies


def check_network_policy(cleaned, agents, services, namespaces, findings):
    """The preflight's check: the policies the role would apply let the platform work.

    ``agents``, ``services`` and ``namespaces`` are the preflight's model; the flows are
    computed from ``cleaned`` as the role computes them, so that both see the same set.
    """
    if "security_setup" not in cleaned or not platform_namespaces(cleaned):
        return  # missing or invalid: already reported
    _evaluate(cleaned, None, findings)


def _check_workload_namespaces(cleaned, findings):
    namespaces = platform_namespaces(cleaned)
    for section in ("deployment_sequence", "core_services"):
        for _name, body, path in _entries(cleaned, section):
            namespace = body.get("namespace")
            if namespace is not None and namespace not in namespaces:
                findings.error(key_path(path, "namespace"), "%s is not a namespace of environment_config.namespaces (%s)" % (
                    namespace, ", ".join(namespaces) or "none"))


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


def network_policies(spec, options=None, option_prefix=""):
    """The NetworkPolicies for a platform spec, for the network_policies role.

    ``spec`` holds the sections the policies are computed from (SPEC_SECTIONS, and
    health_monitoring when given); they are validated as the preflight validates them.
    ``options`` override DEFAULT_OPTIONS; ``option_prefix`` is how the caller names
    them in messages. Returns ``(policies, findings)``: no policies when there are errors.
    """
    findings = Findings()
    if not isinstance(spec, dict):
        findings.error("spec", "expected a mapping of the platform spec's sections (%s)" % ", ".join(SPEC_SECTIONS))
        return [], findings
    cleaned = {}
    for key in SPEC_SECTIONS + OPTIONAL_SPEC_SECTIONS:
        if spec.get(key) is None:
            if key in SPEC_SECTIONS:
                findings.error(key, "required key is missing: the platform spec's %s (inventories put it in "
                                    "group_vars/all/%s.yml)" % (key, key))
            continue
        result = SECTIONS[key].check(spec[key], key, findings)
        if result is not INVALID:
            cleaned[key] = result
    options = _validate_options(options, option_prefix, findings)
    _check_workload_namespaces(cleaned, findings)
    if findings.errors:
        return [], findings
    policies = _evaluate(cleaned, options, findings)
    return ([] if findings.errors else policies), findings
