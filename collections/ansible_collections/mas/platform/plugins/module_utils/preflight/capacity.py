# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Instance types, node allocatable and Kubernetes quantities.

One table and one allocatable computation, used by the preflight (does a pod fit?),
by the quota resolution (what is 80 % of the cluster?) and by the local cluster's fake
nodes (what does a c6i.8xlarge offer?), so that the three can never disagree.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

# vCPU, memory in GiB, NVIDIA GPUs. Sizes follow the EC2 naming scheme; the
# families below share the vCPU count per size and differ in memory per vCPU.
_SIZE_VCPU = {
    "large": 2,
    "xlarge": 4,
    "2xlarge": 8,
    "4xlarge": 16,
    "8xlarge": 32,
    "12xlarge": 48,
    "16xlarge": 64,
    "24xlarge": 96,
}
_GIB_PER_VCPU = {"c": 2, "m": 4, "r": 8}
_GENERAL_FAMILIES = ("c5", "m5", "r5", "c6i", "m6i", "r6i", "c7i", "m7i", "r7i", "c6a", "m6a", "r6a")

INSTANCE_TYPES = {}
for _family in _GENERAL_FAMILIES:
    for _size, _vcpu in _SIZE_VCPU.items():
        INSTANCE_TYPES["%s.%s" % (_family, _size)] = (_vcpu, _vcpu * _GIB_PER_VCPU[_family[0]], 0)
    if _family in ("c6i", "m6i", "r6i", "c7i", "m7i", "r7i", "c6a", "m6a", "r6a"):
        INSTANCE_TYPES["%s.32xlarge" % _family] = (128, 128 * _GIB_PER_VCPU[_family[0]], 0)
# c5 has its own odd sizes instead of 8xlarge and 16xlarge.
for _size in ("8xlarge", "16xlarge"):
    INSTANCE_TYPES.pop("c5.%s" % _size)
INSTANCE_TYPES.update({"c5.9xlarge": (36, 72, 0), "c5.18xlarge": (72, 144, 0)})

# GPU families: (vCPU, GiB, GPUs) per size, from the EC2 documentation.
_GPU_SIZES = {
    "xlarge": (4, 16, 1),
    "2xlarge": (8, 32, 1),
    "4xlarge": (16, 64, 1),
    "8xlarge": (32, 128, 1),
    "12xlarge": (48, 192, 4),
    "16xlarge": (64, 256, 1),
    "24xlarge": (96, 384, 4),
    "48xlarge": (192, 768, 8),
}
for _family in ("g5", "g6"):
    for _size, _shape in _GPU_SIZES.items():
        INSTANCE_TYPES["%s.%s" % (_family, _size)] = _shape
INSTANCE_TYPES.update({
    "g4dn.xlarge": (4, 16, 1),
    "g4dn.2xlarge": (8, 32, 1),
    "g4dn.4xlarge": (16, 64, 1),
    "g4dn.8xlarge": (32, 128, 1),
    "g4dn.12xlarge": (48, 192, 4),
    "g4dn.16xlarge": (64, 256, 1),
    "g4dn.metal": (96, 384, 8),
    "p3.2xlarge": (8, 61, 1),
    "p3.8xlarge": (32, 244, 4),
    "p3.16xlarge": (64, 488, 8),
    "p4d.24xlarge": (96, 1152, 8),
    "p5.48xlarge": (192, 2048, 8),
})

GPU_RESOURCE = "nvidia.com/gpu"
MIB = 1024 * 1024
GIB = 1024 * MIB


class QuantityError(ValueError):
    """A Kubernetes quantity that cannot be parsed."""


# Kubernetes' quantity grammar (k8s.io/apimachinery/pkg/api/resource, parseQuantityString
# and suffixHandler.interpret): a signed decimal number, then one suffix: a decimal SI
# one (n, u, m, k, M, G, T, P, E), a binary SI one (Ki ... Ei) or an exponent (e3,
# E-2), never two ("32e0Gi" is refused). Unlike the API, a number without any digit
# ("Gi", "." or "+", which the API reads as 0) is refused too: it is always a mistake.
_QUANTITY = re.compile(r"([+-]?(?=\.?[0-9])[0-9]*(?:\.[0-9]*)?)([KMGTPE]i|[eE][+-]?[0-9]+|[numkMGTPE])?")
_SUFFIX = {
    None: Decimal(1),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("0.001"),
    "k": Decimal(10) ** 3,
    "M": Decimal(10) ** 6,
    "G": Decimal(10) ** 9,
    "T": Decimal(10) ** 12,
    "P": Decimal(10) ** 15,
    "E": Decimal(10) ** 18,
    "Ki": Decimal(2) ** 10,
    "Mi": Decimal(2) ** 20,
    "Gi": Decimal(2) ** 30,
    "Ti": Decimal(2) ** 40,
    "Pi": Decimal(2) ** 50,
    "Ei": Decimal(2) ** 60,
}
# Longer than any sensible quantity; keeps Decimal's work bounded.
_QUANTITY_TEXT_MAX = 40


# Kubernetes stores quantities in 64 bits; anything larger is a typo, and keeping
# numbers bounded keeps every sum the preflight makes within Decimal's range.
_QUANTITY_MAX = Decimal(2) ** 63


def _shown(value):
    """A value for parse_quantity's message: never more than 60 characters of it."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) > _QUANTITY_MAX:
        return "a %d-bit number" % value.bit_length()
    if isinstance(value, str) and len(value) > 60:
        return "%r... (%d characters)" % (value[:60], len(value))
    if value is None or isinstance(value, (str, int, float)):
        return repr(value)
    return "a %s" % ("mapping" if isinstance(value, dict) else "list" if isinstance(value, (list, tuple)) else type(value).__name__)


def parse_quantity(value):
    """Return a Kubernetes quantity ("500m", "16Gi", 4, "2") as a Decimal.

    Raises QuantityError for anything else (booleans, None, lists, "16 GB", "32e0Gi",
    a trailing newline, NaN, infinities, values beyond the 64-bit range Kubernetes
    stores). The message quotes at most 60 characters of the value.
    """
    message = "expected a Kubernetes quantity such as '2', '500m' or '16Gi', got %s" % _shown(value)
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise QuantityError(message)
    text = repr(value) if isinstance(value, float) else value if isinstance(value, str) else None
    try:
        if text is None:
            if abs(value) > _QUANTITY_MAX:
                raise QuantityError(message)
            number = Decimal(value)
        else:
            match = _QUANTITY.fullmatch(text) if len(text) <= _QUANTITY_TEXT_MAX else None
            if not match:
                raise QuantityError(message)
            number = Decimal(match.group(1)) * _SUFFIX[match.group(2)] if match.group(2) in _SUFFIX or match.group(2) is None \
                else Decimal(match.group(1)).scaleb(int(match.group(2)[1:]))
        if not number.is_finite() or abs(number) > _QUANTITY_MAX:
            raise QuantityError(message)
    except (InvalidOperation, ArithmeticError, ValueError):
        # An exponent beyond Decimal's range.
        raise QuantityError(message)
    return number


def format_cpu(cores):
    """Format CPU cores as a quantity in millicores ("15890m")."""
    return "%dm" % int(Decimal(cores) * 1000)


def format_memory(num_bytes):
    """Format bytes as a quantity in MiB ("27648Mi"), rounded down."""
    return "%dMi" % int(Decimal(num_bytes) // MIB)


def describe_cpu(cores):
    """CPU cores for people: "31.85", "4"."""
    text = "%.2f" % Decimal(cores)
    return text.rstrip("0").rstrip(".") if "." in text else text


def describe_memory(num_bytes):
    """Memory for people: "16Gi" when whole, else "60.97Gi" or "512Mi"."""
    num_bytes = Decimal(num_bytes)
    if num_bytes == 0:
        return "0"
    if abs(num_bytes) >= GIB:
        return "%sGi" % describe_cpu(num_bytes / GIB)
    return "%sMi" % describe_cpu(num_bytes / MIB)


def max_pods(vcpu):
    """Pods per node as EKS configures the kubelet: 110 below 30 vCPU, else 250."""
    return 110 if vcpu < 30 else 250


def _reserved_cpu_millicores(vcpu):
    # EKS AMI kube-reserved CPU: 6 % of the first core, 1 % of the second,
    # 0.5 % of the next two, 0.25 % of every core above four.
    reserved = 60
    if vcpu > 1:
        reserved += 10
    if vcpu > 2:
        reserved += 5 * min(vcpu - 2, 2)
    if vcpu > 4:
        reserved += 2.5 * (vcpu - 4)
    return Decimal(str(reserved))


def node_shape(instance_type):
    """Capacity and allocatable of one node of instance_type.

    Returns a dict with ``capacity`` and ``allocatable``, each holding ``cpu`` (cores,
    Decimal), ``memory`` (bytes, Decimal), ``gpu`` (int) and ``pods`` (int). Raises
    KeyError for an unknown instance type.
    """
    vcpu, gib, gpus = INSTANCE_TYPES[instance_type]
    pods = max_pods(vcpu)
    memory = Decimal(gib) * GIB
    # EKS AMI kube-reserved memory (255Mi + 11Mi per pod) and the 100Mi hard eviction threshold.
    reserved_memory = (Decimal(255) + Decimal(11) * pods + Decimal(100)) * MIB
    return {
        "instance_type": instance_type,
        "capacity": {"cpu": Decimal(vcpu), "memory": memory, "gpu": gpus, "pods": pods},
        "allocatable": {
            "cpu": Decimal(vcpu) - _reserved_cpu_millicores(vcpu) / 1000,
            "memory": memory - reserved_memory,
            "gpu": gpus,
            "pods": pods,
        },
    }


def node_status_resources(instance_type):
    """Node ``status.capacity`` and ``status.allocatable`` as Kubernetes quantities."""
    shape = node_shape(instance_type)
    result = {}
    for kind in ("capacity", "allocatable"):
        values = shape[kind]
        entry = {
            "cpu": format_cpu(values["cpu"]),
            "memory": format_memory(values["memory"]),
            "pods": str(values["pods"]),
            "ephemeral-storage": "100Gi",
        }
        if values["gpu"]:
            entry[GPU_RESOURCE] = str(values["gpu"])
        result[kind] = entry
    return result


def cluster_allocatable(groups):
    """Total allocatable of several node groups.

    ``groups`` is an iterable of ``(instance_type, nodes)``. Returns ``cpu`` (cores),
    ``memory`` (bytes), ``gpu`` and ``pods`` like ``node_shape``'s allocatable.
    """
    total = {"cpu": Decimal(0), "memory": Decimal(0), "gpu": 0, "pods": 0}
    for instance_type, nodes in groups:
        allocatable = node_shape(instance_type)["allocatable"]
        for key in total:
            total[key] += allocatable[key] * nodes
    return total


# ResourceQuota keys that the namespace shares resolve to, and the share each uses.
QUOTA_SHARES = (
    ("requests.cpu", "cpu"),
    ("limits.cpu", "cpu"),
    ("requests.memory", "memory"),
    ("limits.memory", "memory"),
    ("requests." + GPU_RESOURCE, "gpu"),
)


def quota_amounts(shares, cluster):
    """Absolute ResourceQuota amounts for a namespace's shares of the cluster.

    ``shares`` holds percentages (Decimal, 0..100) under ``cpu``, ``memory`` and
    ``gpu`` (None or missing: no GPUs); ``cluster`` is ``cluster_allocatable``'s result.
    A share caps both requests and limits: the namespace may neither reserve nor burst
    beyond its part of the cluster, so shares that add up to at most 100 % never
    overcommit memory across namespaces. Amounts round down (CPU to the millicore,
    memory to the MiB, GPUs to whole devices) so that they never add up to more than
    the cluster has. Returns Decimals (cores, bytes) and an int for GPUs.
    """
    hundred = Decimal(100)
    cpu = (cluster["cpu"] * shares["cpu"] / hundred).quantize(Decimal("0.001"), rounding=ROUND_FLOOR)
    memory = (cluster["memory"] * shares["memory"] / hundred / MIB).to_integral_value(rounding=ROUND_FLOOR) * MIB
    gpu = int((Decimal(cluster["gpu"]) * (shares.get("gpu") or 0) / hundred).to_integral_value(rounding=ROUND_FLOOR))
    amounts = {"cpu": cpu, "memory": memory, "gpu": gpu}
    return dict((key, amounts[share]) for key, share in QUOTA_SHARES)


def format_quota(amounts, object_counts=None):
    """A ResourceQuota ``spec.hard`` from ``quota_amounts`` and object counts (pods: 100).

    Every value is a string quantity, so that the dict can go into the object as is.
    """
    hard = {}
    for key, value in amounts.items():
        if key.endswith(".cpu"):
            hard[key] = format_cpu(value)
        elif key.endswith(".memory"):
            hard[key] = format_memory(value)
        else:
            hard[key] = "%d" % value
    for key, count in (object_counts or {}).items():
        hard[key] = "%d" % count
    return hard
