"""Alertmanager's rendered configuration: amtool checks it and shows where each
notification class goes."""

import subprocess

import yaml

from core_services_helpers import program


def amtool(*args):
    return subprocess.run([program("amtool")] + list(args), capture_output=True, text=True, timeout=60)


def test_amtool_accepts_the_configuration(rendered):
    result = amtool("check-config", str(rendered["alertmanager"] / "alertmanager.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 receivers" in result.stdout


def route(rendered, *labels):
    result = amtool("config", "routes", "test", "--config.file=%s" % (rendered["alertmanager"] / "alertmanager.yml"),
                    *labels)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.strip()


def test_immediate_alerts_go_to_the_on_call_receiver(rendered):
    assert route(rendered, "alertname=agent_failure", "severity=critical", "notification=immediate") == "on-call"


def test_standard_alerts_and_unclassified_ones_go_to_operations(rendered):
    assert route(rendered, "alertname=high_resource_usage", "severity=warning", "notification=standard") == "operations"
    assert route(rendered, "alertname=Other") == "operations"


def test_each_class_has_the_grouping_and_repeat_intervals_of_the_spec(rendered):
    config = yaml.safe_load((rendered["alertmanager"] / "alertmanager.yml").read_text())
    routes = dict((r["matchers"][0], r) for r in config["route"]["routes"])
    immediate = routes['notification="immediate"']
    assert (immediate["group_wait"], immediate["group_interval"], immediate["repeat_interval"]) == ("0s", "1m", "1h")
    standard = routes['notification="standard"']
    assert (standard["group_wait"], standard["group_interval"], standard["repeat_interval"]) == ("1m", "5m", "4h")
    urls = dict((r["name"], r["webhook_configs"][0]["url"]) for r in config["receivers"])
    assert urls["on-call"].endswith("/alerts/immediate")
