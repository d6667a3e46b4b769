"""The vault_identity role with ansible-playbook against a real OpenBao server: four ways
(check reports changes, apply, check reports none, apply reports none), the result read
back through the API, and no token, JWT or secret value in the output even at -vvv."""

import textwrap

import pytest

from vault_helpers import ca_pem

SPEC = """
security_setup:
  authentication:
    identity:
      provider: vault
      auth_methods: [kubernetes, tls]
deployment_sequence:
  1_core_agents:
    resource_manager: {namespace: agent-system, replicas: 2}
    learning_agent: {namespace: learning, replicas: 2}
  3_executors:
    task_executor: {namespace: agent-system, replicas: 5}
"""


@pytest.fixture
def role_playbook(tmp_path, unique):
    """A playbook that runs the role on the seed-shaped spec, on mounts of its own."""
    ca = ca_pem("cluster-ca")
    (tmp_path / "ca.pem").write_text(ca)
    (tmp_path / "spec.yml").write_text(SPEC)
    playbook = tmp_path / "identity.yml"
    playbook.write_text(textwrap.dedent("""\
        - name: Vault identity of the platform
          hosts: localhost
          gather_facts: false
          vars_files: [spec.yml]
          vars:
            vault_identity_kubernetes_mount: k8s-{u}
            vault_identity_cert_mount: cert-{u}
            vault_identity_kv_mount: platform-{u}
            vault_identity_policy_prefix: agent-{u}-
            # One tier per agent, as the compiled platform names them (mas_platform.agents).
            vault_identity_tiers: "{{{{ deployment_sequence | mas.platform.agent_tiers | map(attribute='identity') | list }}}}"
            vault_identity_kubernetes_host: https://127.0.0.1:6443
            vault_identity_kubernetes_ca_cert: "{{{{ lookup('ansible.builtin.file', 'ca.pem') }}}}"
            vault_identity_token_reviewer_jwt: "{{{{ reviewer_jwt }}}}"
            vault_identity_cert_roles:
              - name: consul
                certificate: "{{{{ lookup('ansible.builtin.file', 'ca.pem') }}}}"
                allowed_common_names: [consul.platform.internal]
                policies: [agent-{u}-resource-manager]
          roles:
            - role: mas.platform.vault_identity
        """).format(u=unique))
    return playbook


def test_role_four_ways_and_least_privilege(run_playbook, role_playbook, vault_server, unique):
    env = dict(VAULT_ADDR=vault_server.url, VAULT_TOKEN=vault_server.token)
    extra = dict(reviewer_jwt="reviewer-" + unique)

    check = run_playbook(role_playbook, env, check=True, diff=True, extra_vars=extra)
    assert check.returncode == 0, check.stdout[-4000:]
    assert check.stats["changed"] > 0
    assert "platform-%s/" % unique not in vault_server.api("GET", "sys/mounts")[1]["data"]

    applied = run_playbook(role_playbook, env, extra_vars=extra)
    assert applied.returncode == 0, applied.stdout[-4000:]
    assert applied.stats["changed"] > 0

    for label, kwargs in (("check", dict(check=True, diff=True)), ("apply", {})):
        again = run_playbook(role_playbook, env, extra_vars=extra, **kwargs)
        assert again.returncode == 0, again.stdout[-4000:]
        assert again.stats["changed"] == 0, "%s after apply changed something:\n%s" % (label, again.stdout[-4000:])

    # What the role made, read through the API.
    mounts = vault_server.api("GET", "sys/mounts")[1]["data"]
    assert mounts["platform-%s/" % unique]["options"]["version"] == "2"
    auth = vault_server.api("GET", "sys/auth")[1]["data"]
    assert auth["k8s-%s/" % unique]["type"] == "kubernetes" and auth["cert-%s/" % unique]["type"] == "cert"
    role = vault_server.api("GET", "auth/k8s-%s/role/task-executor" % unique)[1]["data"]
    assert role["bound_service_account_names"] == ["task-executor"]
    assert role["bound_service_account_namespaces"] == ["agent-system"]
    assert role["token_policies"] == ["agent-%s-task-executor" % unique]
    learning = vault_server.api("GET", "auth/k8s-%s/role/learning-agent" % unique)[1]["data"]
    assert learning["bound_service_account_namespaces"] == ["learning"]
    assert vault_server.api("GET", "auth/cert-%s/certs/consul" % unique)[1]["data"]["allowed_common_names"] == [
        "consul.platform.internal"]

    # Least privilege: a token with a tier's policy reads its own secrets and no other tier's.
    kv = "platform-%s" % unique
    for tier in ("task-executor", "learning-agent"):
        assert vault_server.api("POST", "%s/data/agents/%s/db" % (kv, tier), {"data": {"k": tier}})[0] == 200
    status, body = vault_server.api("POST", "auth/token/create", {"policies": ["agent-%s-task-executor" % unique]})
    token = body["auth"]["client_token"]
    status, body = vault_server.api("GET", "%s/data/agents/task-executor/db" % kv, token=token)
    assert status == 200 and body["data"]["data"] == {"k": "task-executor"}
    assert vault_server.api("GET", "%s/data/agents/learning-agent/db" % kv, token=token)[0] == 403
    assert vault_server.api("POST", "%s/data/agents/task-executor/db" % kv, {"data": {"k": "x"}}, token=token)[0] == 403


def test_role_preflight_names_the_variable(run_playbook, role_playbook, vault_server, unique):
    env = dict(VAULT_ADDR=vault_server.url, VAULT_TOKEN=vault_server.token)
    result = run_playbook(role_playbook, env, extra_vars=dict(reviewer_jwt="x", vault_identity_kubernetes_host=""))
    assert result.returncode != 0
    assert "vault_identity_kubernetes_host: the kubernetes auth method needs the address" in result.stdout
    assert "k8s-%s/" % unique not in vault_server.api("GET", "sys/auth")[1]["data"]

    result = run_playbook(role_playbook, env, extra_vars=dict(
        reviewer_jwt="x", vault_identity_auth_methods=["kubernetes", "ldap"]))
    assert result.returncode != 0
    assert "this role configures kubernetes and tls" in result.stdout and '"ldap"' in result.stdout


def test_no_secret_in_the_output_at_vvv(run_playbook, role_playbook, vault_server, unique, tmp_path):
    """The role and a generated credential at -vvv, with --diff: the root token, the
    reviewer JWT, a secret value given and a generated one never appear."""
    reviewer = "reviewer-jwt-%s-do-not-print" % unique
    given_secret = "given-secret-%s-do-not-print" % unique
    playbook = tmp_path / "identity-and-secrets.yml"
    playbook.write_text(role_playbook.read_text() + textwrap.dedent("""\
        - name: Credentials of the core services
          hosts: localhost
          gather_facts: false
          tasks:
            - name: RabbitMQ credentials, the password generated once
              mas.platform.vault_kv_secret:
                url: "{{{{ vault_identity_url }}}}"
                token: "{{{{ vault_identity_token }}}}"
                mount: platform-{u}
                path: core/rabbitmq
                data:
                  username: platform
                  api_key: "{{{{ given_secret }}}}"
                generate: [password]
              register: rabbitmq
            - name: Show what the module returned
              ansible.builtin.debug:
                var: rabbitmq
        """).format(u=unique))
    # The token goes through the role's and the module's options, not the environment.
    extra_vars = dict(reviewer_jwt=reviewer, given_secret=given_secret,
                      vault_identity_url=vault_server.url, vault_identity_token=vault_server.token)
    outputs = []
    for kwargs in (dict(check=True, diff=True), dict(diff=True), dict(diff=True)):
        result = run_playbook(playbook, {}, verbosity=3, extra_vars=extra_vars, **kwargs)
        assert result.returncode == 0, result.stdout[-4000:]
        outputs.append(result.stdout)
    stored = vault_server.api("GET", "platform-%s/data/core/rabbitmq" % unique)[1]["data"]["data"]
    assert stored["api_key"] == given_secret
    output = "\n".join(outputs)
    assert "<hidden>" in output  # the diff was shown, masked
    for name, value in (("root token", vault_server.token), ("reviewer JWT", reviewer),
                        ("given secret", given_secret), ("generated password", stored["password"])):
        assert value not in output, "the %s appears in the playbook output" % name
