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
from decimal import Decimal, InvalidOperation

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


_QUANTITY = re.compile(r"^([+-]?[0-9.]+(?:[eE][+-]?[0-9]+)?)(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$")
_SUFFIX = {
    None: Decimal(1),
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


def parse_quantity(value):
    """Return a Kubernetes quantity ("500m", "16Gi", 4, "2") as a Decimal."""
    if isinstance(value, bool) or value is None:
        raise QuantityError("expected a Kubernetes quantity such as '2', '500m' or '16Gi', got %r" % (value,))
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    match = _QUANTITY.match(str(value).strip())
    if not match:
        raise QuantityError("expected a Kubernetes quantity such as '2', '500m' or '16Gi', got %r" % (value,))
    try:
        number = Decimal(match.group(1))
    except InvalidOperation:
        raise QuantityError("expected a Kubernetes quantity such as '2', '500m' or '16Gi', got %r" % (value,))
    return number * _SUFFIX[match.group(2)]


def format_cpu(cores):
    """Format CPU cores as a quantity in millicores ("15890m")."""
    return "%dm" % int(Decimal(cores) * 1000)


def format_memory(num_bytes):
    """Format bytes as a quantity in MiB ("27648Mi"), rounded down."""
    return "%dMi" % int(Decimal(num_bytes) // MIB)


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
