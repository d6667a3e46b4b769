# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Mounts: auth methods (sys/auth) and secrets engines (sys/mounts) share one shape.

``ensure_mount`` reads the mount listing, compares type, tune fields and options with
what the user asked for, and enables, tunes or disables only when they differ.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.vault.state import (
    field_changes,
    find_mount,
    mount_state,
    MOUNT_TUNE_FIELDS,
    normalized,
)

# kind -> (API collection, word for messages)
MOUNT_KINDS = dict(
    auth=("sys/auth", "auth method"),
    secrets=("sys/mounts", "secrets engine"),
)
# Mounts Vault itself owns: never disabled or retyped by these modules.
RESERVED = dict(auth=("token",), secrets=("sys", "identity", "cubbyhole"))


def read_mount(vault, kind, path):
    collection, word = MOUNT_KINDS[kind]
    listing = vault.read(collection, "list the %ss at" % word)
    return mount_state(find_mount(listing, path))


def _ttl(seconds, zero):
    return zero if not seconds else "%ds" % seconds


def _options_changes(desired_options, current_options):
    current_options = current_options or {}
    return dict((k, [current_options.get(k), str(v)]) for k, v in sorted((desired_options or {}).items())
                if str(current_options.get(k)) != str(v))


def plan_mount(kind, path, mount_type, tune, options, present, current):
    """(changes, action) for one mount; action is None, 'enable', 'tune' or 'disable'.

    Refuses, naming the path, to retype a mount: that would mean disabling it, which
    deletes everything it holds."""
    word = MOUNT_KINDS[kind][1]
    if path.split("/")[0] in RESERVED[kind]:
        raise PlatformError("path: %r is reserved by Vault and cannot be managed as a %s" % (path, word))
    if not present:
        return ({"mounted": [True, False]}, "disable") if current else ({}, None)
    if current is None:
        changes = field_changes(MOUNT_TUNE_FIELDS, tune, None)
        changes.update(_options_changes(options, None))
        changes["type"] = [None, mount_type]
        return changes, "enable"
    if current["type"] != mount_type:
        raise PlatformError(
            "path: %s/ is a %s %s, not %s; changing the type means disabling it, which deletes what it "
            "holds: do that on purpose (state=absent) first" % (path, current["type"], word, mount_type))
    if mount_type == "kv" and _kv_version(current.get("options")) > _kv_version(options):
        raise PlatformError("version: %s/ is a KV version 2 engine; Vault cannot downgrade it to version 1" % path)
    changes = field_changes(MOUNT_TUNE_FIELDS, tune, current)
    changes.update(_options_changes(options, current.get("options")))
    return changes, ("tune" if changes else None)


def _kv_version(options):
    return int((options or {}).get("version") or 1)


def apply_mount(vault, kind, path, mount_type, tune, options, action):
    collection, word = MOUNT_KINDS[kind]
    given = dict((k, v) for k, v in normalized(MOUNT_TUNE_FIELDS, tune).items() if tune.get(k) is not None)
    if action == "enable":
        config = {}
        for key in ("default_lease_ttl", "max_lease_ttl"):
            if given.get(key):
                config[key] = _ttl(given[key], None)
        if given.get("listing_visibility"):
            config["listing_visibility"] = given["listing_visibility"]
        body = dict(type=mount_type, description=given.get("description", ""), config=config)
        if options:
            body["options"] = dict((k, str(v)) for k, v in options.items())
        vault.write("%s/%s" % (collection, path), body, "enable a %s at" % word)
    elif action == "tune":
        body = dict(given)
        for key in ("default_lease_ttl", "max_lease_ttl"):
            if key in body:
                body[key] = _ttl(body[key], "system")
        if options:
            body["options"] = dict((k, str(v)) for k, v in options.items())
        vault.write("%s/%s/tune" % (collection, path), body, "tune the %s at" % word)
    elif action == "disable":
        vault.delete("%s/%s" % (collection, path), "disable the %s at" % word)


def ensure_mount(vault, kind, path, mount_type, tune, options, present, check_mode):
    """Read, compare, (unless check_mode) write and re-read one mount.

    Returns dict(changed, changes, before, after) with the mount states (None: absent)."""
    current = read_mount(vault, kind, path)
    changes, action = plan_mount(kind, path, mount_type, tune, options, present, current)
    if action and not check_mode:
        apply_mount(vault, kind, path, mount_type, tune, options, action)
        after = read_mount(vault, kind, path)
    elif action:
        after = _predicted(current, mount_type, tune, options, present)
    else:
        after = current
    return dict(changed=bool(action), changes=changes, before=current, after=after)


def _predicted(current, mount_type, tune, options, present):
    """The state check mode reports as 'after' (what a real run would leave)."""
    if not present:
        return None
    state = dict(current or dict(type=mount_type, description="", default_lease_ttl=0, max_lease_ttl=0,
                                 listing_visibility="", options={}))
    for key, value in normalized(MOUNT_TUNE_FIELDS, tune).items():
        if tune.get(key) is not None:
            state[key] = value
    state["options"] = dict(state.get("options") or {})
    state["options"].update(dict((k, str(v)) for k, v in (options or {}).items()))
    return state
