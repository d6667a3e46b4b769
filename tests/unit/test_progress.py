"""module_utils/progress.py and its users: a long wait writes what it sees, at most once
per interval, to the file the progress callback names; the callback's text; the lines of
a drain, a rollout and an AWS wait."""

import json
import re

import pytest

from ansible_collections.mas.platform.plugins.module_utils import base
from ansible_collections.mas.platform.plugins.module_utils.k8s.readiness import Readiness
from ansible_collections.mas.platform.plugins.module_utils.k8s.wait import progress_state
from ansible_collections.mas.platform.plugins.module_utils.progress import (
    ENV_FILE,
    ENV_INTERVAL,
    Progress,
    format_line,
)
from ansible_collections.mas.platform.plugins.modules.rabbitmq_drain_wait import describe_progress


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def written(path):
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def test_a_line_at_most_every_interval_and_none_before_the_first(tmp_path):
    sink, clock = tmp_path / "progress.jsonl", Clock()
    progress = Progress(600, what="EKS cluster x to be ACTIVE", clock=clock,
                        environ={ENV_FILE: str(sink), ENV_INTERVAL: "10"})
    made = []

    def state():
        made.append(clock.now)
        return "status CREATING"

    for step in range(26):  # a poll every second for 25 s
        clock.now = 100.0 + step
        progress(state)
    assert [line["elapsed"] for line in written(sink)] == [10, 20]
    assert made == [110.0, 120.0], "the state is only made when a line is due"
    assert written(sink)[0] == dict(what="EKS cluster x to be ACTIVE", state="status CREATING", elapsed=10,
                                    timeout=600)


def test_without_the_callback_nothing_is_written(tmp_path):
    clock = Clock()
    progress = Progress(60, clock=clock, environ={})
    clock.now += 3600
    assert progress("anything") is False
    assert list(tmp_path.iterdir()) == []


def test_a_progress_file_that_cannot_be_written_never_fails_the_wait(tmp_path):
    clock = Clock()
    progress = Progress(60, clock=clock, environ={ENV_FILE: str(tmp_path / "missing" / "p.jsonl"),
                                                   ENV_INTERVAL: "1"})
    clock.now += 5
    assert progress("state") is False
    clock.now += 5
    assert progress("state") is False


def test_a_bad_interval_falls_back_to_the_default(tmp_path):
    progress = Progress(60, environ={ENV_FILE: str(tmp_path / "p"), ENV_INTERVAL: "soon"})
    assert progress.interval == 10.0


@pytest.mark.parametrize("line, text", [
    (dict(state="draining ^tasks\\.: tasks.default 1,204 ready", elapsed=312, timeout=1200),
     "draining ^tasks\\.: tasks.default 1,204 ready; 312 s of 1,200 s"),
    (dict(what="Job backups/x to finish", state="still waiting", elapsed=3, timeout=0),
     "Job backups/x to finish: still waiting"),
])
def test_the_text_the_callback_prints(line, text):
    assert format_line(line) == text


def test_a_drain_says_what_each_queue_still_holds():
    depths = [dict(name="tasks.default", messages=1244, messages_ready=1204, messages_unacknowledged=40,
                   consumers=7),
              dict(name="tasks.priority", messages=0, messages_ready=0, messages_unacknowledged=0, consumers=3)]
    assert describe_progress(re.compile(r"^tasks\."), depths) == (
        r"draining ^tasks\.: tasks.default 1,204 ready, 40 unacked, 7 consumers")
    empty = [dict(d, messages=0, messages_ready=0, messages_unacknowledged=0) for d in depths]
    assert describe_progress(re.compile(r"^tasks\."), empty) == r"draining ^tasks\.: every matching queue reads empty (2)"


def test_a_rollout_says_how_many_are_ready_and_why_the_others_are_not():
    ready, waiting = Readiness("ready", "ready"), Readiness("progressing", "1/2 replicas ready")
    states = {"Deployment/a/x%d" % i: (waiting if i < 5 else ready, {}) for i in range(7)}
    assert progress_state(states) == (
        "2 of 7 ready; waiting for Deployment/a/x0 (1/2 replicas ready), Deployment/a/x1 (1/2 replicas ready), "
        "Deployment/a/x2 (1/2 replicas ready) and 2 more")


def test_wait_for_reports_its_state_while_it_waits(tmp_path, monkeypatch):
    sink = tmp_path / "progress.jsonl"
    monkeypatch.setenv(ENV_FILE, str(sink))
    monkeypatch.setenv(ENV_INTERVAL, "0")
    monkeypatch.setattr(base.time, "sleep", lambda seconds: None)
    answers = iter([None, None, "done"])
    assert base.wait_for(lambda: next(answers), 60, "node group x to be ACTIVE", state=lambda: "status CREATING") == "done"
    assert [(line["what"], line["state"]) for line in written(sink)] == [("node group x to be ACTIVE",
                                                                          "status CREATING")] * 2
