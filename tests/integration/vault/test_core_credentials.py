"""The core services' credentials come from one place: with Vault configured (the step's
credentials name a Vault, as roles/core_service's render does when the spec's identity
provider is vault and the run names a Vault in VAULT_ADDR), mas.platform.k8s_apply reads
them from Vault's KV engine, fills what Vault lacks from the service's existing Secret (a
cluster deployed before Vault keeps its credentials), generates the rest once, writes
Vault what it lacked and the Secret from the same values. Against a real OpenBao and the
local cluster: four ways, no rotation on a re-run, the Secret rebuilt from Vault, and no
value in the output at -vvv.
"""

import base64
import re
import textwrap

import pytest
from services import KUBECONFIG, connect_kube


@pytest.fixture
def core_v1():
    from kubernetes import client

    return client.CoreV1Api(connect_kube())


@pytest.fixture
def namespace(core_v1, unique):
    from kubernetes import client

    name = "vault-creds-" + unique
    core_v1.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=name)))
    yield name
    core_v1.delete_namespace(name)


@pytest.fixture
def kv_mount(vault_server, unique):
    mount = "platform-" + unique
    status, _ = vault_server.api("POST", "sys/mounts/" + mount, {"type": "kv", "options": {"version": "2"}})
    assert status == 204
    return mount


@pytest.fixture
def playbook(tmp_path, namespace, kv_mount):
    path = tmp_path / "credentials.yml"
    path.write_text(textwrap.dedent("""\
        - name: Credentials of a core service
          hosts: localhost
          gather_facts: false
          vars:
            _store:
              name: cache-credentials
              namespace: {namespace}
              keys:
                username: {{kind: value, value: platform}}
                password: {{kind: password, length: 24}}
                token: {{kind: uuid}}
                legacy-key: {{kind: password}}
            _vault:
              vault: {{url: "{{{{ lookup('ansible.builtin.env', 'VAULT_ADDR') }}}}", mount: {mount}, path: core/cache}}
          tasks:
            - name: Apply the service's credentials
              mas.platform.k8s_apply:
                steps:
                  - name: cache
                    definitions: []
                    credentials: >-
                      {{{{ [_store | combine(_vault if lookup('ansible.builtin.env', 'VAULT_ADDR') else {{}})] }}}}
        """).format(mount=kv_mount, namespace=namespace))
    return path


def _secret(core_v1, namespace):
    from kubernetes.client.exceptions import ApiException

    try:
        data = core_v1.read_namespaced_secret("cache-credentials", namespace).data or {}
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise
    return dict((k, base64.b64decode(v).decode()) for k, v in data.items())


def _vault(vault_server, mount):
    status, body = vault_server.api("GET", "%s/data/core/cache" % mount)
    return body["data"]["data"] if status == 200 else None


def test_credentials_come_from_vault_once(run_playbook, playbook, vault_server, core_v1, namespace, kv_mount):
    from kubernetes import client

    env = dict(VAULT_ADDR=vault_server.url, VAULT_TOKEN=vault_server.token, K8S_AUTH_KUBECONFIG=str(KUBECONFIG))
    # A cluster deployed before Vault: its Secret holds a credential the service uses.
    core_v1.create_namespaced_secret(namespace, client.V1Secret(
        metadata=client.V1ObjectMeta(name="cache-credentials"),
        string_data={"legacy-key": "legacy-value-do-not-print"}))
    # And Vault already holds another one, which wins over anything else.
    assert vault_server.api("POST", "%s/data/core/cache" % kv_mount,
                            {"data": {"token": "vault-token-do-not-print"}})[0] == 200

    outputs = []
    check = run_playbook(playbook, env, verbosity=3, check=True, diff=True)
    outputs.append(check.stdout)
    assert check.returncode == 0, check.stdout[-4000:]
    assert check.stats["changed"] > 0
    assert _vault(vault_server, kv_mount) == {"token": "vault-token-do-not-print"}
    assert _secret(core_v1, namespace) == {"legacy-key": "legacy-value-do-not-print"}

    applied = run_playbook(playbook, env, verbosity=3)
    outputs.append(applied.stdout)
    assert applied.returncode == 0, applied.stdout[-4000:]
    assert applied.stats["changed"] > 0
    stored = _vault(vault_server, kv_mount)
    assert stored["token"] == "vault-token-do-not-print"
    assert stored["legacy-key"] == "legacy-value-do-not-print"
    assert stored["username"] == "platform"
    assert re.match(r"^[A-Za-z0-9]{24}$", stored["password"])
    assert _secret(core_v1, namespace) == stored

    # A re-run, in check mode and for real, rotates nothing.
    for kwargs in (dict(check=True, diff=True), {}):
        again = run_playbook(playbook, env, verbosity=3, **kwargs)
        outputs.append(again.stdout)
        assert again.returncode == 0, again.stdout[-4000:]
        assert again.stats["changed"] == 0, again.stdout[-4000:]
    assert _vault(vault_server, kv_mount) == stored
    assert _secret(core_v1, namespace) == stored

    # The Secret lost: rebuilt from Vault, not regenerated.
    core_v1.delete_namespaced_secret("cache-credentials", namespace)
    rebuilt = run_playbook(playbook, env, verbosity=3)
    outputs.append(rebuilt.stdout)
    assert rebuilt.returncode == 0, rebuilt.stdout[-4000:]
    assert _secret(core_v1, namespace) == stored
    assert _vault(vault_server, kv_mount) == stored

    output = "\n".join(outputs)
    for name, value in stored.items():
        if name != "username":
            assert value not in output, "the %s appeared in the output" % name
    assert vault_server.token not in output


def test_without_a_vault_named_the_secret_is_the_one_place(run_playbook, playbook, vault_server, core_v1, namespace,
                                                           kv_mount):
    env = dict(K8S_AUTH_KUBECONFIG=str(KUBECONFIG))
    result = run_playbook(playbook, env)
    assert result.returncode == 0, result.stdout[-4000:]
    assert _vault(vault_server, kv_mount) is None
    secret = _secret(core_v1, namespace)
    assert sorted(secret) == ["legacy-key", "password", "token", "username"]
    again = run_playbook(playbook, env)
    assert again.stats["changed"] == 0
    assert _secret(core_v1, namespace) == secret
