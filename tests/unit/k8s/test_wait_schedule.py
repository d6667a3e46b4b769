"""k8s/wait.py's schedule: when a wait reads its objects again. Soon at first, at most
every 0.5 s while the wait is young (each of the deploy's sequential rollouts ends within
seconds there), at most every 2 s once it has lasted 30 s. The objects are read by a
stand-in for the API (the schedule is what is tested; the reads themselves are tested
against the local cluster)."""

from ansible_collections.mas.platform.plugins.module_utils.k8s import wait


class Clock:
    """time.monotonic and time.sleep of the wait, on a clock that only sleeping moves."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


class Rollout:
    """The objects as the API would return them: a StatefulSet ready from ``ready_at``."""

    def __init__(self, clock, ready_at):
        self.clock = clock
        self.ready_at = ready_at
        self.reads = 0

    def current(self, objects):
        self.reads += 1
        ready = 3 if self.clock.now - 1000.0 >= self.ready_at else 0
        return {"StatefulSet/core/redis": {
            "apiVersion": "apps/v1", "kind": "StatefulSet",
            "metadata": {"name": "redis", "namespace": "core", "generation": 1},
            "spec": {"replicas": 3},
            "status": {"observedGeneration": 1, "replicas": 3, "readyReplicas": ready, "availableReplicas": ready,
                       "updatedReplicas": 3, "currentReplicas": 3}}}


def run(monkeypatch, ready_at, timeout=600):
    clock = Clock()
    monkeypatch.setattr(wait.time, "monotonic", clock.monotonic)
    monkeypatch.setattr(wait.time, "sleep", clock.sleep)
    rollout = Rollout(clock, ready_at)
    wait.wait_ready(rollout, [{"apiVersion": "apps/v1", "kind": "StatefulSet",
                               "metadata": {"name": "redis", "namespace": "core"}}], timeout)
    return clock, rollout


def test_a_short_rollout_is_seen_within_half_a_second(monkeypatch):
    clock, _rollout = run(monkeypatch, ready_at=1.3)
    assert clock.sleeps[:5] == [0.1, 0.15, 0.225, 0.338, 0.5]
    assert max(clock.sleeps) == 0.5
    # Ready at 1.3 s: seen by the first read after it, at most 0.5 s later.
    assert 1.3 <= clock.now - 1000.0 <= 1.8


def test_a_long_rollout_is_read_every_two_seconds_after_thirty(monkeypatch):
    clock, rollout = run(monkeypatch, ready_at=120)
    elapsed = 0.0
    for seconds in clock.sleeps:
        limit = wait.POLL_MAX if elapsed < wait.POLL_LATER_AFTER else wait.POLL_MAX_LATER
        assert seconds <= limit
        elapsed += seconds
    assert clock.sleeps[-1] == 2.0
    # About 60 reads in the first 30 s, then one per 2 s: not one every 0.5 s for 2 minutes.
    assert rollout.reads < 120
