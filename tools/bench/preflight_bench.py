#!/usr/bin/env python3
"""Benchmark of the preflight (not a test): how long it takes on

- the production inventory's spec (target: under 1 s), and
- a generated spec with 1,000 node groups and 1,000 agents (target: under 5 s),

both through module_utils.preflight.run_preflight, as the module runs it. Prints the
best and median of a few runs; exits 1 when a best time misses its target.

    python tools/bench/preflight_bench.py [--runs N]
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

from ansible_collections.mas.platform.plugins.module_utils.preflight import run_preflight  # noqa: E402
from ansible_collections.mas.platform.plugins.module_utils.spec import SECTIONS  # noqa: E402


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
    args = parser.parse_args()
    missed = False
    for label, spec, target in (
            ("production spec", production_spec(), 1.0),
            ("1,000 node groups and 1,000 agents", generated_spec(), 5.0)):
        best, median, report = measure(spec, args.runs)
        status = "ok" if best < target else "SLOW"
        missed = missed or best >= target
        print("preflight of the %s: best %.3f s, median %.3f s over %d runs (target < %.0f s) %s; %d errors, %d warnings" % (
            label, best, median, args.runs, target, status, len(report["errors"]), len(report["warnings"])))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
