"""health_monitoring's additions for Prometheus and Alertmanager: what each alert
watches (expr, for, summary), how each notification class is delivered
(notifications) and where (receivers). The preflight names the offending key."""

import pytest

from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight


def errors_at(report, path):
    return [e["message"] for e in report["errors"] if e["path"] == path]


def test_the_shipped_routes_and_receivers_pass(production_spec):
    report = run_preflight(production_spec)
    assert [e for e in report["errors"] if e["path"].startswith("health_monitoring")] == []


def test_an_alert_without_an_expression_cannot_fire(production_spec):
    del production_spec["health_monitoring"]["alerts"][0]["expr"]
    report = run_preflight(production_spec)
    assert any("required key is missing" in m and "PromQL" in m
               for m in errors_at(report, "health_monitoring.alerts[0].expr"))


@pytest.mark.parametrize("value, message", [
    (42, "expected a PromQL expression"),
    ("  ", "expected a PromQL expression"),
])
def test_the_expression_must_be_a_non_empty_string(production_spec, value, message):
    production_spec["health_monitoring"]["alerts"][0]["expr"] = value
    found = errors_at(run_preflight(production_spec), "health_monitoring.alerts[0].expr")
    assert any(message in m for m in found), found


def test_alerts_without_routes_name_the_classes_they_use(production_spec):
    del production_spec["health_monitoring"]["notifications"]
    found = errors_at(run_preflight(production_spec), "health_monitoring.notifications")
    assert any("immediate, standard" in m for m in found), found


def test_a_class_that_alerts_use_needs_a_route(production_spec):
    del production_spec["health_monitoring"]["notifications"]["immediate"]
    found = errors_at(run_preflight(production_spec), "health_monitoring.notifications.immediate")
    assert any("alerts use the notification class immediate" in m for m in found), found


def test_a_route_names_a_receiver_of_the_spec(production_spec):
    production_spec["health_monitoring"]["notifications"]["standard"]["receiver"] = "pager"
    found = errors_at(run_preflight(production_spec), "health_monitoring.notifications.standard.receiver")
    assert any("'pager' is not one of health_monitoring.receivers (on-call, operations)" in m for m in found), found


@pytest.mark.parametrize("key, value, message", [
    ("group_wait", "soon", "expected a duration"),
    ("repeat_interval", "0s", "longer than 0"),
])
def test_route_intervals_are_durations(production_spec, key, value, message):
    production_spec["health_monitoring"]["notifications"]["standard"][key] = value
    found = errors_at(run_preflight(production_spec), "health_monitoring.notifications.standard.%s" % key)
    assert any(message in m for m in found), found


def test_group_wait_may_be_zero_for_immediate_notification(production_spec):
    assert production_spec["health_monitoring"]["notifications"]["immediate"]["group_wait"] == "0s"
    assert errors_at(run_preflight(production_spec), "health_monitoring.notifications.immediate.group_wait") == []


@pytest.mark.parametrize("receiver, path, message", [
    ({"name": "on-call"}, "health_monitoring.receivers[0].webhook_url", "required key is missing"),
    ({"name": "on-call", "webhook_url": "alerts.example"}, "health_monitoring.receivers[0].webhook_url", "an http(s) URL"),
    ({"name": "On Call", "webhook_url": "http://x"}, "health_monitoring.receivers[0].name", "a DNS label"),
])
def test_a_receiver_needs_a_name_and_a_webhook_url(production_spec, receiver, path, message):
    production_spec["health_monitoring"]["receivers"][0] = receiver
    found = errors_at(run_preflight(production_spec), path)
    assert any(message in m for m in found), found
