"""scaling_decision against a real RabbitMQ, a real Prometheus and the local Kubernetes
cluster (`make local-up`). The tests that need the cluster fail, with a message saying so,
when it is not running; the ones that must fail before Kubernetes is touched do not need it."""

import pytest
from amqp_clients import declare, fill

from ansible_collections.mas.platform.plugins.module_utils.runbooks.scaling import ANNOTATION_PREFIX
from ansible_collections.mas.platform.plugins.modules import scaling_decision

TRIGGER = "task-executors-queue-depth"


@pytest.fixture
def depth_1500(rabbitmq, unique):
    """Task queues holding 1,500 ready messages, the statistics caught up."""
    names = ["scale-%s.default" % unique, "scale-%s.batch" % unique]
    for name, count in zip(names, (1000, 500)):
        declare(rabbitmq, name)
        fill(rabbitmq, name, count)
        rabbitmq.wait_for_stats(name, lambda q, count=count: q.get("messages_ready") == count)
    return r"^scale-%s\." % unique


@pytest.fixture
def namespace(kube, unique):
    from kubernetes import client
    core = client.CoreV1Api(kube)
    name = "scaling-" + unique
    core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    core.delete_namespace(name)


def make_hpa(kube, namespace, minimum=3, maximum=20, name="task-executor"):
    from kubernetes import client
    body = {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
            "metadata": {"name": name, "namespace": namespace},
            "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                     "minReplicas": minimum, "maxReplicas": maximum,
                     "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                         "type": "Utilization", "averageUtilization": 70}}}]}}
    client.AutoscalingV2Api(kube).create_namespaced_horizontal_pod_autoscaler(namespace, body)


def read_hpa(kube, namespace, name="task-executor"):
    from kubernetes import client
    return client.AutoscalingV2Api(kube).read_namespaced_horizontal_pod_autoscaler(name, namespace).to_dict()


def make_deployment(kube, namespace, name, replicas=0, memory="32Gi"):
    from kubernetes import client
    body = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "namespace": namespace},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}}, "spec": {"containers": [{
                         "name": name, "image": "registry.invalid/%s:1" % name,
                         "resources": {"requests": {"cpu": "1", "memory": "8Gi"},
                                       "limits": {"cpu": "2", "memory": memory}}}]}}}}
    client.AppsV1Api(kube).create_namespaced_deployment(namespace, body)


def read_deployment(kube, namespace, name):
    from kubernetes import client
    return client.AppsV1Api(kube).read_namespaced_deployment(name, namespace).to_dict()


def executor_args(rabbitmq_args, pattern, namespace, **extra):
    args = dict(rabbitmq_args, trigger=TRIGGER, metric=dict(source="rabbitmq", queue_pattern=pattern),
                threshold=1000, step="2", cooldown=300, max_value="20", max_value_reason="worker node group capacity",
                target=dict(kind="HorizontalPodAutoscaler", name="task-executor", namespace=namespace))
    args.update(extra)
    return args


def test_queue_depth_raises_the_hpa_floor_once_per_cooldown(kubeconfig, run_module, kube, namespace, rabbitmq_args, depth_1500):
    make_hpa(kube, namespace)
    args = executor_args(rabbitmq_args, depth_1500, namespace, kubeconfig=kubeconfig)

    checked = run_module(scaling_decision, args, check_mode=True, diff=True)
    assert checked["changed"] is True and checked["metric_value"] == 1500
    assert checked["decision"]["action"] == "scale" and checked["decision"]["new_value"] == 5
    assert checked["diff"]["before"]["value"] == 3 and checked["diff"]["after"]["value"] == 5
    assert read_hpa(kube, namespace)["spec"]["min_replicas"] == 3

    applied = run_module(scaling_decision, args)
    assert applied["changed"] is True and applied["value"] == 5
    hpa = read_hpa(kube, namespace)
    assert hpa["spec"]["min_replicas"] == 5 and hpa["spec"]["max_replicas"] == 20
    assert hpa["metadata"]["annotations"][ANNOTATION_PREFIX + TRIGGER] == applied["last_scaled"]

    again_checked = run_module(scaling_decision, args, check_mode=True)
    assert again_checked["changed"] is False and again_checked["msg"].split(": ", 1)[1].startswith("in cooldown")
    again = run_module(scaling_decision, args)
    assert again["changed"] is False and "in cooldown" in again["msg"] and "cooldown 300s" in again["msg"]
    assert read_hpa(kube, namespace)["spec"]["min_replicas"] == 5
    assert read_hpa(kube, namespace)["metadata"]["resource_version"] == hpa["metadata"]["resource_version"]


def test_step_is_clipped_to_the_ceiling_then_holds_there(kubeconfig, run_module, kube, namespace, rabbitmq_args, depth_1500,
                                                         clean_warnings):
    make_hpa(kube, namespace, minimum=3, maximum=20)
    args = executor_args(rabbitmq_args, depth_1500, namespace, kubeconfig=kubeconfig, max_value="4", cooldown=0)
    clipped = run_module(scaling_decision, args)
    assert clipped["value"] == 4 and "clipped to worker node group capacity 4" in clipped["msg"]

    held = run_module(scaling_decision, args)
    assert held["changed"] is False
    assert "at ceiling: 4 is at or above worker node group capacity 4" in held["msg"]
    assert any("at ceiling" in w for w in clean_warnings())
    assert read_hpa(kube, namespace)["spec"]["min_replicas"] == 4


def test_hpa_max_replicas_is_a_ceiling_too(kubeconfig, run_module, kube, namespace, rabbitmq_args, depth_1500):
    make_hpa(kube, namespace, minimum=19, maximum=20)
    args = executor_args(rabbitmq_args, depth_1500, namespace, kubeconfig=kubeconfig, max_value="50")
    result = run_module(scaling_decision, args)
    assert result["value"] == 20 and "the HPA's maxReplicas 20" in result["msg"]


def test_replicas_owned_by_an_hpa_are_not_fought_over(kubeconfig, module_failure, kube, namespace, rabbitmq_args, depth_1500):
    make_hpa(kube, namespace)
    make_deployment(kube, namespace, "task-executor", replicas=3)
    args = executor_args(rabbitmq_args, depth_1500, namespace, kubeconfig=kubeconfig,
                         target=dict(kind="Deployment", name="task-executor", namespace=namespace))
    message = module_failure(scaling_decision, args)["msg"]
    assert message == ("Deployment %s/task-executor is scaled by the HorizontalPodAutoscaler task-executor: scale the "
                       "HPA's bounds instead of its replicas" % namespace)
    assert read_deployment(kube, namespace, "task-executor")["spec"]["replicas"] == 3


def test_memory_limit_grows_by_8gi_from_prometheus(kubeconfig, run_module, kube, namespace, prometheus, unique):
    make_deployment(kube, namespace, "learning-agent", memory="32Gi")
    metric = "mas_memory_usage_percent_%s" % unique
    prometheus.set_and_wait(metric, 85)
    args = dict(trigger="learning-agent-memory", metric=dict(source="prometheus", query=metric), threshold=80,
                step="8Gi", cooldown=1800, max_value="112Gi", max_value_reason="g5.8xlarge allocatable",
                target=dict(kind="Deployment", name="learning-agent", namespace=namespace, container="learning-agent"),
                prometheus_url=prometheus.url, kubeconfig=kubeconfig)
    result = run_module(scaling_decision, args, diff=True)
    assert result["changed"] is True and result["value"] == "40Gi"
    assert result["diff"]["before"]["value"] == "32Gi"
    container = read_deployment(kube, namespace, "learning-agent")["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"]["limits"]["memory"] == "40Gi"
    assert run_module(scaling_decision, args)["changed"] is False


def test_coordinator_replicas_follow_prometheus_cpu(kubeconfig, run_module, kube, namespace, prometheus, unique):
    make_deployment(kube, namespace, "coordinator-agent", replicas=3)
    metric = "mas_cpu_usage_percent_%s" % unique
    args = dict(trigger="coordinator-cpu", metric=dict(source="prometheus", query=metric), threshold=75, step="1",
                cooldown=600, max_value="6", target=dict(kind="Deployment", name="coordinator-agent",
                                                          namespace=namespace),
                prometheus_url=prometheus.url, kubeconfig=kubeconfig)
    prometheus.set_and_wait(metric, 60)
    assert run_module(scaling_decision, args)["decision"]["reason"].startswith("not triggered: 60 > 75 is false")
    prometheus.set_and_wait(metric, 80)
    assert run_module(scaling_decision, args)["value"] == 4
    assert read_deployment(kube, namespace, "coordinator-agent")["spec"]["replicas"] == 4


def test_unreachable_prometheus_changes_nothing_in_the_cluster(kubeconfig, module_failure, kube, namespace, closed_url):
    make_deployment(kube, namespace, "coordinator-agent", replicas=3)
    args = dict(trigger="coordinator-cpu", metric=dict(source="prometheus", query="up"), threshold=75, step="1",
                cooldown=600, max_value="6", target=dict(kind="Deployment", name="coordinator-agent",
                                                          namespace=namespace),
                prometheus_url=closed_url, kubeconfig=kubeconfig)
    message = module_failure(scaling_decision, args)["msg"]
    assert message.startswith(closed_url + "/api/v1/query?query=up: Prometheus is unreachable")
    deployment = read_deployment(kube, namespace, "coordinator-agent")
    assert deployment["spec"]["replicas"] == 3
    assert not [key for key in deployment["metadata"].get("annotations") or {} if key.startswith("mas.platform/")]


# -- failures before Kubernetes is touched (no cluster needed) -------------------------------

NO_CLUSTER = "/nonexistent/kubeconfig.yaml"


def test_unreachable_broker_fails_before_kubernetes(module_failure, rabbitmq_args, closed_url):
    args = executor_args(rabbitmq_args, "^tasks", "agent-system", api_url=closed_url, kubeconfig=NO_CLUSTER)
    message = module_failure(scaling_decision, args)["msg"]
    assert message.startswith(closed_url + "/api/queues/") and "unreachable" in message


def test_unreachable_prometheus_fails_before_kubernetes(module_failure, closed_url):
    args = dict(trigger="coordinator-cpu", metric=dict(source="prometheus", query="cpu_usage"), threshold=75,
                step="1", cooldown=600, max_value="6", prometheus_url=closed_url, kubeconfig=NO_CLUSTER,
                target=dict(kind="Deployment", name="coordinator-agent", namespace="agent-system"))
    message = module_failure(scaling_decision, args)["msg"]
    assert message.startswith(closed_url + "/api/v1/query?query=cpu_usage: Prometheus is unreachable")


def test_prometheus_without_data_names_the_query(module_failure, prometheus):
    args = dict(trigger="coordinator-cpu", metric=dict(source="prometheus", query="no_such_metric_at_all"),
                threshold=75, step="1", cooldown=600, max_value="6", prometheus_url=prometheus.url,
                kubeconfig=NO_CLUSTER, target=dict(kind="Deployment", name="c", namespace="agent-system"))
    message = module_failure(scaling_decision, args)["msg"]
    assert message == "query 'no_such_metric_at_all' returned no data at %s (is the metric scraped?)" % prometheus.url


def test_prometheus_rejecting_the_query_is_named(module_failure, prometheus):
    args = dict(trigger="coordinator-cpu", metric=dict(source="prometheus", query="rate(up["), threshold=75,
                step="1", cooldown=600, max_value="6", prometheus_url=prometheus.url, kubeconfig=NO_CLUSTER,
                target=dict(kind="Deployment", name="c", namespace="agent-system"))
    message = module_failure(scaling_decision, args)["msg"]
    assert message.startswith("query 'rate(up[' rejected by Prometheus at %s: " % prometheus.url)


def test_missing_kubeconfig_is_named(module_failure, rabbitmq_args, depth_1500):
    message = module_failure(scaling_decision, executor_args(rabbitmq_args, depth_1500, "x",
                                                             kubeconfig=NO_CLUSTER))["msg"]
    assert message == "kubeconfig: %s does not exist (is the cluster up?)" % NO_CLUSTER


@pytest.mark.parametrize("extra, expected", [
    (dict(step="two"), "step: expected a whole number of replicas, got 'two'"),
    (dict(max_value="lots", target=dict(kind="Deployment", name="l", namespace="n", container="c")),
     "max_value: expected a Kubernetes quantity"),
    (dict(trigger="Queue_Depth"), "trigger: 'Queue_Depth' must be lower-case"),
    (dict(metric=dict(source="rabbitmq")), "queue_pattern"),
    (dict(metric=dict(source="prometheus")), "query"),
    (dict(threshold="high"), "threshold"),
    (dict(target=dict(kind="HorizontalPodAutoscaler", name="t", namespace="n", field="replicas")),
     "target.field: a HorizontalPodAutoscaler scales through min_replicas"),
    (dict(target=dict(kind="Deployment", name="t", namespace="n", field="memory_limit")),
     "target.container: required"),
    (dict(target=dict(name="t", namespace="n")), "kind"),
])
def test_bad_input_names_the_key(module_failure, rabbitmq_args, extra, expected):
    args = executor_args(rabbitmq_args, "^tasks", "agent-system", kubeconfig=NO_CLUSTER)
    args.update(extra)
    assert expected in module_failure(scaling_decision, args)["msg"]
