# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The spec's infrastructure (node groups, Kubernetes, storage, networking) and
environment_config (namespaces and their shares)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mas.platform.plugins.module_utils.preflight.capacity import (
    GPU_RESOURCE,
    INSTANCE_TYPES,
    node_shape,
)
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import (
    Bool,
    Cidr,
    describe,
    Int,
    INVALID,
    is_int,
    key_path,
    ListOf,
    MapOf,
    Mapping,
    Node,
    Percent,
    Quantity,
    quote,
    Record,
    Str,
)
from ansible_collections.mas.platform.plugins.module_utils.spec.addons import ADDONS
from ansible_collections.mas.platform.plugins.module_utils.spec.aws import Region, VPC_PREFIXES, zone_region
from ansible_collections.mas.platform.plugins.module_utils.spec.common import (
    MIN_KUBERNETES_MINOR,
    NODE_ROLE_LABEL,
    RESOURCES,
)
from ansible_collections.mas.platform.plugins.module_utils.spec.kubernetes import (
    dns_label as _dns_label,
    label_value as _label_value,
    labels as _labels,
    TAINTS,
    TOLERATIONS,
)


# ---------------------------------------------------------------------------
# Infrastructure

class _InstanceType(Str):
    expected = "an EC2 instance type from module_utils/preflight/capacity.py"

    def check(self, value, path, findings):
        if not isinstance(value, str):
            findings.error(path, "expected %s, got %s" % (self.expected, describe(value)))
            return INVALID
        if value not in INSTANCE_TYPES:
            families = sorted(set(name.split(".")[0] for name in INSTANCE_TYPES))
            findings.error(path, "unknown instance type %s: the capacity table (module_utils/preflight/capacity.py) knows the "
                                 "families %s; add the type there" % (quote(value), ", ".join(families)))
            return INVALID
        return value


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
        "taints": TAINTS,
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
    if is_int(value) and 0 <= value <= 2 ** 31 - 1:
        return value
    # ASCII digits only: str.isdigit() is true for "²", which int() refuses.
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}\+", value):
        findings.error(path, "%r is a lower bound, not a node count: set count: %s and max_count in node_groups" % (value, value[:-1]))
        return int(value[:-1])
    findings.error(path, "expected a node count, got %s" % describe(value))
    return None


class _KubernetesVersion(Str):
    """A minor version to deploy ("1.30"), at least the seed's 1.28."""

    def __init__(self):
        super(_KubernetesVersion, self).__init__(pattern=r"1\.[0-9]{1,3}", hint="a Kubernetes minor version such as '1.30'")

    def check(self, value, path, findings):
        if isinstance(value, str) and value.lstrip().startswith((">", "<", "~", "^", "=")):
            findings.error(path, "%s is a version constraint; a cluster is created with one version: write the "
                                 "minor version to deploy, such as '1.%d'" % (quote(value), MIN_KUBERNETES_MINOR + 2))
            return INVALID
        version = super(_KubernetesVersion, self).check(value, path, findings)
        if version is not INVALID and int(version.split(".")[1]) < MIN_KUBERNETES_MINOR:
            findings.error(path, "Kubernetes %s is older than the 1.%d the seed requires" % (version, MIN_KUBERNETES_MINOR))
            return INVALID
        return version


# DaemonSets that run on every node they tolerate (aws-node, kube-proxy, the EBS CSI
# node plugin, a log collector): the preflight takes their requests from each node
# before it places the platform's pods. The platform deploys none of them itself.
_daemonsets = MapOf(Record(
    {
        "resources": RESOURCES,
        "nodeSelector": _labels,
        "tolerations": TOLERATIONS,
    },
    required=("resources",),
), key=Str(pattern=r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", hint="a DaemonSet name", max_length=63))


KUBERNETES = Record(
    {
        "version": _KubernetesVersion(),
        "endpoint_access": Record({"private": Bool(), "public": Bool()}),
        # Whether a cluster autoscaler grows node groups up to max_count. Without one,
        # worst cases must fit the nodes that exist (count).
        "cluster_autoscaler": Bool(),
        "node_groups": MapOf(NODE_GROUP, key=_dns_label, min_items=1),
        "nodes": _SeedNodes(),
        "daemonsets": _daemonsets,
        # The cluster add-ons the platform relies on, each installed, provided or none
        # (spec/addons.py).
        "addons": ADDONS,
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
                "cidr": Cidr(version=4, prefixes=VPC_PREFIXES),
                "subnets": Record({"public": ListOf(Cidr(version=4, prefixes=VPC_PREFIXES)),
                                   "private": ListOf(Cidr(version=4, prefixes=VPC_PREFIXES), min_items=1)}, required=("private",)),
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
    region = Region().check(cleaned.get("region"), key_path(path, "region"), findings) if "region" in cleaned else INVALID
    zones = cleaned.get("availability_zones") or []
    if len([z for z in zones if z]) < 2:
        findings.error(key_path(path, "availability_zones"), "EKS needs subnets in at least two availability zones")
    for index, zone in enumerate(zones):
        if zone is not None and region is not INVALID and zone_region(zone) != region:
            findings.error("%s.availability_zones[%d]" % (path, index),
                           "%s is not an availability zone of %s (those are named %sa, %sb, ...)" % (quote(zone), region, region, region))
    for name, group in (kubernetes.get("node_groups") or {}).items():
        instance_type = group.get("instance_type")
        if instance_type and node_shape(instance_type)["capacity"]["gpu"] and "ami_type" not in group:
            findings.error("%s.kubernetes.node_groups.%s.ami_type" % (path, name),
                           "required for %s: EKS's default AMI has no NVIDIA driver, so the nodes would advertise "
                           "no %s; use AL2023_x86_64_NVIDIA" % (instance_type, GPU_RESOURCE))


INFRASTRUCTURE = Record(
    {
        "provider": Str(choices=("aws", "local")),
        # An AWS region with provider aws (checked in _check_infrastructure), else a name.
        "region": Str(pattern=r"[a-z0-9]([-a-z0-9]{0,62})", hint="a region such as 'eu-west-1'"),
        "availability_zones": ListOf(Str(pattern=r"[a-z0-9]([-a-z0-9]{0,62})", hint="an availability zone such as 'eu-west-1a'"),
                                     min_items=1, unique=True),
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
