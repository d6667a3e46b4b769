# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The compiled platform: the spec expanded once, for every role to render from.

``compile_platform(spec, cleaned, quotas, policies, options)`` runs at the end of a
preflight without errors and returns one JSON-ready dict, which the preflight role keeps
as the fact ``mas_platform``:

- ``labels``: the labels every object of the platform carries (model/labels.py);
- ``cluster_domain``, ``provider``;
- ``namespaces``: name -> labels, quota (ResourceQuota ``spec.hard``);
- ``storage_classes``: each with its provisioner, parameters, reclaim policy, default;
- ``rbac``: the seed's cluster roles and the groups bound to each;
- ``core_services``: name -> the spec's entry plus what is derived from it once: phase,
  Kubernetes name, namespace, component, labels and selector, members (pods), their
  stable DNS names, the headless Service, the ports a Service publishes, the in-cluster
  host and client endpoint;
- ``agents``: name -> the spec's entry plus phase, Kubernetes name, namespace, labels,
  selector, and the environment that hands the core services' endpoints to the agent;
- ``phases``: the core services' and the agents' phases in the seed's order, each with
  its members;
- ``network_policies``: the NetworkPolicy objects, exactly the set the preflight has
  evaluated (the network_policies role applies this list as it is);
- ``ingress``, ``service_mesh``, ``service_discovery``, ``agent_endpoints``,
  ``monitoring``, ``certificates``: the service configuration with its defaults filled
  in once (model/configuration.py);
- ``addons``: the cluster add-ons, each with its mode, what relies on it, where it runs
  and what on the live cluster proves it present (model/addons.py).

Every value here is derived in Python, once, with a unit test; templates print it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.mas.platform.plugins.module_utils.model.addons import compile_addons
from ansible_collections.mas.platform.plugins.module_utils.model.labels import (
    PLATFORM_LABELS,
    agent_labels,
    agent_selector,
    k8s_name,
    namespace_labels,
    service_labels,
    service_selector,
)
from ansible_collections.mas.platform.plugins.module_utils.model.configuration import service_configuration
from ansible_collections.mas.platform.plugins.module_utils.model.phases import ordered as _ordered
from ansible_collections.mas.platform.plugins.module_utils.spec.services import service_pods

DEFAULT_CLUSTER_DOMAIN = "cluster.local"
DEFAULT_AGENT_NAMESPACE = "agent-system"


def _plain(value):
    """A deep copy that is plain JSON (the spec as the inventory holds it)."""
    return copy.deepcopy(value)


# The ports Neo4j's cluster members talk on, where the spec names none of its own.
NEO4J_CLUSTER_PORTS = {"discovery": 5000, "transaction": 6000, "raft": 7000, "routing": 7688}


def core_service_entry(phase, name, body, cluster_domain):
    """One core service as the roles render it."""
    entry = _plain(body)
    if name == "neo4j" and body.get("mode") == "cluster":
        entry["ports"] = dict(NEO4J_CLUSTER_PORTS, **(body.get("ports") or {}))
        body = dict(body, ports=entry["ports"])
    k8s = k8s_name(name)
    namespace = body.get("namespace", "default")
    host = "%s.%s.svc.%s" % (k8s, namespace, cluster_domain)
    headless = "%s-headless" % k8s
    pod_domain = "%s.%s.svc.%s" % (headless, namespace, cluster_domain)
    replicas = service_pods(name, body)
    ports = body.get("ports") or {}
    client = ports.get("client")
    # One Service port per number (client and metrics are often the same port), in the
    # spec's order, named as Kubernetes wants (serf_lan -> serf-lan).
    service_ports, seen = [], set()
    for purpose, number in ports.items():
        if number not in seen:
            seen.add(number)
            service_ports.append({"purpose": purpose, "name": purpose.replace("_", "-"), "port": number})
    entry.update(
        name=name,
        phase=phase,
        k8s_name=k8s,
        namespace=namespace,
        version=str(body.get("version", "")),
        component=service_labels(name, body.get("version"))["app.kubernetes.io/component"],
        labels=service_labels(name, body.get("version")),
        selector=service_selector(name),
        replicas=replicas,
        headless=headless,
        pod_domain=pod_domain,
        members=["%s-%d.%s" % (k8s, index, pod_domain) for index in range(replicas or 0)],
        service_ports=service_ports,
        host=host,
        client="%s:%s" % (host, client) if client else None,
        node_selector=_plain((body.get("affinity") or {}).get("nodeSelector") or {}),
    )
    return entry


def agent_entry(phase, name, body, endpoints_env):
    """One agent tier as the roles render it."""
    entry = _plain(body)
    namespace = body.get("namespace", DEFAULT_AGENT_NAMESPACE)
    entry.update(
        name=name,
        phase=phase,
        k8s_name=k8s_name(name),
        namespace=namespace,
        labels=agent_labels(name, phase),
        selector=agent_selector(name),
        service_account=k8s_name(name),
        # Who the agent is to the Kubernetes API and to Vault (one Vault tier per agent).
        identity={"name": k8s_name(name), "namespace": namespace, "service_account": k8s_name(name)},
        endpoints_env=dict(endpoints_env),
        node_selector=_plain((body.get("affinity") or {}).get("nodeSelector") or {}),
    )
    return entry


def endpoints_environment(services):
    """The environment that tells an agent where each core service answers:
    MAS_<SERVICE>_HOST, _PORT and _ENDPOINT, and CONSUL_HTTP_ADDR (what Consul's own
    clients read)."""
    env = {}
    for service in services.values():
        if not service["client"]:
            continue
        key = "MAS_%s" % service["name"].upper()
        env[key + "_HOST"] = service["host"]
        env[key + "_PORT"] = str(service["ports"]["client"])
        env[key + "_ENDPOINT"] = service["client"]
        if service["name"] == "consul":
            env["CONSUL_HTTP_ADDR"] = "http://" + service["client"]
    return env


def core_services(section, cluster_domain=DEFAULT_CLUSTER_DOMAIN):
    """name -> entry of the spec's core_services, in start order."""
    return dict((name, core_service_entry(phase, name, body, cluster_domain))
                for phase, name, body in _ordered(section))


def agents(section, services):
    """name -> entry of the spec's deployment_sequence, in deployment order."""
    env = endpoints_environment(services)
    return dict((name, agent_entry(phase, name, body, env)) for phase, name, body in _ordered(section))


EBS_PROVISIONER = "ebs.csi.aws.com"
# What each EBS volume type takes of the spec's class (gp2, st1 and sc1 take no IOPS).
_EBS_IOPS_TYPES = ("gp3", "io1", "io2")


def storage_classes(storage):
    """The StorageClasses of ``infrastructure.storage``: name, parameters, reclaim policy,
    and whether it is the default. On EBS a class carries its volume type, encryption and
    (where the type takes them) IOPS and throughput; on a provisioner without parameters
    (the local cluster's pre-created volumes) none, and volumes are retained."""
    storage = storage or {}
    provisioner = storage.get("provisioner")
    classes = []
    for entry in storage.get("classes") or []:
        parameters = {}
        if provisioner == EBS_PROVISIONER:
            parameters = {"type": entry.get("type"), "encrypted": "true", "csi.storage.k8s.io/fstype": "ext4"}
            if entry.get("iops") is not None and entry.get("type") in _EBS_IOPS_TYPES:
                parameters["iops"] = str(entry["iops"])
            if entry.get("throughput") is not None and entry.get("type") == "gp3":
                parameters["throughput"] = str(entry["throughput"])
        classes.append({
            "name": entry.get("name"),
            "provisioner": provisioner,
            "parameters": parameters,
            "reclaim_policy": "Delete" if provisioner == EBS_PROVISIONER else "Retain",
            "default": entry.get("name") == storage.get("default_class"),
        })
    return classes


def _rbac(security_setup):
    """The seed's cluster roles and the groups bound to each."""
    rbac = (((security_setup or {}).get("authentication") or {}).get("rbac")) or {}
    return {"cluster_roles": _plain(rbac.get("roles") or []), "bindings": _plain(rbac.get("bindings") or {})}


def _phases(entries):
    phases = []
    for entry in entries.values():
        if not phases or phases[-1]["name"] != entry["phase"]:
            phases.append({"name": entry["phase"], "members": []})
        phases[-1]["members"].append(entry["name"])
    return phases


def compile_platform(spec, quotas, policies, options=None):
    """The compiled platform of a spec that passed the preflight (see the module docstring).

    ``spec`` is the spec as the inventory holds it; ``quotas`` the preflight's
    ResourceQuota amounts per namespace; ``policies`` the NetworkPolicies the preflight
    evaluated; ``options``: ``cluster_domain``."""
    options = options or {}
    cluster_domain = options.get("cluster_domain") or DEFAULT_CLUSTER_DOMAIN
    services = core_services(spec.get("core_services"), cluster_domain)
    tiers = agents(spec.get("deployment_sequence"), services)
    namespaces = {}
    for entry in (spec.get("environment_config") or {}).get("namespaces") or []:
        name = entry["name"]
        namespaces[name] = {
            "name": name,
            "labels": dict((k, v) for k, v in namespace_labels(name, entry).items()
                           if k != "kubernetes.io/metadata.name"),
            "pod_security": entry.get("pod_security"),
            "quota": _plain(quotas.get(name) or {}),
        }
    platform = {
        "labels": dict(PLATFORM_LABELS),
        "cluster_domain": cluster_domain,
        "provider": (spec.get("infrastructure") or {}).get("provider"),
        "namespaces": namespaces,
        "storage_classes": storage_classes((spec.get("infrastructure") or {}).get("storage")),
        "rbac": _rbac(spec.get("security_setup")),
        "core_services": services,
        "agents": tiers,
        "phases": {"core_services": _phases(services), "agents": _phases(tiers)},
        "network_policies": _plain(policies),
        "addons": compile_addons(spec),
    }
    platform.update(service_configuration(spec, tiers, cluster_domain))
    return platform
