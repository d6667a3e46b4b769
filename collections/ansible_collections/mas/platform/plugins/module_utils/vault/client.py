# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection to Vault (or OpenBao, its API-compatible fork) for the vault_* modules.

``VAULT_ARGUMENT_SPEC`` is the set of connection options every vault_* module takes
(documented by the ``mas.platform.vault`` doc fragment). ``VaultSession`` wraps an hvac
client: every call goes through one error mapping, so a module sees a ``PlatformError``
with one line a human can act on, never an hvac or requests traceback:

- Vault cannot be reached (refused, timed out, TLS) -> ``EndpointError`` naming the URL;
- Vault is sealed (HTTP 503)                       -> "Vault at URL is sealed";
- the token is refused (403)                        -> "the token may not <operation> <path>",
  or "the token is invalid or expired" when the token itself is the problem.

Neither the token nor any value written is ever part of a message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import traceback

from ansible.module_utils.basic import env_fallback

from ansible_collections.mas.platform.plugins.module_utils.base import (
    EndpointError,
    PlatformError,
    retry_with_backoff,
)

try:
    import hvac
    import hvac.exceptions as hvac_exceptions
    import requests

    HAS_HVAC = True
    HVAC_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised only without hvac
    HAS_HVAC = False
    HVAC_IMPORT_ERROR = traceback.format_exc()


# The connection options of every vault_* module (doc fragment: mas.platform.vault).
VAULT_ARGUMENT_SPEC = dict(
    url=dict(type="str", required=True, fallback=(env_fallback, ["VAULT_ADDR"])),
    token=dict(type="str", required=True, no_log=True, fallback=(env_fallback, ["VAULT_TOKEN"])),
    namespace=dict(type="str", fallback=(env_fallback, ["VAULT_NAMESPACE"])),
    ca_cert=dict(type="path", fallback=(env_fallback, ["VAULT_CACERT"])),
    validate_certs=dict(type="bool", default=True),
    timeout=dict(type="int", default=30),
)


def vault_argument_spec(**module_options):
    """The module's own options plus the shared connection options."""
    spec = dict(VAULT_ARGUMENT_SPEC)
    spec.update(module_options)
    return spec


def vault_module_kwargs():
    """Keyword arguments of PlatformModule that every vault_* module passes."""
    return dict(
        required_libraries={"hvac": HAS_HVAC},
        import_errors={"hvac": HVAC_IMPORT_ERROR},
    )


def _verify(params):
    if not params.get("validate_certs", True):
        return False
    return params.get("ca_cert") or True


def _retryable(exc):
    return HAS_HVAC and isinstance(exc, (hvac_exceptions.RateLimitExceeded, hvac_exceptions.BadGateway))


class VaultSession:
    """An hvac client plus the collection's error mapping.

    ``read``, ``list``, ``write`` and ``delete`` take an API path without ``/v1/`` and an
    ``operation`` that says, in the words of an error message, what the call was for
    ("read the policy", "enable an auth method at"...).
    """

    def __init__(self, params, client=None):
        self.url = (params.get("url") or "").rstrip("/")
        if not self.url.startswith(("http://", "https://")):
            raise PlatformError("url: %r is not a Vault address (expected http(s)://host:port)" % self.url)
        if not params.get("token"):
            raise PlatformError("token: no Vault token given (set the token option or VAULT_TOKEN)")
        self.timeout = params.get("timeout") or 30
        self.client = client or hvac.Client(
            url=self.url,
            token=params["token"],
            namespace=params.get("namespace") or None,
            verify=_verify(params),
            timeout=self.timeout,
        )

    # -- calls -------------------------------------------------------------------------

    def read(self, path, operation="read"):
        """GET path: the response's ``data``, or None when nothing is there (404)."""
        response = self._call(operation, path, lambda: self.client.read(path))
        if response is None:
            return None
        return response.get("data") if isinstance(response, dict) else response

    def list(self, path, operation="list"):
        """LIST path: the keys, or [] when there is nothing (404)."""
        response = self._call(operation, path, lambda: self.client.list(path))
        return list(((response or {}).get("data") or {}).get("keys") or [])

    def write(self, path, data, operation="write"):
        """POST path with a JSON body; returns the response body (may be None)."""
        response = self._call(operation, path, lambda: self.client.write_data(path, data=data))
        if hasattr(response, "json"):
            # hvac returns the raw response for 204 No Content.
            return None
        return response

    def delete(self, path, operation="delete"):
        self._call(operation, path, lambda: self.client.delete(path))

    def seal_status(self):
        """sys/seal-status (needs no token): {'sealed': bool, 'initialized': bool, ...}."""
        return self._call("read the seal status at", "sys/seal-status", self.client.sys.read_seal_status)

    # -- error mapping -------------------------------------------------------------------

    def _call(self, operation, path, call):
        try:
            return retry_with_backoff(call, _retryable, attempts=4)
        except requests.exceptions.SSLError as exc:
            raise EndpointError(self.url, "TLS verification failed (%s); set ca_cert to the CA that signed "
                                "Vault's certificate" % _first_line(exc))
        except requests.exceptions.ConnectTimeout:
            raise EndpointError(self.url, "cannot reach Vault: connection timed out after %ss" % self.timeout)
        except requests.exceptions.ConnectionError as exc:
            raise EndpointError(self.url, "cannot reach Vault: %s" % _connection_reason(exc))
        except requests.exceptions.Timeout:
            raise EndpointError(self.url, "Vault did not answer within %ss" % self.timeout)
        except hvac_exceptions.VaultDown as exc:
            raise self._unavailable(exc)
        except hvac_exceptions.VaultNotInitialized:
            raise PlatformError("Vault at %s is not initialized (bao/vault operator init)" % self.url, endpoint=self.url)
        except hvac_exceptions.Forbidden as exc:
            raise self._forbidden(operation, path, exc)
        except hvac_exceptions.Unauthorized:
            raise PlatformError("Vault at %s refused the token: it is invalid or expired" % self.url, endpoint=self.url)
        except hvac_exceptions.InvalidRequest as exc:
            raise PlatformError("Vault at %s refused to %s %s: %s" % (self.url, operation, path, _errors(exc)),
                                endpoint=self.url, path=path)
        except hvac_exceptions.InvalidPath as exc:
            raise PlatformError("Vault at %s cannot %s %s: nothing is mounted there or the path does not exist (%s)"
                                % (self.url, operation, path, _errors(exc)), endpoint=self.url, path=path)
        except hvac_exceptions.VaultError as exc:
            raise PlatformError("Vault at %s failed to %s %s: %s (%s)" % (
                self.url, operation, path, _errors(exc), type(exc).__name__), endpoint=self.url, path=path)

    def _unavailable(self, exc):
        if "sealed" in _errors(exc).lower():
            return PlatformError("Vault at %s is sealed: unseal it (operator unseal) and run again" % self.url,
                                 endpoint=self.url, sealed=True)
        return PlatformError("Vault at %s is unavailable (HTTP 503): %s" % (self.url, _errors(exc)), endpoint=self.url)

    def _forbidden(self, operation, path, exc):
        """403 is both "this token may not do that" and "this token is not valid at all":
        look the token up to tell which (lookup-self is in Vault's default policy)."""
        try:
            self.client.auth.token.lookup_self()
            token_valid = True
        except hvac_exceptions.VaultError:
            token_valid = False
        except requests.exceptions.RequestException:
            token_valid = True
        if not token_valid:
            return PlatformError("Vault at %s refused the token: it is invalid, expired or revoked" % self.url,
                                 endpoint=self.url)
        detail = _errors(exc)
        detail = "" if detail == "permission denied" else ": " + detail
        return PlatformError("Vault at %s: the token may not %s %s (permission denied%s); "
                             "grant it in the token's policies" % (self.url, operation, path, detail),
                             endpoint=self.url, path=path)


_MULTIERROR_HEAD = re.compile(r"^\d+ errors? occurred:$")


def _errors(exc):
    """Vault's error texts on one line (Go's multierror lists them on several)."""
    errors = getattr(exc, "errors", None) or [exc.args[0] if exc.args and exc.args[0] else type(exc).__name__]
    lines = []
    for error in errors:
        for line in str(error).splitlines():
            line = line.strip().lstrip("*").strip()
            if line and not _MULTIERROR_HEAD.match(line) and line not in lines:
                lines.append(line)
    return "; ".join(lines)


def _first_line(exc):
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _connection_reason(exc):
    text = str(exc)
    for marker, reason in (("Connection refused", "connection refused"),
                           ("Name or service not known", "host name not found"),
                           ("nodename nor servname", "host name not found"),
                           ("No route to host", "no route to host"),
                           ("timed out", "connection timed out")):
        if marker in text:
            return reason
    return _first_line(exc)


def connect(module):
    """A VaultSession from the module's connection options."""
    return VaultSession(module.params)
