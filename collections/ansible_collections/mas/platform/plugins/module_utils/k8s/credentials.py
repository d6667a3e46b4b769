# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Credentials generated once and kept, inside the apply that uses them.

A step of ``k8s_apply`` may name credentials: a Secret (``<service>-credentials``) and the
keys it must hold, each a fixed ``value``, or generated (``password`` of a length of
letters and digits, ``uuid``, ``base64`` of a number of random bytes). The Secret's
existing values are kept; only missing keys are generated; a second run writes nothing.
With Vault (``vault``: url, token, mount, path), Vault's KV v2 secret holds them: its
values win, the Secret's fill what it lacks (a cluster deployed before Vault keeps its
credentials), the rest is generated, and Vault gets what it lacked (check-and-set on the
version read).

The rendered objects of the step never carry a credential: they carry placeholders,
``((mas-credential:<secret name>/<key>))``, only in the ``stringData`` of their Secrets,
which ``substitute`` replaces (and turns into ``data``) in this process. So no
credential travels through Ansible's variables, and none can reach a ConfigMap.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import os
import re
import secrets
import string
import uuid

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.k8s.objects import object_id

PLACEHOLDER = re.compile(r"\(\(mas-credential:([a-z0-9]([-a-z0-9.]*[a-z0-9])?)/([-._A-Za-z0-9]+)\)\)")
KINDS = ("value", "password", "uuid", "base64")
_ALPHABET = string.ascii_letters + string.digits


def placeholder(secret, key):
    """The placeholder that stands for a credential in a rendered Secret."""
    return "((mas-credential:%s/%s))" % (secret, key)


def generate(key, spec):
    """A new value for one key of a credentials spec ({kind, length, value})."""
    kind = spec.get("kind") or ("value" if "value" in spec else "password")
    if kind not in KINDS:
        raise PlatformError("credentials key %s: kind %r is not one of %s" % (key, kind, ", ".join(KINDS)))
    if kind == "value":
        if spec.get("value") in (None, ""):
            raise PlatformError("credentials key %s: kind value needs a value" % key)
        return str(spec["value"])
    if kind == "uuid":
        return str(uuid.uuid4())
    try:
        length = int(spec["length"]) if spec.get("length") is not None else 32
    except (TypeError, ValueError):
        raise PlatformError("credentials key %s: length %r is not a number" % (key, spec.get("length")))
    if length < 1 or length > 4096:
        raise PlatformError("credentials key %s: length %d is not between 1 and 4096" % (key, length))
    if kind == "base64":
        return base64.b64encode(os.urandom(length)).decode("ascii")
    return "".join(secrets.choice(_ALPHABET) for _position in range(length))


def decode_data(secret):
    """The values of a Secret read from the API (base64 ``data``)."""
    values = {}
    for key, value in ((secret or {}).get("data") or {}).items():
        try:
            values[key] = base64.b64decode(value).decode("utf-8")
        except (ValueError, UnicodeDecodeError):
            raise PlatformError("Secret %s: key %s is not text; refusing to keep or replace it" % (object_id(secret), key))
    return values


def complete(keys, stored, vault_values=None):
    """The credentials: Vault's values first, then the stored Secret's, then new ones for
    whatever is still missing. Returns (values, generated key names)."""
    values = dict(stored or {})
    values.update(vault_values or {})
    generated = []
    for key, spec in keys.items():
        if key not in values:
            values[key] = generate(key, spec or {})
            generated.append(key)
    return dict((key, values[key]) for key in keys), generated


def credentials_secret(spec, values):
    """The Secret object that keeps the credentials."""
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {"name": spec["name"], "namespace": spec["namespace"], "labels": dict(spec.get("labels") or {})},
        "data": dict((key, base64.b64encode(value.encode("utf-8")).decode("ascii")) for key, value in values.items()),
    }


def substitute(obj, credentials):
    """A copy of a rendered object with its placeholders replaced.

    ``credentials``: secret name -> {key: value}. Placeholders may only stand in the
    ``stringData`` of a Secret, which becomes ``data``; anywhere else they are refused."""
    def replace(text, where):
        def one(match):
            secret, key = match.group(1), match.group(3)
            if secret not in credentials or key not in credentials[secret]:
                raise PlatformError("%s: %s names the credential %s/%s, which no credentials of this step define"
                                    % (object_id(obj), where, secret, key))
            return credentials[secret][key]
        return PLACEHOLDER.sub(one, text)

    if obj.get("kind") != "Secret" or not obj.get("stringData"):
        _refuse_placeholders(obj, obj)
        return obj
    result = dict((k, v) for k, v in obj.items() if k != "stringData")
    _refuse_placeholders(result, obj)
    data = dict(result.get("data") or {})
    for key, value in obj["stringData"].items():
        text = replace(str(value), "stringData.%s" % key)
        data[key] = base64.b64encode(text.encode("utf-8")).decode("ascii")
    result["data"] = data
    return result


def _refuse_placeholders(value, obj):
    if isinstance(value, dict):
        for item in value.values():
            _refuse_placeholders(item, obj)
    elif isinstance(value, list):
        for item in value:
            _refuse_placeholders(item, obj)
    elif isinstance(value, str) and PLACEHOLDER.search(value):
        raise PlatformError("%s holds a credential placeholder outside a Secret's stringData: credentials "
                            "only go into Secrets" % object_id(obj))
