# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The service configuration of the compiled platform: ingress, mesh, service discovery,
monitoring, certificates, each with the spec's defaults filled in once (where a role
used to write ``| default(...)`` of its own), and what derives from them: the agents
an ingress host routes to, certificate lifetimes in the hours cert-manager takes, the
agents' probe timings in seconds.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re

_UNITS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_HOURS = {"h": 1, "d": 24, "w": 168}


def seconds(duration):
    """A duration of the spec ("10s", "1m30s", "500ms") in whole seconds, at least 1."""
    total = sum(int(number) * _UNITS[unit] for number, unit in re.findall(r"([0-9]+)(ms|s|m|h|d|w)", str(duration)))
    return max(1, int(-(-total // 1)))


def hours(duration):
    """A certificate lifetime of the spec ("90d", "2160h", "12w") as a Go duration in hours
    ("2160h"), which cert-manager takes; None stays None."""
    if duration in (None, ""):
        return None
    match = re.match(r"^([0-9]+)([hdw])$", str(duration))
    return "%dh" % (int(match.group(1)) * _HOURS[match.group(2)]) if match else None


def _get(mapping, *path, **default):
    for key in path:
        mapping = (mapping or {}).get(key)
    return copy.deepcopy(mapping) if mapping is not None else default.get("default")


def ingress(configuration, agents):
    """The ingress of the spec: the hosts with the agent each path routes to."""
    spec = _get(configuration, "networking", "ingress", default={})
    hosts = []
    for host in spec.get("hosts") or []:
        paths = []
        for path in host.get("paths") or []:
            agent = agents.get(path.get("agent")) or {}
            paths.append(dict(path, service=agent.get("k8s_name"), namespace=agent.get("namespace")))
        hosts.append(dict(host, paths=paths))
    routed = []
    for host in hosts:
        for path in host["paths"]:
            if path.get("agent") and path["agent"] not in routed:
                routed.append(path["agent"])
    # One certificate per routed agent (<agent>-ingress-tls in its namespace), for the
    # hosts that route to it: the Ingress's TLS entry and cert-manager's Certificate.
    tls = []
    for name in routed:
        agent = agents.get(name) or {}
        names = []
        for host in hosts:
            if any(path.get("agent") == name for path in host["paths"]) and host.get("host") not in names:
                names.append(host.get("host"))
        tls.append({"agent": name, "namespace": agent.get("namespace"), "secret": "%s-ingress-tls" % agent.get("k8s_name"),
                    "k8s_name": agent.get("k8s_name"), "hosts": names})
    return {
        "enabled": bool(spec.get("enabled")),
        "class": spec.get("class") or "nginx",
        "ssl": spec.get("ssl", True),
        "cors": spec.get("cors", False),
        "cors_allowed_origins": spec.get("cors_allowed_origins") or [],
        "hosts": hosts,
        "routed_agents": routed,
        "tls": tls,
    }


def service_mesh(configuration):
    spec = _get(configuration, "networking", "service_mesh", default={})
    policies = dict((p.get("name"), p) for p in spec.get("traffic_policies") or [])
    return {
        "enabled": bool(spec.get("enabled")),
        "provider": spec.get("provider") or "istio",
        "mtls": spec.get("mtls", True),
        "traffic_policies": spec.get("traffic_policies") or [],
        "retry": policies.get("retry") or {},
        "circuit_breaker": policies.get("circuit_breaker") or {},
    }


def service_discovery(configuration):
    spec = _get(configuration, "networking", "service_discovery", default={})
    checks = spec.get("health_checks") or {}
    return {
        "method": spec.get("method"),
        "health_checks": checks,
        "interval_seconds": seconds(checks.get("interval")) if checks.get("interval") else None,
        "timeout_seconds": seconds(checks.get("timeout")) if checks.get("timeout") else None,
    }


def consul_definitions(agents, endpoints, checks, cluster_domain):
    """The Consul service definition of each agent (its ID, address, API port, tags, and
    a readiness check on the health port: the same timing as the agent's readiness probe),
    by the agent's Kubernetes name."""
    definitions = {}
    ports, health = endpoints.get("ports") or {}, endpoints.get("health") or {}
    for agent in agents.values():
        host = "%s.%s.svc.%s" % (agent["k8s_name"], agent["namespace"], cluster_domain)
        check = {
            "CheckID": agent["k8s_name"] + "-ready",
            "Name": agent["k8s_name"] + " readiness",
            "HTTP": "http://%s:%s%s" % (host, ports.get("metrics"), health.get("readiness", "")),
            "Method": "GET",
            "Interval": checks.get("interval"),
            "Timeout": checks.get("timeout"),
        }
        if checks.get("retries") is not None:
            check["FailuresBeforeCritical"] = checks["retries"]
        definitions[agent["k8s_name"]] = {
            "ID": agent["k8s_name"],
            "Name": agent["k8s_name"],
            "Tags": ["mas-platform", "agent", agent["phase"]],
            "Address": host,
            "Port": ports.get("http"),
            "Meta": {"namespace": agent["namespace"], "phase": agent["phase"], "agent": agent["name"]},
            "Check": check,
        }
    return definitions


def agent_endpoints(configuration):
    endpoints = _get(configuration, "agent_endpoints", default={})
    endpoints.setdefault("metrics_path", "/metrics")
    return endpoints


def monitoring(configuration):
    spec = _get(configuration, "monitoring", default={})
    metrics, logging, tracing = spec.get("metrics") or {}, spec.get("logging") or {}, spec.get("tracing") or {}
    logging.setdefault("format", "json")
    tracing.setdefault("enabled", False)
    tracing.setdefault("sampling_rate", 1.0)
    if tracing.get("collector"):
        tracing["collector"].setdefault("protocol", "grpc")
    metrics.setdefault("rules", [])
    return {"metrics": metrics, "logging": logging, "tracing": tracing}


def certificates(security_setup):
    spec = _get(security_setup, "authentication", "certificates", default={})
    acme, internal = spec.get("acme") or {}, spec.get("internal") or {}
    return {
        "issuer": spec.get("issuer"),
        "duration": spec.get("duration"),
        "duration_hours": hours(spec.get("duration")),
        "renew_before": spec.get("renew_before", "30d"),
        "renew_before_hours": hours(spec.get("renew_before", "30d")),
        "auto_renewal": spec.get("auto_renewal", True),
        "acme_server": acme.get("server") or "https://acme-v02.api.letsencrypt.org/directory",
        "acme_email": acme.get("email") or "",
        "internal_issuer": internal.get("issuer") or "mas-internal-ca",
        "internal_services": internal.get("services") or [],
    }


def agent_probes(spec):
    """The agents' probe timings, in seconds: readiness as the spec's service discovery
    health checks (so that Kubernetes and Consul judge an agent the same way), liveness as
    health_monitoring's agent_health check."""
    checks = _get(spec, "service_configuration", "networking", "service_discovery", "health_checks", default={})
    health = next((c for c in _get(spec, "health_monitoring", "system_checks", default=[]) or []
                   if (c or {}).get("name") == "agent_health"), {}) or {}

    def probe(check):
        return {"period_seconds": seconds(check.get("interval") or "10s"),
                "timeout_seconds": seconds(check.get("timeout") or "1s"),
                "failure_threshold": check.get("retries") or 3}
    return {"readiness": probe(checks), "liveness": probe(health)}


def service_configuration(spec, agents, cluster_domain):
    """The service configuration sections of the compiled platform."""
    configuration = spec.get("service_configuration") or {}
    discovery = service_discovery(configuration)
    endpoints = agent_endpoints(configuration)
    if discovery["method"] == "consul":
        discovery["definitions"] = consul_definitions(agents, endpoints, discovery["health_checks"], cluster_domain)
    return {
        "ingress": ingress(configuration, agents),
        "service_mesh": service_mesh(configuration),
        "service_discovery": discovery,
        "agent_endpoints": endpoints,
        "agent_probes": agent_probes(spec),
        "monitoring": monitoring(configuration),
        "certificates": certificates(spec.get("security_setup")),
    }
