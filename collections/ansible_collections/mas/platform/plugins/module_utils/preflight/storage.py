# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Storage classes: are their parameters legal for the EBS volume type, and for the
volumes that use them? And, locally, is there a pre-created volume for every claim?

The EBS CSI driver passes ``iops`` and ``throughput`` to CreateVolume, which refuses
values outside these limits, so a claim would stay Pending. Limits from the EBS
documentation (volume types, "Provisioned IOPS" and "gp3" pages).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from decimal import ROUND_CEILING, Decimal

from ansible_collections.mas.platform.plugins.module_utils.preflight.capacity import describe_memory, GIB
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import index_path, key_path

# type: IOPS range (None: the type takes no iops), most IOPS per GiB of the volume,
# whether iops is required, throughput range in MiB/s (None: not settable), size in GiB.
EBS_VOLUME_TYPES = {
    "gp3": {"iops": (3000, 16000), "iops_per_gib": 500, "iops_required": False, "throughput": (125, 1000), "size": (1, 16384)},
    "gp2": {"iops": None, "throughput": None, "size": (1, 16384)},
    "io1": {"iops": (100, 64000), "iops_per_gib": 50, "iops_required": True, "throughput": None, "size": (4, 16384)},
    "io2": {"iops": (100, 256000), "iops_per_gib": 1000, "iops_required": True, "throughput": None, "size": (4, 65536)},
    "st1": {"iops": None, "throughput": None, "size": (125, 16384)},
    "sc1": {"iops": None, "throughput": None, "size": (125, 16384)},
}
# gp3 gives 3000 IOPS without an iops parameter, and at most 0.25 MiB/s per IOPS.
GP3_BASELINE_IOPS = 3000
GP3_MIB_PER_IOPS = Decimal("0.25")
NO_IOPS_REASON = {
    "gp2": "gp2 volumes take no iops parameter: their IOPS follow the volume size (3 per GiB, 100 to 16000)",
    "st1": "st1 (throughput-optimized HDD) takes no iops parameter",
    "sc1": "sc1 (cold HDD) takes no iops parameter",
}


def _gib(size):
    """A claim's size in whole GiB, as EBS rounds it up."""
    return int((Decimal(size) / GIB).to_integral_value(rounding=ROUND_CEILING))


def check_storage(cleaned, services, findings):
    """Check the storage classes against their type and the core services' volumes."""
    infrastructure = cleaned.get("infrastructure") or {}
    storage = infrastructure.get("storage")
    if storage is None:
        return
    classes = {}
    for index, entry in enumerate(storage.get("classes") or []):
        if entry and "name" in entry:
            classes[entry["name"]] = (index_path("infrastructure.storage.classes", index), entry)
    volumes = {}
    for service in services:
        if not service.volume:
            continue
        class_name, size = service.volume
        if class_name not in classes:
            findings.error(key_path(service.path, "storage"), "names no storage class of infrastructure.storage.classes (%s)" % (
                ", ".join(sorted(classes)) or "none"))
            continue
        volumes.setdefault(class_name, []).append((size, service))
    for name, (path, entry) in sorted(classes.items()):
        _check_class(path, entry, volumes.get(name, []), findings)
    if infrastructure.get("provider") == "local":
        _check_local_volumes(storage, volumes, findings)


def _check_class(path, entry, volumes, findings):
    limits = EBS_VOLUME_TYPES.get(entry.get("type"))
    if limits is None:
        return
    volume_type = entry["type"]
    iops, throughput = entry.get("iops"), entry.get("throughput")
    if iops is not None and limits["iops"] is None:
        findings.error(key_path(path, "iops"), NO_IOPS_REASON[volume_type])
        iops = None
    elif iops is None and limits.get("iops_required"):
        findings.error(key_path(path, "iops"), "required for %s volumes (%d to %d)" % ((volume_type,) + limits["iops"]))
    elif iops is not None:
        low, high = limits["iops"]
        if not low <= iops <= high:
            findings.error(key_path(path, "iops"), "%s volumes take %d to %d IOPS, got %d" % (volume_type, low, high, iops))
        elif volumes:
            size, service = min(volumes, key=lambda v: v[0])
            per_gib = limits["iops_per_gib"]
            if iops > per_gib * _gib(size):
                smallest = -(-iops // per_gib)  # rounded up
                findings.error(key_path(path, "iops"),
                               "%d IOPS need volumes of at least %dGi (%s allows %d IOPS per GiB), but %s's volumes "
                               "(%s.storage_size) are %s" % (
                                   iops, smallest, volume_type, per_gib, service.name, service.path, describe_memory(size)))
    if throughput is not None:
        if limits["throughput"] is None:
            findings.error(key_path(path, "throughput"), "%s volumes take no throughput parameter" % volume_type)
        else:
            low, high = limits["throughput"]
            allowed = Decimal(iops if iops is not None else GP3_BASELINE_IOPS) * GP3_MIB_PER_IOPS
            if not low <= throughput <= high:
                findings.error(key_path(path, "throughput"), "%s volumes take %d to %d MiB/s, got %d" % (volume_type, low, high, throughput))
            elif throughput > allowed:
                findings.error(key_path(path, "throughput"),
                               "%d MiB/s needs at least %d IOPS (%s gives 0.25 MiB/s per IOPS), the class has %d" % (
                                   throughput, throughput * 4, volume_type, iops if iops is not None else GP3_BASELINE_IOPS))
    low, high = limits["size"]
    for size, service in volumes:
        if not low <= _gib(size) <= high:
            findings.error(key_path(service.path, "storage_size"), "%s volumes are %dGi to %dGi, got %s" % (
                volume_type, low, high, describe_memory(size)))


def _check_local_volumes(storage, volumes, findings):
    """Locally nothing provisions volumes: each claim needs a pre-created PersistentVolume."""
    if storage.get("provisioner") != "kubernetes.io/no-provisioner":
        return
    declared = {}
    for index, entry in enumerate(storage.get("local_volumes") or []):
        if entry and "storage_class" in entry:
            declared.setdefault(entry["storage_class"], []).append((index, entry))
    for class_name, users in sorted(volumes.items()):
        claims = sum(service.replicas for _size, service in users)
        largest = max(size for size, _service in users)
        entries = declared.get(class_name, [])
        available = sum(entry.get("count", 0) for _index, entry in entries if entry.get("size", 0) >= largest)
        who = ", ".join("%s %d x %s" % (service.name, service.replicas, describe_memory(size)) for size, service in users)
        if not entries:
            findings.error("infrastructure.storage.local_volumes",
                           "no pre-created volume of class %s, which %d claims use (%s); nothing provisions volumes "
                           "locally" % (class_name, claims, who))
        elif available < claims:
            findings.error(index_path("infrastructure.storage.local_volumes", entries[0][0]),
                           "%d volumes of class %s at least %s large, but %d claims need one (%s)" % (
                               available, class_name, describe_memory(largest), claims, who))
