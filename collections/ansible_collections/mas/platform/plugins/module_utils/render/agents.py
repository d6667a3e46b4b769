# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes objects of the agent tiers, from the compiled platform and the
agent_tiers role's options (the filter mas.platform.agent_tier_objects).

Per agent: a ConfigMap of its environment (its name and phase, its ports, log format,
the OpenTelemetry SDK's settings, the core services' endpoints), a Service, a
Deployment, a PodDisruptionBudget and, where the spec asks for autoscaling, a
HorizontalPodAutoscaler. With an autoscaler the Deployment names no replicas: the HPA
owns them (``initial_replicas`` renders the autoscaled Deployments alone, with the seed's
replicas, for the create-only apply that hands them over).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import hashlib
import json

# The role's options this renderer reads, with the role's defaults.
OPTIONS = {
    "image_registry": "registry.example.internal/mas",
    "image_tag": "",
    "images": {},
    "image_pull_policy": "IfNotPresent",
    "image_pull_secrets": [],
    "run_as_user": 65532,
    "startup_timeout": 300,
    "topology_spread": [],
    "pdb_max_unavailable": 1,
    "extra_env": {},
    "collection_version": "",
}


def _config(agent, platform, options):
    """The agent's environment (its ConfigMap)."""
    ports = platform["agent_endpoints"]["ports"]
    tracing = platform["monitoring"]["tracing"]
    config = {
        "MAS_AGENT_NAME": agent["name"],
        "MAS_AGENT_PHASE": agent["phase"],
        "MAS_HTTP_PORT": str(ports["http"]),
        "MAS_METRICS_PORT": str(ports["metrics"]),
        "MAS_LOG_FORMAT": platform["monitoring"]["logging"]["format"],
        "OTEL_SERVICE_NAME": agent["k8s_name"],
        "OTEL_SDK_DISABLED": str(not tracing.get("enabled")).lower(),
        "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        "OTEL_TRACES_SAMPLER_ARG": str(tracing.get("sampling_rate", 1.0)),
        "OTEL_PROPAGATORS": "tracecontext,baggage",
    }
    collector = tracing.get("collector")
    if collector:
        config["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector["endpoint"]
        config["OTEL_EXPORTER_OTLP_PROTOCOL"] = collector.get("protocol") or "grpc"
    config.update(agent.get("endpoints_env") or {})
    config.update(dict((k, str(v)) for k, v in (options.get("extra_env") or {}).items()))
    return config


def _probe(path, probe, failure_threshold=None):
    return {"httpGet": {"path": path, "port": "metrics"}, "periodSeconds": probe["period_seconds"],
            "timeoutSeconds": probe["timeout_seconds"],
            "failureThreshold": probe["failure_threshold"] if failure_threshold is None else failure_threshold}


def _image(agent, options):
    override = (options.get("images") or {}).get(agent["name"]) or {}
    tag = override.get("tag") or options.get("image_tag") or options.get("collection_version")
    return "%s/%s:%s" % (options["image_registry"], override.get("repository") or agent["k8s_name"], tag)


def _deployment(agent, platform, options, config, replicas):
    endpoints = platform["agent_endpoints"]
    ports, health = endpoints["ports"], endpoints["health"]
    probes = platform["agent_probes"]
    user = options["run_as_user"]
    affinity = dict((k, v) for k, v in (agent.get("affinity") or {}).items() if k != "nodeSelector")
    pod = {
        "serviceAccountName": agent["service_account"],
        "enableServiceLinks": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": user, "runAsGroup": user, "fsGroup": user,
                            "seccompProfile": {"type": "RuntimeDefault"}},
    }
    if agent.get("node_selector"):
        pod["nodeSelector"] = copy.deepcopy(agent["node_selector"])
    if affinity:
        pod["affinity"] = copy.deepcopy(affinity)
    if agent.get("tolerations") is not None:
        pod["tolerations"] = copy.deepcopy(agent["tolerations"])
    if options.get("topology_spread"):
        pod["topologySpreadConstraints"] = [{
            "topologyKey": spread["topology_key"], "maxSkew": spread["max_skew"],
            "whenUnsatisfiable": spread["when_unsatisfiable"],
            "labelSelector": {"matchLabels": dict(agent["selector"])},
            # Spread each revision on its own: old pods of a rollout do not count.
            "matchLabelKeys": ["pod-template-hash"],
        } for spread in options["topology_spread"]]
    if options.get("image_pull_secrets"):
        pod["imagePullSecrets"] = [{"name": name} for name in options["image_pull_secrets"]]
    startup = max(1, -(-options["startup_timeout"] // probes["readiness"]["period_seconds"]))
    pod["containers"] = [{
        "name": "agent",
        "image": _image(agent, options),
        "imagePullPolicy": options["image_pull_policy"],
        "ports": [{"name": "http", "containerPort": ports["http"], "protocol": "TCP"},
                  {"name": "metrics", "containerPort": ports["metrics"], "protocol": "TCP"}],
        "envFrom": [{"configMapRef": {"name": agent["k8s_name"] + "-config"}}],
        "env": [
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
            {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
            {"name": "NODE_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}}},
            {"name": "OTEL_RESOURCE_ATTRIBUTES",
             "value": "service.namespace=mas-platform,k8s.namespace.name=$(POD_NAMESPACE),"
                      "k8s.pod.name=$(POD_NAME),k8s.node.name=$(NODE_NAME)"},
        ],
        "resources": copy.deepcopy(agent["resources"]),
        # Health is served on the management (metrics) port, which the mesh leaves open
        # to callers outside it (Consul's checks, Prometheus).
        "startupProbe": _probe(health["liveness"], probes["readiness"], failure_threshold=startup),
        "readinessProbe": _probe(health["readiness"], probes["readiness"]),
        "livenessProbe": _probe(health["liveness"], probes["liveness"]),
        "securityContext": {"runAsNonRoot": True, "allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True,
                            "capabilities": {"drop": ["ALL"]}},
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }]
    pod["volumes"] = [{"name": "tmp", "emptyDir": {}}]
    spec = {"selector": {"matchLabels": dict(agent["selector"])}}
    if replicas is not None:
        spec["replicas"] = replicas
    if agent.get("strategy") is not None:
        spec["strategy"] = copy.deepcopy(agent["strategy"])
    spec["template"] = {
        "metadata": {
            "labels": dict(agent["labels"]),
            "annotations": {
                # A change of the agent's configuration rolls its pods.
                "checksum/config": hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest(),
                "prometheus.io/scrape": "true",
                "prometheus.io/port": str(ports["metrics"]),
                "prometheus.io/path": endpoints.get("metrics_path") or "/metrics",
                "kubectl.kubernetes.io/default-container": "agent",
            },
        },
        "spec": pod,
    }
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _meta(agent), "spec": spec}


def _meta(agent, suffix=""):
    return {"name": agent["k8s_name"] + suffix, "namespace": agent["namespace"], "labels": dict(agent["labels"])}


def agent_objects(agent, platform, options, initial_replicas=False):
    """The objects of one agent (see the module docstring)."""
    options = dict(OPTIONS, **(options or {}))
    config = _config(agent, platform, options)
    autoscaled = agent.get("autoscaling") is not None
    if initial_replicas:
        return [_deployment(agent, platform, options, config, agent["replicas"])] if autoscaled else []
    ports = platform["agent_endpoints"]["ports"]
    objects = [
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(agent, "-config"),
         "data": dict(sorted(config.items()))},
        {"apiVersion": "v1", "kind": "Service", "metadata": _meta(agent), "spec": {
            "type": "ClusterIP", "selector": dict(agent["selector"]),
            # Named with their protocol, as meshes expect (Istio reads the prefix).
            "ports": [{"name": "http", "port": ports["http"], "targetPort": "http", "protocol": "TCP", "appProtocol": "http"},
                      {"name": "http-metrics", "port": ports["metrics"], "targetPort": "metrics", "protocol": "TCP",
                       "appProtocol": "http"}]}},
        _deployment(agent, platform, options, config, None if autoscaled else agent["replicas"]),
        {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _meta(agent), "spec": {
            "maxUnavailable": options["pdb_max_unavailable"],
            # A pod that is not Ready serves nothing: draining a node may evict it.
            "unhealthyPodEvictionPolicy": "AlwaysAllow",
            "selector": {"matchLabels": dict(agent["selector"])}}},
    ]
    if autoscaled:
        hpa = {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": agent["k8s_name"]},
               "minReplicas": agent["autoscaling"]["min"], "maxReplicas": agent["autoscaling"]["max"]}
        if agent["autoscaling"].get("metrics") is not None:
            hpa["metrics"] = copy.deepcopy(agent["autoscaling"]["metrics"])
        objects.append({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": _meta(agent),
                        "spec": hpa})
    return objects


def agent_phase_steps(platform, options, wait=True):
    """One k8s_apply step per phase of the seed's deployment_sequence: the phase's objects,
    and its autoscaled Deployments with the seed's replicas as create-only objects."""
    steps = []
    for phase in platform["phases"]["agents"]:
        agents = [platform["agents"][name] for name in phase["members"]]
        steps.append({
            "name": phase["name"],
            "definitions": [obj for agent in agents for obj in agent_objects(agent, platform, options)],
            "create_only": [obj for agent in agents for obj in agent_objects(agent, platform, options, True)],
            "wait": wait,
            "wait_kinds": ["Deployment"],
        })
    return steps
