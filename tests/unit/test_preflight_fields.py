"""Fields validated as the Kubernetes and AWS APIs validate them, each error on its own key.

Every case starts from the production spec (which passes) and breaks one field the way
a user would; the error must name the field's full key path and say what is allowed,
and no message may quote more than about 200 characters of a value.
"""

import pytest

from ansible_collections.mas.platform.plugins.module_utils.spec.cron import Cron
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import Findings
from spec_loader import assert_error_at, preflight_with

RM = ("deployment_sequence", "1_core_agents", "resource_manager")
LEARN = ("deployment_sequence", "1_core_agents", "learning_agent")
COORD = ("deployment_sequence", "2_coordination", "coordinator_agent")
EXEC = ("deployment_sequence", "3_executors", "task_executor")
INFRA = ("infrastructure",)
VPC = ("infrastructure", "networking", "vpc")
POLICY = ("security_setup", "network_policies", "default")
BACKUP = ("backup_procedures",)
SCALING = ("scaling_procedures",)
RABBITMQ = ("core_services", "1_infrastructure", "rabbitmq")
NODE_GROUPS = ("infrastructure", "kubernetes", "node_groups")
INGRESS = ("service_configuration", "networking", "ingress")
ANTI = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
    {"labelSelector": {"matchLabels": {"app.kubernetes.io/name": "resource-manager"}}, "topologyKey": "kubernetes.io/hostname"}]}}

# (id, changes, path of the expected error, part of its message)
BAD = [
    # Names and labels (DNS-1123, whole value: no trailing newline)
    ("namespace-trailing-newline", [(RM + ("namespace",), "agent-system\n")], "deployment_sequence.1_core_agents.resource_manager.namespace",
     "a DNS label"),
    ("namespace-upper-case", [(RM + ("namespace",), "Agent-System")], "deployment_sequence.1_core_agents.resource_manager.namespace",
     "a DNS label"),
    ("label-value-trailing-newline", [(RM + ("affinity", "nodeSelector", "node-role"), "core\n")],
     "deployment_sequence.1_core_agents.resource_manager.affinity.nodeSelector.node-role", "label value"),
    ("label-key-bad-prefix", [(RM + ("affinity", "nodeSelector"), {"Example.com/tier": "core"})],
     "deployment_sequence.1_core_agents.resource_manager.affinity.nodeSelector.Example.com/tier", "DNS-1123 subdomain"),
    ("agent-name-ends-with-underscore", [(("deployment_sequence", "3_executors", "helper_"), {
        "namespace": "agent-system", "replicas": 1,
        "resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}})],
     "deployment_sequence.3_executors.helper_", "lower_snake_case"),
    ("phase-name-too-long", [(("deployment_sequence", "3_" + "x" * 70), {})], "deployment_sequence.3_" + "x" * 70,
     "at most 63 characters"),
    ("port-name-not-ascii", [(POLICY + ("egress",), [{"ports": [{"protocol": "UDP", "port": "dné"}]}])],
     "security_setup.network_policies.default.egress[0].ports[0].port", "port name"),

    # Quantities with Kubernetes' own grammar
    ("quantity-exponent-and-suffix", [(RM + ("resources", "requests", "memory"), "32e0Gi")],
     "deployment_sequence.1_core_agents.resource_manager.resources.requests.memory", "Kubernetes quantity"),
    ("quantity-trailing-newline", [(RM + ("resources", "limits", "memory"), "32Gi\n")],
     "deployment_sequence.1_core_agents.resource_manager.resources.limits.memory", "Kubernetes quantity"),
    ("quantity-without-digits", [(RM + ("resources", "limits", "cpu"), "m")],
     "deployment_sequence.1_core_agents.resource_manager.resources.limits.cpu", "Kubernetes quantity"),

    # Cron schedules (a CronJob's)
    ("cron-minute-61", [(BACKUP + ("system_state", "schedule"), "61 * * * *")], "backup_procedures.system_state.schedule",
     "minute 61 is outside 0-59"),
    ("cron-hour-24", [(BACKUP + ("model_registry", "schedule"), "30 24 * * *")], "backup_procedures.model_registry.schedule",
     "hour 24 is outside 0-23"),
    ("cron-weekday-7", [(BACKUP + ("metrics", "schedule"), "45 1 * * 7")], "backup_procedures.metrics.schedule",
     "day of week 7 is outside 0-6"),
    ("cron-step-0", [(BACKUP + ("system_state", "schedule"), "*/0 * * * *")], "backup_procedures.system_state.schedule",
     "a step of 0"),
    ("cron-reversed-range", [(BACKUP + ("metrics", "schedule"), "45 5-1 * * *")], "backup_procedures.metrics.schedule",
     "begins after it ends"),
    ("cron-time-zone", [(BACKUP + ("metrics", "schedule"), "CRON_TZ=UTC 45 1 * * *")], "backup_procedures.metrics.schedule",
     "timeZone"),

    # AWS regions, zones and CIDRs
    ("region-not-aws", [(INFRA + ("region",), "eu-west-9")], "infrastructure.region", "not an AWS region"),
    ("zone-of-another-region", [(INFRA + ("availability_zones",), ["eu-west-1a", "us-east-1b"])],
     "infrastructure.availability_zones[1]", "not an availability zone of eu-west-1"),
    ("zone-twice", [(INFRA + ("availability_zones",), ["eu-west-1a", "eu-west-1a"])], "infrastructure.availability_zones[1]",
     "duplicate"),
    ("backup-region-typo", [(BACKUP + ("store", "region"), "eu-wset-1")], "backup_procedures.store.region",
     "did you mean eu-west-1"),
    ("cidr-host-bits", [(VPC + ("cidr",), "10.0.0.1/16")], "infrastructure.networking.vpc.cidr", "host bits set"),
    ("cidr-too-large-for-a-vpc", [(VPC + ("cidr",), "10.0.0.0/8")], "infrastructure.networking.vpc.cidr", "/16 to /28"),
    ("cidr-without-prefix", [(VPC + ("subnets", "private", 0), "10.0.10.0")], "infrastructure.networking.vpc.subnets.private[0]",
     "address/prefix length"),
    ("cidr-ipv6-for-a-vpc", [(VPC + ("cidr",), "fd00::/56")], "infrastructure.networking.vpc.cidr", "IPv4"),
    ("ip-block-except-outside", [(POLICY + ("egress",), [{"to": [{"ipBlock": {"cidr": "10.0.0.0/16", "except": ["10.1.0.0/24"]}}]}])],
     "security_setup.network_policies.default.egress[0].to[0].ipBlock.except[0]", "not strictly inside"),

    # NetworkPolicy ports
    ("end-port-below-port", [(POLICY + ("egress",), [{"ports": [{"protocol": "TCP", "port": 8080, "endPort": 8000}]}])],
     "security_setup.network_policies.default.egress[0].ports[0].endPort", "below port 8080"),
    ("end-port-with-named-port", [(POLICY + ("egress",), [{"ports": [{"port": "http", "endPort": 8000}]}])],
     "security_setup.network_policies.default.egress[0].ports[0].endPort", "numeric port"),
    ("end-port-without-port", [(POLICY + ("egress",), [{"ports": [{"endPort": 8000}]}])],
     "security_setup.network_policies.default.egress[0].ports[0].port", "required with endPort"),

    # Tolerations, taints, selectors
    ("toleration-exists-with-value", [(LEARN + ("tolerations", 0, "value"), "true")],
     "deployment_sequence.1_core_agents.learning_agent.tolerations[0].value", "must be empty with operator Exists"),
    ("toleration-seconds-without-no-execute", [(LEARN + ("tolerations", 0, "tolerationSeconds"), 30)],
     "deployment_sequence.1_core_agents.learning_agent.tolerations[0].tolerationSeconds", "only with effect NoExecute"),
    ("toleration-without-key-equal", [(LEARN + ("tolerations",), [{"operator": "Equal", "value": "x"}])],
     "deployment_sequence.1_core_agents.learning_agent.tolerations[0].key", "required unless operator is Exists"),
    ("taint-twice", [(NODE_GROUPS + ("gpu", "taints"), [{"key": "nvidia.com/gpu", "value": "true", "effect": "NoSchedule"},
                                                        {"key": "nvidia.com/gpu", "value": "yes", "effect": "NoSchedule"}])],
     "infrastructure.kubernetes.node_groups.gpu.taints[1]", "one taint per key and effect"),
    ("selector-in-without-values", [(RM + ("affinity",), {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "node-role", "operator": "In"}]}]}}})],
     "deployment_sequence.1_core_agents.resource_manager.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
     ".nodeSelectorTerms[0].matchExpressions[0].values", "non-empty list"),
    ("selector-gt-not-a-number", [(RM + ("affinity",), {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "cores", "operator": "Gt", "values": ["many"]}]}]}}})],
     "deployment_sequence.1_core_agents.resource_manager.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
     ".nodeSelectorTerms[0].matchExpressions[0].values", "an integer"),
    ("anti-affinity-without-topology-key", [(EXEC + ("affinity", "podAntiAffinity"), {
        "requiredDuringSchedulingIgnoredDuringExecution": [{"labelSelector": {"matchLabels": {"a": "b"}}}]})],
     "deployment_sequence.3_executors.task_executor.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0]"
     ".topologyKey", "required key is missing"),

    # Core services
    ("service-in-two-phases", [(("core_services", "2_databases", "consul"), {"version": "1.22.7"})],
     "core_services.2_databases.consul", "also defined at core_services.1_infrastructure.consul"),
    ("rabbitmq-plugin-misspelt", [(RABBITMQ + ("plugins",), ["rabbitmq_managment"])],
     "core_services.1_infrastructure.rabbitmq.plugins[0]", "did you mean rabbitmq_management"),
    ("rabbitmq-plugin-unknown", [(RABBITMQ + ("plugins",), ["rabbitmq_prometheus", "rabbitmq_delayed_message"])],
     "core_services.1_infrastructure.rabbitmq.plugins[1]", "not a RabbitMQ plugin"),

    # Unknown keys anywhere
    ("optional-section-misspelt", [(("recovery_procedure",), {"system_failure": ["restore_core_services"]})],
     "recovery_procedure", "unknown key"),
    ("unknown-top-level-key", [(("mas_kubeconfig",), "/tmp/kubeconfig")], "mas_kubeconfig", "not part of the platform spec"),
    ("unknown-key-in-optional-section", [(("troubleshooting_guide",), {"agents_down": [
        {"symptom": "x", "diagnosis": ["check"], "resolution": ["restart"], "fix": ["now"]}]})],
     "troubleshooting_guide.agents_down[0].fix", "unknown key"),
    ("unknown-key-in-pod-anti-affinity", [(EXEC + ("affinity", "podAntiAffinity"), {"required": []})],
     "deployment_sequence.3_executors.task_executor.affinity.podAntiAffinity.required", "unknown key"),
    ("unknown-key-in-hpa-metric", [(EXEC + ("autoscaling", "metrics"), [
        {"type": "Pods", "pods": {"metric": {"name": "queue"}, "target": {"type": "AverageValue", "averageValue": "10"},
                                  "selector": {}}}])],
     "deployment_sequence.3_executors.task_executor.autoscaling.metrics[0].pods.selector", "unknown key"),

    # Rules that agree with what they name
    ("ingress-to-no-agent", [(INGRESS + ("hosts", 0, "paths", 0, "agent"), "coordinator")],
     "service_configuration.networking.ingress.hosts[0].paths[0].agent", "not an agent of deployment_sequence"),
    ("horizontal-max-below-replicas", [(SCALING + ("horizontal", "coordinator_agent", "max_replicas"), 2)],
     "scaling_procedures.horizontal.coordinator_agent.max_replicas", "below the 3 replicas"),
    ("queue-depth-as-percentage", [(SCALING + ("horizontal", "task_executor", "trigger"), "queue_depth > 80%")],
     "scaling_procedures.horizontal.task_executor.trigger", "not a percentage"),
    ("cpu-usage-without-percent", [(SCALING + ("horizontal", "coordinator_agent", "trigger"), "cpu_usage > 75")],
     "scaling_procedures.horizontal.coordinator_agent.trigger", "write the % sign"),
    ("cpu-usage-above-the-limit", [(SCALING + ("horizontal", "coordinator_agent", "trigger"), "cpu_usage > 150%")],
     "scaling_procedures.horizontal.coordinator_agent.trigger", "below 100%"),
    ("vertical-rule-on-cpu", [(SCALING + ("vertical", "learning_agent", "trigger"), "cpu_usage > 80%")],
     "scaling_procedures.vertical.learning_agent.trigger", "memory_usage"),
    ("vertical-increment-in-cores", [(SCALING + ("vertical", "learning_agent", "increment"), "2")],
     "scaling_procedures.vertical.learning_agent.increment", "memory needs a unit"),
    ("strategy-recreate-with-rolling-update", [(COORD + ("strategy",), {"type": "Recreate", "rollingUpdate": {"maxSurge": 1}})],
     "deployment_sequence.2_coordination.coordinator_agent.strategy.rollingUpdate", "only with type RollingUpdate"),
]


@pytest.mark.parametrize("schedule", ["5,35 */2 1-15 JAN-JUN,dec *", "0 0 * * SUN", "*/15 9-17 ? * mon-fri", "@weekly",
                                      "59 23 31 12 6"])
def test_cron_accepts_what_a_cronjob_takes(schedule):
    findings = Findings()
    assert Cron().check(schedule, "schedule", findings) == schedule
    assert findings.errors == []


@pytest.mark.parametrize("changes, path, message", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_field_error_names_its_key(production_spec, changes, path, message):
    assert_error_at(preflight_with(production_spec, changes), path, message)


def test_a_cpu_trigger_on_a_vertical_rule_is_reported_on_the_rule_only(production_spec):
    # Memory amounts applied to the CPU would make every capacity check fail; the one
    # mistake is the rule's.
    report = preflight_with(production_spec, [(SCALING + ("vertical", "learning_agent", "trigger"), "cpu_usage > 80%")])
    assert [e["path"] for e in report["errors"]] == ["scaling_procedures.vertical.learning_agent.trigger"]


GOOD = [
    ("cron-descriptor", [(BACKUP + ("system_state", "schedule"), "@hourly")]),
    ("backup-store-elsewhere-takes-any-region", [(BACKUP + ("store", "endpoint_url"), "http://127.0.0.1:9000"),
                                                 (BACKUP + ("store", "region"), "local")]),
    ("end-port-range", [(POLICY + ("egress",), [{"ports": [{"protocol": "TCP", "port": 8000, "endPort": 8080}]}]),
                        (POLICY + ("allow_dns_egress",), True)]),
    ("toleration-of-everything", [(LEARN + ("tolerations",), [{"operator": "Exists"}])]),
    ("required-anti-affinity", [(RM + ("affinity", "podAntiAffinity"), ANTI["podAntiAffinity"])]),
    ("preferred-node-affinity", [(RM + ("affinity", "nodeAffinity"), {"preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 50, "preference": {"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In",
                                                            "values": ["eu-west-1a"]}]}}]})]),
    ("hpa-external-metric", [(EXEC + ("autoscaling", "metrics"), [
        {"type": "External", "external": {"metric": {"name": "rabbitmq_queue_messages"},
                                          "target": {"type": "AverageValue", "averageValue": "100"}}}])]),
    ("queue-depth-threshold", [(SCALING + ("horizontal", "task_executor", "trigger"), "queue_depth >= 500")]),
    ("rabbitmq-shipped-plugins", [(RABBITMQ + ("plugins",), ["rabbitmq_management", "rabbitmq_prometheus", "rabbitmq_shovel"])]),
    ("largest-vpc", [(VPC + ("cidr",), "10.0.0.0/16")]),
]


@pytest.mark.parametrize("changes", [c[1] for c in GOOD], ids=[c[0] for c in GOOD])
def test_valid_field_passes(production_spec, changes):
    report = preflight_with(production_spec, changes)
    assert report["errors"] == [], report["errors"]


@pytest.mark.parametrize("changes", [
    [(INFRA + ("cluster_name",), "x" * 10 ** 7)],
    [(RABBITMQ + ("plugins",), ["rabbitmq_" + "y" * 10 ** 6])],
    [(RM + ("resources", "requests", "memory"), "9" * 10 ** 6 + "Gi")],
    [(("deployment_sequence", "1_core_agents", "z" * 10 ** 6), {})],
    [(INFRA + ("region",), "eu-" + "w" * 10 ** 6)],
    [(BACKUP + ("system_state", "schedule"), "1 " * 10 ** 5)],
    [(VPC + ("cidr",), "10." * 10 ** 5 + "/16")],
    [(RM + ("replicas",), 10 ** 5000)],
    [(("environment_config", "resource_quotas", "agent-system", "pods"), 10 ** 5000)],
], ids=["name", "plugin", "quantity", "key", "region", "cron", "cidr", "huge-int", "huge-quota"])
def test_no_message_quotes_more_than_200_characters_of_a_value(production_spec, changes):
    report = preflight_with(production_spec, changes)
    assert report["errors"]
    for finding in report["errors"] + report["warnings"]:
        # The path names the key (clipped at 500 characters); the message says what is
        # wrong with a short quote: a 10 MB value is never echoed.
        assert len(finding["message"]) < 1200, finding["message"][:300]
        assert len(finding["path"]) <= 540
        for run in ("x" * 201, "y" * 201, "9" * 201, "w" * 201, "1 " * 101, "10." * 70):
            assert run not in finding["message"]
