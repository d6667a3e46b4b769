"""health_report against a real Prometheus, RabbitMQ and (for rollouts) the local cluster:
one report, each check ok or failed with its reason, and nothing changed."""

import pytest

from ansible_collections.mas.platform.plugins.modules import health_report


def by_name(result):
    return {check["name"]: check for check in result["checks"]}


def test_report_over_http_prometheus_and_rabbitmq(run_module, prometheus, rabbitmq, rabbitmq_args, closed_url,
                                                  unique):
    metric = "mas_health_agents_up_%s" % unique
    prometheus.set_and_wait(metric, 1)
    checks = [
        dict(name="prometheus_ready", kind="http", target=prometheus.url + "/-/ready", timeout=5),
        dict(name="dead_endpoint", kind="http", target=closed_url + "/healthz", timeout=2),
        dict(name="missing_page", kind="http", target=prometheus.url + "/no-such-page", timeout=5),
        dict(name="agent_health", kind="prometheus", target=metric + " == 1", timeout=5),
        dict(name="agents_down", kind="prometheus", target=metric + " - 1", timeout=5),
        dict(name="no_data", kind="prometheus", target="absent_metric_" + unique, timeout=5),
        dict(name="service_health", kind="rabbitmq", target="alarms", timeout=5),
        dict(name="no_such_check", kind="rabbitmq", target="no-such-check", timeout=5),
    ]
    result = run_module(health_report, dict(rabbitmq_args, prometheus_url=prometheus.url, checks=checks),
                        check_mode=True)
    report = by_name(result)
    assert result["changed"] is False and result["status"] == "failed"
    assert result["failed_checks"] == ["dead_endpoint", "missing_page", "agents_down", "no_data", "no_such_check"]
    assert report["prometheus_ready"]["status"] == "ok"
    assert report["dead_endpoint"]["reason"].startswith(closed_url + "/healthz: unreachable")
    assert report["missing_page"]["reason"] == "HTTP 404"
    assert (report["agent_health"]["status"], report["agent_health"]["reason"]) == ("ok", "1 series, none 0")
    assert report["agents_down"]["reason"].startswith("1 of 1 series are 0: {")
    assert report["no_data"]["reason"] == "no data for absent_metric_" + unique
    assert (report["service_health"]["status"], report["service_health"]["reason"]) == ("ok", "ok")
    assert report["no_such_check"]["reason"] == "no health check 'no-such-check' at %s/api" % rabbitmq.api_url


def test_unreachable_services_are_failed_checks_not_a_failed_module(run_module, rabbitmq_args, closed_url):
    checks = [dict(name="broker", kind="rabbitmq", timeout=2), dict(name="metrics", kind="prometheus", target="up")]
    result = run_module(health_report, dict(rabbitmq_args, api_url=closed_url, prometheus_url=closed_url,
                                            checks=checks))
    report = by_name(result)
    assert result["status"] == "failed" and result["changed"] is False
    assert report["broker"]["reason"].startswith(closed_url + "/api/health/checks/alarms: the RabbitMQ management "
                                                 "API is unreachable")
    assert report["metrics"]["reason"].startswith(closed_url + "/api/v1/query?query=up: Prometheus is unreachable")


def test_bad_credentials_are_named_in_the_report(run_module, rabbitmq, rabbitmq_args):
    result = run_module(health_report, dict(rabbitmq_args, password="wrong",
                                            checks=[dict(name="broker", kind="rabbitmq", target="alarms")]))
    assert by_name(result)["broker"]["reason"] == "bad credentials for %s at %s/api/health/checks/alarms" % (
        rabbitmq_args["username"], rabbitmq.api_url)


def test_fail_on_failed_fails_with_every_failure(module_failure, closed_url):
    result = module_failure(health_report, dict(fail_on_failed=True, checks=[
        dict(name="a", kind="http", target=closed_url, timeout=2),
        dict(name="b", kind="prometheus", target="up")]))
    assert result["msg"].startswith("health checks failed: a: %s: unreachable" % closed_url)
    assert "b: prometheus_url: no Prometheus URL given" in result["msg"]
    assert result["failed_checks"] == ["a", "b"]


@pytest.mark.parametrize("check, expected", [
    (dict(name="x", kind="http"), "checks[0] (x).target: required for a http check"),
    (dict(name="x", kind="http", target="localhost:80"), "checks[0] (x).target: 'localhost:80' is not an HTTP(S) URL"),
    (dict(name="x", kind="kubernetes_rollout", target="agent-system/coordinator"), "is not <namespace>/<kind>/<name>"),
    (dict(name="x", kind="kubernetes_rollout", target="a/CronJob/b"), "is not <namespace>/<kind>/<name>"),
    (dict(name="x", kind="http", target="http://x", timeout=0), "checks[0] (x).timeout: must be positive"),
    (dict(name="x", kind="smtp", target="x"), "kind"),
    (dict(kind="http", target="http://x"), "name"),
])
def test_malformed_checks_name_the_check(module_failure, check, expected):
    assert expected in module_failure(health_report, dict(checks=[check]))["msg"]


def test_rollout_checks_against_the_cluster(run_module, kube, kubeconfig, unique):
    from kubernetes import client
    namespace = "health-" + unique
    client.CoreV1Api(kube).create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=namespace)))
    try:
        client.AppsV1Api(kube).create_namespaced_deployment(namespace, {
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "idle"},
            "spec": {"replicas": 0, "selector": {"matchLabels": {"app": "idle"}}, "template": {
                "metadata": {"labels": {"app": "idle"}},
                "spec": {"containers": [{"name": "idle", "image": "registry.invalid/idle:1"}]}}}})
        checks = [dict(name="idle", kind="kubernetes_rollout", target="%s/Deployment/idle" % namespace),
                  dict(name="missing", kind="kubernetes_rollout", target="%s/StatefulSet/nope" % namespace)]
        for _ in range(50):
            report = by_name(run_module(health_report, dict(kubeconfig=kubeconfig, checks=checks)))
            if report["idle"]["status"] == "ok":
                break
        assert report["idle"]["status"] == "ok", report["idle"]
        assert report["missing"]["reason"] == "StatefulSet %s/nope not found" % namespace
    finally:
        client.CoreV1Api(kube).delete_namespace(namespace)
