#!/usr/bin/env python3
"""Render the local cluster's fixtures from an inventory's platform spec.

The fake nodes model the inventory's node groups (infrastructure.kubernetes.node_groups):
one Node per node of each group, with the node-role label, the instance type's
capacity and allocatable (the same computation the preflight uses), nvidia.com/gpu on
GPU instance types, the group's taints, and zones spread over the inventory's
availability zones. kwok marks them Ready and runs their pods' lifecycle; the scheduler
is the real kube-scheduler, so a pod that would not fit in production stays Pending.

Storage: no dynamic provisioner runs locally, so the inventory declares volumes to
pre-create (infrastructure.storage.local_volumes); claims of the local storage classes
bind to them through the scheduler's volume binding, as they would bind to EBS volumes.

Usage: render_fixtures.py INVENTORY_DIR STATUS_FILE > fixtures.yaml  (needs ansible-inventory).
STATUS_FILE receives one line per node: its name and its status patch as JSON.
"""

import json
import os
import subprocess
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "collections"))

from ansible_collections.mas.platform.plugins.module_utils.preflight.capacity import (  # noqa: E402
    node_status_resources,
)


def load_spec(inventory):
    # The ansible-inventory of the Python that runs this script (the project's virtualenv).
    beside = os.path.join(os.path.dirname(sys.executable), "ansible-inventory")
    command = beside if os.path.exists(beside) else "ansible-inventory"
    out = subprocess.run(
        [command, "-i", inventory, "--host", "localhost"],
        check=True, capture_output=True, text=True,
    ).stdout
    return json.loads(out)


def nodes(spec):
    infra = spec["infrastructure"]
    zones = infra.get("availability_zones") or ["local-a"]
    for group, ng in sorted(infra["kubernetes"]["node_groups"].items()):
        resources = node_status_resources(ng["instance_type"])
        for index in range(int(ng["count"])):
            name = "%s-%d" % (group, index)
            labels = {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "node-role": ng.get("role", group),
                "node.kubernetes.io/instance-type": ng["instance_type"],
                "topology.kubernetes.io/zone": zones[index % len(zones)],
                "eks.amazonaws.com/nodegroup": group,
                "type": "kwok",
            }
            labels.update(ng.get("labels") or {})
            yield {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {
                    "name": name,
                    # kwok manages only the nodes that carry this annotation.
                    "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
                    "labels": labels,
                },
                "spec": {"taints": list(ng.get("taints") or [])},
                "status": dict(resources, nodeInfo={
                    "architecture": "amd64",
                    "operatingSystem": "linux",
                    "kubeletVersion": "fake",
                }),
            }


def volumes(spec):
    storage = spec["infrastructure"].get("storage") or {}
    for decl in storage.get("local_volumes") or []:
        for index in range(int(decl["count"])):
            name = "local-%s-%03d" % (decl["storage_class"], index)
            yield {
                "apiVersion": "v1",
                "kind": "PersistentVolume",
                "metadata": {"name": name, "labels": {"mas.platform/local-volume": "true"}},
                "spec": {
                    "capacity": {"storage": decl["size"]},
                    "accessModes": ["ReadWriteOnce"],
                    "persistentVolumeReclaimPolicy": "Retain",
                    "storageClassName": decl["storage_class"],
                    "volumeMode": "Filesystem",
                    # Nothing is mounted under kwok; the path only names the volume.
                    "hostPath": {"path": "/var/lib/mas-local/%s" % name, "type": "DirectoryOrCreate"},
                },
            }


def main(argv):
    if len(argv) != 3:
        sys.stderr.write("usage: render_fixtures.py INVENTORY_DIR STATUS_FILE\n")
        return 2
    spec = load_spec(argv[1])
    try:
        objects = list(nodes(spec)) + list(volumes(spec))
    except KeyError as exc:
        sys.stderr.write("render_fixtures: the inventory's infrastructure spec lacks %s "
                         "(or names an unknown instance type)\n" % exc)
        return 1
    yaml.safe_dump_all(objects, sys.stdout, sort_keys=False)
    with open(argv[2], "w") as status:
        for obj in objects:
            if obj["kind"] == "Node":
                patch = {"status": {k: obj["status"][k] for k in ("capacity", "allocatable")}}
                status.write("%s %s\n" % (obj["metadata"]["name"], json.dumps(patch, separators=(",", ":"))))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
