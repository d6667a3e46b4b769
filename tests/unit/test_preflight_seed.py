"""The preflight on the seed's own values: it reports every known defect of the seed.

tests/unit/fixtures/seed_spec.yml is the seed's YAML, verbatim. DESIGN.md's "Known
defects in the seed" come first; the others are the further defects found while
writing the spec (docs/seed-deviations.md lists them all, with what we did instead).
"""

import pytest

from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight

KNOWN_DEFECTS = [
    ("gpu-request-differs-from-limit",
     "deployment_sequence.1_core_agents.learning_agent.resources.limits.nvidia.com/gpu", "request (2) and limit (4) differ"),
    ("g5.8xlarge-has-one-gpu",
     "deployment_sequence.1_core_agents.learning_agent.resources.requests.nvidia.com/gpu",
     "2 GPUs per pod, but a g5.8xlarge node (group gpu) has 1"),
    ("no-core-node-group", "deployment_sequence.1_core_agents.resource_manager.affinity.nodeSelector",
     "{node-role: core} matches no node group"),
    ("no-core-node-group-for-the-coordinator", "deployment_sequence.2_coordination.coordinator_agent.affinity.nodeSelector",
     "{node-role: core} matches no node group"),
    ("no-monitoring-node-group", "deployment_sequence.1_core_agents.monitoring_agent.affinity.nodeSelector",
     "{node-role: monitoring} matches no node group"),
    ("cpu-shares-above-100", "environment_config.namespaces", "the cpu_limit shares add up to 130%"),
    ("memory-shares-above-100", "environment_config.namespaces", "the memory_limit shares add up to 150%"),
    ("gp2-takes-no-iops", "infrastructure.storage.classes[1].iops", "gp2 volumes take no iops parameter"),
    ("egress-without-dns", "security_setup.network_policies.default.egress", "without allowing DNS"),
    ("neo4j-cluster-needs-enterprise", "core_services.2_databases.neo4j.edition", "mode cluster needs the enterprise edition"),
]

FURTHER_DEFECTS = [
    ("version-is-a-constraint", "infrastructure.kubernetes.version", "'>=1.28' is a version constraint"),
    ("node-list-not-node-groups", "infrastructure.kubernetes.nodes", "write node_groups"),
    ("node-count-is-a-bound", "infrastructure.kubernetes.nodes.worker.count", "'6+' is a lower bound"),
    ("agents-without-namespace", "deployment_sequence.3_executors.task_executor.namespace", "required key is missing"),
    ("services-without-volume-size", "core_services.2_databases.mongodb.storage_size", "required key is missing"),
    ("services-without-resources", "core_services.1_infrastructure.consul.resources", "required key is missing"),
    ("redis-without-volume", "core_services.2_databases.redis.storage", "required key is missing"),
    ("redis-topology-ambiguous", "core_services.2_databases.redis.masters", "a Redis Cluster needs at least 3 masters"),
    ("rabbitmq-plugin-names", "core_services.1_infrastructure.rabbitmq.plugins[0]", "did you mean rabbitmq_management"),
    ("grafana-features-as-plugins", "core_services.1_infrastructure.grafana.plugins[0]", "built into Grafana"),
    ("network-peers-as-mapping", "security_setup.network_policies.default.ingress[0].from", "expected a list, got a mapping"),
    ("scaling-keys-name-no-agent", "scaling_procedures.horizontal.task_executors", "names no agent"),
    ("coordinator-scaling-names-no-agent", "scaling_procedures.horizontal.coordinator", "names no agent"),
    ("vertical-scaling-unbounded", "scaling_procedures.vertical.learning_agent.max_limit", "without bound"),
    ("startup-starts-no-database", "startup_procedures", "no step starts the core services mongodb, neo4j, redis"),
    ("shutdown-stops-no-database", "shutdown_procedures", "no step stops the core services mongodb, neo4j, redis"),
]


@pytest.fixture(scope="module")
def seed_report(_seed_spec):
    return run_preflight(_seed_spec)


@pytest.mark.parametrize("path, message", [d[1:] for d in KNOWN_DEFECTS + FURTHER_DEFECTS],
                         ids=[d[0] for d in KNOWN_DEFECTS + FURTHER_DEFECTS])
def test_seed_defect_is_reported(seed_report, path, message):
    found = [e["message"] for e in seed_report["errors"] if e["path"] == path]
    assert any(message in m for m in found), found


def test_seed_gpu_nodes_are_flagged_as_untainted(seed_report):
    assert any(w["path"] == "infrastructure.kubernetes.nodes.gpu.taints" for w in seed_report["warnings"])
