#!/usr/bin/env python3
"""Benchmark of the preflight (not a test): how long it takes on

- the production inventory's spec (target: under 1 s),
- a generated spec with 1,000 node groups and 1,000 agents, placed pod by pod (the
  packing; target: under 5 s), with the time of each part of the preflight, and
- specs generated from the schema (tests/unit/spec_strategies.py) for --fuzz seconds:
  each must give a clean report (no exception, no internal error caught) within
  --fuzz-bound seconds,

through module_utils.preflight.run_preflight, as the module runs it. Prints the best
and median of a few runs; exits 1 when a best time misses its target, or the fuzzing
finds a failure or a spec slower than its bound.

    python tools/bench/preflight_bench.py [--runs N] [--fuzz SECONDS] [--fuzz-bound SECONDS]
"""

import argparse
import copy
import glob
import os
import statistics
import sys
import time

import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "collections"))
sys.path.insert(0, os.path.join(REPO, "tests", "unit"))

from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight  # noqa: E402
from ansible_collections.mas.platform.plugins.module_utils.spec.validate import SECTIONS  # noqa: E402


def production_spec():
    spec = {}
    for path in glob.glob(os.path.join(REPO, "inventories", "production", "group_vars", "all", "*.yml")):
        with open(path) as handle:
            spec.update((k, v) for k, v in (yaml.safe_load(handle) or {}).items() if k in SECTIONS)
    return spec


def generated_spec(groups=1000, agents=1000):
    """Production's spec with `groups` more node groups and `agents` more agents.

    Each agent selects its own node group, half of them have an HPA, every tenth
    spreads over two groups (a pool), and the procedures start and stop all of them,
    so that every check has work proportional to the size.
    """
    spec = copy.deepcopy(production_spec())
    node_groups = spec["infrastructure"]["kubernetes"]["node_groups"]
    for index in range(groups):
        node_groups["bench-%04d" % index] = {
            "role": "bench-%04d" % index, "instance_type": "m6i.4xlarge", "count": 1, "max_count": 3,
            "labels": {"bench.mas/rack": "r%d" % (index % 10)}, "taints": [],
        }
    phases = spec["deployment_sequence"]
    starts, stops = [], []
    for index in range(agents):
        name = "bench_agent_%04d" % index
        agent = {
            "namespace": "agent-system" if index % 2 else "learning",
            "replicas": 2,
            "resources": {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"cpu": "500m", "memory": "1Gi"}},
            "affinity": {"nodeSelector": {"node-role": "bench-%04d" % (index % groups)}},
        }
        if index % 10 == 0:
            agent["affinity"] = {"nodeSelector": {"bench.mas/rack": "r%d" % (index % 10)}}
        if index % 2 == 0:
            agent["autoscaling"] = {"min": 1, "max": 4}
        phases.setdefault("%d_bench" % (4 + index // 100), {})[name] = agent
        starts.append("deploy_%s" % name)
        stops.insert(0, "stop_%s" % name)
    spec["startup_procedures"]["3_agents"].extend(starts)
    spec["shutdown_procedures"]["2_agent_shutdown"] = stops + spec["shutdown_procedures"]["2_agent_shutdown"]
    for quota in spec["environment_config"]["resource_quotas"].values():
        quota["pods"] = 10000
    return spec


def parts(spec):
    """Seconds spent in each part of one run of the preflight (one extra run, timed by part)."""
    from ansible_collections.mas.platform.plugins.module_utils.preflight import packing, run
    spent = {}

    def timed(name, function):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0) + time.perf_counter() - start
        return wrapper

    originals = dict((name, getattr(run, name)) for name in (
        "validate", "_place", "_group_capacity", "_check_namespaces", "check_network_policy", "check_procedures"))
    original_run = packing.Packing.run
    try:
        for name, function in originals.items():
            setattr(run, name, timed(name, function))
        packing.Packing.run = timed("packing", original_run)
        start = time.perf_counter()
        run.run_preflight(spec)
        total = time.perf_counter() - start
    finally:
        for name, function in originals.items():
            setattr(run, name, function)
        packing.Packing.run = original_run
    labels = {"validate": "validation", "_place": "node groups per workload", "_group_capacity": "sums per node group",
              "_check_namespaces": "namespaces and quotas", "packing": "packing (pod by pod)",
              "check_network_policy": "network policies", "check_procedures": "procedures"}
    shown = ", ".join("%s %.2f s" % (labels[name], seconds) for name, seconds in sorted(spent.items(), key=lambda i: -i[1]))
    return "%s; other checks %.2f s" % (shown, total - sum(spent.values()))


def fuzz(seconds, bound):
    """Specs generated from the schema for ``seconds``: (specs, slowest, failures)."""
    from hypothesis import given, HealthCheck, seed, settings
    from spec_loader import load_inventory_spec
    from spec_strategies import specs

    base = load_inventory_spec("production")
    failures, stats = [], {"specs": 0, "slowest": 0.0}

    def check(spec):
        start = time.perf_counter()
        try:
            report = run_preflight(spec)
            bugs = [e for e in report["errors"] if "the preflight failed here on an unexpected" in e["message"]]
            if bugs:
                failures.append(bugs[0])
        except Exception as exc:  # noqa: BLE001 - what the benchmark is looking for
            failures.append("%s: %s" % (type(exc).__name__, exc))
        elapsed = time.perf_counter() - start
        stats["specs"] += 1
        stats["slowest"] = max(stats["slowest"], elapsed)
        if elapsed > bound:
            failures.append("a spec took %.2f s (bound %.1f s)" % (elapsed, bound))

    deadline = time.monotonic() + seconds
    batch = 0
    quiet = settings(max_examples=50, deadline=None, database=None,
                     suppress_health_check=list(HealthCheck))
    while time.monotonic() < deadline and not failures:
        for strategy in (specs(), specs(base=base)):
            seed(batch)(quiet(given(strategy)(check)))()
            batch += 1
    return stats["specs"], stats["slowest"], failures


def measure(spec, runs):
    times, report = [], None
    for _ in range(runs):
        start = time.perf_counter()
        report = run_preflight(spec)
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), report


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fuzz", type=float, default=60.0, help="seconds of specs generated from the schema (0: none)")
    parser.add_argument("--fuzz-bound", type=float, default=1.0, help="seconds one generated spec may take")
    args = parser.parse_args()
    missed = False
    for label, spec, target in (
            ("production spec", production_spec(), 1.0),
            ("1,000 node groups and 1,000 agents", generated_spec(), 5.0)):
        best, median, report = measure(spec, args.runs)
        status = "ok" if best < target else "SLOW"
        missed = missed or best >= target
        print("preflight of the %s: best %.3f s, median %.3f s over %d runs (target < %.0f s) %s; %d errors, %d warnings; %s" % (
            label, best, median, args.runs, target, status, len(report["errors"]), len(report["warnings"]),
            report["summary"][-2]))
        print("  parts: %s" % parts(spec))
    if args.fuzz > 0:
        count, slowest, failures = fuzz(args.fuzz, args.fuzz_bound)
        missed = missed or bool(failures)
        print("preflight of %d specs generated from the schema in %.0f s: slowest %.3f s (bound %.1f s), %s" % (
            count, args.fuzz, slowest, args.fuzz_bound, "no traceback" if not failures else "FAILED: %s" % failures[0]))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
