"""shutdown.yml then startup.yml, end to end: a real RabbitMQ with tasks queued and
consumers acknowledging slowly, the platform's workloads on the local cluster.

The issue's key test: publishing during the pause is refused to the publisher, the drain
waits, the agents and services stop in the spec's order, and startup.yml brings back the
same replicas and reopens intake; every message a publisher had confirmed was consumed or
is still queued. Plus: the drain's timeout stops the shutdown before anything is scaled
(and says what is left) unless force=true, and both playbooks run four ways.
"""

import json
import threading
import time
from datetime import datetime

from runbook_platform import amqp

BACKLOG = 2000
# What each step of shutdown_procedures stops, in the spec's order.
SHUTDOWN_STEPS = [["task_executor"], ["coordinator_agent"], ["learning_agent"], ["monitoring_agent"],
                  ["resource_manager"], ["rabbitmq"], ["mongodb", "neo4j", "redis"],
                  ["prometheus", "alertmanager", "grafana"], ["consul"]]


def parse_time(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


class ReplicaWatch(threading.Thread):
    """Records, from the API, when each workload's spec.replicas reached 0 (listing the
    workloads of each namespace every 0.3s; bounded)."""

    def __init__(self, platform, max_seconds=900):
        super().__init__(daemon=True)
        self.platform, self.max_seconds = platform, max_seconds
        self.zero_at, self.stopping = {}, threading.Event()

    def run(self):
        deadline = time.monotonic() + self.max_seconds
        by_ref = {(kind, ns, name): key for key, (kind, ns, name) in self.platform.workloads().items()}
        groups = sorted({(kind, ns) for kind, ns, _ in by_ref})
        while not self.stopping.is_set() and time.monotonic() < deadline and len(self.zero_at) < len(by_ref):
            for kind, ns in groups:
                resource = self.platform.dynamic.resources.get(api_version="apps/v1", kind=kind)
                for obj in resource.get(namespace=ns).to_dict()["items"]:
                    key = by_ref.get((kind, ns, obj["metadata"]["name"]))
                    if key and key not in self.zero_at and obj["spec"]["replicas"] == 0:
                        self.zero_at[key] = time.time()
            time.sleep(0.3)

    def stop(self):
        self.stopping.set()
        self.join(timeout=30)


def gate_closed(rabbitmq, names):
    return all(rabbitmq.queue_stats(name).get("policy") == "mas-intake-pause" for name in names)


# Eight runs of shutdown.yml and startup.yml (check, apply, and both again): the longest test
# of the suite (about 280 s), and the one that proves check mode and the second runs of both.
def test_shutdown_then_startup_loses_nothing_and_restores_the_replicas(platform, run_playbook, rabbitmq, task_queues):
    pattern, queues = task_queues
    before = platform.replicas()
    hpa_before = platform.hpa()["spec"]
    published = sum(amqp.fill(rabbitmq, name, BACKLOG // 2) for name in queues)
    # The consumers start when the gate closes; each works through a quarter of the backlog,
    # then holds (work in flight) until the refused publishes are counted. They keep
    # consuming until the end of the test: startup checks that the task queues have consumers.
    consumers = [amqp.SlowConsumer(rabbitmq, name, delay=0.005, prefetch=20, max_seconds=3600,
                                   hold_after=BACKLOG // 4) for name in queues]
    publisher = amqp.Publisher(rabbitmq)
    common = dict(runbooks_task_queue_pattern=pattern, runbooks_drain_timeout=300)

    # Check mode first: it reports the changes and makes none.
    planned = run_playbook("shutdown", check=True, **common)
    assert planned.rc == 0, planned.explain()
    assert "Pause task acceptance" in planned.changed() and "Stop and wait until no replica and no pod is left" in planned.changed()
    assert platform.replicas() == before and platform.configmap() is None
    assert rabbitmq.policies().get("mas-intake-pause") is None
    assert not list(platform.output_dir.glob("mas-platform-state-*.json"))

    watch = ReplicaWatch(platform)
    result = {}
    try:
        watch.start()
        runner = threading.Thread(target=lambda: result.update(run=run_playbook("shutdown", **common)), daemon=True)
        runner.start()

        # pause_task_acceptance: once the gate is on the queues, publishing is refused.
        platform.wait(lambda: gate_closed(rabbitmq, queues) or not runner.is_alive(), "the intake gate", timeout=300)
        assert gate_closed(rabbitmq, queues), result.get("run") and result["run"].explain()
        for consumer in consumers:
            consumer.start()
        refused_at = time.time()
        confirmed = sum(publisher.publish(name, 50)[0] for name in queues)
        assert (confirmed, publisher.refused) == (0, 100), "publishing during the pause was admitted"
        acked_at_refusal = sum(c.acked for c in consumers)
        assert acked_at_refusal < published, "the backlog drained before the pause was tested"
        for consumer in consumers:
            consumer.release()

        runner.join(timeout=900)
        shutdown = result["run"]
        assert shutdown.rc == 0, shutdown.explain()
    finally:
        watch.stop()

    # complete_active_tasks waited for the backlog, then the workloads stopped in order.
    assert sum(c.acked for c in consumers) == published
    tasks = shutdown.tasks()
    drain_end = [parse_time(d["end"]) for name, _, d in tasks if name.endswith("no unacknowledged message")][0]
    assert sorted(watch.zero_at) == sorted(sum(SHUTDOWN_STEPS, [])), watch.zero_at
    for earlier, later in zip(SHUTDOWN_STEPS, SHUTDOWN_STEPS[1:]):
        assert max(watch.zero_at[k] for k in earlier) <= min(watch.zero_at[k] for k in later), (earlier, later)
    assert min(watch.zero_at.values()) >= drain_end > refused_at
    assert all(value == 0 for value in platform.replicas().values())
    assert all(not platform.pods(ns, name) for kind, ns, name in platform.workloads().values())
    claims = platform.claims()
    assert claims and set(claims.values()) == {"Bound"}, claims
    saved = json.loads(platform.configmap().data["state.json"])
    assert saved["state"] == "saved"
    assert {key: value["replicas"] for key, value in saved["workloads"].items()} == before
    assert saved["workloads"]["task_executor"]["hpa"] == {"name": "task-executor", "minReplicas": hpa_before["minReplicas"],
                                                          "maxReplicas": hpa_before["maxReplicas"]}
    local_copy = list(platform.output_dir.glob("mas-platform-state-*.json"))
    assert len(local_copy) == 1 and json.loads(local_copy[0].read_text()) == saved

    # Run again (check mode, then for real): nothing changes, the saved state keeps the
    # replicas from before (not the zeros the workloads have now).
    for check in (True, False):
        again = run_playbook("shutdown", check=check, **common)
        assert again.rc == 0 and again.stats["changed"] == 0, again.explain()
    assert json.loads(platform.configmap().data["state.json"]) == saved

    # startup: check mode changes nothing, then everything comes back and intake reopens.
    planned = run_playbook("startup", check=True, **common)
    assert planned.rc == 0, planned.explain()
    assert "Start and wait until every replica is available" in planned.changed() and "Resume task acceptance" in planned.changed()
    assert all(value == 0 for value in platform.replicas().values())
    startup = run_playbook("startup", **common)
    assert startup.rc == 0, startup.explain()
    assert platform.replicas() == before
    assert platform.not_ready() == []
    assert platform.hpa()["spec"]["minReplicas"] == hpa_before["minReplicas"]
    assert rabbitmq.policies().get("mas-intake-pause") is None
    assert json.loads(platform.configmap().data["state.json"])["state"] == "restored"
    try:
        confirmed, refused = publisher.publish(queues[0], 100)
        assert (confirmed, refused) == (100, 0)
        published += confirmed
        for check in (True, False):
            again = run_playbook("startup", check=check, **common)
            assert again.rc == 0 and again.stats["changed"] == 0, again.explain()
    finally:
        publisher.close()
        consumed = sum(consumer.stop() for consumer in consumers)
    queued = sum(amqp.ready_count(rabbitmq, name) for name in queues)
    assert published == consumed + queued, "lost %d messages" % (published - consumed - queued)


def test_drain_timeout_stops_the_shutdown_unless_forced(platform, run_playbook, rabbitmq, task_queues):
    pattern, queues = task_queues
    before = platform.replicas()
    amqp.fill(rabbitmq, queues[0], 7)
    rabbitmq.wait_for_stats(queues[0], lambda q: q.get("messages_ready") == 7)
    common = dict(runbooks_task_queue_pattern=pattern, runbooks_drain_timeout=3)

    refused = run_playbook("shutdown", **common)
    assert refused.rc != 0
    message = refused.failure()
    assert "not drained after 3s; 7 messages left: %s ready=7 unacked=0" % queues[0] in message, message
    assert "Nothing was scaled down and task intake stays paused" in message and "force=true" in message
    assert platform.replicas() == before
    assert platform.configmap() is None
    assert amqp.ready_count(rabbitmq, queues[0]) == 7
    assert gate_closed(rabbitmq, queues)

    forced = run_playbook("shutdown", force=True, **common)
    assert forced.rc == 0, forced.explain()
    assert "going on with work in flight (force=true): 7 messages left" in forced.stdout + forced.stderr
    assert all(value == 0 for value in platform.replicas().values())
    assert amqp.ready_count(rabbitmq, queues[0]) == 7


def test_shutdown_and_startup_killed_midway_converge_when_run_again(platform, run_playbook, rabbitmq, task_queues):
    """Each runbook SIGKILLed once its first workload step has begun, then run again,
    ends where a clean run ends: shutdown with every workload at 0 and the replicas of
    before saved (not the zeros the killed run left), startup with every workload back
    at them, ready, and intake open."""
    pattern, _queues = task_queues
    before = platform.replicas()
    common = dict(runbooks_task_queue_pattern=pattern, runbooks_min_task_consumers=0)

    killed = run_playbook("shutdown", kill_when=lambda: platform.replicas()["task_executor"] == 0, **common)
    assert killed.rc == -9, killed.explain()
    partly = platform.replicas()
    assert partly["task_executor"] == 0 and partly["rabbitmq"] > 0, partly
    assert rabbitmq.policies().get("mas-intake-pause") is not None  # still paused: nothing admitted meanwhile

    shutdown = run_playbook("shutdown", **common)
    assert shutdown.rc == 0, shutdown.explain()
    assert all(value == 0 for value in platform.replicas().values()), platform.replicas()
    saved = json.loads(platform.configmap().data["state.json"])
    assert {key: value["replicas"] for key, value in saved["workloads"].items()} == before

    killed = run_playbook("startup", kill_when=lambda: platform.replicas()["consul"] > 0, **common)
    assert killed.rc == -9, killed.explain()
    assert platform.replicas()["task_executor"] == 0  # the agents come after the core services

    startup = run_playbook("startup", **common)
    assert startup.rc == 0, startup.explain()
    assert platform.replicas() == before
    assert platform.not_ready() == []
    assert rabbitmq.policies().get("mas-intake-pause") is None
    assert json.loads(platform.configmap().data["state.json"])["state"] == "restored"


def test_startup_names_what_did_not_come_up_and_stops_there(platform, run_playbook, task_queues):
    """The saved state comes from the local copy when the ConfigMap is gone; a service whose
    pods cannot be scheduled stops the startup at its step, naming it and why."""
    stopped = {key: 0 for key in platform.workloads()}
    platform.deploy(replicas=stopped, broken=("consul",))
    saved = {"format": 1, "state": "saved", "cluster": "mas-local", "saved_at": "2026-01-01T00:00:00Z",
             "workloads": {key: {"kind": kind, "namespace": ns, "name": name, "replicas": 1}
                           for key, (kind, ns, name) in platform.workloads().items()}}
    platform.output_dir.mkdir(exist_ok=True)
    (platform.output_dir / "mas-platform-state-mas-local.json").write_text(json.dumps(saved))

    run = run_playbook("startup", runbooks_task_queue_pattern=task_queues[0], runbooks_ready_timeout=10)
    assert run.rc != 0
    assert any("is missing; using the local copy" in m for m in run.messages()), run.messages()
    message = run.failure()
    assert message.startswith("Start and wait until every replica is available: start_service_registry: not ready "
                              "after 10s: StatefulSet/%s/consul: 0/1 members ready" % platform.ns["core-services"]), message
    assert "(consul-0 not scheduled: Unschedulable: 0/" in message and "node affinity/selector" in message, message
    # Gated: nothing after the registry was started.
    replicas = platform.replicas()
    assert replicas["consul"] == 1 and all(value == 0 for key, value in replicas.items() if key != "consul"), replicas
