"""scale.yml against the real broker (queue depth), the real Prometheus (CPU and memory,
as cAdvisor-shaped series the test exporter serves) and the local cluster."""

from runbook_platform import CPU_QUERY, ROLE_DEFAULTS, amqp, services, set_metrics

ANNOTATION = "mas.platform/last-scaled-"
# The default CPU query takes a rate over 5 minutes of a counter; the test exporter serves
# a gauge of the same shape instead. The memory query is the default.
QUERIES = {"cpu_usage": CPU_QUERY, "memory_usage": ROLE_DEFAULTS["runbooks_scale_queries"]["memory_usage"]}


def queue_depth(rabbitmq, queues, counts):
    for name, count in zip(queues, counts):
        amqp.fill(rabbitmq, name, count)
        rabbitmq.wait_for_stats(name, lambda q, count=count: q.get("messages_ready") == count)


def unchanged(hpa, before):
    return hpa["spec"] == before["spec"] and hpa["metadata"].get("annotations") == before["metadata"].get("annotations")


def scaling_messages(run):
    return [result for name, result, _ in run.tasks() if name == "Apply the triggers"][0]["results"]


def test_queue_depth_raises_the_hpa_minimum_once_per_cooldown(platform, run_playbook, rabbitmq, task_queues):
    pattern, queues = task_queues
    queue_depth(rabbitmq, queues, (1000, 500))
    hpa = platform.hpa()
    replicas = platform.replicas()
    common = dict(runbooks_task_queue_pattern=pattern, runbooks_scale_queries=QUERIES)

    planned = run_playbook("scale", check=True, **common)
    assert planned.rc == 0, planned.explain()
    assert "Apply the triggers" in planned.changed()
    # (The HPA controller updates the HPA's status: compare what the runbook would write.)
    assert unchanged(platform.hpa(), hpa)

    scaled = run_playbook("scale", **common)
    assert scaled.rc == 0, scaled.explain()
    after = platform.hpa()
    assert after["spec"]["minReplicas"] == hpa["spec"]["minReplicas"] + 2
    assert after["spec"]["maxReplicas"] == hpa["spec"]["maxReplicas"]
    assert ANNOTATION + "task-executor-queue-depth" in after["metadata"]["annotations"]
    # The HPA's replicas are the HPA's: the runbook did not write the Deployment's. The
    # cluster's HPA controller may already have followed the new minimum (it syncs every 15s).
    assert platform.replicas()["task_executor"] in (replicas["task_executor"], after["spec"]["minReplicas"])
    results = {r["item"]["agent"]: r for r in scaling_messages(scaled)}
    assert results["task_executor"]["changed"] and "1500 > 1000: 2 -> 4" in results["task_executor"]["msg"]
    assert not results["coordinator_agent"]["changed"] and "not triggered" in results["coordinator_agent"]["msg"]
    assert not results["learning_agent"]["changed"] and "not triggered" in results["learning_agent"]["msg"]

    for check in (True, False):
        again = run_playbook("scale", check=check, **common)
        assert again.rc == 0 and again.stats["changed"] == 0, again.explain()
        message = {r["item"]["agent"]: r for r in scaling_messages(again)}["task_executor"]["msg"]
        assert "in cooldown" in message and "cooldown 300s" in message, message
    assert unchanged(platform.hpa(), after)


def test_cpu_and_memory_scale_the_coordinator_and_the_learning_agent(platform, run_playbook, prometheus, task_queues):
    set_metrics(prometheus, platform, cpu=0.9, memory=90)
    learning = platform.read("Deployment", platform.ns["learning"], "learning-agent")
    limit = learning["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]["memory"]
    common = dict(runbooks_task_queue_pattern=task_queues[0], runbooks_scale_queries=QUERIES)

    scaled = run_playbook("scale", **common)
    assert scaled.rc == 0, scaled.explain()
    results = {r["item"]["agent"]: r for r in scaling_messages(scaled)}
    assert "90 > 75: 2 -> 3" in results["coordinator_agent"]["msg"], results["coordinator_agent"]["msg"]
    assert platform.replicas()["coordinator_agent"] == 3
    assert "90 > 80" in results["learning_agent"]["msg"], results["learning_agent"]["msg"]
    container = platform.read("Deployment", platform.ns["learning"], "learning-agent")["spec"]["template"]["spec"]["containers"][0]
    assert (limit, container["resources"]["limits"]["memory"]) == ("64Mi", "8256Mi")
    assert not results["task_executor"]["changed"]

    again = run_playbook("scale", **common)
    assert again.rc == 0 and again.stats["changed"] == 0, again.explain()
    assert "cooldown 600s" in {r["item"]["agent"]: r for r in scaling_messages(again)}["coordinator_agent"]["msg"]


def test_unreachable_broker_changes_nothing(platform, run_playbook, task_queues):
    hpa = platform.hpa()
    closed = services.closed_port_url()
    run = run_playbook("scale", endpoints={"rabbitmq_api": closed}, runbooks_task_queue_pattern=task_queues[0])
    assert run.rc != 0
    message = run.failure()
    assert "Check that the broker answers" in message and closed in message and "unreachable" in message, message
    assert unchanged(platform.hpa(), hpa)
    assert "Apply the triggers" not in [name for name, _, _ in run.tasks()]
