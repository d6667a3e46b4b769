# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes objects of one core service, from its entry of the compiled platform and
the options its role passes (the filter mas.platform.core_service_objects).

Every object but its credentials: a Secret of its secret files (their contents carry the
credentials' placeholders, which mas.platform.k8s_apply fills in), a ServiceAccount (and a
Role or ClusterRole where the service reads the Kubernetes API), a ConfigMap of its
configuration files, a headless Service (the members' stable names, published before they
are ready) and a client Service, a PodDisruptionBudget of one member at a time, the
StatefulSet, and, where a cluster must be formed, the Job that forms and verifies it, named
after a fingerprint of what it checks (the API refuses changes to a Job's template).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import hashlib
import json

# The options of the core_service role this renderer reads, with the role's defaults.
OPTIONS = {
    "image_pull_policy": "IfNotPresent",
    "image_pull_secrets": [],
    "container": {},
    "sidecars": [],
    "sidecar_ports": [],
    "udp_ports": [],
    "config_files": {},
    "secret_files": {},
    "private_files": [],
    "read_only_root_filesystem": False,
    "metrics": {},
    "anti_affinity": "required",
    "pod_management_policy": "Parallel",
    "termination_grace_period": 60,
    "rbac": {"namespaced": [], "cluster": []},
    "formation": {},
    "wait_timeout": 600,
    "job_resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
}
# A file "a/b.yaml" is stored under the key "a__b.yaml" (ConfigMap and Secret keys cannot
# hold '/') and projected back to its path.


def _key(path):
    return path.replace("/", "__")


def checksum(options):
    """The fingerprint of the configuration: it rolls the pods when a file changes."""
    text = json.dumps(options["config_files"], sort_keys=True) + json.dumps(options["secret_files"], sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def formation_name(spec, options):
    """<service>-<purpose>-<8 hex of the formation, image, members and configuration>."""
    formation = options["formation"]
    text = json.dumps(formation, sort_keys=True) + options["image"] + str(spec["replicas"]) + checksum(options)
    return "%s-%s-%s" % (spec["k8s_name"], formation.get("purpose") or "formation",
                         hashlib.sha1(text.encode("utf-8")).hexdigest()[:8])


def _meta(spec, name=None, labels=None, namespaced=True):
    meta = {"name": name or spec["k8s_name"], "labels": dict(labels or spec["labels"])}
    if namespaced:
        meta["namespace"] = spec["namespace"]
    return meta


def _container_security(options):
    return {"runAsNonRoot": True, "allowPrivilegeEscalation": False,
            "readOnlyRootFilesystem": bool(options["read_only_root_filesystem"]), "capabilities": {"drop": ["ALL"]}}


def _service_ports(spec, options):
    ports = []
    for port in spec["service_ports"]:
        ports.append({"name": port["name"], "port": port["port"], "targetPort": port["port"], "protocol": "TCP"})
        if port["purpose"] in options["udp_ports"]:
            ports.append({"name": port["name"] + "-udp", "port": port["port"], "targetPort": port["port"],
                          "protocol": "UDP"})
    return ports


def _config_volume(spec, options, with_config_map=True):
    sources = []
    if with_config_map and options["config_files"]:
        sources.append({"configMap": {"name": spec["k8s_name"] + "-config", "items": [
            {"key": _key(path), "path": path} for path in options["config_files"]]}})
    if options["secret_files"]:
        sources.append({"secret": {"name": spec["k8s_name"] + "-secret-config", "items": [
            {"key": _key(path), "path": path} for path in options["secret_files"]]}})
    # Owner and group (fsGroup) only; services that need 0400 copy the file.
    return {"name": "config", "projected": {"defaultMode": 288, "sources": sources}}


def _pod_security(options):
    security = options["security"]
    return {"runAsNonRoot": True, "runAsUser": security["run_as_user"], "runAsGroup": security["run_as_group"],
            "fsGroup": security["fs_group"], "fsGroupChangePolicy": "OnRootMismatch",
            "seccompProfile": {"type": "RuntimeDefault"}}


def _pull_secrets(options):
    return [{"name": name} for name in options["image_pull_secrets"]]


def _needs_api(options):
    rbac = options["rbac"] or {}
    return bool(rbac.get("namespaced") or rbac.get("cluster"))


def _rbac_objects(spec, options):
    rbac, name, objects = options["rbac"] or {}, spec["k8s_name"], []
    subject = [{"kind": "ServiceAccount", "name": name, "namespace": spec["namespace"]}]
    if rbac.get("namespaced"):
        objects.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": _meta(spec),
                        "rules": copy.deepcopy(rbac["namespaced"])})
        objects.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": _meta(spec),
                        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": name},
                        "subjects": subject})
    if rbac.get("cluster"):
        cluster_name = "mas-core-" + name
        objects.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
                        "metadata": _meta(spec, cluster_name, namespaced=False), "rules": copy.deepcopy(rbac["cluster"])})
        objects.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
                        "metadata": _meta(spec, cluster_name, namespaced=False),
                        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": cluster_name},
                        "subjects": subject})
    return objects


def _annotations(spec, options):
    annotations = {"mas.platform/config-checksum": checksum(options)}
    metrics_port = (spec.get("ports") or {}).get("metrics")
    metrics = options["metrics"] or {}
    if metrics_port is not None and metrics.get("enabled", True):
        annotations.update({"prometheus.io/scrape": "true", "prometheus.io/port": str(metrics_port),
                            "prometheus.io/path": metrics.get("path") or "/metrics"})
        for param, value in (metrics.get("params") or {}).items():
            annotations["prometheus.io/param-" + param] = str(value)
    return annotations


def _statefulset(spec, options):
    name, selector, container = spec["k8s_name"], spec["selector"], options["container"] or {}
    security = _container_security(options)
    member_term = {"labelSelector": {"matchLabels": dict(selector)}, "topologyKey": "kubernetes.io/hostname"}
    if options["anti_affinity"] == "required":
        # Never two members on one node: a node failure costs one member only.
        anti = {"requiredDuringSchedulingIgnoredDuringExecution": [member_term]}
    else:
        # More members than nodes may be asked for: spread them as far as possible.
        anti = {"preferredDuringSchedulingIgnoredDuringExecution": [{"weight": 100, "podAffinityTerm": member_term}]}
    has_files = bool(options["config_files"] or options["secret_files"])
    pod = {
        "serviceAccountName": name,
        "automountServiceAccountToken": _needs_api(options),
        "terminationGracePeriodSeconds": int(options["termination_grace_period"]),
        "securityContext": _pod_security(options),
    }
    if options["image_pull_secrets"]:
        pod["imagePullSecrets"] = _pull_secrets(options)
    pod["nodeSelector"] = dict(spec["node_selector"])
    if spec.get("tolerations"):
        pod["tolerations"] = copy.deepcopy(spec["tolerations"])
    pod["affinity"] = {"podAntiAffinity": anti}
    pod["topologySpreadConstraints"] = [{"maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone",
                                         "whenUnsatisfiable": "ScheduleAnyway",
                                         "labelSelector": {"matchLabels": dict(selector)}}]
    data_mount = {"name": "data", "mountPath": options["data_path"]}
    config_mount = {"name": "config", "mountPath": options["config_path"], "readOnly": True}
    if options["private_files"]:
        # Files that the service insists be readable by its user only (an Erlang cookie, a
        # keyfile): copied from the Secret with that mode.
        script = " ".join("install -m %s %s/%s %s;" % (f.get("mode") or "0400", options["config_path"], f["source"], f["dest"])
                          for f in options["private_files"])
        pod["initContainers"] = [{
            "name": "install-private-files", "image": options["image"], "imagePullPolicy": options["image_pull_policy"],
            "command": ["/bin/sh", "-ec", script], "resources": copy.deepcopy(spec["resources"]),
            "securityContext": security, "volumeMounts": [data_mount, config_mount]}]
    main = {"name": name, "image": options["image"], "imagePullPolicy": options["image_pull_policy"]}
    for key in ("command", "args"):
        if container.get(key) is not None:
            main[key] = copy.deepcopy(container[key])
    main["env"] = [
        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}}},
        {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}},
        {"name": "POD_IP", "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "status.podIP"}}},
    ] + copy.deepcopy(container.get("env") or [])
    ports = []
    for port in spec["service_ports"]:
        if port["purpose"] in options["sidecar_ports"]:
            continue
        ports.append({"name": port["name"], "containerPort": port["port"], "protocol": "TCP"})
        if port["purpose"] in options["udp_ports"]:
            ports.append({"name": port["name"] + "-udp", "containerPort": port["port"], "protocol": "UDP"})
    main["ports"] = ports
    main["resources"] = copy.deepcopy(spec["resources"])
    for probe in ("startup", "readiness", "liveness"):
        if (container.get("probes") or {}).get(probe) is not None:
            main[probe + "Probe"] = copy.deepcopy(container["probes"][probe])
    main["securityContext"] = security
    main["volumeMounts"] = [data_mount] + ([config_mount] if has_files else []) + copy.deepcopy(
        container.get("volume_mounts") or [])
    sidecars = [dict(copy.deepcopy(sidecar), imagePullPolicy=options["image_pull_policy"], securityContext=security)
                for sidecar in options["sidecars"]]
    pod["containers"] = [main] + sidecars
    pod["volumes"] = ([_config_volume(spec, options)] if has_files else []) + copy.deepcopy(container.get("volumes") or [])
    return {
        "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": _meta(spec),
        "spec": {
            "serviceName": spec["headless"],
            "replicas": spec["replicas"],
            "podManagementPolicy": options["pod_management_policy"],
            "updateStrategy": {"type": "RollingUpdate"},
            "selector": {"matchLabels": dict(selector)},
            "template": {"metadata": {"labels": dict(spec["labels"]), "annotations": _annotations(spec, options)},
                         "spec": pod},
            "volumeClaimTemplates": [{
                "apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": "data", "labels": dict(selector)},
                "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": spec["storage"],
                         "resources": {"requests": {"storage": spec["storage_size"]}}}}],
        },
    }


def _formation_job(spec, options):
    formation = options["formation"]
    labels = dict(spec["labels"], **{"app.kubernetes.io/component": "cluster-formation"})
    pod = {"restartPolicy": "Never", "serviceAccountName": spec["k8s_name"], "automountServiceAccountToken": False,
           "securityContext": _pod_security(options)}
    if options["image_pull_secrets"]:
        pod["imagePullSecrets"] = _pull_secrets(options)
    pod["nodeSelector"] = dict(spec["node_selector"])
    if spec.get("tolerations"):
        pod["tolerations"] = copy.deepcopy(spec["tolerations"])
    pod["containers"] = [{
        "name": formation.get("purpose") or "formation",
        "image": options["image"], "imagePullPolicy": options["image_pull_policy"],
        "command": ["/bin/sh", "-e", "%s/%s" % (options["config_path"], formation["script"])],
        "env": [{"name": "HOME", "value": "/tmp"}] + copy.deepcopy(formation.get("env") or []),
        "resources": copy.deepcopy(options["job_resources"]),
        "securityContext": _container_security(options),
        "volumeMounts": [{"name": "config", "mountPath": options["config_path"], "readOnly": True},
                         {"name": "tmp", "mountPath": "/tmp"}],
    }]
    pod["volumes"] = [_config_volume(spec, options), {"name": "tmp", "emptyDir": {}}]
    return {
        "apiVersion": "batch/v1", "kind": "Job",
        "metadata": _meta(spec, formation_name(spec, options), labels),
        "spec": {"backoffLimit": formation.get("backoff_limit", 6), "activeDeadlineSeconds": int(options["wait_timeout"]),
                 "template": {"metadata": {"labels": labels}, "spec": pod}},
    }


class OptionsError(ValueError):
    """What a service role passes to the core_service role cannot work."""


def check_options(name, options):
    """The options' own consistency (the spec's entry was checked by the preflight): each
    private file is one of the service's files and lands in its data volume; the formation
    Job runs one of its configuration files. Raises OptionsError naming the option."""
    files = set(options["config_files"]) | set(options["secret_files"])
    data_path = options["data_path"].rstrip("/") + "/"
    for private in options["private_files"]:
        if private["source"] not in files:
            raise OptionsError("%s: private file %s (core_service_private_files) must be one of the service's "
                               "configuration or secret files (%s)" % (name, private["source"], ", ".join(sorted(files))))
        if not private["dest"].startswith(data_path):
            raise OptionsError("%s: private file %s goes to %s (core_service_private_files), which is not in the data "
                               "volume %s" % (name, private["source"], private["dest"], options["data_path"]))
    script = (options["formation"] or {}).get("script")
    if options["formation"] and script not in options["config_files"]:
        raise OptionsError("%s: the formation Job runs %s (core_service_formation.script), which is not among the "
                           "configuration files (%s)" % (name, script, ", ".join(sorted(options["config_files"]))))


def core_service_objects(spec, options):
    """Every object of one core service but its credentials (see the module docstring)."""
    options = dict(OPTIONS, **options)
    check_options(spec["name"], options)
    name, objects = spec["k8s_name"], []
    if options["secret_files"]:
        objects.append({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                        "metadata": _meta(spec, name + "-secret-config"),
                        "stringData": dict((_key(path), text) for path, text in options["secret_files"].items())})
    objects.append({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _meta(spec),
                    # Only a service that reads the Kubernetes API gets a token.
                    "automountServiceAccountToken": _needs_api(options)})
    objects.extend(_rbac_objects(spec, options))
    if options["config_files"]:
        objects.append({"apiVersion": "v1", "kind": "ConfigMap", "metadata": _meta(spec, name + "-config"),
                        "data": dict((_key(path), str(text)) for path, text in options["config_files"].items())})
    objects.append({"apiVersion": "v1", "kind": "Service", "metadata": _meta(spec, spec["headless"]), "spec": {
        # Stable DNS names for the members, published before the pods are ready: members
        # must find each other to become ready at all.
        "clusterIP": "None", "publishNotReadyAddresses": True, "selector": dict(spec["selector"]),
        "ports": _service_ports(spec, options)}})
    objects.append({"apiVersion": "v1", "kind": "Service", "metadata": _meta(spec), "spec": {
        # What clients connect to: ready members only.
        "type": "ClusterIP", "selector": dict(spec["selector"]), "ports": _service_ports(spec, options)}})
    objects.append({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": _meta(spec), "spec": {
        # One member at a time: a quorum of 3 keeps its majority, and a single instance can
        # still be drained.
        "maxUnavailable": 1, "selector": {"matchLabels": dict(spec["selector"])}}})
    objects.append(_statefulset(spec, options))
    if options["formation"]:
        objects.append(_formation_job(spec, options))
    return objects
