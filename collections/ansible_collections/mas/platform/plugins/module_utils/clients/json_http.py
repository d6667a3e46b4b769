# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's one HTTP client: a JSON call over ansible-core's ``open_url``.

Used by the RabbitMQ management API client, the Prometheus client and the backup
sources. It maps every transport failure (refused, timed out, TLS) to an
``EndpointError`` naming the URL, HTTP 401 and 403 to one ``PlatformError`` line, and
returns every other status with the parsed body, so that a caller can treat 404 as
"absent" and word 400 in its own terms. The password is never part of a message.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.urls import open_url

from ansible_collections.mas.platform.plugins.module_utils.base import EndpointError, PlatformError

try:
    from http.client import HTTPException
except ImportError:  # pragma: no cover - Python 2 is not supported by the collection
    HTTPException = Exception


def json_request(url, method="GET", body=None, username=None, password=None, validate_certs=True,
                 ca_cert=None, timeout=30, operation="call", service="the API", headers=None):
    """One HTTP call with a JSON body and answer; returns (status, parsed body or None).

    HTTP errors other than 401 and 403 are returned, not raised, so that a caller can
    treat 404 as "absent" and word 400 in its own terms.
    """
    headers = dict(headers or {}, Accept="application/json")
    data = None
    if body is not None:
        data = json.dumps(body)
        headers["Content-Type"] = "application/json"
    try:
        response = open_url(
            url, data=data, headers=headers, method=method, timeout=timeout,
            validate_certs=validate_certs, ca_path=ca_cert, url_username=username,
            url_password=password, force_basic_auth=bool(username), use_netrc=False,
            follow_redirects="safe")
        status, text = response.getcode(), response.read()
    except HTTPError as exc:
        status, text = exc.code, _read_error_body(exc)
        reason = error_reason(text)
        # RabbitMQ answers 401 to a failed login and to a user without the rights for
        # the call alike; only its reason tells them apart.
        if status == 401 and reason and "login failed" not in reason.lower() and "not_authori" in _plain(text):
            status = 403
        if status == 401:
            raise PlatformError("bad credentials for %s at %s" % (username or "(no user)", url),
                                endpoint=url, status=status)
        if status == 403:
            raise PlatformError("permission denied: %s may not %s at %s: %s"
                                % (username or "(no user)", operation, url, reason or "forbidden"),
                                endpoint=url, status=status)
    except (URLError, socket.timeout, OSError, HTTPException) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise EndpointError(url, "%s is unreachable (%s)" % (service, reason))
    if not text:
        return status, None
    try:
        return status, json.loads(text)
    except ValueError:
        if status >= 400:
            return status, {"reason": _plain(text)}
        raise EndpointError(url, "%s answered with something that is not JSON (HTTP %s): %s"
                            % (service, status, _plain(text)[:200]))


def _read_error_body(exc):
    try:
        return exc.read()
    except Exception:  # pylint: disable=broad-except
        return b""


def _plain(text):
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(text.split())


def error_reason(text):
    """The reason in an error body such as RabbitMQ's {"error": ..., "reason": ...} (HTML
    entities unescaped), or the body's text."""
    if not text:
        return ""
    try:
        body = json.loads(text)
    except ValueError:
        return _plain(text)[:300]
    if isinstance(body, dict):
        reason = body.get("reason") or body.get("error") or ""
        return " ".join(str(reason).replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"').split())
    return _plain(text)[:300]
