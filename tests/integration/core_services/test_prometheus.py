"""Prometheus's rendered configuration and rules, checked and exercised by promtool."""

import subprocess

import yaml

from core_services_helpers import inventory_core_services, program


def promtool(*args, cwd=None):
    return subprocess.run([program("promtool")] + list(args), capture_output=True, text=True, cwd=cwd, timeout=120)


KUBERNETES_ROLES = {"node", "pod", "service", "endpoints", "endpointslice", "ingress"}


def without_kubernetes_discovery(config, targets):
    """The configuration with each kubernetes_sd_configs block, checked here, replaced
    by a file_sd_configs one. Debian builds Prometheus without Kubernetes service
    discovery, so its promtool refuses the field; everything else is left as rendered."""
    for entry in config["scrape_configs"] + config.get("alerting", {}).get("alertmanagers", []):
        blocks = entry.pop("kubernetes_sd_configs", None)
        if blocks is None:
            continue
        for block in blocks:
            assert block["role"] in KUBERNETES_ROLES, block
            assert set(block) <= {"role", "namespaces", "selectors"}, block
            names = block.get("namespaces", {}).get("names", [])
            assert all(isinstance(name, str) and name for name in names), block
            assert all(selector["role"] == block["role"] for selector in block.get("selectors", [])), block
        entry["file_sd_configs"] = [{"files": [str(targets)]}]
    return config


def test_promtool_accepts_the_configuration_and_its_rules(rendered, tmp_path):
    config = yaml.safe_load((rendered["prometheus"] / "prometheus.yml").read_text())
    (tmp_path / "targets.json").write_text("[]")
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(without_kubernetes_discovery(config, tmp_path / "targets.json")))
    (tmp_path / "alerts.rules.yml").write_text((rendered["prometheus"] / "alerts.rules.yml").read_text())
    result = promtool("check", "config", str(tmp_path / "prometheus.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 1 rule files found" in result.stdout + result.stderr


def test_promtool_accepts_the_rules(rendered):
    result = promtool("check", "rules", str(rendered["prometheus"] / "alerts.rules.yml"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 4 rules found" in result.stdout + result.stderr


def test_every_core_service_with_a_metrics_port_and_the_agents_are_scraped(rendered):
    config = yaml.safe_load((rendered["prometheus"] / "prometheus.yml").read_text())
    jobs = dict((job["job_name"], job) for job in config["scrape_configs"])
    expected = [name for phase in inventory_core_services().values() for name, body in phase.items()
                if "metrics" in body["ports"]]
    assert set(expected) | {"agents", "kubernetes-cadvisor"} == set(jobs)
    assert config["global"]["scrape_interval"] == "15s"
    # Each job keeps only the spec's metrics port of its own pods.
    redis = jobs["redis"]
    assert redis["kubernetes_sd_configs"][0]["namespaces"]["names"] == ["core-services"]
    assert {"source_labels": ["__meta_kubernetes_pod_container_port_number"], "regex": "9121",
            "action": "keep"} in redis["relabel_configs"]
    # Alerts go to every Alertmanager pod on its client port.
    alertmanagers = config["alerting"]["alertmanagers"][0]
    assert alertmanagers["kubernetes_sd_configs"][0]["namespaces"]["names"] == ["monitoring"]
    assert alertmanagers["relabel_configs"][0]["regex"] == "9093"


RULE_TESTS = """
rule_files: [alerts.rules.yml]
evaluation_interval: 15s
tests:
  - interval: 15s
    input_series:
      - series: 'up{job="agents", tier="coordinator-agent", namespace="agent-system", pod="coordinator-agent-0"}'
        values: '1 1 0 0 0 0 0 0 0 0'
      - series: 'container_memory_working_set_bytes{container="app", namespace="agent-system", pod="p"}'
        values: '95+0x40'
      - series: 'container_spec_memory_limit_bytes{container="app", namespace="agent-system", pod="p"}'
        values: '100+0x40'
    alert_rule_test:
      # The seed's agent_failure: critical, notified immediately.
      - eval_time: 2m
        alertname: agent_failure
        exp_alerts:
          - exp_labels: {severity: critical, notification: immediate, job: agents, tier: coordinator-agent,
                         namespace: agent-system, pod: coordinator-agent-0}
            exp_annotations: {summary: An agent pod is down or unreachable}
      # Not yet: the pod has been down for less than its 1m.
      - eval_time: 45s
        alertname: agent_failure
        exp_alerts: []
      # high_resource_usage: a warning, standard notification, after 5m above 90 %.
      - eval_time: 6m
        alertname: high_resource_usage
        exp_alerts:
          - exp_labels: {severity: warning, notification: standard, namespace: agent-system, pod: p}
            exp_annotations: {summary: A container uses more than 90 % of its memory limit}
"""


def test_the_seed_alerts_fire_with_their_severity_and_notification_class(rendered, tmp_path):
    (tmp_path / "alerts.rules.yml").write_text((rendered["prometheus"] / "alerts.rules.yml").read_text())
    (tmp_path / "tests.yml").write_text(RULE_TESTS)
    result = promtool("test", "rules", "tests.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_cpu_rule_of_service_configuration_is_routed_as_a_standard_warning(rendered):
    rules = yaml.safe_load((rendered["prometheus"] / "alerts.rules.yml").read_text())
    high_cpu = [rule for group in rules["groups"] for rule in group["rules"] if rule["alert"] == "HighCPUUsage"]
    assert high_cpu[0]["labels"] == {"severity": "warning", "notification": "standard"}
    assert high_cpu[0]["for"] == "5m"
