"""shutdown.yml and startup.yml as AWX jobs: launched with their job templates' surveys,
on the session's platform, with a real RabbitMQ and Prometheus.

A round trip: the shutdown job pauses task intake, waits for the tasks in the queue to be
done, saves the replicas and stops every workload; the startup job brings the same
replicas back and reopens intake. What AWX shows (the job's status, final stats and
events) is asserted, with the cluster's and the broker's real state, and no secret of the
credentials appears in it. (Check jobs of these playbooks are tested, four ways, in
tests/integration/playbooks; under the runner, test_deploy.py launches one.)
"""

import json

from awx_jobs import survey_answers
from runbook_platform import amqp

PAUSE_POLICY = "mas-intake-pause"
TASKS = 200


def test_shutdown_then_startup_round_trip(jobs, platform, template_vars, credentials_env, secrets, rabbitmq,
                                          task_queue):
    pattern, queue = task_queue
    before = platform.replicas()
    extra = dict(template_vars, runbooks_task_queue_pattern=pattern)
    secrets = dict(secrets, rabbitmq_password=rabbitmq.password)
    publisher = amqp.Publisher(rabbitmq)
    assert publisher.publish(queue, TASKS) == (TASKS, 0)
    # The agents' consumer: it works off the queue during the drain and stays attached, so
    # that the startup finds a consumer on every task queue.
    consumer = amqp.SlowConsumer(rabbitmq, queue, delay=0.01, prefetch=10, max_seconds=900)
    consumer.start()
    try:
        playbook, answers = survey_answers("mas.platform shutdown", runbooks_drain_timeout=300, force="false",
                                           runbooks_stop_timeout=120)
        shutdown = jobs.launch(playbook, extra_vars=dict(extra, **answers), envvars=credentials_env)
        shutdown.assert_successful(changed=True)
        assert shutdown.plays() == ["Shut the multi-agent platform down"]
        assert consumer.acked == TASKS, "the shutdown stopped the platform before its tasks were done"
        assert all(value == 0 for value in platform.replicas().values()), platform.replicas()
        saved = json.loads(platform.configmap().data["state.json"])
        assert saved["state"] == "saved"
        assert {key: value["replicas"] for key, value in saved["workloads"].items()} == before
        assert rabbitmq.queue_stats(queue).get("policy") == PAUSE_POLICY
        assert publisher.publish(queue, 5) == (0, 5), "intake is paused: a new task is refused"
        shutdown.assert_no_secret(secrets)

        playbook, answers = survey_answers("mas.platform startup", runbooks_ready_timeout=120)
        startup = jobs.launch(playbook, extra_vars=dict(extra, **answers), envvars=credentials_env)
        startup.assert_successful(changed=True)
        assert platform.replicas() == before
        assert platform.not_ready() == []
        assert PAUSE_POLICY not in rabbitmq.policies()
        assert json.loads(platform.configmap().data["state.json"])["state"] == "restored"
        assert publisher.publish(queue, 5) == (5, 0), "intake is open again"
        startup.assert_no_secret(secrets)
    finally:
        publisher.close()
        consumer.stop()
