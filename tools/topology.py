#!/usr/bin/env python3
"""Draws the platform's topology from a cluster's real state: which workloads run, with
how many pods ready, in which namespace, and on which node group.

    python tools/topology.py [-i inventories/local] [--kubeconfig PATH] [-o docs/images/topology.svg]

Reads, through the Kubernetes API: the nodes (grouped by their ``node-role`` label), the
pods of the platform's namespaces (the inventory's ``environment_config.namespaces``)
with the ``app.kubernetes.io/part-of=mas-platform`` label, and their owners. Writes one
SVG: a lane per node group, a box per workload and node group with its pods there
(ready/total), coloured by namespace. The same cluster state gives the same picture.
"""

import argparse
import collections
import html
import os
import pathlib
import sys

import yaml

REPO = pathlib.Path(__file__).resolve().parents[1]
DEFAULT_KUBECONFIG = os.environ.get(
    "K8S_AUTH_KUBECONFIG",
    str(pathlib.Path.home() / ".cache" / "mas-platform" / "kwok" / "clusters" / "mas-local" / "kubeconfig.yaml"))
PART_OF = "app.kubernetes.io/part-of=mas-platform"
COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#e15759", "#76b7b2", "#edc948"]
BOX_W, BOX_H, GAP, LANE_PAD, LABEL_W = 210, 46, 12, 16, 170


def platform_namespaces(inventory):
    """The namespaces of the inventory's environment_config, in its order."""
    path = pathlib.Path(inventory) / "group_vars" / "all" / "environment_config.yml"
    spec = yaml.safe_load(path.read_text())["environment_config"]
    return [entry["name"] for entry in spec["namespaces"]]


def workload_of(pod):
    """The workload a pod belongs to: its StatefulSet, or its Deployment (through the
    ReplicaSet's name), or the Job; else the pod itself."""
    owners = pod.metadata.owner_references or []
    if not owners:
        return "Pod", pod.metadata.name
    owner = owners[0]
    if owner.kind == "ReplicaSet":
        hash_label = (pod.metadata.labels or {}).get("pod-template-hash")
        name = owner.name[:-(len(hash_label) + 1)] if hash_label and owner.name.endswith("-" + hash_label) else owner.name
        return "Deployment", name
    return owner.kind, owner.name


def ready(pod):
    return any(c.type == "Ready" and c.status == "True" for c in (pod.status.conditions or []))


def collect(core, namespaces):
    """(node groups {role: [node names]}, placements {(namespace, kind, name): {role: [ready, total]}})."""
    groups = collections.OrderedDict()
    role_of = {}
    for node in sorted(core.list_node().items, key=lambda n: n.metadata.name):
        role = (node.metadata.labels or {}).get("node-role", "unlabelled")
        groups.setdefault(role, []).append(node.metadata.name)
        role_of[node.metadata.name] = role
    placements = collections.OrderedDict()
    for namespace in namespaces:
        pods = core.list_namespaced_pod(namespace, label_selector=PART_OF).items
        for pod in sorted(pods, key=lambda p: p.metadata.name):
            if pod.status.phase in ("Succeeded", "Failed"):
                continue
            kind, name = workload_of(pod)
            role = role_of.get(pod.spec.node_name, "not scheduled")
            counts = placements.setdefault((namespace, kind, name), collections.OrderedDict()).setdefault(role, [0, 0])
            counts[0] += 1 if ready(pod) else 0
            counts[1] += 1
    return groups, placements


def render(groups, placements, namespaces, title):
    lanes = list(groups) + (["not scheduled"] if any("not scheduled" in p for p in placements.values()) else [])
    per_lane = collections.OrderedDict((lane, []) for lane in lanes)
    for (namespace, kind, name), roles in placements.items():
        for role, (ready_count, total) in roles.items():
            per_lane[role].append((namespace, kind, name, ready_count, total))
    columns = 4
    colour = dict((ns, COLOURS[i % len(COLOURS)]) for i, ns in enumerate(namespaces))
    width = LABEL_W + columns * (BOX_W + GAP) + LANE_PAD
    parts, y = [], 70
    for lane, boxes in per_lane.items():
        rows = max(1, (len(boxes) + columns - 1) // columns)
        height = rows * (BOX_H + GAP) + LANE_PAD
        nodes = groups.get(lane, [])
        parts.append('<rect x="8" y="%d" width="%d" height="%d" rx="8" fill="#f4f4f4" stroke="#999"/>'
                     % (y, width - 16, height))
        parts.append('<text x="20" y="%d" font-weight="bold">%s</text>' % (y + 24, html.escape(lane)))
        if nodes:
            parts.append('<text x="20" y="%d" font-size="11">%d nodes</text>' % (y + 42, len(nodes)))
        for index, (namespace, kind, name, ready_count, total) in enumerate(boxes):
            bx = LABEL_W + (index % columns) * (BOX_W + GAP)
            by = y + LANE_PAD / 2 + (index // columns) * (BOX_H + GAP)
            stroke = "#222" if ready_count == total else "#d00"
            parts.append('<rect x="%d" y="%d" width="%d" height="%d" rx="5" fill="%s" fill-opacity="0.18" '
                         'stroke="%s"/>' % (bx, by, BOX_W, BOX_H, colour.get(namespace, "#999"), stroke))
            parts.append('<text x="%d" y="%d" font-size="12" font-weight="bold">%s</text>'
                         % (bx + 8, by + 18, html.escape(name)))
            parts.append('<text x="%d" y="%d" font-size="11">%s/%s · %d/%d ready</text>'
                         % (bx + 8, by + 36, html.escape(namespace), kind, ready_count, total))
        y += height + GAP
    legend_y = y + 10
    for index, namespace in enumerate(namespaces):
        lx = 20 + index * 170
        parts.append('<rect x="%d" y="%d" width="14" height="14" fill="%s" fill-opacity="0.5"/>'
                     % (lx, legend_y, colour[namespace]))
        parts.append('<text x="%d" y="%d" font-size="12">%s</text>' % (lx + 20, legend_y + 12, html.escape(namespace)))
    total_pods = sum(t for roles in placements.values() for _, t in roles.values())
    header = ('<text x="16" y="30" font-size="18" font-weight="bold">%s</text>'
              '<text x="16" y="52" font-size="12">%d workloads, %d pods on %d nodes; a red box has pods not ready</text>'
              % (html.escape(title), len(placements), total_pods, sum(len(n) for n in groups.values())))
    height = legend_y + 40
    return ('<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif">\n'
            '<rect width="100%%" height="100%%" fill="white"/>\n%s\n%s\n</svg>\n'
            % (width, height, header, "\n".join(parts)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-i", "--inventory", default=str(REPO / "inventories" / "local"))
    parser.add_argument("--kubeconfig", default=DEFAULT_KUBECONFIG)
    parser.add_argument("--context", default=None)
    parser.add_argument("-o", "--output", default=str(REPO / "docs" / "images" / "topology.svg"))
    args = parser.parse_args()
    from kubernetes import client, config
    try:
        api = config.new_client_from_config(config_file=args.kubeconfig, context=args.context)
        core = client.CoreV1Api(api)
        namespaces = platform_namespaces(args.inventory)
        groups, placements = collect(core, namespaces)
    except Exception as exc:  # noqa: BLE001 - one message, no traceback
        sys.exit("topology: cannot read the cluster through %s: %s" % (args.kubeconfig, exc))
    if not placements:
        sys.exit("topology: no platform pod in %s; deploy first (make demo)" % ", ".join(namespaces))
    output = pathlib.Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render(groups, placements, namespaces, "mas.platform on %s" % pathlib.Path(args.inventory).name))
    print("topology: %d workloads drawn to %s" % (len(placements), output))


if __name__ == "__main__":
    main()
