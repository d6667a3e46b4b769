"""The runbook playbooks' test platform, shared by the playbook tests, the AWX tests and
tools/bench/runbooks_bench.py.

The playbooks (startup, shutdown, scale, health, troubleshoot) run with ansible-playbook
(tests/playbook_run.py) against the local cluster (`make local-up`), a real RabbitMQ and
a real Prometheus (tests/integration/services.py).

- The cluster is shared with other work, so the playbooks run on the local inventory's
  spec with every namespace renamed to a prefix of this session (``<prefix>-agent-system``
  ...), passed with ``-e @spec.yml``. The tests create the platform's workloads there
  themselves - plain Deployments, StatefulSets (with claims bound to volumes of their own),
  Services and the task executors' HPA, with the names and labels the roles give them - and
  delete the namespaces (and volumes) at the end.
- Playbook results are read from the ansible.posix.json callback.

A missing binary fails the session with the Debian package to install; a cluster that is
not running fails the tests that need it, saying so.
"""

import pathlib
import time

import amqp_clients as amqp  # noqa: F401 - the tests import it from here too
import services
import yaml
from playbook_run import INVENTORIES, run_playbook

REPO = pathlib.Path(__file__).resolve().parents[2]
INVENTORY = INVENTORIES / "local"
NAMESPACES = ("agent-system", "monitoring", "learning", "core-services")
TEST_LABEL = "mas.platform/test-run"
ROLE_DEFAULTS = yaml.safe_load(
    (REPO / "collections/ansible_collections/mas/platform/roles/runbooks/defaults/main.yml").read_text())
PART_OF = {"app.kubernetes.io/part-of": "mas-platform", "app.kubernetes.io/managed-by": "mas.platform"}
connect_kube = services.connect_kube


# -- the platform's spec, renamed for this session ---------------------------------------------

def rename(value, mapping, keys=False):
    """The spec with every string value equal to a namespace renamed, and the keys of the
    mappings keyed by namespace (environment_config.resource_quotas)."""
    if isinstance(value, dict):
        return {(mapping.get(k, k) if keys else k): rename(v, mapping, keys=k == "resource_quotas")
                for k, v in value.items()}
    if isinstance(value, list):
        return [rename(v, mapping) for v in value]
    if isinstance(value, str):
        return mapping.get(value, value)
    return value


class Platform:
    """The session's copy of the local spec, its namespaces, and the workloads in them."""

    def __init__(self, api, workdir, prefix):
        self.api, self.workdir, self.prefix = api, workdir, prefix
        self.ns = {name: "%s-%s" % (prefix, name) for name in NAMESPACES}
        spec = {}
        for path in sorted((INVENTORY / "group_vars" / "all").glob("*.yml")):
            if path.name not in ("connection.yml", "endpoints.yml"):
                spec.update(yaml.safe_load(path.read_text()))
        self.spec = rename(spec, self.ns)
        self.spec_file = workdir / "spec.yml"
        self.spec_file.write_text(yaml.safe_dump(self.spec))
        self.output_dir = workdir / "output"
        from ansible_collections.mas.platform.plugins.filter.spec import agent_tiers, core_services
        self.agents = agent_tiers(self.spec["deployment_sequence"])
        self.services = core_services(self.spec["core_services"])

    # Replicas the tests start with: small, so that the shared cluster keeps its room.
    AGENT_REPLICAS = {"resource_manager": 1, "monitoring_agent": 1, "learning_agent": 1, "coordinator_agent": 2,
                      "task_executor": 2}
    HPA = {"min": 2, "max": 6}
    WITH_CLAIMS = ("consul", "rabbitmq")

    @property
    def dynamic(self):
        from kubernetes.dynamic import DynamicClient
        return DynamicClient(self.api)

    def create_namespaces(self):
        from kubernetes import client
        core = client.CoreV1Api(self.api)
        for name in self.ns.values():
            core.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(
                name=name, labels={TEST_LABEL: self.prefix})))

    def delete_everything(self):
        from kubernetes import client
        core = client.CoreV1Api(self.api)
        for name in self.ns.values():
            try:
                core.delete_namespace(name)
            except client.ApiException:
                pass
        for pv in core.list_persistent_volume(label_selector="%s=%s" % (TEST_LABEL, self.prefix)).items:
            core.delete_persistent_volume(pv.metadata.name)

    def apply(self, obj):
        resource = self.dynamic.resources.get(api_version=obj["apiVersion"], kind=obj["kind"])
        return resource.server_side_apply(body=obj, name=obj["metadata"]["name"],
                                          namespace=obj["metadata"].get("namespace"),
                                          field_manager="mas-playbooks-tests", force_conflicts=True)

    def patch(self, kind, namespace, name, body, api_version="apps/v1"):
        """A merge patch (a change of the test's, beside what deploy() applies)."""
        resource = self.dynamic.resources.get(api_version=api_version, kind=kind)
        return resource.patch(body=body, name=name, namespace=namespace, content_type="application/merge-patch+json")

    def labels(self, name, component):
        return dict(PART_OF, **{"app.kubernetes.io/name": name, "app.kubernetes.io/instance": name,
                                "app.kubernetes.io/component": component, TEST_LABEL: self.prefix})

    def pod_template(self, name, component, extra_spec=None, gpu=False):
        resources = {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}}
        spec = {"containers": [{"name": "agent" if component == "agent" else name, "image": "registry.invalid/%s:1" % name,
                                "resources": resources}],
                "terminationGracePeriodSeconds": 0}
        if gpu:
            for kind in ("requests", "limits"):
                resources[kind]["nvidia.com/gpu"] = "1"
            spec["nodeSelector"] = {"node-role": "gpu"}
            spec["tolerations"] = [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}]
        spec.update(extra_spec or {})
        return {"metadata": {"labels": self.labels(name, component)}, "spec": spec}

    def selector(self, name):
        return {"matchLabels": {"app.kubernetes.io/name": name, "app.kubernetes.io/instance": name}}

    def service(self, name, namespace, component):
        return {"apiVersion": "v1", "kind": "Service",
                "metadata": {"name": name, "namespace": namespace, "labels": self.labels(name, component)},
                "spec": {"selector": self.selector(name)["matchLabels"], "ports": [{"name": "http", "port": 8080}]}}

    def claim_volumes(self, service):
        """A volume of our own for the one claim of a StatefulSet, bound to it statically."""
        from kubernetes import client
        core = client.CoreV1Api(self.api)
        claim = "data-%s-0" % service["k8s_name"]
        volume = "%s-%s" % (self.prefix, claim)
        namespace = service["namespace"]
        try:
            core.read_persistent_volume(volume)
        except client.ApiException:
            core.create_persistent_volume({
                "apiVersion": "v1", "kind": "PersistentVolume",
                "metadata": {"name": volume, "labels": {TEST_LABEL: self.prefix}},
                "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"], "storageClassName": "",
                         "persistentVolumeReclaimPolicy": "Retain", "hostPath": {"path": "/tmp/" + volume},
                         "claimRef": {"namespace": namespace, "name": claim}}})
        self.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                    "metadata": {"name": claim, "namespace": namespace,
                                 "labels": self.labels(service["k8s_name"], "core-service")},
                    "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "", "volumeName": volume,
                             "resources": {"requests": {"storage": "1Gi"}}}})

    def objects(self, replicas=None, broken=()):
        """Every workload of the spec with its Service, and the task executors' HPA.
        replicas: {spec name: replicas} overrides; broken: names whose pods cannot schedule."""
        replicas = dict(self.AGENT_REPLICAS, **(replicas or {}))
        objects = []
        for agent in self.agents:
            name, namespace = agent["k8s_name"], agent["namespace"]
            extra = {"nodeSelector": {"node-role": "nowhere"}} if agent["name"] in broken else None
            objects.append({"apiVersion": "apps/v1", "kind": "Deployment",
                            "metadata": {"name": name, "namespace": namespace, "labels": self.labels(name, "agent")},
                            "spec": {"replicas": replicas.get(agent["name"], 1), "selector": self.selector(name),
                                     "template": self.pod_template(name, "agent", extra,
                                                                   gpu=agent["name"] == "learning_agent")}})
            objects.append(self.service(name, namespace, "agent"))
            if agent.get("autoscaling"):
                objects.append({"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                                "metadata": {"name": name, "namespace": namespace, "labels": self.labels(name, "agent")},
                                "spec": {"scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                                         "minReplicas": self.HPA["min"], "maxReplicas": self.HPA["max"],
                                         "metrics": [{"type": "Resource", "resource": {"name": "cpu", "target": {
                                             "type": "Utilization", "averageUtilization": 70}}}]}})
        for service in self.services:
            name, namespace = service["k8s_name"], service["namespace"]
            extra = {"nodeSelector": {"node-role": "nowhere"}} if service["name"] in broken else None
            spec = {"replicas": replicas.get(service["name"], 1), "serviceName": name, "selector": self.selector(name),
                    "podManagementPolicy": "Parallel", "template": self.pod_template(name, "core-service", extra)}
            if service["name"] in self.WITH_CLAIMS:
                spec["volumeClaimTemplates"] = [{"metadata": {"name": "data"}, "spec": {
                    "accessModes": ["ReadWriteOnce"], "storageClassName": "",
                    "resources": {"requests": {"storage": "1Gi"}}}}]
                spec["template"]["spec"]["containers"][0]["volumeMounts"] = [{"name": "data", "mountPath": "/data"}]
            objects.append({"apiVersion": "apps/v1", "kind": "StatefulSet",
                            "metadata": {"name": name, "namespace": namespace,
                                         "labels": self.labels(name, "core-service")},
                            "spec": spec})
            objects.append(self.service(name, namespace, "core-service"))
        return objects

    def deploy(self, replicas=None, broken=(), wait=True):
        """(Re)create the platform as deploy.yml would leave it, and wait until it runs."""
        for service in self.services:
            if service["name"] in self.WITH_CLAIMS:
                self.claim_volumes(service)
        for obj in self.objects(replicas, broken):
            self.apply(obj)
        if wait:
            self.wait(lambda: self.not_ready() == [], "the test workloads to be ready", timeout=180)

    def workloads(self):
        """{spec name: (kind, namespace, k8s name)}."""
        out = {a["name"]: ("Deployment", a["namespace"], a["k8s_name"]) for a in self.agents}
        out.update({s["name"]: ("StatefulSet", s["namespace"], s["k8s_name"]) for s in self.services})
        return out

    def read(self, kind, namespace, name, api_version="apps/v1"):
        resource = self.dynamic.resources.get(api_version=api_version, kind=kind)
        return resource.get(name=name, namespace=namespace).to_dict()

    def replicas(self):
        return {key: self.read(kind, ns, name)["spec"]["replicas"] for key, (kind, ns, name) in self.workloads().items()}

    def hpa(self):
        executor = [a for a in self.agents if a["name"] == "task_executor"][0]
        return self.read("HorizontalPodAutoscaler", executor["namespace"], executor["k8s_name"], "autoscaling/v2")

    def not_ready(self):
        lagging = []
        for key, (kind, ns, name) in self.workloads().items():
            obj = self.read(kind, ns, name)
            want, status = obj["spec"]["replicas"], obj.get("status") or {}
            if (status.get("availableReplicas") or 0) != want or (status.get("replicas") or 0) != want:
                lagging.append(key)
        return lagging

    def pods(self, namespace, name):
        from kubernetes import client
        return client.CoreV1Api(self.api).list_namespaced_pod(
            namespace, label_selector="app.kubernetes.io/name=%s" % name).items

    def claims(self):
        from kubernetes import client
        core = client.CoreV1Api(self.api)
        return {(c.metadata.namespace, c.metadata.name): c.status.phase
                for ns in self.ns.values() for c in core.list_namespaced_persistent_volume_claim(ns).items}

    def configmap(self):
        from kubernetes import client
        try:
            return client.CoreV1Api(self.api).read_namespaced_config_map("mas-platform-state", self.ns["core-services"])
        except client.ApiException as exc:
            if exc.status == 404:
                return None
            raise

    def delete_configmap(self):
        from kubernetes import client
        if self.configmap() is not None:
            client.CoreV1Api(self.api).delete_namespaced_config_map("mas-platform-state", self.ns["core-services"])
        for path in self.output_dir.glob("mas-platform-state-*.json"):
            path.unlink()

    @staticmethod
    def wait(predicate, what, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.5)
        raise AssertionError("timed out waiting for %s" % what)


def set_metrics(prometheus, platform, cpu, memory, learning_up=1):
    """cAdvisor-shaped series for the coordinator (CPU) and the learning agent (memory), as
    the scale runbook's default queries read them. cpu: cores used per pod (limit: 1 core);
    memory: percent of the limit."""
    exporter = prometheus.exporter
    ns_agents, ns_learning = platform.ns["agent-system"], platform.ns["learning"]
    cpu_labels = 'namespace="%s",pod="coordinator-agent-5d8f9c7b6-x2x9z",container="agent"' % ns_agents
    exporter.set("mas_test_cpu_cores{%s}" % cpu_labels, cpu)
    exporter.set("container_spec_cpu_quota{%s}" % cpu_labels, 100000)
    exporter.set("container_spec_cpu_period{%s}" % cpu_labels, 100000)
    memory_labels = 'namespace="%s",pod="learning-agent-7c9d8b6f5-abcde",container="agent"' % ns_learning
    exporter.set("container_memory_working_set_bytes{%s}" % memory_labels, memory * 1024 * 1024)
    exporter.set("container_spec_memory_limit_bytes{%s}" % memory_labels, 100 * 1024 * 1024)
    exporter.set('mas_learning_pipeline_up{namespace="%s"}' % ns_learning, learning_up)
    expected = memory * 1024 * 1024
    platform.wait(lambda: _scraped(prometheus, "container_memory_working_set_bytes{%s}" % memory_labels, expected)
                  and _scraped(prometheus, "mas_test_cpu_cores{%s}" % cpu_labels, cpu),
                  "Prometheus to scrape the test metrics", timeout=30)


def _scraped(prometheus, selector, value):
    result = prometheus.query(selector)
    return bool(result) and float(result[0]["value"][1]) == float(value)


# -- running the playbooks ---------------------------------------------------------------------

def runbook_settings(platform_session):
    """The runbooks' settings for the session's platform and the test services: its
    namespaces, short timeouts, the test broker's vhost, the Prometheus queries of what the
    test exporter serves."""
    return {
        "runbooks_output_dir": str(platform_session.output_dir),
        "runbooks_state_configmap": {"name": "mas-platform-state", "namespace": platform_session.ns["core-services"]},
        # The test broker's queues live in the default vhost (the platform's: mas).
        "runbooks_rabbitmq_vhost": "/",
        "runbooks_poll_interval": 1,
        "runbooks_drain_stable_for": 2,
        "runbooks_intake_timeout": 60,
        "runbooks_ready_timeout": 120,
        "runbooks_stop_timeout": 120,
        "runbooks_learning_queue_pattern": r"^learning-%s\." % platform_session.prefix,
        "runbooks_health_queries": dict(HEALTH_QUERIES),
    }


def playbook_runner(platform_session, rabbitmq, prometheus):
    """run(name, check=False, endpoints=None, env=None, kill_when=None, **extra_vars) ->
    PlaybookRun: a runbook playbook on the session's spec, with the test services as its
    endpoints and the broker's credentials in the environment, as the inventory reads
    them (kill_when: tests/playbook_run.py)."""
    def run(name, check=False, endpoints=None, env=None, kill_when=None, **extra):
        extra_vars = dict(runbook_settings(platform_session), platform_endpoints=dict(
            {"rabbitmq_api": rabbitmq.api_url, "prometheus": prometheus.url, "consul": None, "cluster_dns": None},
            **(endpoints or {})))
        extra_vars.update(extra)
        environment = dict(K8S_AUTH_KUBECONFIG=str(services.KUBECONFIG), RABBITMQ_USERNAME=rabbitmq.user,
                           RABBITMQ_PASSWORD=rabbitmq.password)
        environment.update(env or {})
        return run_playbook(name, extra_vars=extra_vars, vars_files=[platform_session.spec_file], check=check,
                            env=environment, workdir=platform_session.workdir, kill_when=kill_when)

    return run


# The startup's and health's Prometheus checks, on what the test exporter serves (the
# defaults read cAdvisor's and the agents' series, which nothing serves here). The
# resource checks keep the default shape, on a gauge instead of a rate.
HEALTH_QUERIES = {
    "system_metrics": "up",
    "learning_pipeline": 'mas_learning_pipeline_up{namespace="${namespace}"}',
    "resource_cpu": 'max(100 * sum by (namespace, pod) (mas_test_cpu_cores{namespace=~"${namespaces}"}) / sum by '
                    '(namespace, pod) (container_spec_cpu_quota{namespace=~"${namespaces}"} / container_spec_cpu_period'
                    '{namespace=~"${namespaces}"})) < bool 80',
    "resource_memory": 'max(100 * max by (namespace, pod) (container_memory_working_set_bytes{namespace=~"${namespaces}"} '
                       '/ container_spec_memory_limit_bytes{namespace=~"${namespaces}"} > 0)) < bool 90',
}

# The scale runbook's CPU query on the test gauge (the default's rate() over 5m needs a
# counter and minutes of history).
CPU_QUERY = ('100 * sum(mas_test_cpu_cores{namespace="${namespace}",pod=~"${pod_regex}",container="${container}"}) '
             '/ sum(container_spec_cpu_quota{namespace="${namespace}",pod=~"${pod_regex}",container="${container}"} '
             '/ container_spec_cpu_period{namespace="${namespace}",pod=~"${pod_regex}",container="${container}"})')
