# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform spec's structure: what each top-level key holds.

The spec is written in the seed's vocabulary (``infrastructure``, ``core_services``,
``deployment_sequence``...; see inventories/production/group_vars/all/). ``validate``
checks types, required keys and allowed values, naming the full key path in each
finding, and returns the cleaned spec that the feasibility checks in preflight.py
work on. Rules that need the whole spec (does this pod fit that node?) live there.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.capacity import (
    GPU_RESOURCE,
    INSTANCE_TYPES,
    node_shape,
)
from ansible_collections.mas.platform.plugins.module_utils.schema import (
    INVALID,
    Any,
    Bool,
    Cidr,
    Duration,
    Findings,
    Int,
    IntOrPercent,
    ListOf,
    Mapping,
    MapOf,
    Node,
    Number,
    Percent,
    Quantity,
    Record,
    Str,
    describe,
    is_int,
    key_path,
    parse_duration,
)

# The node label that carries a node group's role; workloads select it.
NODE_ROLE_LABEL = "node-role"
# The oldest Kubernetes minor the seed accepts (">=1.28").
MIN_KUBERNETES_MINOR = 28

DNS_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"
IDENTIFIER = r"^[a-z][a-z0-9_]{0,62}$"
PHASE = r"^[0-9]+_[a-z0-9_]+$"
LABEL_KEY = r"^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$"
LABEL_VALUE = r"^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$"
VERSION = r"^[0-9]+\.[0-9]+(\.[0-9]+)?$"

_dns_label = Str(pattern=DNS_LABEL, hint="a DNS label (lower case letters, digits and '-', at most 63)")
_identifier = Str(pattern=IDENTIFIER, hint="a lower_snake_case name")
_phase = Str(pattern=PHASE, hint="an ordered phase name such as '1_core_agents'")
_label_key = Str(pattern=LABEL_KEY, hint="a Kubernetes label key")
_label_value = Str(pattern=LABEL_VALUE, hint="a Kubernetes label value (at most 63 characters)")
_labels = MapOf(_label_value, key=_label_key)
_version = Str(pattern=VERSION, hint="a version such as '1.9.0'")


# ---------------------------------------------------------------------------
# Pod-level pieces shared by agents and core services (Kubernetes vocabulary)

def _check_resources(cleaned, path, findings):
    requests = cleaned.get("requests") or {}
    limits = cleaned.get("limits") or {}
    for name in ("cpu", "memory", "ephemeral-storage"):
        if name in requests and name in limits and requests[name] > limits[name]:
            findings.error(key_path(key_path(path, "requests"), name),
                           "the request is larger than the limit (%s > %s); Kubernetes rejects the pod" % (
                               requests[name].normalize(), limits[name].normalize()))
    if GPU_RESOURCE in requests or GPU_RESOURCE in limits:
        request, limit = requests.get(GPU_RESOURCE), limits.get(GPU_RESOURCE)
        if limit is None:
            findings.error(key_path(key_path(path, "limits"), GPU_RESOURCE),
                           "required with a %s request: extended resources need a limit equal to the request" % GPU_RESOURCE)
        elif request is not None and request != limit:
            findings.error(key_path(key_path(path, "limits"), GPU_RESOURCE),
                           "request (%d) and limit (%d) differ: %s is an extended resource, which cannot be "
                           "overcommitted, so Kubernetes requires request == limit" % (request, limit, GPU_RESOURCE))


_RESOURCE_LIST = Record({
    "cpu": Quantity(),
    "memory": Quantity("memory"),
    "ephemeral-storage": Quantity("memory"),
    GPU_RESOURCE: Quantity("count"),
})
RESOURCES = Record(
    {
        "requests": Record(dict(_RESOURCE_LIST.fields), required=("cpu", "memory")),
        "limits": _RESOURCE_LIST,
    },
    required=("requests",),
    check=_check_resources,
)

_SELECTOR_REQUIREMENT = Record(
    {
        "key": _label_key,
        "operator": Str(choices=("In", "NotIn", "Exists", "DoesNotExist")),
        "values": ListOf(_label_value),
    },
    required=("key", "operator"),
)
_NODE_SELECTOR_REQUIREMENT = Record(
    dict(_SELECTOR_REQUIREMENT.fields, operator=Str(choices=("In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"))),
    required=("key", "operator"),
)
AFFINITY = Record({
    # The seed puts nodeSelector under affinity; Kubernetes has it beside affinity.
    # The roles render it where Kubernetes wants it.
    "nodeSelector": _labels,
    "nodeAffinity": Record({
        "requiredDuringSchedulingIgnoredDuringExecution": Record(
            {"nodeSelectorTerms": ListOf(Record({"matchExpressions": ListOf(_NODE_SELECTOR_REQUIREMENT)}), min_items=1)},
            required=("nodeSelectorTerms",)),
        "preferredDuringSchedulingIgnoredDuringExecution": Any(),
    }),
    # Passed through to the pod; the preflight does not evaluate pod (anti-)affinity.
    "podAffinity": Any(),
    "podAntiAffinity": Any(),
})
TOLERATIONS = ListOf(Record(
    {
        "key": _label_key,
        "operator": Str(choices=("Exists", "Equal")),
        "value": _label_value,
        "effect": Str(choices=("NoSchedule", "PreferNoSchedule", "NoExecute")),
        "tolerationSeconds": Int(minimum=0),
    },
))


def _check_autoscaling(cleaned, path, findings):
    if is_int(cleaned.get("min")) and is_int(cleaned.get("max")) and cleaned["min"] > cleaned["max"]:
        findings.error(key_path(path, "min"), "min (%d) is larger than max (%d)" % (cleaned["min"], cleaned["max"]))


AUTOSCALING = Record(
    {
        "min": Int(minimum=1, maximum=2 ** 31 - 1),
        "max": Int(minimum=1, maximum=2 ** 31 - 1),
        "metrics": ListOf(Record(
            {
                "type": Str(choices=("Resource", "ContainerResource", "Pods", "Object", "External")),
                "resource": Record(
                    {
                        "name": Str(choices=("cpu", "memory")),
                        "target": Record(
                            {
                                "type": Str(choices=("Utilization", "AverageValue")),
                                "averageUtilization": Int(minimum=1),
                                "averageValue": Quantity(),
                            },
                            required=("type",)),
                    },
                    required=("name", "target")),
                "containerResource": Any(),
                "pods": Any(),
                "object": Any(),
                "external": Any(),
            },
            required=("type",))),
    },
    required=("min", "max"),
    check=_check_autoscaling,
)


def _check_strategy(cleaned, path, findings):
    rolling = cleaned.get("rollingUpdate") or {}
    if rolling.get("maxSurge") == 0 and rolling.get("maxUnavailable") == 0:
        findings.error(key_path(path, "rollingUpdate"), "maxSurge and maxUnavailable cannot both be 0")


STRATEGY = Record(
    {
        "type": Str(choices=("RollingUpdate", "Recreate")),
        "rollingUpdate": Record({"maxSurge": IntOrPercent(), "maxUnavailable": IntOrPercent()}),
    },
    check=_check_strategy,
)

_replicas = Int(minimum=0, maximum=2 ** 31 - 1)

AGENT = Record(
    {
        "namespace": _dns_label,
        "replicas": _replicas,
        "resources": RESOURCES,
        "affinity": AFFINITY,
        "tolerations": TOLERATIONS,
        "autoscaling": AUTOSCALING,
        "strategy": STRATEGY,
    },
    required=("namespace", "replicas", "resources"),
)
DEPLOYMENT_SEQUENCE = MapOf(MapOf(AGENT, key=_identifier, min_items=1), key=_phase, min_items=1)


# ---------------------------------------------------------------------------
# Core services

# A service's ports by purpose: "client" is what the agents connect to, "metrics"
# what Prometheus scrapes; the others are the service's own (peers, UI).
PORTS = MapOf(Int(minimum=1, maximum=65535), key=_identifier, min_items=1)


def _service(fields=None, required=()):
    """A core service: the fields every service has, plus its own."""
    common = {
        "version": _version,
        "ports": PORTS,
        "namespace": _dns_label,
        "storage": _dns_label,
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
        super(_CoreServicePhase, self).__init__(Any(), key=_identifier, min_items=1)

    def check(self, value, path, findings):
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


CORE_SERVICES = MapOf(_CoreServicePhase(), key=_phase, min_items=1)


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


# ---------------------------------------------------------------------------
# Infrastructure

class _InstanceType(Str):
    expected = "an EC2 instance type from module_utils/capacity.py"

    def check(self, value, path, findings):
        if not isinstance(value, str):
            findings.error(path, "expected %s, got %s" % (self.expected, describe(value)))
            return INVALID
        if value not in INSTANCE_TYPES:
            families = sorted(set(name.split(".")[0] for name in INSTANCE_TYPES))
            findings.error(path, "unknown instance type %r: the capacity table (module_utils/capacity.py) knows the "
                                 "families %s; add the type there" % (value, ", ".join(families)))
            return INVALID
        return value


_TAINT = Record(
    {
        "key": _label_key,
        "value": _label_value,
        "effect": Str(choices=("NoSchedule", "PreferNoSchedule", "NoExecute")),
    },
    required=("key", "effect"),
)
_AMI_TYPES = (
    "AL2023_x86_64_STANDARD", "AL2023_x86_64_NVIDIA", "AL2023_x86_64_NEURON", "AL2023_ARM_64_STANDARD",
    "AL2_x86_64", "AL2_x86_64_GPU", "BOTTLEROCKET_x86_64", "BOTTLEROCKET_x86_64_NVIDIA", "CUSTOM",
)
_GPU_AMI_TYPES = ("AL2023_x86_64_NVIDIA", "AL2_x86_64_GPU", "BOTTLEROCKET_x86_64_NVIDIA", "CUSTOM")


def _check_node_group(cleaned, path, findings):
    count, max_count = cleaned.get("count"), cleaned.get("max_count")
    if is_int(count) and is_int(max_count) and max_count < count:
        findings.error(key_path(path, "max_count"), "max_count (%d) is smaller than count (%d)" % (max_count, count))
    labels = cleaned.get("labels") or {}
    role = cleaned.get("role")
    if NODE_ROLE_LABEL in labels and role is not None and labels[NODE_ROLE_LABEL] != role:
        findings.error(key_path(key_path(path, "labels"), NODE_ROLE_LABEL),
                       "contradicts role %r (the node-role label comes from role; leave it out of labels)" % role)
    instance_type = cleaned.get("instance_type")
    ami_type = cleaned.get("ami_type")
    if instance_type and ami_type and node_shape(instance_type)["capacity"]["gpu"] and ami_type not in _GPU_AMI_TYPES:
        findings.error(key_path(path, "ami_type"),
                       "%s has GPUs but %s has no NVIDIA driver: the nodes would advertise no %s; use one of %s" % (
                           instance_type, ami_type, GPU_RESOURCE, ", ".join(_GPU_AMI_TYPES)))


NODE_GROUP = Record(
    {
        "role": _label_value,
        "instance_type": _InstanceType(),
        "count": Int(minimum=0, maximum=2 ** 31 - 1),
        "max_count": Int(minimum=0, maximum=2 ** 31 - 1),
        "labels": _labels,
        "taints": ListOf(_TAINT),
        "ami_type": Str(choices=_AMI_TYPES),
    },
    required=("role", "instance_type", "count", "max_count"),
    check=_check_node_group,
)

# kubeadm's control-plane taint: the seed's control_plane nodes run no workloads.
CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


class _SeedNodes(Node):
    """The seed's ``nodes`` form (``worker: {count: 6+, type: c6i.8xlarge}``).

    It is an error (counts such as "6+" are bounds, not counts, and no role or taints
    are stated), but it is read as node groups so that the rest of the spec can still
    be checked against the nodes the seed describes: role = the entry's name, count =
    the number, max_count = count, and the control_plane entry tainted as kubeadm does.
    """

    def check(self, value, path, findings):
        findings.error(path, "the seed's node list cannot be deployed as written: write node_groups "
                             "(name -> role, instance_type, count, max_count, labels, taints)")
        if not isinstance(value, Mapping):
            findings.error(path, "expected a mapping of node role to {count, type}, got %s" % describe(value))
            return INVALID
        groups = {}
        for name, entry in value.items():
            entry_path = key_path(path, name)
            if not isinstance(name, str) or not isinstance(entry, Mapping):
                findings.error(entry_path, "expected a mapping with keys count, type, got %s" % describe(entry))
                continue
            count = _seed_count(entry.get("count"), key_path(entry_path, "count"), findings)
            instance_type = _InstanceType().check(entry.get("type"), key_path(entry_path, "type"), findings)
            if count is None or instance_type is INVALID:
                continue
            groups[name] = {
                "role": name, "instance_type": instance_type, "count": count, "max_count": count,
                "labels": {}, "taints": [dict(CONTROL_PLANE_TAINT)] if name == "control_plane" else [],
            }
        return groups


def _seed_count(value, path, findings):
    if is_int(value) and value >= 0:
        return value
    if isinstance(value, str) and value.endswith("+") and value[:-1].isdigit():
        findings.error(path, "%r is a lower bound, not a node count: set count: %s and max_count in node_groups" % (value, value[:-1]))
        return int(value[:-1])
    findings.error(path, "expected a node count, got %s" % describe(value))
    return None


class _KubernetesVersion(Str):
    """A minor version to deploy ("1.30"), at least the seed's 1.28."""

    def __init__(self):
        super(_KubernetesVersion, self).__init__(pattern=r"^1\.[0-9]+$", hint="a Kubernetes minor version such as '1.30'")

    def check(self, value, path, findings):
        if isinstance(value, str) and value.lstrip().startswith((">", "<", "~", "^", "=")):
            findings.error(path, "%r is a version constraint; a cluster is created with one version: write the "
                                 "minor version to deploy, such as '1.%d'" % (value, MIN_KUBERNETES_MINOR + 2))
            return INVALID
        version = super(_KubernetesVersion, self).check(value, path, findings)
        if version is not INVALID and int(version.split(".")[1]) < MIN_KUBERNETES_MINOR:
            findings.error(path, "Kubernetes %s is older than the 1.%d the seed requires" % (version, MIN_KUBERNETES_MINOR))
            return INVALID
        return version


KUBERNETES = Record(
    {
        "version": _KubernetesVersion(),
        "endpoint_access": Record({"private": Bool(), "public": Bool()}),
        # Whether a cluster autoscaler grows node groups up to max_count. Without one,
        # worst cases must fit the nodes that exist (count).
        "cluster_autoscaler": Bool(),
        "node_groups": MapOf(NODE_GROUP, key=_dns_label, min_items=1),
        "nodes": _SeedNodes(),
    },
    required=("version",),
)


def _check_storage(cleaned, path, findings):
    names = [c.get("name") for c in cleaned.get("classes") or [] if c]
    default = cleaned.get("default_class")
    if default is not None and default not in names:
        findings.error(key_path(path, "default_class"), "names no storage class (classes: %s)" % ", ".join(n for n in names if n))
    for index, volume in enumerate(cleaned.get("local_volumes") or []):
        if volume and volume.get("storage_class") not in names:
            findings.error("%s.local_volumes[%d].storage_class" % (path, index),
                           "names no storage class (classes: %s)" % ", ".join(n for n in names if n))


STORAGE = Record(
    {
        # EBS in AWS; locally, volumes pre-created by tools/local-cluster (local_volumes).
        "provisioner": Str(choices=("ebs.csi.aws.com", "kubernetes.io/no-provisioner")),
        "default_class": _dns_label,
        # The keys the storage_classes role renders; anything else would be ignored there.
        "classes": ListOf(Record(
            {
                "name": _dns_label,
                "type": Str(choices=("gp2", "gp3", "io1", "io2", "st1", "sc1")),
                "iops": Int(minimum=1),
                "throughput": Int(minimum=1),
            },
            required=("name", "type"),
        ), min_items=1, unique_key="name"),
        # Local inventories only: PersistentVolumes pre-created for the classes.
        "local_volumes": ListOf(Record(
            {"storage_class": _dns_label, "count": Int(minimum=0), "size": Quantity("memory")},
            required=("storage_class", "count", "size"),
        )),
    },
    required=("provisioner", "default_class", "classes"),
    check=_check_storage,
)


def _check_networking(cleaned, path, findings):
    vpc = cleaned.get("vpc") or {}
    cidr = vpc.get("cidr")
    subnets = vpc.get("subnets") or {}
    seen = []
    for kind in ("public", "private"):
        for index, subnet in enumerate(subnets.get(kind) or []):
            if subnet is None:
                continue
            subnet_path = "%s.vpc.subnets.%s[%d]" % (path, kind, index)
            if cidr is not None and (subnet.version != cidr.version or not subnet.subnet_of(cidr)):
                findings.error(subnet_path, "%s is not inside the VPC's %s" % (subnet, cidr))
            for other_path, other in seen:
                if subnet.version == other.version and subnet.overlaps(other):
                    findings.error(subnet_path, "%s overlaps %s (%s)" % (subnet, other, other_path))
            seen.append((subnet_path, subnet))


NETWORKING = Record(
    {
        "vpc": Record(
            {
                "cidr": Cidr(),
                "subnets": Record({"public": ListOf(Cidr()), "private": ListOf(Cidr(), min_items=1)}, required=("private",)),
                "nat_gateways": Str(choices=("one_per_az", "single", "none")),
            },
            required=("cidr", "subnets"),
        ),
        "load_balancers": Record({"internal": Bool(), "external": Bool()}),
    },
    required=("vpc",),
    check=_check_networking,
)


def _check_infrastructure(cleaned, path, findings):
    kubernetes = cleaned.get("kubernetes") or {}
    if "node_groups" not in kubernetes and "nodes" not in kubernetes and "kubernetes" in cleaned:
        findings.error(key_path(key_path(path, "kubernetes"), "node_groups"),
                       "required key is missing: expected a mapping of node group name to "
                       "{role, instance_type, count, max_count, labels, taints}")
    if cleaned.get("provider") != "aws":
        return
    zones = cleaned.get("availability_zones") or []
    if len([z for z in zones if z]) < 2:
        findings.error(key_path(path, "availability_zones"), "EKS needs subnets in at least two availability zones")
    for name, group in (kubernetes.get("node_groups") or {}).items():
        instance_type = group.get("instance_type")
        if instance_type and node_shape(instance_type)["capacity"]["gpu"] and "ami_type" not in group:
            findings.error("%s.kubernetes.node_groups.%s.ami_type" % (path, name),
                           "required for %s: EKS's default AMI has no NVIDIA driver, so the nodes would advertise "
                           "no %s; use AL2023_x86_64_NVIDIA" % (instance_type, GPU_RESOURCE))


INFRASTRUCTURE = Record(
    {
        "provider": Str(choices=("aws", "local")),
        "region": Str(),
        "availability_zones": ListOf(Str(), min_items=1),
        "cluster_name": _dns_label,
        "kubernetes": KUBERNETES,
        "networking": NETWORKING,
        "storage": STORAGE,
    },
    required=("provider", "region", "availability_zones", "cluster_name", "kubernetes", "networking", "storage"),
    check=_check_infrastructure,
)


def node_groups(infrastructure):
    """The cleaned node groups, from node_groups or (read as such) the seed's nodes."""
    kubernetes = infrastructure.get("kubernetes") or {}
    if "node_groups" in kubernetes:
        return kubernetes["node_groups"]
    return kubernetes.get("nodes") or {}


# ---------------------------------------------------------------------------
# Namespaces

_QUOTA_COUNT_KEY = Str(
    pattern=r"^(pods|services|secrets|configmaps|persistentvolumeclaims|replicationcontrollers|resourcequotas|"
            r"services\.loadbalancers|services\.nodeports|count/[a-z0-9.-]+)$",
    hint="an object count such as pods, services, secrets, persistentvolumeclaims or count/<resource> "
         "(CPU, memory and GPU quotas come from the namespace's shares)")

ENVIRONMENT_CONFIG = Record(
    {
        "namespaces": ListOf(Record(
            {
                "name": _dns_label,
                "pod_security": Str(choices=("privileged", "baseline", "restricted")),
                "labels": _labels,
                "resources": Record(
                    {"cpu_limit": Percent(), "memory_limit": Percent(), "gpu_limit": Percent()},
                    required=("cpu_limit", "memory_limit"),
                ),
            },
            required=("name", "resources"),
        ), min_items=1, unique_key="name"),
        "resource_quotas": MapOf(MapOf(Int(minimum=0), key=_QUOTA_COUNT_KEY), key=_dns_label),
    },
    required=("namespaces",),
)


# ---------------------------------------------------------------------------
# Service configuration, security, procedures

def _check_interval_timeout(cleaned, path, findings):
    interval, timeout = cleaned.get("interval"), cleaned.get("timeout")
    if interval is not None and timeout is not None and timeout >= interval:
        findings.error(key_path(path, "timeout"), "timeout must be shorter than the interval, or checks overlap")


_TRAFFIC_POLICY = Record(
    {
        "name": Str(choices=("retry", "circuit_breaker", "timeout")),
        "attempts": Int(minimum=1),
        "timeout": Duration(),
        "consecutive_errors": Int(minimum=1),
        "interval": Duration(),
    },
    required=("name",),
)

# Added keys (docs/seed-deviations.md): what the ingress exposes, where the agents send
# spans, which logging stack gets the retention, and how every agent serves.
_HOSTNAME = Str(pattern=r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", hint="a DNS host name such as 'api.example.com'")
_URL = Str(pattern=r"^https?://[^\s/]+(:[0-9]{1,5})?(/\S*)?$", hint="a URL such as 'http://host:4317'")
_HTTP_PATH = Str(pattern=r"^/[^\s]*$", hint="an HTTP path starting with '/'")
# A browser origin (scheme://host[:port]); '*' only when written explicitly.
_ORIGIN = Str(pattern=r"^(\*|https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?)$",
              hint="an origin such as 'https://console.example.com' (no path, no trailing '/')")
_PORT_NUMBER = Int(minimum=1, maximum=65535)

INGRESS_HOSTS = ListOf(Record(
    {
        "host": _HOSTNAME,
        "paths": ListOf(Record({"path": _HTTP_PATH, "agent": _identifier}, required=("path", "agent")), min_items=1),
    },
    required=("host", "paths"),
), unique_key="host")

AGENT_ENDPOINTS = Record(
    {
        "ports": Record({"http": _PORT_NUMBER, "metrics": _PORT_NUMBER}, required=("http", "metrics")),
        "health": Record({"liveness": _HTTP_PATH, "readiness": _HTTP_PATH}, required=("liveness", "readiness")),
        "metrics_path": _HTTP_PATH,
    },
    required=("ports", "health"),
)

SERVICE_CONFIGURATION = Record(
    {
        "networking": Record({
            "service_mesh": Record(
                {"enabled": Bool(), "provider": Str(choices=("istio",)), "mtls": Bool(),
                 "traffic_policies": ListOf(_TRAFFIC_POLICY, unique_key="name")},
                required=("enabled",)),
            "ingress": Record({"enabled": Bool(), "class": _dns_label, "ssl": Bool(), "cors": Bool(),
                               "hosts": INGRESS_HOSTS, "cors_allowed_origins": ListOf(_ORIGIN)},
                              required=("enabled",)),
            "service_discovery": Record(
                {
                    "method": Str(choices=("consul", "kubernetes")),
                    "health_checks": Record(
                        {"interval": Duration(), "timeout": Duration(), "retries": Int(minimum=1)},
                        required=("interval", "timeout"), check=_check_interval_timeout),
                },
                required=("method",)),
        }),
        "agent_endpoints": AGENT_ENDPOINTS,
        "monitoring": Record({
            "metrics": Record(
                {
                    "scrape_interval": Duration(),
                    "retention": Duration(),
                    "rules": ListOf(Record(
                        {"alert": Str(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", hint="an alert name"), "expr": Str(),
                         "for": Duration(), "labels": MapOf(Str()), "annotations": MapOf(Str())},
                        required=("alert", "expr")), unique_key="alert"),
                },
                required=("scrape_interval", "retention")),
            "logging": Record(
                {
                    "format": Str(choices=("json", "text", "logfmt")),
                    "retention": Duration(),
                    "indexes": ListOf(Record({"name": _dns_label, "retention": Duration()}, required=("name", "retention")),
                                      unique_key="name"),
                    "collector": Str(choices=("fluent-bit",)),
                    "backend": Record({"type": Str(choices=("opensearch",)), "endpoint": _URL}, required=("type", "endpoint")),
                },
                required=("retention",)),
            "tracing": Record(
                {
                    "enabled": Bool(),
                    "sampling_rate": Number(0, 1),
                    "collector": Record({"endpoint": _URL, "protocol": Str(choices=("grpc", "http/protobuf"))},
                                        required=("endpoint",)),
                },
                required=("enabled",)),
        }),
    },
)

_SELECTOR = Record({
    "matchLabels": _labels,
    "matchExpressions": ListOf(_SELECTOR_REQUIREMENT),
})
_PEER = Record({
    "namespaceSelector": _SELECTOR,
    "podSelector": _SELECTOR,
    "ipBlock": Record({"cidr": Cidr(), "except": ListOf(Cidr())}, required=("cidr",)),
})


class _Port(Node):
    """A port number or an IANA service name ("dns")."""

    def check(self, value, path, findings):
        if is_int(value) and 1 <= value <= 65535:
            return value
        if isinstance(value, str) and value and len(value) <= 15 and value.replace("-", "").isalnum() and value.islower():
            return value
        findings.error(path, "expected a port number from 1 to 65535 or a port name, got %s" % describe(value))
        return INVALID


_PORT = Record({
    "protocol": Str(choices=("TCP", "UDP", "SCTP")),
    "port": _Port(),
    "endPort": Int(minimum=1, maximum=65535),
})
_PEERS_HINT = "a NetworkPolicy rule takes a list of peers: write '- namespaceSelector: ...'"

NETWORK_POLICY = Record({
    "ingress": ListOf(Record({"from": ListOf(_PEER, single_hint=_PEERS_HINT), "ports": ListOf(_PORT)})),
    "egress": ListOf(Record({"to": ListOf(_PEER, single_hint=_PEERS_HINT), "ports": ListOf(_PORT)})),
    # true: the network policy role adds an egress rule to the cluster DNS itself.
    "allow_dns_egress": Bool(),
})


def _check_rbac(cleaned, path, findings):
    roles = set(r.get("name") for r in cleaned.get("roles") or [] if r)
    for name in cleaned.get("bindings") or {}:
        if name not in roles:
            findings.error(key_path(key_path(path, "bindings"), name),
                           "names no role of %s.roles (%s)" % (path, ", ".join(sorted(r for r in roles if r)) or "none"))


_VERBS = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection",
          "impersonate", "bind", "escalate", "use", "approve", "sign", "*")


class _CertificateDuration(Duration):
    """A certificate lifetime in hours, days or weeks ("2160h", "90d"), as seconds.

    cert-manager takes Go durations (hours at most), which the roles convert these to;
    shorter units make no sense for a certificate."""

    expected = "a duration in hours, days or weeks such as '2160h' or '90d'"

    def check(self, value, path, findings):
        if isinstance(value, str) and value[-1:] not in ("h", "d", "w") and parse_duration(value) is not None:
            findings.error(path, "expected %s, got %r" % (self.expected, value))
            return INVALID
        return super(_CertificateDuration, self).check(value, path, findings)


def _check_certificates(cleaned, path, findings):
    duration, renew_before = cleaned.get("duration"), cleaned.get("renew_before")
    if duration is not None and renew_before is not None and renew_before >= duration:
        findings.error(key_path(path, "renew_before"),
                       "must be shorter than %s (the whole lifetime): the certificate would be renewed as soon as "
                       "it is issued" % key_path(path, "duration"))
    if cleaned.get("auto_renewal") is False:
        findings.error(key_path(path, "auto_renewal"),
                       "cert-manager renews every certificate it manages before it expires, it cannot be told not to; "
                       "write true (renew_before says when)")
    internal = cleaned.get("internal") or {}
    if internal.get("issuer") is not None and internal.get("issuer") == cleaned.get("issuer"):
        findings.error(key_path(key_path(path, "internal"), "issuer"),
                       "names the same ClusterIssuer as %s (%s): the public ACME issuer and the internal CA need "
                       "different names" % (key_path(path, "issuer"), internal["issuer"]))


_CERTIFICATES = Record(
    {
        "issuer": _dns_label,
        "duration": _CertificateDuration(),
        "renew_before": _CertificateDuration(),
        "auto_renewal": Bool(),
        # The ACME account of the public issuer (Let's Encrypt).
        "acme": Record({
            "server": Str(pattern=r"^https://[^\s/]+(/\S*)?$", hint="the https URL of an ACME directory"),
            "email": Str(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", hint="an e-mail address"),
        }, required=("server",)),
        # The in-cluster CA: its ClusterIssuer and the core services it certifies.
        "internal": Record({
            "issuer": _dns_label,
            "services": ListOf(_identifier),
        }, required=("issuer",)),
    },
    required=("issuer", "duration"),
    check=_check_certificates)

SECURITY_SETUP = Record(
    {
        "authentication": Record({
            "certificates": _CERTIFICATES,
            "identity": Record(
                {"provider": Str(choices=("vault",)),
                 "auth_methods": ListOf(Str(choices=("kubernetes", "tls", "approle", "jwt", "oidc", "userpass", "token", "aws")),
                                        min_items=1)},
                required=("provider",)),
            "rbac": Record({
                # Cluster role name -> the groups bound to it (the rbac role renders them).
                "bindings": MapOf(ListOf(Str(), min_items=1)),
                "roles": ListOf(Record(
                    {
                        "name": Str(pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", hint="a Kubernetes object name"),
                        "rules": ListOf(Record(
                            {
                                "apiGroups": ListOf(Str()),
                                "resources": ListOf(Str()),
                                "resourceNames": ListOf(Str()),
                                "nonResourceURLs": ListOf(Str()),
                                "verbs": ListOf(Str(choices=_VERBS), min_items=1),
                            },
                            required=("verbs",)), min_items=1),
                    },
                    required=("name", "rules")), unique_key="name"),
            }, check=_check_rbac),
        }),
        "network_policies": Record({"default": NETWORK_POLICY}),
    },
)

_STEPS = ListOf(_identifier, min_items=1)
PROCEDURE = MapOf(_STEPS, key=_phase, min_items=1)

NOTIFICATION_CLASSES = ("immediate", "standard")


def _check_notifications(cleaned, path, findings):
    """Every alert's notification class is routed, to a receiver that exists."""
    alerts = cleaned.get("alerts") or []
    routes = cleaned.get("notifications")
    # Invalid items are None (reported already); they route nothing.
    receivers = [r["name"] for r in cleaned.get("receivers") or [] if r and r.get("name")]
    used = sorted(set(a["notification"] for a in alerts if a and a.get("notification")))
    if used and routes is None:
        findings.error(key_path(path, "notifications"),
                       "required key is missing: the alerts use the notification classes %s, and each needs a "
                       "route to a receiver (receiver, group_wait, group_interval, repeat_interval)" % ", ".join(used))
        return
    for name in used:
        if name not in (routes or {}):
            findings.error(key_path(key_path(path, "notifications"), name),
                           "required key is missing: alerts use the notification class %s" % name)
    for name, route in (routes or {}).items():
        receiver = (route or {}).get("receiver")
        if receiver is not None and receiver not in receivers:
            findings.error(key_path(key_path(key_path(path, "notifications"), name), "receiver"),
                           "%r is not one of health_monitoring.receivers (%s)" % (receiver, ", ".join(receivers) or "none"))


# How Alertmanager groups and repeats the notifications of one class.
_NOTIFICATION_ROUTE = Record(
    {
        "receiver": _dns_label,
        "group_wait": Duration(positive=False),
        "group_interval": Duration(),
        "repeat_interval": Duration(),
    },
    required=("receiver", "group_wait", "group_interval", "repeat_interval"),
)

HEALTH_MONITORING = Record(
    {
        "system_checks": ListOf(Record(
            {"name": _identifier, "interval": Duration(), "timeout": Duration()},
            required=("name", "interval", "timeout"), check=_check_interval_timeout), unique_key="name"),
        "alerts": ListOf(Record(
            {"name": _identifier, "severity": Str(choices=("critical", "warning", "info")),
             "notification": Str(choices=NOTIFICATION_CLASSES),
             # What the alert watches: a PromQL expression, how long it must hold, and
             # the line a notification carries. Without expr no Prometheus can fire it.
             "expr": Str(pattern=r"\s*\S", hint="a PromQL expression"), "for": Duration(positive=False), "summary": Str()},
            required=("name", "severity", "notification", "expr"),
            missing_hint={"expr": "the PromQL expression that fires the alert"}), unique_key="name"),
        "notifications": Record(dict((name, _NOTIFICATION_ROUTE) for name in NOTIFICATION_CLASSES)),
        "receivers": ListOf(Record(
            {"name": _dns_label,
             "webhook_url": Str(pattern=r"^https?://[^ ]+$", hint="an http(s) URL")},
            required=("name", "webhook_url")), min_items=1, unique_key="name"),
    },
    check=_check_notifications,
)

BACKUP_PERIODS = {"hourly": 3600, "daily": 86400, "weekly": 604800, "monthly": 2678400}
# What each kind of backup holds (module_utils/backup_options.py implements each component).
BACKUP_COMPONENTS = {
    "system_state": ("kubernetes", "consul", "rabbitmq", "redis", "mongodb", "neo4j"),
    "model_registry": ("models",),
    "metrics": ("prometheus",),
}
# A cron expression of the five standard fields (what a CronJob's schedule takes).
_CRON = Str(pattern=r"^\S+ \S+ \S+ \S+ \S+$", hint="a cron expression of five fields such as '5 * * * *'")
_BUCKET = Str(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", hint="an S3 bucket name")
_S3_PREFIX = Str(pattern=r"^[A-Za-z0-9!_.*'()/-]*$", hint="an S3 key prefix such as 'platform' or 'registry/'")
_ENDPOINT_URL = Str(pattern=r"^https?://[^\s/]+(:[0-9]{1,5})?(/\S*)?$", hint="a URL such as 'https://s3.eu-west-1.amazonaws.com'")


def _schedule_period(schedule):
    """The period a cron schedule repeats with, for the schedules a frequency names (None
    for other shapes): 'M * * * *' hourly, 'M H * * *' daily, 'M H * * D' weekly,
    'M H D * *' monthly, with M, H, D and the weekday single numbers."""
    fields = schedule.split()
    fixed = [field.isdigit() for field in fields]
    if fixed == [True, False, False, False, False] and fields[1:] == ["*"] * 4:
        return BACKUP_PERIODS["hourly"]
    if fixed[:2] == [True, True] and fields[2:] == ["*"] * 3:
        return BACKUP_PERIODS["daily"]
    if fixed[:2] == [True, True] and fields[2:4] == ["*", "*"] and fixed[4]:
        return BACKUP_PERIODS["weekly"]
    if fixed[:3] == [True, True, True] and fields[3:] == ["*", "*"]:
        return BACKUP_PERIODS["monthly"]
    return None


def _check_backup(cleaned, path, findings):
    period = BACKUP_PERIODS.get(cleaned.get("frequency"))
    retention = cleaned.get("retention")
    if period is not None and retention is not None and retention < period:
        findings.error(key_path(path, "retention"),
                       "shorter than the %s frequency: each backup would expire before the next one is taken" % cleaned["frequency"])
    schedule = cleaned.get("schedule")
    if period is not None and schedule is not None and _schedule_period(schedule) != period:
        findings.error(key_path(path, "schedule"),
                       "%r does not run %s (hourly: 'M * * * *', daily: 'M H * * *', weekly: 'M H * * D', "
                       "monthly: 'M H D * *')" % (schedule, cleaned["frequency"]))


def _backup_kind(kind, fields=None, required=(), types=("full", "incremental")):
    common = {
        "frequency": Str(choices=tuple(BACKUP_PERIODS)),
        "retention": Duration(),
        "type": Str(choices=types),
        # Added: when the backup CronJob runs (default: from the frequency).
        "schedule": _CRON,
        # Added: what the backup holds (default: all of the kind's components).
        "components": ListOf(Str(choices=BACKUP_COMPONENTS[kind]), min_items=1),
    }
    common.update(fields or {})
    return Record(common, required=("frequency", "retention", "type") + tuple(required), check=_check_backup,
                  missing_hint={"source": "where the learning pipeline's models live: bucket and prefix"})


BACKUP_STORE = Record(
    {
        "bucket": _BUCKET,
        "prefix": _S3_PREFIX,
        "region": Str(pattern=r"^[a-z0-9-]+$", hint="an AWS region such as 'eu-west-1'"),
        # For an S3 API other than AWS's (a VPC endpoint, or an emulator in tests).
        "endpoint_url": _ENDPOINT_URL,
        "server_side_encryption": Str(choices=("AES256", "aws:kms")),
        "kms_key_id": Str(),
    },
    required=("bucket", "prefix", "region"),
)


def _check_backup_store(cleaned, path, findings):
    store = cleaned.get("store") or {}
    if store.get("kms_key_id") and store.get("server_side_encryption") == "AES256":
        findings.error(key_path(key_path(path, "store"), "kms_key_id"),
                       "a KMS key is used with server_side_encryption aws:kms, not AES256")


BACKUP_PROCEDURES = Record(
    {
        "system_state": _backup_kind("system_state"),
        "model_registry": _backup_kind("model_registry", {
            # Added: where the model registry lives (an S3 prefix the learning pipeline writes).
            "source": Record({"bucket": _BUCKET, "prefix": _S3_PREFIX}, required=("bucket",)),
        }, required=("source",)),
        "metrics": _backup_kind("metrics", types=("snapshot",)),
        # Added: where the backups go.
        "store": BACKUP_STORE,
    },
    required=("system_state", "model_registry", "metrics", "store"),
    check=_check_backup_store,
)

# "queue_depth > 1000", "cpu_usage > 75%": what the scaling runbook evaluates.
TRIGGER = Str(
    pattern=r"^(queue_depth|cpu_usage|memory_usage) *(>|>=|<|<=) *[0-9]+(\.[0-9]+)?%?$",
    hint="a trigger such as 'queue_depth > 1000', 'cpu_usage > 75%' or 'memory_usage > 80%'")

SCALING_PROCEDURES = Record({
    "horizontal": MapOf(Record(
        {
            "trigger": TRIGGER,
            "step": Int(minimum=1),
            "cooldown": Duration(),
            # The most replicas the runbook scales to. With an HPA the runbook moves the
            # HPA's bounds instead, and autoscaling.max is the bound.
            "max_replicas": Int(minimum=1, maximum=2 ** 31 - 1),
        },
        required=("trigger", "step", "cooldown"),
    ), key=_identifier),
    "vertical": MapOf(Record(
        {
            "trigger": TRIGGER,
            "increment": Quantity(),
            "cooldown": Duration(),
            # The largest limit the runbook raises to; requests rise by the same steps.
            "max_limit": Quantity(),
        },
        required=("trigger", "increment", "cooldown"),
    ), key=_identifier),
})

# Seed sections that describe operator procedures (runbooks read them).
PREPARATION = MapOf(_STEPS, key=_phase)
RECOVERY_PROCEDURES = MapOf(_STEPS, key=_identifier)
TROUBLESHOOTING_GUIDE = MapOf(ListOf(Record(
    {"symptom": Str(), "diagnosis": _STEPS, "resolution": _STEPS},
    required=("symptom", "diagnosis", "resolution"),
)), key=_identifier)


# ---------------------------------------------------------------------------
# The whole spec

SECTIONS = {
    "infrastructure": INFRASTRUCTURE,
    "environment_config": ENVIRONMENT_CONFIG,
    "core_services": CORE_SERVICES,
    "deployment_sequence": DEPLOYMENT_SEQUENCE,
    "service_configuration": SERVICE_CONFIGURATION,
    "security_setup": SECURITY_SETUP,
    "startup_procedures": PROCEDURE,
    "shutdown_procedures": PROCEDURE,
    "health_monitoring": HEALTH_MONITORING,
    "backup_procedures": BACKUP_PROCEDURES,
    "scaling_procedures": SCALING_PROCEDURES,
}
OPTIONAL_SECTIONS = {
    "preparation": PREPARATION,
    "troubleshooting_guide": TROUBLESHOOTING_GUIDE,
    "recovery_procedures": RECOVERY_PROCEDURES,
}


def validate(spec, findings=None):
    """Check the spec's structure. Returns ``(cleaned, findings)``.

    ``cleaned`` maps each top-level key to its cleaned value; a section that is missing
    or not even of the right type is absent. A top-level key whose value is None counts
    as missing (a playbook passes ``infrastructure | default(None)``).
    """
    findings = findings or Findings()
    cleaned = {}
    if not isinstance(spec, Mapping):
        findings.error("spec", "expected a mapping of the platform spec's top-level keys (%s), got %s" % (
            ", ".join(SECTIONS), describe(spec)))
        return cleaned, findings
    for key, schema in SECTIONS.items():
        if spec.get(key) is None:
            findings.error(key, "required key is missing: the platform spec's %s (inventories put it in "
                                "group_vars/all/%s.yml)" % (key, key))
            continue
        result = schema.check(spec[key], key, findings)
        if result is not INVALID:
            cleaned[key] = result
    for key, value in spec.items():
        if key in SECTIONS:
            continue
        if key in OPTIONAL_SECTIONS:
            if value is not None:
                result = OPTIONAL_SECTIONS[key].check(value, key, findings)
                if result is not INVALID:
                    cleaned[key] = result
            continue
        findings.warning(key_path("", key), "not part of the platform spec (known: %s); not checked" % ", ".join(
            list(SECTIONS) + list(OPTIONAL_SECTIONS)))
    return cleaned, findings
