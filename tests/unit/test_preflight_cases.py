"""The preflight on good and bad specs: one case per defect class, each naming the exact key path.

Every case starts from the production inventory's spec (which passes) and changes
what the case is about, so that the finding can only come from that change.
"""

import copy
import json

import pytest

from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight
from spec_loader import assert_error_at, change, DELETE, preflight_with

RM = ("deployment_sequence", "1_core_agents", "resource_manager")
MON = ("deployment_sequence", "1_core_agents", "monitoring_agent")
LEARN = ("deployment_sequence", "1_core_agents", "learning_agent")
COORD = ("deployment_sequence", "2_coordination", "coordinator_agent")
EXEC = ("deployment_sequence", "3_executors", "task_executor")
NODE_GROUPS = ("infrastructure", "kubernetes", "node_groups")
CLASSES = ("infrastructure", "storage", "classes")
NAMESPACES = ("environment_config", "namespaces")
CONSUL = ("core_services", "1_infrastructure", "consul")
NEO4J = ("core_services", "2_databases", "neo4j")
REDIS = ("core_services", "2_databases", "redis")
POLICY = ("security_setup", "network_policies", "default")


def paths(findings):
    return [f["path"] for f in findings]


def messages_at(findings, path):
    return [f["message"] for f in findings if f["path"] == path]


# (id, changes, path of the expected error, part of its message)
BAD = [
    # Structure
    ("wrong-type", [(RM + ("replicas",), "two")], "deployment_sequence.1_core_agents.resource_manager.replicas",
     "expected an integer"),
    ("missing-key", [(RM + ("resources", "requests", "cpu"), DELETE)],
     "deployment_sequence.1_core_agents.resource_manager.resources.requests.cpu", "required key is missing"),
    ("unknown-key-typo", [(RM + ("replica",), 3)], "deployment_sequence.1_core_agents.resource_manager.replica",
     "unknown key"),
    ("bad-choice", [(NEO4J + ("edition",), "pro")], "core_services.2_databases.neo4j.edition",
     "expected one of community, enterprise"),
    ("memory-without-unit", [(RM + ("resources", "requests", "memory"), "16")],
     "deployment_sequence.1_core_agents.resource_manager.resources.requests.memory", "memory needs a unit"),
    ("bad-quantity", [(RM + ("resources", "limits", "cpu"), "8 cores")],
     "deployment_sequence.1_core_agents.resource_manager.resources.limits.cpu", "Kubernetes quantity"),
    ("percent-as-number", [(NAMESPACES + (0, "resources", "cpu_limit"), 45)],
     "environment_config.namespaces[0].resources.cpu_limit", "write the % sign"),
    ("unquoted-float-version", [(REDIS + ("version",), 7.0)], "core_services.2_databases.redis.version", "quote it"),
    ("missing-section", [(("core_services",), DELETE)], "core_services", "group_vars/all/core_services.yml"),
    ("null-section", [(("scaling_procedures",), None)], "scaling_procedures", "required key is missing"),
    ("version-constraint", [(("infrastructure", "kubernetes", "version"), ">=1.28")], "infrastructure.kubernetes.version",
     "version constraint"),
    ("old-kubernetes", [(("infrastructure", "kubernetes", "version"), "1.25")], "infrastructure.kubernetes.version",
     "older than the 1.28"),
    ("unknown-instance-type", [(NODE_GROUPS + ("core", "instance_type"), "c6i.huge")],
     "infrastructure.kubernetes.node_groups.core.instance_type", "unknown instance type"),
    ("max-count-below-count", [(NODE_GROUPS + ("worker", "max_count"), 2)],
     "infrastructure.kubernetes.node_groups.worker.max_count", "smaller than count"),
    ("gpu-nodes-without-nvidia-ami", [(NODE_GROUPS + ("gpu", "ami_type"), "AL2023_x86_64_STANDARD")],
     "infrastructure.kubernetes.node_groups.gpu.ami_type", "no NVIDIA driver"),
    ("gpu-nodes-without-ami-on-eks", [(NODE_GROUPS + ("gpu", "ami_type"), DELETE)],
     "infrastructure.kubernetes.node_groups.gpu.ami_type", "EKS's default AMI"),
    ("subnet-outside-vpc", [(("infrastructure", "networking", "vpc", "subnets", "private", 1), "10.1.11.0/24")],
     "infrastructure.networking.vpc.subnets.private[1]", "not inside the VPC"),
    ("duplicate-agent", [(("deployment_sequence", "3_executors", "resource_manager"),
                          {"namespace": "agent-system", "replicas": 1,
                           "resources": {"requests": {"cpu": "1", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}}})],
     "deployment_sequence.3_executors.resource_manager", "also defined at"),
    ("no-surge-no-unavailable", [(EXEC + ("strategy",), {"rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}})],
     "deployment_sequence.3_executors.task_executor.strategy.rollingUpdate", "cannot both be 0"),
    ("hpa-min-above-max", [(EXEC + ("autoscaling", "min"), 30)], "deployment_sequence.3_executors.task_executor.autoscaling.min",
     "larger than max"),
    ("rbac-binding-to-no-role", [(("security_setup", "authentication", "rbac", "bindings"), {"admins": ["ops"]})],
     "security_setup.authentication.rbac.bindings.admins", "names no role"),
    ("health-check-timeout", [(("health_monitoring", "system_checks", 0, "timeout"), "30s")],
     "health_monitoring.system_checks[0].timeout", "shorter than the interval"),
    ("backup-expires-before-next", [(("backup_procedures", "model_registry", "retention"), "12h")],
     "backup_procedures.model_registry.retention", "expire before the next"),
    ("two-prometheus-retentions", [(("core_services", "1_infrastructure", "prometheus", "retention"), "15d")],
     "service_configuration.monitoring.metrics.retention", "Prometheus has one retention"),
    ("discovery-without-consul", [(CONSUL, DELETE)], "service_configuration.networking.service_discovery.method",
     "deploys no consul"),

    # Resources and GPUs
    ("request-above-limit", [(RM + ("resources", "requests", "cpu"), "10")],
     "deployment_sequence.1_core_agents.resource_manager.resources.requests.cpu", "larger than the limit"),
    ("gpu-request-differs-from-limit", [(LEARN + ("resources", "limits", "nvidia.com/gpu"), "4")],
     "deployment_sequence.1_core_agents.learning_agent.resources.limits.nvidia.com/gpu", "request (2) and limit (4) differ"),
    ("gpu-request-without-limit", [(LEARN + ("resources", "limits", "nvidia.com/gpu"), DELETE)],
     "deployment_sequence.1_core_agents.learning_agent.resources.limits.nvidia.com/gpu", "need a limit equal"),
    ("gpu-fraction", [(LEARN + ("resources", "requests", "nvidia.com/gpu"), "500m")],
     "deployment_sequence.1_core_agents.learning_agent.resources.requests.nvidia.com/gpu", "whole number"),
    ("more-gpus-than-a-node", [(LEARN + ("resources", "requests", "nvidia.com/gpu"), "8"),
                               (LEARN + ("resources", "limits", "nvidia.com/gpu"), "8")],
     "deployment_sequence.1_core_agents.learning_agent.resources.requests.nvidia.com/gpu",
     "8 GPUs per pod, but a g5.12xlarge node (group gpu) has 4"),
    ("seed-gpu-node-type", [(NODE_GROUPS + ("gpu", "instance_type"), "g5.8xlarge")],
     "deployment_sequence.1_core_agents.learning_agent.resources.requests.nvidia.com/gpu",
     "2 GPUs per pod, but a g5.8xlarge node (group gpu) has 1"),
    ("gpu-pod-without-toleration", [(LEARN + ("tolerations",), DELETE)],
     "deployment_sequence.1_core_agents.learning_agent.tolerations", "taint nvidia.com/gpu=true:NoSchedule"),
    ("gpu-in-namespace-without-gpu-share", [(NAMESPACES + (2, "resources", "gpu_limit"), DELETE)],
     "environment_config.namespaces[2].resources.gpu_limit", "no share (0%) resolves to requests.nvidia.com/gpu 0"),

    # Placement and fit
    ("selector-matches-no-group", [(MON + ("affinity", "nodeSelector", "node-role"), "monitoring")],
     "deployment_sequence.1_core_agents.monitoring_agent.affinity.nodeSelector", "{node-role: monitoring} matches no node group"),
    ("node-affinity-matches-no-group", [(RM + ("affinity",), {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "node-role", "operator": "In", "values": ["control-plane"]}]}]}}})],
     "deployment_sequence.1_core_agents.resource_manager.affinity.nodeAffinity", "matches no node group"),
    ("request-above-node-allocatable", [(RM + ("resources", "requests", "memory"), "64Gi"),
                                        (RM + ("resources", "limits", "memory"), "64Gi")],
     "deployment_sequence.1_core_agents.resource_manager.resources.requests.memory",
     "exceeds the allocatable memory of one c6i.8xlarge node (group core): 60.97Gi"),
    ("limit-above-node-allocatable", [(RM + ("resources", "limits", "cpu"), "40")],
     "deployment_sequence.1_core_agents.resource_manager.resources.limits.cpu", "allocatable cpu"),
    ("vertical-bump-beyond-node", [(("scaling_procedures", "vertical", "learning_agent", "max_limit"), "400Gi")],
     "deployment_sequence.1_core_agents.learning_agent.resources.limits.memory", "after the vertical scaling to max_limit"),

    # Worst case per node group
    # 80 + 20 surge pods of 8Gi = 800Gi, 12 worker nodes have 731.61Gi.
    ("hpa-max-beyond-group", [(EXEC + ("autoscaling", "max"), 80)], "infrastructure.kubernetes.node_groups.worker.max_count",
     "needs 800Gi memory; its 12 nodes (max_count) offer 731.61Gi memory"),
    ("worst-case-without-autoscaler", [(("infrastructure", "kubernetes", "cluster_autoscaler"), False)],
     "infrastructure.kubernetes.node_groups.core.count", "its 3 nodes (count) offer 182.9Gi memory"),

    # Scaling procedures
    ("vertical-unbounded", [(("scaling_procedures", "vertical", "learning_agent", "max_limit"), DELETE)],
     "scaling_procedures.vertical.learning_agent.max_limit", "without bound"),
    ("horizontal-unbounded", [(("scaling_procedures", "horizontal", "coordinator_agent", "max_replicas"), DELETE)],
     "scaling_procedures.horizontal.coordinator_agent.max_replicas", "without bound"),
    ("horizontal-above-hpa", [(("scaling_procedures", "horizontal", "task_executor", "max_replicas"), 30)],
     "scaling_procedures.horizontal.task_executor.max_replicas", "must not fight it"),
    ("scaling-names-no-agent", [(("scaling_procedures", "horizontal", "coordinator"),
                                 {"trigger": "cpu_usage > 75%", "step": 1, "cooldown": "600s", "max_replicas": 4})],
     "scaling_procedures.horizontal.coordinator", "names no agent"),

    # Namespaces and quotas
    ("shares-above-100", [(NAMESPACES + (0, "resources", "cpu_limit"), "80%")], "environment_config.namespaces",
     "the cpu_limit shares add up to 135% (agent-system 80%, monitoring 10%, learning 30%, core-services 15%)"),
    ("quota-below-worst-case", [(NAMESPACES + (0, "resources", "memory_limit"), "30%")],
     "environment_config.namespaces[0].resources.memory_limit", "30% resolves to limits.memory 391.37Gi"),
    ("quota-pods-below-worst-case", [(("environment_config", "resource_quotas", "agent-system", "pods"), 20)],
     "environment_config.resource_quotas.agent-system.pods", "needs 35"),
    ("quota-for-unknown-namespace", [(("environment_config", "resource_quotas", "agents"), {"pods": 5})],
     "environment_config.resource_quotas.agents", "names no namespace"),
    ("workload-in-undeclared-namespace", [(EXEC + ("namespace",), "executors")],
     "deployment_sequence.3_executors.task_executor.namespace", "not a namespace of environment_config.namespaces"),
    ("workload-without-limits-under-quota", [(EXEC + ("resources", "limits"), DELETE)],
     "deployment_sequence.3_executors.task_executor.resources.limits.cpu", "rejects pods without it"),

    # Storage classes
    ("gp2-with-iops", [(CLASSES + (1, "iops"), 3000)], "infrastructure.storage.classes[1].iops", "gp2 volumes take no iops"),
    ("gp3-iops-out-of-range", [(CLASSES + (0, "iops"), 20000)], "infrastructure.storage.classes[0].iops", "3000 to 16000"),
    ("gp3-iops-per-gib", [(CONSUL + ("storage_size",), "10Gi")], "infrastructure.storage.classes[0].iops",
     "16000 IOPS need volumes of at least 32Gi (gp3 allows 500 IOPS per GiB), but consul's volumes"),
    ("gp3-throughput-per-iops", [(CLASSES + (0, "iops"), 3000)], "infrastructure.storage.classes[0].throughput",
     "1000 MiB/s needs at least 4000 IOPS"),
    ("io1-without-iops", [(CLASSES + (0,), {"name": "fast-ssd", "type": "io1"})], "infrastructure.storage.classes[0].iops",
     "required for io1"),
    ("volume-of-unknown-class", [(CONSUL + ("storage",), "ultra")], "core_services.1_infrastructure.consul.storage",
     "names no storage class"),
    ("default-class-unknown", [(("infrastructure", "storage", "default_class"), "gp2")], "infrastructure.storage.default_class",
     "names no storage class"),

    # Core services
    ("neo4j-cluster-community", [(NEO4J + ("mode",), "cluster")], "core_services.2_databases.neo4j.edition",
     "mode cluster needs the enterprise edition"),
    ("neo4j-enterprise-without-license", [(NEO4J + ("edition",), "enterprise")],
     "core_services.2_databases.neo4j.accept_license_agreement", "license is accepted"),
    ("redis-two-masters", [(REDIS + ("masters",), 2)], "core_services.2_databases.redis.masters", "at least 3 masters"),
    ("redis-ambiguous-replicas", [(REDIS + ("replicas",), 3)], "core_services.2_databases.redis.replicas", "ambiguous"),
    ("rabbitmq-plugin-name", [(("core_services", "1_infrastructure", "rabbitmq", "plugins"), ["management"])],
     "core_services.1_infrastructure.rabbitmq.plugins[0]", "did you mean rabbitmq_management"),
    ("grafana-builtin-as-plugin", [(("core_services", "1_infrastructure", "grafana", "plugins"), ["alerting"])],
     "core_services.1_infrastructure.grafana.plugins[0]", "built into Grafana"),
    ("unknown-core-service", [(("core_services", "2_databases", "postgres"), {"version": "16"})],
     "core_services.2_databases.postgres", "unknown core service"),

    # Network policy: the preflight evaluates the union of the policies the
    # network_policies role applies (the spec's default and the role's port-level rules).
    ("egress-without-dns", [(POLICY + ("allow_dns_egress",), False)],
     "security_setup.network_policies.default.egress", "without allowing DNS"),
    ("dns-over-tcp-only", [(POLICY + ("allow_dns_egress",), DELETE),
                           (POLICY + ("egress",), [{"to": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}}],
                                                    "ports": [{"protocol": "TCP", "port": 53}]}])],
     "security_setup.network_policies.default.egress", "without allowing DNS"),
    ("peers-as-mapping", [(POLICY + ("ingress", 0, "from"), {"namespaceSelector": {"matchLabels": {"name": "agent-system"}}})],
     "security_setup.network_policies.default.ingress[0].from", "expected a list, got a mapping"),
    ("selector-label-no-namespace-carries", [(POLICY + ("ingress", 0, "from"), [{"namespaceSelector": {"matchLabels": {"team": "agent-system"}}}])],
     "security_setup.network_policies.default.ingress[0].from[0].namespaceSelector.matchLabels.team", "no namespace carries the label team=agent-system"),
    ("agents-cannot-reach-a-service-without-client-port", [(("core_services", "2_databases", "mongodb", "ports"), {"metrics": 9216})],
     "core_services.2_databases.mongodb.ports", "no agent can reach mongodb"),

    # Procedures
    ("startup-without-databases", [(("startup_procedures", "2_core_services", 3), DELETE)], "startup_procedures",
     "no step starts the core services mongodb, neo4j, redis (add start_databases)"),
    ("unknown-step", [(("startup_procedures", "2_core_services", 0), "start_registry")], "startup_procedures.2_core_services[0]",
     "no runbook implements the step 'start_registry'"),
    ("service-after-agent", [(("startup_procedures", "2_core_services"),
                              ["deploy_resource_manager", "start_service_registry", "initialize_message_broker",
                               "deploy_monitoring_stack", "start_databases"])],
     "startup_procedures.2_core_services[1]", "starts consul after the agent resource_manager"),
    ("stop-before-drain", [(("shutdown_procedures", "1_graceful_shutdown"), ["pause_task_acceptance", "complete_active_tasks"]),
                           (("shutdown_procedures", "4_verification", 0), "save_system_state")],
     "shutdown_procedures.2_agent_shutdown[0]", "before save_system_state"),
    ("service-stopped-before-agents", [(("shutdown_procedures", "2_agent_shutdown", 0), "stop_message_broker")],
     "shutdown_procedures.2_agent_shutdown[0]", "stops rabbitmq while the agents"),
]


@pytest.mark.parametrize("changes, path, message", [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_bad_spec_names_the_key(production_spec, changes, path, message):
    assert_error_at(preflight_with(production_spec, changes), path, message)


# (id, changes, path of the expected warning, part of its message)
WARNED = [
    ("even-consul-quorum", [(CONSUL + ("replicas",), 4)], "core_services.1_infrastructure.consul.replicas",
     "4 consul members tolerate no more failures than 3"),
    ("single-mongodb", [(("core_services", "2_databases", "mongodb", "replicas"), 1)], "core_services.2_databases.mongodb.replicas",
     "tolerates no failure"),
    ("redis-without-replicas", [(REDIS + ("replicas_per_master",), 0)], "core_services.2_databases.redis.replicas_per_master",
     "hash slots"),
    ("gpu-group-without-taint", [(NODE_GROUPS + ("gpu", "taints"), []), (LEARN + ("tolerations",), DELETE)],
     "infrastructure.kubernetes.node_groups.gpu.taints", "pods that need no GPU can take its nodes"),
    ("replicas-outside-hpa", [(EXEC + ("replicas",), 1)], "deployment_sequence.3_executors.task_executor.replicas",
     "outside the HPA's bounds 3..20"),
    ("steady-state-needs-autoscaling", [(NODE_GROUPS + ("core", "count"), 2)], "infrastructure.kubernetes.node_groups.core.count",
     "the cluster autoscaler must add nodes"),
]


@pytest.mark.parametrize("changes, path, message", [c[1:] for c in WARNED], ids=[c[0] for c in WARNED])
def test_doubtful_spec_warns_and_passes(production_spec, changes, path, message):
    report = preflight_with(production_spec, changes)
    assert report["errors"] == []
    found = messages_at(report["warnings"], path)
    assert any(message in m for m in found), report["warnings"]


GOOD = [
    ("production-as-shipped", []),
    # The default closes everything but agent-system; the role's rules carry the rest.
    ("default-opens-nothing", [(POLICY + ("ingress",), []), (POLICY + ("egress",), [])]),
    ("broad-default", [(POLICY + ("egress",), [{"to": [{"namespaceSelector": {
        "matchExpressions": [{"key": "kubernetes.io/metadata.name", "operator": "In",
                              "values": ["agent-system", "monitoring", "learning", "core-services"]}]}}]}])]),
    ("dns-in-the-default-instead-of-the-role", [(POLICY + ("allow_dns_egress",), DELETE),
                                                (POLICY + ("egress",), [{"to": [{
                                                    "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}},
                                                    "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
                                                    "ports": [{"protocol": "UDP", "port": 53}]}])]),
    ("dns-to-any-destination-on-port-53", [(POLICY + ("allow_dns_egress",), False),
                                           (POLICY + ("egress",), [{"ports": [{"protocol": "UDP", "port": 53}]}])]),
    ("node-affinity-instead-of-selector", [(RM + ("affinity",), {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {
        "nodeSelectorTerms": [{"matchExpressions": [{"key": "node-role", "operator": "In", "values": ["core"]}]}]}}})]),
    ("recreate-strategy-has-no-surge", [(COORD + ("strategy",), {"type": "Recreate"})]),
    ("neo4j-cluster-enterprise", [(NEO4J + ("mode",), "cluster"), (NEO4J + ("edition",), "enterprise"),
                                  (NEO4J + ("accept_license_agreement",), True), (NEO4J + ("replicas",), 3)]),
    ("seed-only-sections", [(("recovery_procedures",), {"system_failure": ["assess_damage", "restore_core_services"]})]),
    ("gp3-without-iops", [(CLASSES + (0,), {"name": "fast-ssd", "type": "gp3"})]),
]


@pytest.mark.parametrize("changes", [c[1] for c in GOOD], ids=[c[0] for c in GOOD])
def test_good_spec_passes(production_spec, changes):
    report = preflight_with(production_spec, changes)
    assert report["errors"] == []
    assert report["warnings"] == []


def test_quotas_are_the_shares_of_the_cluster_at_count(production_spec):
    # 9 x c6i.8xlarge (31.85 CPU, 62431Mi) + 4 x g5.12xlarge (47.81 CPU, 193503Mi, 4 GPUs)
    # = 477.89 CPU, 1335891Mi, 16 GPUs at count (not max_count).
    quotas = run_preflight(production_spec)["quotas"]
    assert quotas["agent-system"] == {
        "requests.cpu": "215050m", "limits.cpu": "215050m",          # 45 % of 477.89, to the millicore
        "requests.memory": "801534Mi", "limits.memory": "801534Mi",  # 60 % of 1335891Mi, rounded down
        "requests.nvidia.com/gpu": "0",                              # no gpu_limit: no GPUs
        "pods": "100", "services": "50", "secrets": "100",
    }
    assert quotas["learning"]["requests.nvidia.com/gpu"] == "16"
    assert quotas["monitoring"]["requests.cpu"] == "47789m"


def test_quotas_never_add_up_to_more_than_the_cluster(production_spec):
    report = run_preflight(production_spec)
    total_cpu = sum(int(q["requests.cpu"][:-1]) for q in report["quotas"].values())
    total_memory = sum(int(q["requests.memory"][:-2]) for q in report["quotas"].values())
    assert total_cpu <= 477890
    assert total_memory <= 1335891


def test_capacity_table_counts_the_worst_case(production_spec):
    capacity = run_preflight(production_spec)["capacity"]
    worker = capacity["node_groups"]["worker"]
    # task_executor: HPA max 20 + 25 % surge (5) = 25 pods of 2 CPU / 8Gi.
    assert worker["worst_case"] == {"cpu": "50000m", "memory": "204800Mi", "nvidia.com/gpu": 0, "pods": 25}
    assert worker["steady_state"]["pods"] == 5
    assert worker["capacity_nodes"] == 12 and worker["allocatable"]["cpu"] == "382200m"
    assert worker["headroom"]["cpu"] == "332200m"
    gpu = capacity["node_groups"]["gpu"]
    # learning_agent: 2 replicas + 1 surge, 2 GPUs each; memory requests 32Gi + 2 bumps of 8Gi.
    assert gpu["worst_case"]["nvidia.com/gpu"] == 6
    assert gpu["worst_case"]["memory"] == "%dMi" % (3 * 48 * 1024)
    assert capacity["namespaces"]["learning"]["worst_case"]["limits.memory"] == "%dMi" % (3 * 80 * 1024)


def test_workload_bounds_for_the_runbooks(production_spec):
    workloads = run_preflight(production_spec)["capacity"]["workloads"]
    assert workloads["task_executor"]["max_replicas"] == 20          # the HPA's max
    assert workloads["coordinator_agent"]["max_replicas"] == 5       # the runbook's max_replicas
    assert workloads["coordinator_agent"]["surge"] == 2              # 25 % of 5, rounded up
    assert workloads["learning_agent"]["max_limits"]["memory"] == "81920Mi"    # max_limit 80Gi
    assert workloads["learning_agent"]["max_requests"]["memory"] == "49152Mi"  # 32Gi + 2 x 8Gi
    assert workloads["redis"]["replicas"] == 6 and workloads["redis"]["surge"] == 0
    assert workloads["redis"]["node_groups"] == ["core"]


def test_a_workload_spanning_groups_is_checked_against_their_union(production_spec):
    # Two worker nodes (121.9Gi) cannot hold the executors' worst case (25 x 8Gi)...
    production_spec["infrastructure"]["kubernetes"]["node_groups"]["worker"].update(count=2, max_count=2)
    confined = run_preflight(copy.deepcopy(production_spec))
    assert "infrastructure.kubernetes.node_groups.worker.max_count" in paths(confined["errors"])
    # ...but without a selector the executors may also use the core nodes, and core and
    # worker together (487.7Gi) hold everything confined to them (431.5Gi).
    # (The namespace quotas shrink with the cluster too; that is not what this is about.)
    del production_spec["deployment_sequence"]["3_executors"]["task_executor"]["affinity"]
    report = run_preflight(production_spec)
    assert not [p for p in paths(report["errors"]) if p.startswith("infrastructure.kubernetes.node_groups")]
    pool = report["capacity"]["pools"][0]
    assert pool["node_groups"] == ["core", "worker"]
    assert "task_executor" in pool["workloads"] and "resource_manager" in pool["workloads"]
    assert pool["worst_case"]["memory"] == "%dMi" % (431.5 * 1024)


def test_errors_do_not_stop_the_other_checks(production_spec):
    # A structure error in one agent must not hide a capacity error in another.
    production_spec["deployment_sequence"]["1_core_agents"]["resource_manager"]["replicas"] = "two"
    production_spec["infrastructure"]["storage"]["classes"][1]["iops"] = 3000
    found = paths(run_preflight(production_spec)["errors"])
    assert "deployment_sequence.1_core_agents.resource_manager.replicas" in found
    assert "infrastructure.storage.classes[1].iops" in found


def test_one_mistake_gives_one_error(production_spec):
    # An invalid replicas must not also make the scaling rules "name no agent" or the
    # procedures "start no learning_agent".
    production_spec["deployment_sequence"]["1_core_agents"]["learning_agent"]["replicas"] = "two"
    assert paths(run_preflight(production_spec)["errors"]) == ["deployment_sequence.1_core_agents.learning_agent.replicas"]


def test_report_is_json_serializable(production_spec, seed_spec):
    for spec in (production_spec, seed_spec):
        json.dumps(run_preflight(copy.deepcopy(spec)))
