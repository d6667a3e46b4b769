"""Progress lines of a long wait, as an operator sees them (the mas.platform.progress
callback, enabled in ansible.cfg): ansible-playbook runs a drain on the real RabbitMQ while
a consumer works through the backlog, and prints, while it waits, what is left."""

import pathlib
import re
import threading

from amqp_clients import SlowConsumer, declare, fill
from playbook_run import run_playbook

PLAYBOOK = pathlib.Path(__file__).with_name("progress_drain.yml")
BACKLOG = 400


def test_a_drain_prints_what_is_left_while_it_waits(rabbitmq, rabbitmq_args, unique):
    queue = "work-%s.default" % unique
    declare(rabbitmq, queue)
    fill(rabbitmq, queue, BACKLOG)
    rabbitmq.wait_for_stats(queue, lambda q: q.get("messages_ready") == BACKLOG)
    # The consumer holds the backlog until ansible-playbook has started, then acknowledges
    # it in about 8 s (the management API's statistics, which the drain reads, are a few
    # seconds old: a slower drain shows in more than one of them).
    consumer = SlowConsumer(rabbitmq, queue, delay=0.02, prefetch=10, hold_after=0)
    consumer.start()
    release = threading.Timer(4.0, consumer.release)
    release.start()
    try:
        run = run_playbook(PLAYBOOK, inventory="localhost,", callback="default",
                           env={"MAS_PLATFORM_PROGRESS_INTERVAL": "1"},
                           extra_vars=dict(drain_api_url=rabbitmq_args["api_url"],
                                           drain_username=rabbitmq_args["username"],
                                           drain_password=rabbitmq_args["password"],
                                           drain_pattern=r"^work-%s\." % unique))
    finally:
        release.cancel()
        consumer.stop()
    assert run.ok, run.explain()
    lines = re.findall(r"^\[progress\] Wait until the work queues are drained: draining \^work-%s\\\.: "
                       r"%s ([\d,]+) ready, ([\d,]+) unacked, (\d+) consumers; (\d+) s of 120 s$"
                       % (unique, re.escape(queue)), run.stdout, re.MULTILINE)
    assert len(lines) >= 2, run.stdout
    left = [int(ready.replace(",", "")) + int(unacked) for ready, unacked, _consumers, _elapsed in lines]
    assert left == sorted(left, reverse=True) and left[0] == BACKLOG > left[-1], "what is left: %s" % left
    # The management API's statistics lag: the consumer shows in a later line.
    assert any(consumers == "1" for _r, _u, consumers, _e in lines), run.stdout
    seconds = [int(elapsed) for _r, _u, _c, elapsed in lines]
    assert seconds == sorted(seconds) and seconds[0] >= 1
    last = [line for line in run.stdout.splitlines() if line.startswith("[progress]")][-1]
    assert re.search(r": every matching queue reads empty \(1\); \d+ s of 120 s$", last), last
    # The password is in the task's arguments; it is never in the output.
    assert rabbitmq_args["password"] not in run.stdout + run.stderr
