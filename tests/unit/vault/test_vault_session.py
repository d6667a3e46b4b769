"""Error mapping of VaultSession for answers a dev server cannot be made to give.

The real-server cases (refused connection, sealed, 403, invalid token) are in
tests/integration/vault/test_vault_errors.py. Here the hvac exceptions are raised the way
hvac raises them from a response (``VaultError.from_status``), with the status codes and
error texts Vault sends (recorded shapes, not a mock server)."""

import hvac.exceptions
import pytest
import requests

from ansible_collections.mas.platform.plugins.module_utils.base import EndpointError, PlatformError
from ansible_collections.mas.platform.plugins.module_utils.vault.client import VaultSession

URL = "https://vault.example:8200"


class RaisingClient:
    """Stands in for hvac.Client: each call raises the given exception."""

    def __init__(self, exc, lookup_exc=None):
        self.exc = exc
        self.lookup_exc = lookup_exc
        self.calls = 0

        class _Token:
            @staticmethod
            def lookup_self():
                if lookup_exc:
                    raise lookup_exc
                return {"data": {}}

        class _Auth:
            token = _Token()

        self.auth = _Auth()

    def read(self, path):
        self.calls += 1
        raise self.exc


def _session(exc, lookup_exc=None):
    return VaultSession(dict(url=URL, token="secret-token-value", timeout=5), client=RaisingClient(exc, lookup_exc))


def _status(code, errors):
    return hvac.exceptions.VaultError.from_status(code, None, errors=errors, method="GET", url=URL + "/v1/x")


@pytest.mark.parametrize("exc, expected_class, message", [
    (requests.exceptions.ConnectTimeout("timed out"), EndpointError,
     URL + ": cannot reach Vault: connection timed out after 5s"),
    (requests.exceptions.ReadTimeout("read timed out"), EndpointError, URL + ": Vault did not answer within 5s"),
    (requests.exceptions.SSLError("certificate verify failed"), EndpointError,
     URL + ": TLS verification failed (certificate verify failed); set ca_cert"),
    (requests.exceptions.ConnectionError("Name or service not known"), EndpointError,
     URL + ": cannot reach Vault: host name not found"),
    (_status(503, ["Vault is sealed"]), PlatformError, "Vault at %s is sealed" % URL),
    (_status(503, ["standby node"]), PlatformError, "Vault at %s is unavailable (HTTP 503): standby node" % URL),
    (_status(501, ["Vault is not initialized"]), PlatformError, "Vault at %s is not initialized" % URL),
    (_status(400, ["bad field"]), PlatformError, "Vault at %s refused to read the policy sys/x: bad field" % URL),
    (_status(500, ["internal error"]), PlatformError,
     "Vault at %s failed to read the policy sys/x: internal error (InternalServerError)" % URL),
    (_status(401, ["unauthorized"]), PlatformError, "Vault at %s refused the token: it is invalid or expired" % URL),
])
def test_error_mapping(exc, expected_class, message):
    with pytest.raises(expected_class) as failure:
        _session(exc).read("sys/x", "read the policy")
    assert failure.value.msg.startswith(message)
    assert "secret-token-value" not in failure.value.msg


def test_rate_limit_is_retried_then_reported():
    session = _session(_status(429, ["rate limited"]))
    with pytest.raises(PlatformError, match="rate limited"):
        session.read("sys/x")
    assert session.client.calls == 4


def test_forbidden_with_a_valid_token_names_operation_and_path():
    with pytest.raises(PlatformError) as failure:
        _session(_status(403, ["permission denied"])).read("sys/policies/acl/p", "read the policy")
    assert failure.value.msg == ("Vault at %s: the token may not read the policy sys/policies/acl/p "
                                 "(permission denied); grant it in the token's policies" % URL)


def test_forbidden_with_an_invalid_token_says_so():
    denied = _status(403, ["permission denied"])
    with pytest.raises(PlatformError, match="refused the token: it is invalid, expired or revoked"):
        _session(denied, lookup_exc=_status(403, ["permission denied"])).read("sys/x")


def test_multi_line_errors_become_one_line():
    # OpenBao's answer to a valid token without the capability (recorded).
    denied = _status(403, ["1 error occurred:\n\t* permission denied\n\n"])
    with pytest.raises(PlatformError) as failure:
        _session(denied).read("sys/x", "read the policy")
    assert "\n" not in failure.value.msg
    assert failure.value.msg.endswith("may not read the policy sys/x (permission denied); grant it in the token's policies")

