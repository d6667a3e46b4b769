# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Consul KV in a backup, through Consul's HTTP API.

Backup reads every key below ``prefix`` (``GET /v1/kv/<prefix>?recurse``); a record is
the key and its payload, the key's flags (8 bytes) then its raw value. Restore writes the
keys in transactions of 64 operations (``PUT /v1/txn``, Consul's limit), so that a
batch is written whole or not at all. Keys that exist now and are not in the backup are
left alone, and counted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import socket
import struct

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.six.moves.urllib.parse import quote
from ansible.module_utils.urls import open_url

from ansible_collections.mas.platform.plugins.module_utils.base import EndpointError, PlatformError

CONSUL_OPTIONS = dict(
    url=dict(type="str", fallback=(env_fallback, ["CONSUL_HTTP_ADDR"])),
    token=dict(type="str", no_log=True, fallback=(env_fallback, ["CONSUL_HTTP_TOKEN"])),
    prefix=dict(type="str", default=""),
    validate_certs=dict(type="bool", default=True),
    ca_cert=dict(type="path", fallback=(env_fallback, ["CONSUL_CACERT"])),
    timeout=dict(type="int", default=30),
)
TXN_OPERATIONS = 64
_FLAGS = struct.Struct(">Q")


def records_from_kv(entries):
    """[(key, payload)] from a ``?recurse`` answer (values base64, null for empty)."""
    records = []
    for entry in entries or []:
        value = base64.b64decode(entry.get("Value") or "")
        records.append((entry["Key"].encode("utf-8"), _FLAGS.pack(int(entry.get("Flags") or 0)) + value))
    return records


def txn_operations(records):
    """The /v1/txn bodies that write the records, 64 operations each."""
    operations = []
    for key, payload in records:
        flags = _FLAGS.unpack_from(payload, 0)[0]
        operations.append({"KV": {"Verb": "set", "Key": key.decode("utf-8"), "Flags": flags,
                                  "Value": base64.b64encode(payload[_FLAGS.size:]).decode("ascii")}})
    return [operations[i:i + TXN_OPERATIONS] for i in range(0, len(operations), TXN_OPERATIONS)]


class ConsulKV(object):
    def __init__(self, params):
        self.url = (params.get("url") or "").rstrip("/")
        if not self.url:
            raise PlatformError("consul.url: no Consul HTTP API URL given (such as http://consul.core-services:8500; "
                                "or set CONSUL_HTTP_ADDR)")
        if not self.url.startswith(("http://", "https://")):
            self.url = "http://" + self.url
        self.params = params
        self.prefix = (params.get("prefix") or "").lstrip("/")

    def _request(self, method, path, body=None, what="read"):
        url = self.url + path
        headers = {"Accept": "application/json"}
        if self.params.get("token"):
            headers["X-Consul-Token"] = self.params["token"]
        data = None if body is None else json.dumps(body)
        try:
            response = open_url(url, method=method, data=data, headers=headers, timeout=self.params.get("timeout") or 30,
                                validate_certs=self.params.get("validate_certs", True), ca_path=self.params.get("ca_cert"),
                                use_netrc=False)
            text = response.read()
            return response.getcode(), json.loads(text) if text else None
        except HTTPError as exc:
            reason = exc.read().decode("utf-8", "replace").strip()[:300]
            if exc.code == 404:
                return 404, None
            if exc.code in (401, 403):
                raise PlatformError("permission denied: the Consul token may not %s at %s: %s" % (what, url, reason or exc.code))
            if exc.code == 409:
                raise PlatformError("Consul rolled back the transaction at %s: %s" % (url, reason))
            raise EndpointError(url, "cannot %s: HTTP %s: %s" % (what, exc.code, reason))
        except (URLError, socket.timeout, OSError) as exc:
            raise EndpointError(url, "Consul is unreachable (%s)" % (getattr(exc, "reason", None) or exc))

    def records(self):
        status, body = self._request("GET", "/v1/kv/%s?recurse=true" % quote(self.prefix), what="read the KV store")
        return [] if status == 404 else records_from_kv(body)

    def write(self, records):
        for operations in txn_operations(records):
            self._request("PUT", "/v1/txn", body=operations, what="write the KV store")
