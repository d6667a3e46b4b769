"""The scheduled backups run what the execution environment holds.

The backup_schedule role is applied to the local cluster (its CronJob and the ConfigMap of
the runs' inventory, as the API server keeps them). The CronJob's container is then
resolved against the execution environment's build context (`make ee` writes build/ee):
the image's entrypoint, ansible-playbook, the collection's playbook mas.platform.backup in
the tarball the image installs, restic at the pinned version. And its command is run here,
as the container would run it: the collection installed from that tarball (not the
checkout's), the inventory of the ConfigMap where the CronJob mounts it, the container's
environment with the repository password resolved from its Secret, restic from the build
context, and the ServiceAccount's credentials (a token of the mas-backup ServiceAccount,
so the cluster's RBAC applies as in the pod), against the local cluster, moto's S3, Redis
and RabbitMQ. What cannot run here: the image itself (no container engine), so its
entrypoint is not run, and IRSA (moto takes any AWS key; the runs gets one in its
environment)."""

import glob
import json
import os
import pathlib
import re
import shlex
import subprocess
import sys
import tarfile

import pytest
import yaml

from backup_helpers import ENCRYPTION_KEY, PLATFORM, PLATFORM_LABELS, REPO, create, restic, snapshots, spec_section
from playbook_run import run_playbook

EE = REPO / "build" / "ee"
IMAGE = "registry.example/mas-platform/ee:0.1.0"


@pytest.fixture(scope="module")
def ee_build():
    """`make ee`: the collection tarball, restic, and the build context in build/ee."""
    done = subprocess.run(["make", "--no-print-directory", "-o", ".venv/.installed", "ee"], cwd=str(REPO),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900,
                          env=dict(os.environ, PATH="%s:%s" % (pathlib.Path(sys.executable).parent,
                                                               os.environ.get("PATH", ""))))
    assert done.returncode == 0, done.stdout[-3000:]
    return EE


def api_objects(kube, namespace):
    from kubernetes import client
    batch, core = client.BatchV1Api(kube), client.CoreV1Api(kube)
    cronjob = kube.sanitize_for_serialization(batch.read_namespaced_cron_job("mas-backup-system-state", namespace))
    config_map = core.read_namespaced_config_map("mas-backup-inventory", namespace)
    return cronjob, config_map.data


def secret_value(kube, namespace, ref):
    import base64
    from kubernetes import client
    secret = client.CoreV1Api(kube).read_namespaced_secret(ref["name"], namespace)
    return base64.b64decode(secret.data[ref["key"]]).decode()


def service_account_kubeconfig(kube, namespace, account, path):
    """A kubeconfig that authenticates as the ServiceAccount (a TokenRequest token), as the
    pod's mounted token would."""
    from kubernetes import client
    request = client.AuthenticationV1TokenRequest(spec=client.V1TokenRequestSpec(audiences=[], expiration_seconds=3600))
    token = client.CoreV1Api(kube).create_namespaced_service_account_token(account, namespace, request).status.token
    cluster = {"server": kube.configuration.host}
    if kube.configuration.ssl_ca_cert:
        cluster["certificate-authority"] = kube.configuration.ssl_ca_cert
    path.write_text(yaml.safe_dump({
        "apiVersion": "v1", "kind": "Config", "current-context": "in-cluster",
        "clusters": [{"name": "in-cluster", "cluster": cluster}],
        "users": [{"name": account, "user": {"token": token}}],
        "contexts": [{"name": "in-cluster", "context": {"cluster": "in-cluster", "user": account}}]}))
    path.chmod(0o600)
    return path


@pytest.fixture
def cluster_roles(kube):
    """The role's ClusterRole and ClusterRoleBinding, put back as they were afterwards."""
    from kubernetes import client
    rbac = client.RbacAuthorizationV1Api(kube)

    def read(kind):
        try:
            reader = rbac.read_cluster_role if kind == "role" else rbac.read_cluster_role_binding
            return kube.sanitize_for_serialization(reader("mas-backup"))
        except client.exceptions.ApiException:
            return None
    before = {kind: read(kind) for kind in ("role", "binding")}
    yield
    for kind, obj in before.items():
        delete = rbac.delete_cluster_role if kind == "role" else rbac.delete_cluster_role_binding
        delete("mas-backup")
        if obj:
            obj["metadata"] = {"name": "mas-backup", "labels": obj["metadata"].get("labels") or {}}
            (rbac.create_cluster_role if kind == "role" else rbac.create_cluster_role_binding)(obj)


def containerfile_entrypoint(containerfile):
    """The final stage's ENTRYPOINT of the Containerfile."""
    final = containerfile.split("FROM base AS final", 1)[1]
    return json.loads(re.search(r"^ENTRYPOINT (\[.*\])$", final, re.MULTILINE).group(1))


def test_the_cronjob_runs_the_playbook_the_image_holds(ee_build, kube, namespace, cluster_roles, store, moto,
                                                       redis_server, redis_args, rabbitmq, rabbitmq_args, unique,
                                                       tmp_path):
    from kubernetes import client
    core = client.CoreV1Api(kube)
    labels = dict(PLATFORM_LABELS, **{"mas-platform.test/run": unique})
    # What the backup reads in the cluster: the platform's objects, the services' credentials,
    # the repository password (synced from Vault in production).
    create(kube, {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "agent-config", "namespace": namespace,
                                                                        "labels": labels},
                  "data": {"coordinator.yaml": "strategy: auction\n"}})
    for name, data in (("mas-backup-encryption", {"MAS_BACKUP_ENCRYPTION_KEY": ENCRYPTION_KEY}),
                       ("redis-credentials", {"password": redis_args["password"]}),
                       ("rabbitmq-credentials", {"username": rabbitmq_args["username"],
                                                 "password": rabbitmq_args["password"]})):
        core.create_namespaced_secret(namespace, client.V1Secret(metadata=client.V1ObjectMeta(name=name),
                                                                 string_data=data))
    redis_server.client().set("scheduled-%s" % unique, "backed up by the CronJob's command")
    core_services = spec_section("core_services")
    core_services["1_infrastructure"]["rabbitmq"]["namespace"] = namespace
    core_services["2_databases"]["redis"]["namespace"] = namespace
    procedures = spec_section("backup_procedures")
    procedures = dict(system_state=procedures["system_state"], store=dict(store, server_side_encryption="AES256"))
    playbook = tmp_path / "schedule.yml"
    playbook.write_text(yaml.safe_dump([{
        "name": "Apply the backup schedule", "hosts": "localhost", "gather_facts": False,
        "module_defaults": {"group/mas.platform.k8s": {"kubeconfig": "{{ mas_kubeconfig }}",
                                                       "context": "{{ mas_kube_context }}"}},
        "roles": [{"role": "mas.platform.backup_schedule"}]}]))
    applied = run_playbook(str(playbook), extra_vars=dict(
        core_services=core_services, backup_schedule_procedures=procedures, backup_schedule_namespace=namespace,
        backup_schedule_image=IMAGE, backup_schedule_suspend=True,
        backup_schedule_inventory_vars=dict(
            backup_components=["kubernetes", "redis", "rabbitmq"], backup_redis_url=redis_args["url"],
            backup_redis_cluster=False, backup_rabbitmq_api_url=rabbitmq_args["api_url"],
            backup_kubernetes_namespaces=[namespace],
            backup_kubernetes_label_selector="app.kubernetes.io/part-of=mas-platform,mas-platform.test/run=%s"
            % unique)), workdir=tmp_path)
    assert applied.ok, applied.explain()

    # -- the CronJob and its inventory, as the API server has them ---------------------------------
    cronjob, config_map = api_objects(kube, namespace)
    pod = cronjob["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert container["image"] == IMAGE and "command" not in container
    args = container["args"]
    assert args[:2] == ["ansible-playbook", "mas.platform.backup"] and "backup_kind=system_state" in args
    mounts = dict((m["name"], m["mountPath"]) for m in container["volumeMounts"])
    volumes = dict((v["name"], v) for v in pod["volumes"])
    inventory_mount = mounts["inventory"]
    assert volumes["inventory"]["configMap"]["name"] == "mas-backup-inventory"
    assert args[args.index("-i") + 1] == inventory_mount + "/inventory.yml"
    assert ENCRYPTION_KEY not in json.dumps(config_map) and redis_args["password"] not in json.dumps(config_map)

    # -- resolved against the execution environment's build context -------------------------------
    containerfile = (ee_build / "Containerfile").read_text()
    entrypoint = containerfile_entrypoint(containerfile)
    assert entrypoint == ["/opt/builder/bin/entrypoint", "dumb-init"]
    assert "COPY _build/scripts/entrypoint /opt/builder/bin/entrypoint" in containerfile
    assert (ee_build / "_build/scripts/entrypoint").is_file()
    assert "'dumb-init==" in containerfile
    # ansible-playbook: ansible-core, installed in the image's Python.
    assert re.search(r'ANSIBLE_INSTALL_REFS="ansible-core==[0-9.]+ ', containerfile)
    # mas.platform.backup: the playbook in the tarball the image installs into its collections.
    tarballs = glob.glob(str(ee_build / "_build/collection/mas-platform-*.tar.gz"))
    assert len(tarballs) == 1
    assert "ansible-galaxy collection install --no-deps --collections-path /usr/share/ansible/collections" in containerfile
    with tarfile.open(tarballs[0]) as archive:
        names = archive.getnames()
    for needed in ("playbooks/backup.yml", "playbooks/tasks/backup_settings.yml", "plugins/modules/platform_backup.py",
                   "plugins/module_utils/backup/restic.py"):
        assert needed in names, needed
    # restic: the pinned version, where the image puts it.
    assert "COPY _build/restic/restic /usr/local/bin/restic" in containerfile
    pinned = re.search(r"^RESTIC_VERSION=v(\S+)$", (REPO / "tools/restic/version.env").read_text(), re.MULTILINE)
    ee_restic = ee_build / "_build/restic/restic"
    version = subprocess.run([str(ee_restic), "version"], stdout=subprocess.PIPE, text=True, check=True).stdout
    assert version.startswith("restic %s " % pinned.group(1)), version

    # -- and run, as the container runs it ---------------------------------------------------------
    (tmp_path / "ansible.cfg").write_text("")  # the image has no ansible.cfg: Ansible's defaults
    collections = tmp_path / "collections"
    subprocess.run([str(pathlib.Path(sys.executable).with_name("ansible-galaxy")), "collection", "install", "--no-deps",
                    "--force", "-p", str(collections), tarballs[0]], check=True, stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, cwd=str(tmp_path), env=dict(os.environ, ANSIBLE_CONFIG=str(tmp_path / "ansible.cfg")))
    assert (collections / "ansible_collections/mas/platform/playbooks/backup.yml").is_file()
    mounted = tmp_path / "mounted-inventory"
    mounted.mkdir()
    for key, value in config_map.items():
        (mounted / key).write_text(value)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    env = {}
    for item in container["env"]:
        env[item["name"]] = item.get("value") if "value" in item else secret_value(
            kube, namespace, item["valueFrom"]["secretKeyRef"])
    env = dict((k, str(scratch) if v in ("/tmp",) else v) for k, v in env.items())
    env.update(
        PATH="%s:%s:/usr/bin:/bin" % (ee_restic.parent, pathlib.Path(sys.executable).parent),
        LANG="C.UTF-8",
        ANSIBLE_CONFIG=str(tmp_path / "ansible.cfg"),
        ANSIBLE_COLLECTIONS_PATH=str(collections),
        K8S_AUTH_KUBECONFIG=str(service_account_kubeconfig(kube, namespace, "mas-backup",
                                                           tmp_path / "service-account.kubeconfig")),
        # IRSA's stand-in: moto takes any key.
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
        RESTIC_CACHE_DIR=str(scratch / "restic-cache"),
    )
    command = [a.replace(inventory_mount, str(mounted)) for a in args]
    ran = subprocess.run(command, cwd=str(scratch), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         text=True, timeout=900)
    assert ran.returncode == 0, "%s\n%s" % (shlex.join(command), ran.stdout[-5000:])
    assert "PLAY [Back up the platform]" in ran.stdout and ENCRYPTION_KEY not in ran.stdout
    # The only mas.platform that run could find is the image's (not this checkout's).
    listed = subprocess.run([str(pathlib.Path(sys.executable).with_name("ansible-galaxy")), "collection", "list",
                             "mas.platform", "--format", "json"], cwd=str(scratch), env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, check=True)
    assert list(json.loads(listed.stdout)) == [str(collections / "ansible_collections")]

    taken = snapshots(store, "kind=system_state", "platform=%s" % PLATFORM)
    assert len(taken) == 1
    assert sorted(t for t in taken[0]["tags"] if t.startswith("component=")) == [
        "component=kubernetes", "component=rabbitmq", "component=redis"]
    contents = restic(store, "dump", taken[0]["id"], "/contents.json")
    assert contents["components"]["kubernetes"]["kinds"] == {"ConfigMap": 1}
    assert contents["components"]["redis"]["keys"] >= 1 and contents["components"]["rabbitmq"]["definitions"] > 0
