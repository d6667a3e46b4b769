# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The spec's core_services: each service's keys, and how many pods it runs."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.spec.schema import (
    Any,
    Bool,
    describe,
    Duration,
    Int,
    INVALID,
    key_path,
    ListOf,
    MapOf,
    Mapping,
    Quantity,
    Record,
    Str,
)
from ansible_collections.mas.platform.plugins.module_utils.spec.common import (
    _replicas,
    RESOURCES,
)
from ansible_collections.mas.platform.plugins.module_utils.spec.kubernetes import (
    AFFINITY,
    dns_label,
    identifier,
    phase,
    phase_order,
    TOLERATIONS,
    version,
)


# ---------------------------------------------------------------------------
# Core services

# A service's ports by purpose: "client" is what the agents connect to, "metrics"
# what Prometheus scrapes; the others are the service's own (peers, UI).
PORTS = MapOf(Int(minimum=1, maximum=65535), key=identifier, min_items=1)


def _service(fields=None, required=()):
    """A core service: the fields every service has, plus its own."""
    common = {
        "version": version,
        "ports": PORTS,
        "namespace": dns_label,
        "storage": dns_label,
        "storage_size": Quantity("memory"),
        "resources": RESOURCES,
        "affinity": AFFINITY,
        "tolerations": TOLERATIONS,
    }
    common.update(fields or {})
    return Record(
        common,
        required=("version", "namespace", "ports", "storage", "storage_size", "resources") + tuple(required),
        missing_hint={"storage_size": "the size of each pod's volume, such as '50Gi'"},
    )


# Every core service runs as a StatefulSet with one volume per pod. Which keys count
# its pods is part of each service's schema (the seed says cluster_size for RabbitMQ).
CORE_SERVICE_SCHEMAS = {
    "consul": _service({"mode": Str(choices=("server",)), "replicas": _replicas}, required=("replicas",)),
    "rabbitmq": _service({"cluster_size": _replicas, "plugins": ListOf(Str())}, required=("cluster_size",)),
    "prometheus": _service({"replicas": _replicas, "retention": Duration()}, required=("replicas",)),
    "alertmanager": _service({"replicas": _replicas}, required=("replicas",)),
    "grafana": _service({"replicas": _replicas, "plugins": ListOf(Str())}, required=("replicas",)),
    "mongodb": _service({"replicas": _replicas}, required=("replicas",)),
    "neo4j": _service({
        "mode": Str(choices=("single", "cluster")),
        # Both are checked against the mode in services.py, which explains what is missing.
        "edition": Str(choices=("community", "enterprise")),
        "accept_license_agreement": Bool(),
        "replicas": _replicas,
    }, required=("mode",)),
    "redis": _service({
        "cluster": Bool(),
        "masters": _replicas,
        "replicas_per_master": _replicas,
        # Without cluster mode: one primary and replicas - 1 replicas.
        "replicas": _replicas,
    }, required=("cluster",)),
}


class _CoreServicePhase(MapOf):
    """A phase of core_services: service name -> that service's schema."""

    def __init__(self):
        super(_CoreServicePhase, self).__init__(Any(), key=identifier, min_items=1)

    def check(self, value, path, findings):
        findings.at = path
        if not isinstance(value, Mapping):
            findings.error(path, "expected a mapping of service name to service, got %s" % describe(value))
            return INVALID
        cleaned = {}
        for name, service in value.items():
            service_path = key_path(path, name)
            schema = CORE_SERVICE_SCHEMAS.get(name)
            if schema is None:
                findings.error(service_path, "unknown core service (no role deploys it; known: %s)" % ", ".join(sorted(CORE_SERVICE_SCHEMAS)))
                continue
            result = schema.check(service, service_path, findings)
            if result is not INVALID:
                cleaned[name] = result
        return cleaned


class _CoreServices(MapOf):
    """Phase -> services; each core service is deployed once, in one phase.

    A service named in two phases would make two StatefulSets of one name (the second
    apply overwrites the first): the second is an error, and left out.
    """

    def __init__(self):
        super(_CoreServices, self).__init__(_CoreServicePhase(), key=phase, min_items=1)

    def check(self, value, path, findings):
        cleaned = super(_CoreServices, self).check(value, path, findings)
        if cleaned is INVALID:
            return cleaned
        seen = {}
        for phase_name in phase_order(cleaned):
            for name in list(cleaned[phase_name]):
                where = key_path(key_path(path, phase_name), name)
                if name in seen:
                    findings.error(where, "%s is also defined at %s: each core service is deployed once, in one phase" % (
                        name, seen[name]))
                    del cleaned[phase_name][name]
                else:
                    seen[name] = where
        return cleaned


CORE_SERVICES = _CoreServices()


def service_pods(name, service):
    """How many pods a cleaned core service runs, or None when the spec does not say."""
    if name == "rabbitmq":
        return service.get("cluster_size")
    if name == "redis":
        if service.get("cluster"):
            masters, per_master = service.get("masters"), service.get("replicas_per_master")
            if masters is None or per_master is None:
                return None
            return masters * (1 + per_master)
        return service.get("replicas")
    if name == "neo4j" and service.get("mode") == "single":
        return service.get("replicas", 1)
    return service.get("replicas")
