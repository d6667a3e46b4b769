#!/usr/bin/env python3
"""Benchmark of the shutdown and startup runbooks (not a test), on the local cluster
(`make local-up`) with a real RabbitMQ and Prometheus started as the playbook tests start
them:

- shutdown overhead: the wall time of playbooks/shutdown.yml minus the time its
  complete_active_tasks step spent waiting for the task queues to drain (a backlog of
  --backlog messages, consumed by a slow consumer), i.e. what the runbook itself adds;
- startup to all-ready: the wall time of playbooks/startup.yml, from the stopped platform
  to every workload ready and task intake open again.

The workloads are the spec's (agents as Deployments, core services as StatefulSets), with
the playbook tests' small replica counts, in namespaces of their own, deleted at the end.
Prints the figures of each run and their median.

    python tools/bench/runbooks_bench.py [--runs N] [--backlog N] [--slowest N]

The medians are printed beside the targets (shutdown overhead at most 20 s, startup at
most 30 s) and the earlier figures; a missed target makes the benchmark fail.

--slowest N also prints each run's N slowest tasks of each playbook (a task in a loop or
an included file counts once per run of it), where the runbook's time goes.
"""

import argparse
import pathlib
import shutil
import statistics
import sys
import tempfile
import uuid
from datetime import datetime

REPO = pathlib.Path(__file__).resolve().parents[2]
# What pytest.ini puts on the path for the tests: the collection and the tests' shared helpers.
sys.path[:0] = [str(REPO / "collections"), str(REPO / "tests"), str(REPO / "tests" / "integration")]


def load_test_support():
    """The playbook tests' building blocks (servers, platform, runner)."""
    import runbook_platform
    return runbook_platform


# The targets, and the earlier medians of this machine class (docs/benchmarks.md).
TARGETS = {"overhead": 20.0, "startup": 30.0}
EARLIER = (("when the runbooks were task YAML", {"overhead": 89.5, "startup": 81.4}),
           ("before the runbook steps ran in one module call (2026-12-07)", {"overhead": 50.6, "startup": 50.4}))


def seconds(duration):
    start = datetime.fromisoformat(duration["start"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(duration["end"].replace("Z", "+00:00"))
    return (end - start).total_seconds()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--backlog", type=int, default=1000)
    parser.add_argument("--slowest", type=int, default=0, help="print the N slowest tasks of each playbook")
    args = parser.parse_args()
    support = load_test_support()
    services, amqp = support.services, support.amqp
    workdir = pathlib.Path(tempfile.mkdtemp(prefix="mas-runbooks-bench-"))
    (workdir / "rabbitmq").mkdir()
    (workdir / "prometheus").mkdir()
    rabbitmq = prometheus = exporter = platform = None
    try:
        rabbitmq = services.RabbitMQServer(workdir / "rabbitmq").start()
        exporter = services.Exporter().start()
        prometheus = services.PrometheusServer(workdir / "prometheus", exporter).start()
        platform = support.Platform(support.connect_kube(), workdir, "bench" + uuid.uuid4().hex[:5])
        platform.create_namespaces()
        platform.deploy()
        support.set_metrics(prometheus, platform, cpu=0.1, memory=10)
        run_playbook = support.playbook_runner(platform, rabbitmq, prometheus)
        figures = []
        for run in range(args.runs):
            queue = "bench-%s.default" % uuid.uuid4().hex[:6]
            pattern = r"^%s$" % queue.replace(".", r"\.")
            amqp.declare(rabbitmq, queue)
            amqp.fill(rabbitmq, queue, args.backlog)
            consumer = amqp.SlowConsumer(rabbitmq, queue, delay=0.005, prefetch=20, max_seconds=1800)
            consumer.start()
            common = dict(runbooks_task_queue_pattern=pattern, runbooks_drain_timeout=1200,
                          runbooks_ready_timeout=600, runbooks_stop_timeout=600)
            shutdown = run_playbook("shutdown", **common)
            if shutdown.rc:
                raise SystemExit("shutdown failed: %s" % shutdown.explain())
            drain = sum(seconds(d) for name, _, d in shutdown.tasks()
                        if name == "Wait until the task queues hold no ready and no unacknowledged message")
            startup = run_playbook("startup", **common)
            consumer.stop()
            if startup.rc:
                raise SystemExit("startup failed: %s" % startup.explain())
            figure = dict(shutdown=shutdown.seconds, drain=drain, overhead=shutdown.seconds - drain, startup=startup.seconds)
            figures.append(figure)
            print("run %d: shutdown %.1fs (drain %.1fs, overhead %.1fs); startup to all-ready %.1fs"
                  % (run + 1, figure["shutdown"], drain, figure["overhead"], figure["startup"]), flush=True)
            for name, played in (("shutdown", shutdown), ("startup", startup)) if args.slowest else ():
                tasks = sorted(((seconds(d), task) for task, _, d in played.tasks()), reverse=True)
                print("  %s: %d tasks, %.1fs in them; slowest: %s" % (
                    name, len(tasks), sum(t for t, _ in tasks),
                    "; ".join("%s %.1fs" % (task, t) for t, task in tasks[:args.slowest])), flush=True)
        medians = dict((key, statistics.median(f[key] for f in figures)) for key in TARGETS)
        print("median over %d runs: shutdown overhead %.1fs, startup to all-ready %.1fs (%d workloads, backlog %d)"
              % (len(figures), medians["overhead"], medians["startup"], len(platform.workloads()), args.backlog))
        for when, earlier in EARLIER:
            print("  earlier, %s: shutdown overhead %.1fs, startup %.1fs" % (when, earlier["overhead"], earlier["startup"]))
        missed = ["%s %.1fs > %.0fs" % (key, medians[key], TARGETS[key]) for key in TARGETS if medians[key] > TARGETS[key]]
        print("targets: shutdown overhead <= %.0fs, startup <= %.0fs: %s"
              % (TARGETS["overhead"], TARGETS["startup"], "missed (%s)" % ", ".join(missed) if missed else "met"))
        return 1 if missed else 0
    finally:
        if platform is not None:
            platform.delete_everything()
        for server in (prometheus, exporter, rabbitmq):
            if server is not None:
                server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
