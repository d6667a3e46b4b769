# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Waiting for applied objects to be ready, with the one readiness rule (readiness.py).

``wait_ready`` polls the objects (one list per kind and namespace per round, never a
fixed sleep: ``Schedule``, whose interval grows from 0.1 s to 0.5 s, and to 2 s after
30 s; the runbooks' wait for pods to be gone reads on it too) until every
one is ready, one has failed, or the timeout passes. On failure or timeout the message names each object that
is not ready, why (readiness.py's reason), and what its pods say: a pod the scheduler
cannot place ("0/3 nodes are available: 3 Insufficient nvidia.com/gpu"), an image that
cannot be pulled, a crash loop.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import time

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.k8s.client import call_api, find_resource, get_or_none
from ansible_collections.mas.platform.plugins.module_utils.k8s.objects import object_id
from ansible_collections.mas.platform.plugins.module_utils.k8s.readiness import FAILED, pod_summary, readiness
from ansible_collections.mas.platform.plugins.module_utils.progress import Progress


def _selector(obj):
    """The label selector (a string) of a workload's pods, or None."""
    labels = (((obj.get("spec") or {}).get("selector") or {}).get("matchLabels")) or {}
    if obj.get("kind") == "Job":
        labels = ((((obj.get("spec") or {}).get("template") or {}).get("metadata") or {}).get("labels")) or labels
    return ",".join("%s=%s" % item for item in sorted(labels.items())) or None


class Reader(object):
    """Reads objects by kind and namespace, one list per group and round."""

    def __init__(self, client, endpoint):
        self.client = client
        self.endpoint = endpoint

    def current(self, objects):
        """{object id: the object as it is now, or None}."""
        groups = {}
        for obj in objects:
            meta = obj.get("metadata") or {}
            groups.setdefault((obj["apiVersion"], obj["kind"], meta.get("namespace")), []).append(meta.get("name"))
        found = {}
        for (api_version, kind, namespace), names in groups.items():
            resource = find_resource(self.client, api_version, kind, "waiting for %s" % kind)
            what = "reading the %s objects%s" % (kind, " of " + namespace if namespace else "")
            if len(names) == 1:
                items = [call_api(self.endpoint, what, get_or_none, self.client, resource, names[0], namespace)]
            else:
                items = call_api(self.endpoint, what, self.client.get, resource,
                                 namespace=namespace if resource.namespaced else None).to_dict().get("items") or []
            by_name = dict(((i.get("metadata") or {}).get("name"), i) for i in items if i)
            for name in names:
                item = by_name.get(name)
                if item is not None:
                    item.setdefault("apiVersion", api_version)
                    item.setdefault("kind", kind)
                found["%s/%s%s" % (kind, namespace + "/" if namespace else "", name)] = item
        return found

    def pods(self, obj):
        """The pods of a workload (its selector, in its namespace)."""
        selector = _selector(obj)
        if not selector:
            return []
        resource = find_resource(self.client, "v1", "Pod", "reading pods")
        listed = call_api(self.endpoint, "reading the pods of %s" % object_id(obj), self.client.get, resource,
                          namespace=(obj.get("metadata") or {}).get("namespace"), label_selector=selector).to_dict()
        return listed.get("items") or []


def not_ready_message(states, reader, objects):
    """One line per object that is not ready, with what its pods say."""
    lines = []
    by_id = dict((object_id(o), o) for o in objects)
    for oid, (state, live) in states.items():
        if state.ready:
            continue
        line = "%s: %s" % (oid, state.reason)
        if live is not None and live.get("kind") in ("Deployment", "StatefulSet", "DaemonSet", "Job"):
            try:
                pods = [pod_summary(p) for p in reader.pods(live)]
            except PlatformError:
                pods = []
            waiting = ["%s %s" % (p["name"], p["reason"]) for p in pods if not p["ready"]]
            if waiting:
                line += " (%s)" % "; ".join(waiting[:5])
            elif not pods and live.get("kind") != "Job":
                line += " (no pod exists: a quota or an admission check may refuse them; see the events)"
        elif live is None and oid in by_id:
            line = "%s: does not exist" % oid
        lines.append(line)
    return "; ".join(lines)


# The seconds between two reads of the objects a wait watches: the first, the most while
# the wait is young, and the most after that. A read is one list request per kind and
# namespace. Most rollouts end within seconds, and there a read every 0.5 s at most keeps
# each of the deploy's sequential steps (one per core service and agent phase) from
# waiting longer than it must; a rollout still going after 30 s (image pulls, a node
# coming up) is read every 2 s.
POLL_FIRST = 0.1
POLL_MAX = 0.5
POLL_MAX_LATER = 2.0
POLL_LATER_AFTER = 30.0


def poll_max(elapsed):
    """The longest interval between two reads, after ``elapsed`` seconds of a wait."""
    return POLL_MAX if elapsed < POLL_LATER_AFTER else POLL_MAX_LATER


def progress_state(states):
    """A wait's progress line: how many are ready, and the first few that are not, why."""
    waiting = ["%s (%s)" % (oid, state.reason) for oid, (state, _obj) in sorted(states.items()) if not state.ready]
    more = " and %d more" % (len(waiting) - 3) if len(waiting) > 3 else ""
    return "%d of %d ready; waiting for %s%s" % (len(states) - len(waiting), len(states), ", ".join(waiting[:3]), more)


class Schedule(object):
    """When a wait reads again: POLL_FIRST after its first read, then half as long again
    each time, at most poll_max of the time it has lasted, never past its deadline."""

    def __init__(self, timeout):
        self.started = time.monotonic()
        self.deadline = self.started + timeout
        self.interval = POLL_FIRST

    def remaining(self):
        return self.deadline - time.monotonic()

    def sleep(self):
        time.sleep(min(self.interval, max(0.0, self.remaining())))
        self.interval = min(self.interval * 1.5, poll_max(time.monotonic() - self.started))


def wait_ready(reader, objects, timeout):
    """Wait until every object is ready. Returns {id: live object}; raises PlatformError
    naming what is not ready when one fails or the timeout passes."""
    # Read again soon, then less often: a workload on a node that is up is ready within a
    # second or two of being applied, and each read is one request per kind and namespace.
    schedule = Schedule(timeout)
    progress = Progress(timeout)
    while True:
        live = reader.current(objects)
        states = dict((oid, (readiness(obj), obj)) for oid, obj in live.items())
        failed = [oid for oid, (state, _obj) in states.items() if state.state == FAILED]
        if failed:
            raise PlatformError(not_ready_message(dict((o, states[o]) for o in failed), reader, objects))
        if all(state.ready for state, _obj in states.values()):
            return live
        progress(lambda: progress_state(states))
        if schedule.remaining() <= 0:
            raise PlatformError("not ready after %ds: %s" % (timeout, not_ready_message(states, reader, objects)))
        schedule.sleep()
