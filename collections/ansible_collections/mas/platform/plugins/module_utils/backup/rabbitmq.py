# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""RabbitMQ definitions in a backup, through the management API's /api/definitions.

Each definition (vhost, user, permission, policy, queue, exchange, binding, parameter)
is one record, keyed by what identifies it, so that a restore can say which ones it
creates or overwrites and the validation can find each one again. The snapshot keeps
them as one ``definitions.json``, the body that POST /api/definitions (and
``rabbitmqadmin import``) takes; users with their password hashes and parameters (which
may hold federation or shovel URIs with passwords) are in it, encrypted by restic like
everything in the repository.

Left out: the cluster's ``internal_cluster_id`` (another cluster must keep its own) and
the policies named in ``exclude_policies`` (the intake gate of
``mas.platform.rabbitmq_task_intake``: a restore must not pause intake because the
backup was taken while it was paused). Messages are not backed up: see
docs/runbooks/backup-and-recovery.md.

Restore is the management API's import (POST /api/definitions), which creates what is
missing and overwrites what differs; definitions that exist now and are not in the
backup are left alone, and counted.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.mas.platform.plugins.module_utils.backup.snapshot import canonical_json
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.clients.rabbitmq import (
    RABBITMQ_ARGUMENT_SPEC,
    RabbitMQClient,
)

RABBITMQ_OPTIONS = dict(RABBITMQ_ARGUMENT_SPEC)
RABBITMQ_OPTIONS.update(exclude_policies=dict(type="list", elements="str", default=["mas-intake-pause", "mas-intake-pause-arming"]))

# Section -> the fields that identify one of its definitions.
IDENTITY = {
    "vhosts": ("name",),
    "users": ("name",),
    "permissions": ("user", "vhost"),
    "topic_permissions": ("user", "vhost", "exchange"),
    "parameters": ("component", "vhost", "name"),
    "global_parameters": ("name",),
    "policies": ("vhost", "name"),
    "queues": ("vhost", "name"),
    "exchanges": ("vhost", "name"),
    "bindings": ("vhost", "source", "destination", "destination_type", "routing_key", "arguments"),
}
# Import order does not matter to RabbitMQ; this is the order of the plan's output.
SECTIONS = ("vhosts", "users", "permissions", "topic_permissions", "parameters", "global_parameters",
            "policies", "exchanges", "queues", "bindings")
SKIPPED_GLOBAL_PARAMETERS = ("internal_cluster_id",)
SINGULAR = {"vhosts": "vhost", "users": "user", "permissions": "permission", "topic_permissions": "topic permission",
            "parameters": "parameter", "global_parameters": "global parameter", "policies": "policy",
            "queues": "queue", "exchanges": "exchange", "bindings": "binding"}


def record_key(section, definition):
    identity = [definition.get(field) for field in IDENTITY[section]]
    return ("%s/%s" % (section, json.dumps(identity, sort_keys=True, separators=(",", ":")))).encode("utf-8")


def kept(section, definition, exclude_policies=()):
    """Whether a backup keeps a definition (not the cluster's id, not the intake gate)."""
    if section == "global_parameters" and definition.get("name") in SKIPPED_GLOBAL_PARAMETERS:
        return False
    return not (section == "policies" and definition.get("name") in exclude_policies)


def snapshot_definitions(definitions, exclude_policies=()):
    """The definitions a snapshot keeps, as POST /api/definitions takes them, each
    section sorted by identity (an unchanged broker gives the same bytes)."""
    body = {}
    for section in SECTIONS:
        body[section] = sorted((d for d in definitions.get(section) or [] if kept(section, d, exclude_policies)),
                               key=lambda d, section=section: record_key(section, d))
    version = definitions.get("rabbitmq_version") or definitions.get("rabbit_version")
    if version:
        body["rabbit_version"] = version
    return body


def definition_records(definitions, exclude_policies=()):
    """The records of an export: [(key, canonical JSON payload)], sorted by key."""
    records = []
    for section in SECTIONS:
        for definition in definitions.get(section) or []:
            if kept(section, definition, exclude_policies):
                records.append((record_key(section, definition), canonical_json(definition)))
    return sorted(records)


def describe_key(key):
    """'queue tasks.default in /' for messages and plans."""
    section, identity = key.decode("utf-8").split("/", 1)
    values = json.loads(identity)
    names = dict(zip(IDENTITY[section], values))
    singular = SINGULAR.get(section, section)
    if section == "bindings":
        return "binding %s -> %s %s (%r) in %s" % (
            names["source"], names["destination_type"], names["destination"], names["routing_key"], names["vhost"])
    label = "/".join("%s" % names[f] for f in IDENTITY[section] if f != "vhost")
    return "%s %s%s" % (singular, label, " in %s" % names["vhost"] if "vhost" in names and section != "vhosts" else "")


class RabbitMQDefinitions(object):
    def __init__(self, params):
        self.client = RabbitMQClient(params)
        self.exclude = tuple(params.get("exclude_policies") or ())

    def export(self):
        status, body = self.client.request("GET", ["definitions"], operation="export the definitions")
        if status == 404 or not isinstance(body, dict):
            raise PlatformError("rabbitmq: %s answered without definitions (HTTP %s); is it the management API?"
                                % (self.client.url("definitions"), status))
        return body

    def snapshot(self):
        """The broker's definitions as a snapshot keeps them."""
        return snapshot_definitions(self.export(), self.exclude)

    def records(self):
        """The records of the broker's definitions now."""
        return definition_records(self.export(), self.exclude)

    def import_definitions(self, body):
        self.client.request("POST", ["definitions"], body=body, operation="import the definitions")
