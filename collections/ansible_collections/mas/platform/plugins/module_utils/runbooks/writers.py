# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The writers of a data recovery: the agents' Deployments, stopped while their data is
restored and started again after, with their replicas kept in the cluster meanwhile.

The replicas go to a key of the platform's state ConfigMap (the one shutdown and startup
keep their state in) before any writer is scaled down, and leave it only once every
writer is back and ready. A recovery killed at any step and run again therefore reads
the replicas it must bring back from the cluster, never the zeros it left there: a
writer at 0 keeps the count recorded for it, and a writer running keeps its live count.

``plan_stop`` and ``plan_start`` decide; ``Writers`` reads and writes the cluster.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import time

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.k8s.client import call_api, find_resource, get_or_none, read
from ansible_collections.mas.platform.plugins.module_utils.k8s.objects import replicas_of
from ansible_collections.mas.platform.plugins.module_utils.model.labels import PLATFORM_LABELS
from ansible_collections.mas.platform.plugins.module_utils.runbooks.workloads import Cluster

# The key of the state ConfigMap that holds the writers' replicas during a recovery.
RECORD_KEY = "recovery-writers.json"
RECORD_FORMAT = 1
RECORD_LABELS = dict(PLATFORM_LABELS, **{
    "app.kubernetes.io/name": "mas-platform-state",
    "app.kubernetes.io/instance": "mas-platform-state",
    "app.kubernetes.io/component": "runbooks",
})


def writer_key(namespace, name):
    return "%s/%s" % (namespace, name)


def parse_record(text, where):
    """{namespace/name: replicas} of a record's text ({} for none); a record that cannot
    be read is refused, naming where it is, rather than taken as no writer to restore."""
    if not text:
        return {}
    try:
        record = json.loads(text)
        writers = record["writers"]
        return dict((writer_key(w["namespace"], w["name"]), int(w["replicas"])) for w in writers)
    except (ValueError, TypeError, KeyError) as exc:
        raise PlatformError("%s: the writers' record cannot be read (%s: %s); it holds the replicas to bring "
                            "back: repair or remove it by hand" % (where, type(exc).__name__, exc))


def format_record(record, stopped_at):
    """The record's text: the writers sorted, so that the same record is the same text."""
    writers = []
    for key in sorted(record):
        namespace, name = key.split("/", 1)
        writers.append({"namespace": namespace, "name": name, "replicas": record[key]})
    return json.dumps({"format": RECORD_FORMAT, "stopped_at": stopped_at, "writers": writers}, indent=2,
                      sort_keys=True)


def plan_stop(deployments, recorded):
    """What stopping the writers records and scales down.

    Returns (record, to_stop): ``record`` is {namespace/name: replicas to bring back}, the
    recorded counts kept (of a run that stopped them and did not finish) unless the
    writer runs now, where its live count wins; a writer at 0 that no record names was
    stopped before the recovery and stays so. ``to_stop`` are the keys of the writers
    that run.
    """
    record = dict(recorded)
    to_stop = []
    for deployment in deployments:
        meta = deployment.get("metadata") or {}
        key = writer_key(meta.get("namespace"), meta.get("name"))
        replicas = replicas_of(deployment)
        if replicas > 0:
            record[key] = replicas
            to_stop.append(key)
    return record, sorted(to_stop)


def plan_start(deployments, record):
    """What starting the writers scales: ([(key, from, to)], [keys of writers that are gone])."""
    live = dict((writer_key((d.get("metadata") or {}).get("namespace"), (d.get("metadata") or {}).get("name")), d)
                for d in deployments)
    to_scale, missing = [], []
    for key in sorted(record):
        if key not in live:
            missing.append(key)
        elif replicas_of(live[key]) != record[key]:
            to_scale.append((key, replicas_of(live[key]), record[key]))
    return to_scale, missing


class Writers(object):
    """The writers (Deployments matching a selector in some namespaces) and their record."""

    def __init__(self, client, endpoint, namespaces, label_selector, configmap, check_mode):
        self.client, self.endpoint = client, endpoint
        self.namespaces, self.label_selector = namespaces, label_selector
        self.configmap = configmap
        self.where = "ConfigMap %s/%s key %s" % (configmap["namespace"], configmap["name"], RECORD_KEY)
        self.check_mode = check_mode
        self.cluster = Cluster(client, endpoint, check_mode)
        self.configmaps = find_resource(client, "v1", "ConfigMap", "the writers' record")
        self.configmap_exists = None

    def read_writers(self):
        found = []
        for namespace in self.namespaces:
            query = dict(api_version="apps/v1", kind="Deployment", namespace=namespace,
                         label_selectors=[self.label_selector] if self.label_selector else [])
            found.extend(read(self.client, self.endpoint, query, "the Deployments of %s" % namespace))
        return found

    def read_record(self):
        """(record, its text or None); remembers whether the ConfigMap exists."""
        live = call_api(self.endpoint, "reading the " + self.where, get_or_none, self.client, self.configmaps,
                        self.configmap["name"], self.configmap["namespace"])
        self.configmap_exists = live is not None
        text = ((live or {}).get("data") or {}).get(RECORD_KEY)
        return parse_record(text, self.where), text

    def write_record(self, text):
        """Write the record (after read_record): into the ConfigMap, or a new one."""
        if self.check_mode:
            return
        name, namespace = self.configmap["name"], self.configmap["namespace"]
        if not self.configmap_exists:
            body = {"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": name, "namespace": namespace, "labels": RECORD_LABELS},
                    "data": {RECORD_KEY: text}}
            call_api(self.endpoint, "writing the " + self.where, self.client.create, self.configmaps, body=body,
                     namespace=namespace)
            self.configmap_exists = True
        else:
            call_api(self.endpoint, "writing the " + self.where, self.client.patch, self.configmaps,
                     body={"data": {RECORD_KEY: text}}, name=name, namespace=namespace,
                     content_type="application/merge-patch+json")

    def remove_record(self):
        if self.check_mode:
            return
        # A merge patch's null removes the key and nothing else of the ConfigMap.
        call_api(self.endpoint, "removing the " + self.where, self.client.patch, self.configmaps,
                 body={"data": {RECORD_KEY: None}}, name=self.configmap["name"],
                 namespace=self.configmap["namespace"], content_type="application/merge-patch+json")

    def scale(self, changes, timeout):
        """Set each writer's replicas ([(key, from, to)]) and wait until each is ready at
        its new count (at 0: no replica left), as the runbooks' steps do (workloads.py)."""
        targets = []
        for key, _before, after in changes:
            namespace, name = key.split("/", 1)
            self.cluster.patch("apps/v1", "Deployment", namespace, name, {"replicas": after},
                               "scaling Deployment %s to %d" % (key, after))
            targets.append({"kind": "Deployment", "namespace": namespace, "k8s_name": name})
        self.cluster.wait(targets, timeout)


def stop(writers, timeout, now=None):
    """Record the writers' replicas (before anything is scaled), then scale them to 0 and
    wait until none is left. Returns the module's result."""
    recorded, text = writers.read_record()
    deployments = writers.read_writers()
    record, to_stop = plan_stop(deployments, recorded)
    # Written before anything is scaled, and only when it changes (a second run of a
    # recovery that stopped the writers finds its record as it left it).
    changed = record != recorded
    if changed:
        writers.write_record(format_record(record, time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now))))
    changes = [(key, record[key], 0) for key in to_stop]
    writers.scale(changes, timeout)
    return _result(writers, record, changes, [], changed or bool(changes))


def start(writers, timeout):
    """Scale the recorded writers back to their replicas, wait until each is ready, then
    remove the record. A recorded writer whose Deployment is gone is named in ``missing``
    (a deploy creates it again at the spec's replicas). Returns the module's result."""
    record, text = writers.read_record()
    if text is None:
        return _result(writers, {}, [], [], False)
    to_scale, missing = plan_start(writers.read_writers(), record)
    writers.scale(to_scale, timeout)
    writers.remove_record()
    return _result(writers, record, to_scale, missing, True)


def _result(writers, record, changes, missing, changed):
    scaled = ["%s: %d -> %d" % change for change in changes]
    return dict(
        changed=changed,
        record=writers.where,
        writers=[{"namespace": k.split("/", 1)[0], "name": k.split("/", 1)[1], "replicas": v}
                 for k, v in sorted(record.items())],
        scaled=scaled,
        missing=missing,
        diff=dict(before=dict((k, b) for k, b, _a in changes), after=dict((k, a) for k, _b, a in changes)),
    )
