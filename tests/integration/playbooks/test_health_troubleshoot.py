"""health.yml and troubleshoot.yml against the local cluster, the real broker and the
real Prometheus."""

from runbook_platform import services, set_metrics


def report(run):
    """The health report's lines."""
    return [result["msg"] for name, result, _ in run.tasks() if name == "Show the report"][0]


def test_health_reports_every_check_of_the_spec(platform, run_playbook):
    run = run_playbook("health")
    assert run.rc == 0, run.explain()
    lines = report(run)
    assert lines[0] == "HEALTH OK: 17 of 17 checks passed", lines
    assert "agent_health (every 30s, timeout 5s): 5/5 ok" in lines
    assert "service_health (every 1m, timeout 10s): 10/10 ok" in lines
    assert "resource_usage (every 15s, timeout 5s): 2/2 ok" in lines
    assert any(line.startswith("  ok     task-executor: 2/2 replicas updated") for line in lines), lines
    assert run.stats["changed"] == 0


def test_health_names_what_failed(platform, run_playbook, prometheus):
    namespace = platform.ns["agent-system"]
    platform.patch("Deployment", namespace, "coordinator-agent",
                   {"spec": {"template": {"spec": {"nodeSelector": {"node-role": "nowhere"}}}}})
    try:
        set_metrics(prometheus, platform, cpu=0.95, memory=10)
        closed = services.closed_port_url()
        run = run_playbook("health", endpoints={"rabbitmq_api": closed})
    finally:
        platform.patch("Deployment", namespace, "coordinator-agent", {"spec": {"template": {"spec": {"nodeSelector": None}}}})
    assert run.rc != 0
    lines = report(run)
    assert lines[0].startswith("HEALTH FAILED: 14 of 17 checks passed; failed: "), lines
    failed = [line for line in lines if line.startswith("  FAILED")]
    assert len(failed) == 3, lines
    assert any(line.startswith("  FAILED coordinator-agent: 1/2 replicas updated") for line in failed), failed
    assert any(line.startswith("  FAILED rabbitmq-alarms: %s" % closed) and "unreachable" in line for line in failed), failed
    assert any(line.startswith("  FAILED cpu: 1 of 1 series are 0") for line in failed), failed
    message = run.failure()
    assert "agent_health/coordinator-agent" in message and "service_health/rabbitmq-alarms" in message, message


def test_troubleshoot_diagnoses_without_changing_anything(platform, run_playbook):
    deployment = platform.read("Deployment", platform.ns["agent-system"], "coordinator-agent")
    run = run_playbook("troubleshoot", symptom="agent_unresponsive", agent="coordinator_agent")
    assert run.rc == 0, run.explain()
    lines = [result["msg"] for name, result, _ in run.tasks() if name == "Show the diagnosis"][0]
    assert lines[0] == 'DIAGNOSIS of "Agent unresponsive" for Deployment %s/coordinator-agent' % platform.ns["agent-system"]
    for step in ("check_logs:", "verify_resources:", "inspect_connections:"):
        assert step in lines
    assert "  Deployment: 2/2 available, 2 updated" in lines
    assert "  Service coordinator-agent: 2 ready endpoints" in lines
    assert run.stats["changed"] == 0
    after = platform.read("Deployment", platform.ns["agent-system"], "coordinator-agent")
    assert after["metadata"]["generation"] == deployment["metadata"]["generation"]


def test_troubleshoot_acts_only_when_confirmed(platform, run_playbook):
    namespace = platform.ns["agent-system"]
    before = platform.read("Deployment", namespace, "coordinator-agent")
    refused = run_playbook("troubleshoot", symptom="agent_unresponsive", agent="coordinator_agent",
                           troubleshoot_action="restart")
    assert refused.rc != 0
    assert "confirm with -e troubleshoot_confirm=coordinator-agent" in refused.failure(), refused.failure()
    assert platform.read("Deployment", namespace, "coordinator-agent")["metadata"]["generation"] == \
        before["metadata"]["generation"]

    restarted = run_playbook("troubleshoot", symptom="agent_unresponsive", agent="coordinator_agent",
                             troubleshoot_action="restart", troubleshoot_confirm="coordinator-agent")
    assert restarted.rc == 0, restarted.explain()
    after = platform.read("Deployment", namespace, "coordinator-agent")
    assert "kubectl.kubernetes.io/restartedAt" in after["spec"]["template"]["metadata"]["annotations"]
    assert platform.not_ready() == []


def test_troubleshoot_update_configuration_four_ways(platform, run_playbook):
    namespace = platform.ns["agent-system"]
    args = dict(symptom="agent_unresponsive", agent="coordinator_agent", troubleshoot_action="update_configuration",
                troubleshoot_confirm="coordinator-agent", troubleshoot_env={"MAS_LOG_LEVEL": "debug"})

    def env():
        container = platform.read("Deployment", namespace, "coordinator-agent")["spec"]["template"]["spec"]["containers"][0]
        return {e["name"]: e.get("value") for e in container.get("env") or []}

    for check, changed in ((True, True), (False, True), (True, False), (False, False)):
        run = run_playbook("troubleshoot", check=check, **args)
        assert run.rc == 0, run.explain()
        assert ("Set the variables and wait for the rollout" in run.changed()) is changed, (check, run.changed())
        assert env() == ({} if check and changed else {"MAS_LOG_LEVEL": "debug"})
    assert platform.not_ready() == []


def test_troubleshoot_learning_degradation(platform, run_playbook):
    namespace = platform.ns["learning"]
    run = run_playbook("troubleshoot", symptom="learning_degradation", troubleshoot_action="increase_resources",
                       troubleshoot_confirm="learning-agent")
    assert run.rc == 0, run.explain()
    lines = [result["msg"] for name, result, _ in run.tasks() if name == "Show the diagnosis"][0]
    assert "  memory_percent_of_limit: 10.0" in lines, lines
    assert "  gpu_utilization_percent: no data" in lines, lines
    assert any(line.endswith("1 by learning-agent") for line in lines), lines
    assert "  no queue matches ^learning-%s\\." % platform.prefix in lines, lines
    resources = platform.read("Deployment", namespace, "learning-agent")["spec"]["template"]["spec"]["containers"][0]["resources"]
    assert (resources["limits"]["memory"], resources["requests"]["memory"]) == ("8256Mi", "8208Mi")
    assert platform.not_ready() == []
