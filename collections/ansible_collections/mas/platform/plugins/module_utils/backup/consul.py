# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Consul in a backup: a snapshot of its whole state, through Consul's HTTP API.

- Backup: ``GET /v1/snapshot``, what ``consul snapshot save`` calls: a point-in-time
  archive of the servers' Raft state (KV, ACLs and tokens, sessions, prepared queries,
  the catalog, intentions, config entries). Beside it the backup keeps the KV entries
  (``GET /v1/kv/?recurse``), so that a restore can say which keys it brings back and
  check them afterwards.
- Restore: ``PUT /v1/snapshot``, what ``consul snapshot restore`` calls: the servers
  replace their whole state with the snapshot's (keys written since the backup are
  gone). Consul checks the archive's own SHA-256 sums before it applies it.
- Validation: every KV entry of the snapshot is read back with its flags and value, and
  no other key exists.

The token needs ``acl = "write"`` (management) for both; without ACLs none is needed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import socket
import struct

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.urls import open_url

from ansible_collections.mas.platform.plugins.module_utils.base import EndpointError, PlatformError

CONSUL_OPTIONS = dict(
    url=dict(type="str", fallback=(env_fallback, ["CONSUL_HTTP_ADDR"])),
    token=dict(type="str", no_log=True, fallback=(env_fallback, ["CONSUL_HTTP_TOKEN"])),
    validate_certs=dict(type="bool", default=True),
    ca_cert=dict(type="path", fallback=(env_fallback, ["CONSUL_CACERT"])),
    timeout=dict(type="int", default=300),
)
_FLAGS = struct.Struct(">Q")


def records_from_kv(entries):
    """[(key, payload)] from a ``?recurse`` answer (values base64, null for empty); a
    payload is the key's flags (8 bytes) then its raw value."""
    records = []
    for entry in entries or []:
        value = base64.b64decode(entry.get("Value") or "")
        records.append((entry["Key"].encode("utf-8"), _FLAGS.pack(int(entry.get("Flags") or 0)) + value))
    return sorted(records)


def kv_lines(entries):
    """The KV entries as the snapshot keeps them (key, flags, value base64), sorted."""
    return [dict(Key=e["Key"], Flags=int(e.get("Flags") or 0), Value=e.get("Value") or "")
            for e in sorted(entries or [], key=lambda e: e["Key"])]


class Consul(object):
    def __init__(self, params):
        self.url = (params.get("url") or "").rstrip("/")
        if not self.url:
            raise PlatformError("consul.url: no Consul HTTP API URL given (such as http://consul.core-services:8500; "
                                "or set CONSUL_HTTP_ADDR)")
        if not self.url.startswith(("http://", "https://")):
            self.url = "http://" + self.url
        self.params = params

    def _request(self, method, path, data=None, what="read"):
        """(status, body bytes) of one call; 404 is returned, other errors raise."""
        url = self.url + path
        headers = {}
        if self.params.get("token"):
            headers["X-Consul-Token"] = self.params["token"]
        try:
            response = open_url(url, method=method, data=data, headers=headers, timeout=self.params.get("timeout") or 300,
                                validate_certs=self.params.get("validate_certs", True), ca_path=self.params.get("ca_cert"),
                                use_netrc=False)
            return response.getcode(), response.read()
        except HTTPError as exc:
            reason = exc.read().decode("utf-8", "replace").strip()[:300]
            if exc.code == 404:
                return 404, b""
            if exc.code in (401, 403):
                raise PlatformError("permission denied: the Consul token may not %s at %s: %s" % (what, url, reason or exc.code))
            raise EndpointError(url, "cannot %s: HTTP %s: %s" % (what, exc.code, reason))
        except (URLError, socket.timeout, OSError) as exc:
            raise EndpointError(url, "Consul is unreachable (%s)" % (getattr(exc, "reason", None) or exc))

    def kv(self):
        """Every KV entry ([{Key, Flags, Value}]), sorted by key."""
        status, body = self._request("GET", "/v1/kv/?recurse=true", what="read the KV store")
        if status == 404 or not body:
            return []
        try:
            return kv_lines(json.loads(body.decode("utf-8")))
        except ValueError:
            raise EndpointError(self.url + "/v1/kv/", "Consul answered the KV listing with something that is not JSON")

    def snapshot(self):
        """A snapshot of the servers' state (``GET /v1/snapshot``, a gzipped archive)."""
        status, body = self._request("GET", "/v1/snapshot", what="take a snapshot")
        if status != 200 or not body:
            raise EndpointError(self.url + "/v1/snapshot", "Consul returned no snapshot (HTTP %s)" % status)
        return body

    def restore(self, data):
        """Replace the servers' state with a snapshot (``PUT /v1/snapshot``)."""
        self._request("PUT", "/v1/snapshot", data=data, what="restore a snapshot")
