"""The health runbook's checks and report, from the spec's system checks: which checks
each system check brings, their timeouts, and the lines an operator reads."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.mas.platform.plugins.filter.runbooks_health_checks import runbooks_health_checks
from ansible_collections.mas.platform.plugins.module_utils.runbooks.health import report_lines

WORKLOADS = [{"role": "agent", "namespace": "agents", "k8s_name": "task-executor"},
             {"role": "service", "namespace": "core", "k8s_name": "rabbitmq"}]
QUERIES = {"resource_cpu": 'cpu{namespace=~"${namespaces}"}', "resource_memory": 'mem{namespace=~"${namespaces}"}'}
SYSTEM_CHECKS = [{"name": "agent_health", "interval": "30s", "timeout": "10s"},
                 {"name": "service_health", "interval": "60s", "timeout": "1500ms"},
                 {"name": "resource_usage", "interval": "300s"}]


def test_each_system_check_brings_its_checks_with_its_timeout():
    composed = runbooks_health_checks(SYSTEM_CHECKS, WORKLOADS, {"prometheus": "http://prom/", "consul": None},
                                      QUERIES, ["agents", "core"])
    assert composed["plan"] == {"agent_health": {"interval": "30s", "timeout": 10},
                                "service_health": {"interval": "60s", "timeout": 2},  # whole seconds, rounded up
                                "resource_usage": {"interval": "300s", "timeout": 10}}  # the default timeout
    by_name = dict((c["name"], c) for c in composed["checks"])
    assert sorted(by_name) == ["agent_health/task-executor", "resource_usage/cpu", "resource_usage/memory",
                               "service_health/prometheus-ready", "service_health/rabbitmq",
                               "service_health/rabbitmq-alarms"]  # no Consul endpoint: no leader check
    assert by_name["agent_health/task-executor"]["target"] == "agents/Deployment/task-executor"
    assert by_name["service_health/rabbitmq"]["target"] == "core/StatefulSet/rabbitmq"
    assert by_name["service_health/prometheus-ready"]["target"] == "http://prom/-/ready"
    assert by_name["resource_usage/cpu"]["target"] == 'cpu{namespace=~"agents|core"}'


def test_a_consul_endpoint_adds_the_leader_check_and_an_unknown_check_adds_nothing():
    composed = runbooks_health_checks([{"name": "service_health"}, {"name": "disk_usage"}], WORKLOADS,
                                      {"prometheus": "http://prom", "consul": "http://consul:8500"}, QUERIES, [])
    assert "service_health/consul-leader" in [c["name"] for c in composed["checks"]]
    assert not [c for c in composed["checks"] if c["name"].startswith("disk_usage/")]


def test_a_timeout_that_is_no_duration_is_named():
    with pytest.raises(AnsibleFilterError, match="agent_health: timeout 'soon' is not a duration"):
        runbooks_health_checks([{"name": "agent_health", "timeout": "soon"}], WORKLOADS, {}, QUERIES, [])


def test_the_report_says_what_failed_first_and_names_checks_without_a_runbook_check():
    plan = {"agent_health": {"interval": "30s", "timeout": 10}, "disk_usage": {"interval": "?", "timeout": 10}}
    report = {"status": "failed", "failed_checks": ["agent_health/b"],
              "checks": [{"name": "agent_health/a", "status": "ok", "reason": "3/3 available"},
                         {"name": "agent_health/b", "status": "failed", "reason": "0/2 available"}]}
    assert report_lines(plan, report) == [
        "HEALTH FAILED: 1 of 2 checks passed; failed: agent_health/b",
        "agent_health (every 30s, timeout 10s): 1/2 ok",
        "  FAILED b: 0/2 available",
        "  ok     a: 3/3 available",
        "disk_usage (every ?, timeout 10s): 0/0 ok - no check of the runbook has this name"]
