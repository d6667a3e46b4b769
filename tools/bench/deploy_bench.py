#!/usr/bin/env python3
"""Benchmark of the full deploy (not a test), on clusters of its own beside the local one.

In one run, side by side:

1. ``deploy.yml`` from an empty cluster (the local inventory's 14 nodes);
2. the no-op re-run of ``deploy.yml`` on the converged cluster (its changed count too);
3. ``plan.yml --check --diff`` on the converged cluster (changed count, and whether any
   object's resourceVersion moved);
4. the kubectl baseline: the same objects (those deploy.yml wrote, read back from the
   cluster) applied to a new empty cluster with ``kubectl apply --server-side`` in one
   call, followed by ``kubectl rollout status`` of the same workloads;
5. ``deploy.yml`` from an empty cluster of --nodes simulated nodes (the local inventory's
   node groups scaled up in their proportions), then its no-op re-run, to show how the
   time grows with the cluster.

Targets (issue "compile once"): 1 and 2 within 3x of 4 (the long-term goal is 1.5x), 2
with changed=0; 3 no slower than 2, changed=0, no resourceVersion moved; 5 within 1.2x of
1. Exits 1 when one is missed, like the other benchmarks; docs/benchmarks.md has the
figures and what they show. Each run's task count (tasks that ran, not skipped) and
module-call count (tasks that ran a module: not set_fact, debug, assert, include or
import) come from the ansible.posix.json callback, which also gives the slowest tasks.

The bench clusters are kwok clusters named ``mas-bench`` and ``mas-bench-nodes``, made
with tools/local-cluster/up.sh (the same binaries and fixtures as ``make local-up``) and
deleted at the end; the local cluster ``mas-local`` is not touched.

    python tools/bench/deploy_bench.py [--nodes 1000] [--skip-nodes] [--keep]
"""

import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time

import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
LOCAL_CLUSTER = REPO / "tools" / "local-cluster"
CACHE = pathlib.Path(os.environ.get("MAS_CACHE_DIR")
                     or pathlib.Path(os.environ.get("XDG_CACHE_HOME") or pathlib.Path.home() / ".cache")
                     / "mas-platform")
KUBECTL = CACHE / "bin" / "current" / "kubectl"
BIN = pathlib.Path(sys.executable).parent
# What the roles write with: server-side apply under these field managers, or plain
# creates/updates through the Kubernetes Python client (its default manager name).
OUR_MANAGERS = re.compile(r"^(mas-platform.*|OpenAPI-Generator|ansible.*)$")
# Kinds that controllers make from what deploy.yml writes: not part of the baseline.
DERIVED_KINDS = {"Pod", "ReplicaSet", "ControllerRevision", "Endpoints", "EndpointSlice",
                 "Event", "Lease", "PersistentVolumeClaim", "PersistentVolume", "Node"}
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")
# Actions that run in the controller, not as a module process.
CONTROLLER_ACTIONS = {"set_fact", "debug", "assert", "fail", "include_role", "import_role", "include_tasks",
                      "import_tasks", "include_vars", "meta", "validate_argument_spec", "pause"}


def log(message):
    print("[deploy-bench] %s" % message, file=sys.stderr, flush=True)


class Cluster:
    """A kwok cluster made by the local-cluster scripts under its own name."""

    def __init__(self, name, inventory):
        self.name = name
        self.inventory = inventory
        self.kubeconfig = CACHE / "kwok" / "clusters" / name / "kubeconfig.yaml"
        self.context = "kwok-%s" % name

    def _env(self):
        return dict(os.environ, MAS_CLUSTER_NAME=self.name, MAS_PYTHON=sys.executable)

    def delete(self):
        subprocess.run([str(LOCAL_CLUSTER / "down.sh")], env=self._env(), check=True,
                       capture_output=True, text=True)

    def create(self):
        """A new, empty cluster (an existing one of this name is deleted first)."""
        self.delete()
        start = time.monotonic()
        subprocess.run([str(LOCAL_CLUSTER / "up.sh"), str(self.inventory)], env=self._env(), check=True,
                       capture_output=True, text=True)
        log("cluster %s: up in %.0f s (%d nodes)" % (self.name, time.monotonic() - start, self.count("nodes")))
        return self

    def kubectl(self, *args, **kwargs):
        return subprocess.run([str(KUBECTL), "--kubeconfig", str(self.kubeconfig), *args],
                              check=True, text=True, capture_output=True, **kwargs).stdout

    def count(self, resource):
        return len(self.kubectl("get", resource, "-A", "-o", "name").split())


def _seconds(duration):
    from datetime import datetime
    start = datetime.fromisoformat(duration["start"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(duration["end"].replace("Z", "+00:00"))
    return (end - start).total_seconds()


def run_deploy(cluster, inventory, label, workdir, playbook="deploy.yml", check=False):
    """ansible-playbook of a playbook against the cluster: wall time, recap, task and
    module-call counts, slowest tasks."""
    env = dict(os.environ,
               ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
               ANSIBLE_STDOUT_CALLBACK="ansible.posix.json",
               ANSIBLE_CALLBACK_RESULT_FORMAT="json",
               ANSIBLE_NOCOLOR="1",
               K8S_AUTH_KUBECONFIG=str(cluster.kubeconfig),
               PATH="%s:%s:%s" % (BIN, KUBECTL.parent, os.environ.get("PATH", "")))
    command = [str(BIN / "ansible-playbook"), str(REPO / "playbooks" / playbook),
               "-i", str(inventory), "-e", "mas_kube_context=%s" % cluster.context]
    if check:
        command += ["--check", "--diff"]
    log("%s: %s" % (label, " ".join(command[1:])))
    start = time.monotonic()
    result = subprocess.run(command, cwd=str(REPO), env=env, text=True, capture_output=True)
    elapsed = time.monotonic() - start
    out = result.stdout
    (workdir / ("%s.json" % re.sub(r"\W+", "-", label))).write_text(out + result.stderr)
    try:
        # The report starts a line; the summary callback's lines follow it.
        report = json.JSONDecoder().raw_decode(out[re.search(r"^\{", out, re.MULTILINE).start():])[0]
    except (ValueError, AttributeError):
        report = None
    if result.returncode or not report:
        tail = "\n".join((out + result.stderr).splitlines()[-40:])
        raise SystemExit("%s failed (rc=%d):\n%s" % (label, result.returncode, tail))
    stats = report["stats"]["localhost"]
    tasks, modules, timings = 0, 0, []
    for play in report["plays"]:
        for task in play["tasks"]:
            host = task["hosts"].get("localhost")
            if host is None or host.get("skipped"):
                continue
            tasks += 1
            action = (host.get("action") or "").rsplit(".", 1)[-1]
            if action and action not in CONTROLLER_ACTIONS:
                modules += 1
            timings.append((task["task"]["name"], _seconds(task["task"]["duration"])))
    slowest = sorted(timings, key=lambda item: -item[1])[:12]
    log("%s: %.1f s, ok=%d changed=%d, %d tasks, %d module calls"
        % (label, elapsed, stats["ok"], stats["changed"], tasks, modules))
    return {"label": label, "seconds": elapsed, "ok": stats["ok"], "changed": stats["changed"], "tasks": tasks,
            "modules": modules, "slowest": slowest}


def resource_versions(cluster):
    """{object: resourceVersion} of everything the platform wrote (to see a plan move none)."""
    return dict(("%s/%s/%s" % (o["kind"], o["metadata"].get("namespace", ""), o["metadata"]["name"]),
                 o["metadata"].get("resourceVersion")) for o in written_objects(cluster, keep_versions=True))


def written_objects(cluster, keep_versions=False):
    """The objects deploy.yml wrote, as apply-able manifests (server fields removed)."""
    resources = [r for r in cluster.kubectl("api-resources", "--verbs=list,create", "-o", "name").split()
                 if r.split(".")[0] not in ("events", "bindings", "tokenreviews")]
    items = json.loads(cluster.kubectl("get", ",".join(resources), "-A", "-o", "json",
                                       "--show-managed-fields"))["items"]
    manifests = []
    for obj in items:
        meta = obj["metadata"]
        if obj["kind"] in DERIVED_KINDS:
            continue
        if not any(OUR_MANAGERS.match(m.get("manager", "")) for m in meta.get("managedFields") or []):
            continue
        if keep_versions:
            manifests.append(obj)
            continue
        for key in ("uid", "resourceVersion", "creationTimestamp", "generation", "managedFields",
                    "selfLink", "ownerReferences"):
            meta.pop(key, None)
        annotations = meta.get("annotations") or {}
        annotations.pop("deployment.kubernetes.io/revision", None)
        annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)
        obj.pop("status", None)
        if obj["kind"] == "Service":
            for key in ("clusterIP", "clusterIPs"):
                obj["spec"].pop(key, None)
        if obj["kind"] == "Job":  # the Job controller's selector and pod labels
            obj["spec"].pop("selector", None)
            labels = obj["spec"]["template"]["metadata"].get("labels") or {}
            for key in ("controller-uid", "job-name", "batch.kubernetes.io/controller-uid",
                        "batch.kubernetes.io/job-name"):
                labels.pop(key, None)
        manifests.append(obj)
    if keep_versions:
        return manifests
    # Namespaces and other cluster-wide objects before what lives in them.
    manifests.sort(key=lambda o: (o["kind"] != "Namespace", "namespace" in o["metadata"]))
    return manifests


def kubectl_baseline(cluster, manifests, workdir):
    """kubectl apply --server-side of the manifests in one call, then rollout status of each workload."""
    path = workdir / "deploy-objects.yaml"
    path.write_text(yaml.safe_dump_all(manifests, sort_keys=False))
    workloads = [o for o in manifests if o["kind"] in WORKLOAD_KINDS]
    start = time.monotonic()
    cluster.kubectl("apply", "--server-side", "--field-manager=mas-bench", "-f", str(path))
    applied = time.monotonic() - start
    for obj in workloads:
        cluster.kubectl("rollout", "status", "--timeout=600s", "-n", obj["metadata"]["namespace"],
                        "%s/%s" % (obj["kind"].lower(), obj["metadata"]["name"]))
    elapsed = time.monotonic() - start
    log("kubectl baseline: %.1f s (%d objects applied in %.1f s, %d workloads rolled out)"
        % (elapsed, len(manifests), applied, len(workloads)))
    return {"label": "kubectl apply --server-side + rollout status", "seconds": elapsed,
            "objects": len(manifests), "workloads": len(workloads), "apply_seconds": applied}


def scaled_inventory(nodes, workdir):
    """A copy of the local inventory whose node groups add up to `nodes`, in their proportions."""
    target = workdir / ("inventory-%d-nodes" % nodes)
    shutil.copytree(REPO / "inventories" / "local", target)
    path = target / "group_vars" / "all" / "infrastructure.yml"
    data = yaml.safe_load(path.read_text())
    groups = data["infrastructure"]["kubernetes"]["node_groups"]
    total = sum(int(g["count"]) for g in groups.values())
    names = sorted(groups)
    left = nodes
    for name in names:
        count = left if name == names[-1] else round(nodes * int(groups[name]["count"]) / total)
        left -= count
        groups[name]["count"] = count
        groups[name]["max_count"] = max(count, int(groups[name].get("max_count") or count))
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return target


def report(results, nodes_result, nodes):
    first, noop, plan, baseline = results["deploy"], results["noop"], results["plan"], results["kubectl"]
    print()
    print("deploy.yml benchmark (local inventory, %s)" % time.strftime("%Y-%m-%d %H:%M"))
    print("  %-52s %8s  %s" % ("run", "seconds", "ok / changed, tasks, module calls"))
    runs = [first, noop, plan] + ([nodes_result, results["nodes_noop"]] if nodes_result else [])
    for item in runs:
        print("  %-52s %8.1f  %d / %d, %d tasks, %d module calls" % (
            item["label"], item["seconds"], item["ok"], item["changed"], item["tasks"], item["modules"]))
    print("  %-52s %8.1f  %d objects, %d workloads" % (baseline["label"], baseline["seconds"],
                                                       baseline["objects"], baseline["workloads"]))
    ratio = first["seconds"] / baseline["seconds"]
    noop_ratio = noop["seconds"] / baseline["seconds"]
    checks = [
        ("deploy / kubectl baseline: %.2fx (target <= 3x)" % ratio, ratio <= 3),
        ("no-op / kubectl baseline: %.2fx, changed=%d (target <= 3x, 0 changed)" % (noop_ratio, noop["changed"]),
         noop_ratio <= 3 and noop["changed"] == 0),
        ("plan / no-op: %.2fx, changed=%d, %d resourceVersions moved (target <= 1x, 0, 0)" % (
            plan["seconds"] / noop["seconds"], plan["changed"], results["plan_moved"]),
         plan["seconds"] <= noop["seconds"] and plan["changed"] == 0 and results["plan_moved"] == 0),
    ]
    if nodes_result:
        grow = nodes_result["seconds"] / first["seconds"]
        checks.append(("%d nodes / 14 nodes: %.2fx (target <= 1.2x)" % (nodes, grow), grow <= 1.2))
    for text, ok in checks:
        print("  %s %s" % (text, "met" if ok else "NOT met"))
    for item in runs:
        print("  slowest tasks of %s:" % item["label"])
        for name, secs in item["slowest"]:
            print("    %7.1f s  %s" % (secs, name))
    return all(ok for _, ok in checks)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=1000, help="nodes of the large cluster (default 1000)")
    parser.add_argument("--skip-nodes", action="store_true", help="leave out the large-cluster deploy")
    parser.add_argument("--keep", action="store_true", help="keep the bench clusters and the work dir")
    args = parser.parse_args()
    if not KUBECTL.exists():
        raise SystemExit("no local cluster binaries in %s: run `make local-up` once" % KUBECTL.parent)
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="mas-deploy-bench-"))
    local = REPO / "inventories" / "local"
    clusters = []
    results = {}
    nodes_result = None
    try:
        cluster = Cluster("mas-bench", local)
        clusters.append(cluster)
        cluster.create()
        results["deploy"] = run_deploy(cluster, local, "deploy.yml, empty cluster", workdir)
        results["noop"] = run_deploy(cluster, local, "deploy.yml, no-op re-run", workdir)
        before = resource_versions(cluster)
        results["plan"] = run_deploy(cluster, local, "plan.yml --check --diff, converged", workdir,
                                     playbook="plan.yml", check=True)
        after = resource_versions(cluster)
        results["plan_moved"] = sum(1 for key, version in before.items() if after.get(key) != version)
        manifests = written_objects(cluster)
        cluster.create()
        results["kubectl"] = kubectl_baseline(cluster, manifests, workdir)
        if not args.keep:
            cluster.delete()
        if not args.skip_nodes:
            inventory = scaled_inventory(args.nodes, workdir)
            big = Cluster("mas-bench-nodes", inventory)
            clusters.append(big)
            big.create()
            nodes_result = run_deploy(big, inventory, "deploy.yml, empty cluster, %d nodes" % args.nodes, workdir)
            results["nodes_noop"] = run_deploy(big, inventory, "deploy.yml, no-op re-run, %d nodes" % args.nodes,
                                               workdir)
            if not args.keep:
                big.delete()
        met = report(results, nodes_result, args.nodes)
    except subprocess.CalledProcessError as exc:
        raise SystemExit("%s failed (rc=%d): %s" % (" ".join(map(str, exc.cmd)), exc.returncode,
                                                    (exc.stderr or "").strip()[-2000:]))
    finally:
        if args.keep:
            log("kept: %s and clusters %s" % (workdir, ", ".join(c.name for c in clusters)))
        else:
            for cluster in clusters:
                cluster.delete()
            shutil.rmtree(workdir, ignore_errors=True)
    # Like the other benchmarks: a missed target is a failed benchmark.
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
