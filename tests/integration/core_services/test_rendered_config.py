"""What the roles render for Consul, MongoDB, Neo4j and Grafana, whose own programs are
not available here: the files parse, carry the spec's values, and Grafana's PromQL is
checked by promtool. And what the roles refuse before rendering anything."""

import base64
import json
import subprocess
import uuid

import pytest
import yaml

from core_services_helpers import REPO, RenderError, inventory_core_services, program, run_render, with_service


def test_consul_servers_join_by_stable_names_with_acls_on_and_no_ui(rendered):
    server = json.loads((rendered["consul"] / "server.json").read_text())
    assert server["server"] is True and server["bootstrap_expect"] == 3
    assert server["retry_join"] == ["consul-%d.consul-headless.core-services.svc.cluster.local" % i for i in range(3)]
    assert server["acl"]["enabled"] is True and server["acl"]["default_policy"] == "deny"
    assert server["ui_config"] == {"enabled": False}
    assert server["ports"]["http"] == 8500 and server["ports"]["serf_lan"] == 8301
    secrets = json.loads((rendered["consul"] / "secrets.json").read_text())
    assert str(uuid.UUID(secrets["acl"]["tokens"]["master"])) == secrets["acl"]["tokens"]["master"]
    assert len(base64.b64decode(secrets["encrypt"])) == 32


def test_mongodb_runs_a_replica_set_with_auth_and_its_keyfile_in_the_volume(rendered):
    conf = yaml.safe_load((rendered["mongodb"] / "mongod.conf").read_text())
    assert conf["replication"]["replSetName"] == "rs0"
    assert conf["security"] == {"authorization": "enabled", "keyFile": "/data/db/.keyfile"}
    # 50 % of (8Gi limit - 1Gi), as MongoDB computes its default from the machine's memory.
    assert conf["storage"]["wiredTiger"]["engineConfig"]["cacheSizeGB"] == 3.5
    script = (rendered["mongodb"] / "init-replica-set.js").read_text()
    for index in range(3):
        assert "mongodb-%d.mongodb-headless.core-services.svc.cluster.local:27017" % index in script


def neo4j_settings(path):
    lines = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_neo4j_single_mode_is_one_community_instance(rendered):
    settings = neo4j_settings(rendered["neo4j"] / "neo4j.conf")
    assert settings["server.bolt.listen_address"] == ":7687"
    assert settings["server.memory.heap.max_size"] == "3276m"
    assert not any(key.startswith("dbms.cluster") or key.startswith("server.metrics") for key in settings)
    assert not (rendered["neo4j"] / "check-cluster.sh").exists()


def test_neo4j_cluster_mode_with_the_license_accepted(tmp_path):
    spec = with_service(inventory_core_services(), "neo4j", mode="cluster", edition="enterprise",
                        accept_license_agreement=True, replicas=3)
    out, = run_render([{"service": "neo4j", "out": str(tmp_path), "role_vars": {"core_services": spec}}])
    settings = neo4j_settings(out / "neo4j.conf")
    assert settings["initial.dbms.default_primaries_count"] == "3"
    assert settings["dbms.cluster.discovery.endpoints"] == ",".join(
        "neo4j-%d.neo4j-headless.core-services.svc.cluster.local:5000" % i for i in range(3))
    assert settings["server.metrics.prometheus.endpoint"] == "0.0.0.0:2004"
    assert "expected=3" in (out / "check-cluster.sh").read_text()


# The preflight, which compiles the platform every role renders from, refuses these specs
# before any role runs, naming the key.
@pytest.mark.parametrize("service, changes, message", [
    ("neo4j", {"mode": "cluster", "edition": "community", "replicas": 3},
     "core_services.2_databases.neo4j.edition: community: mode cluster needs the enterprise edition"),
    ("neo4j", {"mode": "cluster", "edition": "enterprise", "accept_license_agreement": False, "replicas": 3},
     "core_services.2_databases.neo4j.accept_license_agreement: the Neo4j enterprise edition does not start"),
    ("redis", {"cluster": False, "replicas": 3},
     "core_services.2_databases.redis.masters: only with cluster: true"),
    ("rabbitmq", {"plugins": ["management"]},
     "core_services.1_infrastructure.rabbitmq.plugins[0]: 'management' is not a RabbitMQ plugin: "
     "rabbitmq-plugins enable would fail; did you mean rabbitmq_management?"),
], ids=["neo4j-cluster-community", "neo4j-license-not-accepted", "redis-not-cluster", "rabbitmq-plugin-name"])
def test_a_spec_the_roles_cannot_deploy_is_refused_and_nothing_is_rendered(tmp_path, service, changes, message):
    spec = with_service(inventory_core_services(), service, **changes)
    with pytest.raises(RenderError) as refused:
        run_render([{"service": service, "out": str(tmp_path), "role_vars": {"core_services": spec}}])
    assert message in " ".join(str(refused.value).split())
    assert list(tmp_path.iterdir()) == []


def test_a_class_routed_to_an_unknown_receiver_is_refused(tmp_path):
    with open(REPO / "inventories" / "local" / "group_vars" / "all" / "health_monitoring.yml") as handle:
        health = yaml.safe_load(handle)["health_monitoring"]
    health["notifications"]["immediate"]["receiver"] = "pager"
    with pytest.raises(RenderError) as refused:
        run_render([{"service": "alertmanager", "out": str(tmp_path), "role_vars": {"health_monitoring": health}}])
    assert ("health_monitoring.notifications.immediate.receiver: 'pager' is not one of health_monitoring.receivers"
            in " ".join(str(refused.value).split()))
    assert list(tmp_path.iterdir()) == []


def test_grafana_provisions_its_datasources_and_the_agent_dashboards(rendered):
    datasources = yaml.safe_load((rendered["grafana"] / "provisioning/datasources/platform.yaml").read_text())
    urls = dict((d["uid"], d["url"]) for d in datasources["datasources"])
    assert urls == {"prometheus": "http://prometheus.monitoring.svc.cluster.local:9090",
                    "alertmanager": "http://alertmanager.monitoring.svc.cluster.local:9093"}
    titles = sorted(json.loads(p.read_text())["title"] for p in (rendered["grafana"] / "dashboards").glob("*.json"))
    assert titles == ["MAS / Agent tiers", "MAS / Learning pipeline", "MAS / Resource use", "MAS / Task queue depth"]
    ini = (rendered["grafana"] / "grafana.ini").read_text()
    assert "http_port = 3000" in ini and "provisioning = /etc/grafana/provisioning" in ini


def test_promtool_accepts_every_dashboard_expression(rendered, tmp_path):
    rules = []
    for path in sorted((rendered["grafana"] / "dashboards").glob("*.json")):
        dashboard = json.loads(path.read_text())
        for panel in dashboard["panels"]:
            assert "{{" not in panel["targets"][0]["expr"]
            rules.append({"record": "dashboard:%s:%d" % (dashboard["uid"].replace("-", "_"), panel["id"]),
                          "expr": panel["targets"][0]["expr"]})
    (tmp_path / "dashboards.rules.yml").write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = subprocess.run([program("promtool"), "check", "rules", str(tmp_path / "dashboards.rules.yml")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 16 rules found" in result.stdout + result.stderr
