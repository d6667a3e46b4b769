# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One step of the shutdown or startup runbook that stops or starts workloads, in one
process: read, scale, and wait with the one readiness rule (k8s/readiness.py).

A target is a workload of the runbooks' plan: ``{name, kind, namespace, k8s_name}`` (the
spec's name, and the object's kind, namespace and name). Starting, each target has a
decision ``{desired, hpa}`` (module_utils/runbooks/state.py's ``startup_replicas``).

- ``plan_stop``: what a stop scales to 0, what is not deployed (nothing to stop), and the
  StatefulSets refused because scaling them down deletes their claims.
- ``plan_start``: the HPA bounds to restore and the replicas to set; a target without a
  decision was not deployed when the run began and is refused.
- ``stop`` and ``start`` do it against the cluster (``Cluster``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError
from ansible_collections.mas.platform.plugins.module_utils.k8s.client import call_api, find_resource
from ansible_collections.mas.platform.plugins.module_utils.k8s.objects import replicas_of
from ansible_collections.mas.platform.plugins.module_utils.k8s.readiness import pod_summary
from ansible_collections.mas.platform.plugins.module_utils.k8s.wait import Reader, Schedule, wait_ready
from ansible_collections.mas.platform.plugins.module_utils.progress import Progress

KINDS = ("Deployment", "StatefulSet")
TARGET_KEYS = ("name", "kind", "namespace", "k8s_name")


def check_targets(targets):
    """Refuse a target that lacks a key or names a kind the runbooks do not scale."""
    for index, target in enumerate(targets):
        if not isinstance(target, dict):
            raise PlatformError("workloads[%d]: expected a mapping, got %s" % (index, type(target).__name__))
        missing = [key for key in TARGET_KEYS if not target.get(key)]
        if missing:
            raise PlatformError("workloads[%d]: missing %s" % (index, ", ".join(missing)))
        if target["kind"] not in KINDS:
            raise PlatformError("workloads[%d] (%s): kind must be one of %s, got %s"
                                % (index, target["name"], ", ".join(KINDS), target["kind"]))


def ref(target):
    return "%s %s/%s" % (target["kind"], target["namespace"], target["k8s_name"])


def live_key(target):
    return "%s/%s/%s" % (target["kind"], target["namespace"], target["k8s_name"])


def selector_of(obj):
    return dict(((obj.get("spec") or {}).get("selector") or {}).get("matchLabels") or {})


def deletes_claims_when_scaled(obj):
    spec = obj.get("spec") or {}
    policy = (spec.get("persistentVolumeClaimRetentionPolicy") or {}).get("whenScaled") or "Retain"
    return obj.get("kind") == "StatefulSet" and policy == "Delete" and bool(spec.get("volumeClaimTemplates"))


def plan_stop(targets, live):
    """(to_stop [(target, object)], not_deployed [target], refused [target]) of a stop;
    ``live`` maps live_key(target) to the object or None."""
    to_stop, not_deployed, refused = [], [], []
    for target in targets:
        obj = live.get(live_key(target))
        if obj is None:
            not_deployed.append(target)
        elif deletes_claims_when_scaled(obj):
            refused.append(target)
        else:
            to_stop.append((target, obj))
    return to_stop, not_deployed, refused


def plan_start(targets, decisions, live):
    """(hpas [(target, hpa bounds)], scale [(target, current, desired)], not_deployed
    [target]) of a start. ``decisions`` maps the spec's name to {desired, hpa}; a target
    without one, or whose object is gone, is not deployed."""
    hpas, scale, not_deployed = [], [], []
    for target in targets:
        decision = decisions.get(target["name"])
        obj = live.get(live_key(target))
        if not decision or obj is None:
            not_deployed.append(target)
            continue
        if decision.get("hpa"):
            hpas.append((target, decision["hpa"]))
        desired = int(decision["desired"])
        if replicas_of(obj) != desired:
            scale.append((target, replicas_of(obj), desired))
    return hpas, scale, not_deployed


def selected(pod, selectors):
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return any(selector and all(labels.get(k) == v for k, v in selector.items()) for selector in selectors)


def pods_left(pods, selectors):
    """The pods that have not ended and that one of ``selectors`` (matchLabels) selects."""
    return [p for p in pods if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")
            and selected(p, selectors)]


def pod_line(pod):
    """A pod in a message: its name, phase, whether it is being deleted, and why it is not ready."""
    summary = pod_summary(pod)
    deleting = " (deleting)" if (pod.get("metadata") or {}).get("deletionTimestamp") else ""
    return "%s %s%s %s" % (summary["name"], summary["phase"] or "Unknown", deleting,
                           "ready" if summary["ready"] else summary["reason"])


def _refs(targets):
    """The targets as the objects Reader and wait_ready take."""
    return [{"apiVersion": "apps/v1", "kind": t["kind"], "metadata": {"name": t["k8s_name"], "namespace": t["namespace"]}}
            for t in targets]


class Cluster(object):
    """Reads, scales and waits for the workloads of one step."""

    def __init__(self, client, endpoint, check_mode):
        self.client, self.endpoint, self.check_mode = client, endpoint, check_mode
        self.reader = Reader(client, endpoint)

    def live(self, targets):
        """{live_key(target): the object or None}."""
        return self.reader.current(_refs(targets)) if targets else {}

    def hpas(self, hpas):
        """{namespace/name: the live HPA or None} of [(target, bounds)]."""
        objects = [{"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
                    "metadata": {"name": h["name"], "namespace": t["namespace"]}} for t, h in hpas]
        found = self.reader.current(objects) if objects else {}
        return dict((key.split("/", 1)[1], obj) for key, obj in found.items())

    def patch(self, api_version, kind, namespace, name, spec, what):
        if self.check_mode:
            return
        resource = find_resource(self.client, api_version, kind, what)
        call_api(self.endpoint, what, self.client.patch, resource, body={"spec": spec}, name=name,
                 namespace=namespace, content_type="application/merge-patch+json")

    def wait(self, targets, timeout):
        if self.check_mode or not targets:
            return
        wait_ready(self.reader, _refs(targets), timeout)

    def pods_left(self, stopped):
        """The pods (not ended) that the selectors of the stopped workloads select."""
        resource = find_resource(self.client, "v1", "Pod", "reading pods")
        left = []
        for namespace in sorted(set(t["namespace"] for t, _s in stopped)):
            selectors = [s for t, s in stopped if t["namespace"] == namespace]
            listed = call_api(self.endpoint, "reading the pods of %s" % namespace, self.client.get, resource,
                              namespace=namespace).to_dict().get("items") or []
            left.extend(pods_left(listed, selectors))
        return left

    def wait_pods_gone(self, stopped, timeout, step):
        if self.check_mode or not stopped:
            return
        schedule = Schedule(timeout)
        progress = Progress(timeout)
        while True:
            left = self.pods_left(stopped)
            if not left:
                return
            progress(lambda: "%d pods left: %s" % (len(left), ", ".join(p["metadata"]["name"] for p in left[:5])))
            if schedule.remaining() <= 0:
                raise PlatformError("%s: after %ss pods are still there: %s"
                                    % (step, timeout, ", ".join(pod_line(p) for p in left)))
            schedule.sleep()


def _fail_step(step, exc, stopping=False):
    """A wait's failure, said as the step's: ``not ready after Ns`` becomes ``not
    stopped after Ns`` for a stop."""
    msg = exc.msg
    if stopping and msg.startswith("not ready after"):
        msg = "not stopped after" + msg[len("not ready after"):]
    raise PlatformError("%s: %s" % (step, msg), **exc.details)


def hpa_differs(live, bounds):
    """Whether a live HPA (or None) lacks the saved bounds."""
    spec = (live or {}).get("spec") or {}
    return live is not None and (int(spec.get("minReplicas") or 1) != int(bounds["minReplicas"])
                                 or int(spec.get("maxReplicas") or 0) != int(bounds["maxReplicas"]))


def stop(cluster, step, targets, timeout):
    """Scale the deployed targets to 0; wait until no replica and no pod of theirs is left."""
    check_targets(targets)
    to_stop, not_deployed, refused = plan_stop(targets, cluster.live(targets))
    if refused:
        raise PlatformError("%s: %s would delete its PersistentVolumeClaims when scaled down "
                            "(persistentVolumeClaimRetentionPolicy.whenScaled: Delete); nothing of this step was "
                            "stopped. Set whenScaled to Retain first." % (step, ", ".join(ref(t) for t in refused)))
    changes = [(t, replicas_of(obj), 0) for t, obj in to_stop if replicas_of(obj) != 0]
    for target, _before, _after in changes:
        cluster.patch("apps/v1", target["kind"], target["namespace"], target["k8s_name"], {"replicas": 0},
                      "scaling %s to 0" % ref(target))
    try:
        cluster.wait([t for t, _obj in to_stop], timeout)
    except PlatformError as exc:
        _fail_step(step, exc, stopping=True)
    stopped = [(t, selector_of(obj)) for t, obj in to_stop]
    cluster.wait_pods_gone(stopped, timeout, step)
    return _result(changes, not_deployed, [], stopped=[dict(t, selector=s) for t, s in stopped])


def start(cluster, step, targets, decisions, timeout):
    """Restore the HPA bounds and the replicas the run decided; wait until every target
    is ready. A target not deployed when the run began is refused before anything."""
    check_targets(targets)
    hpas, scale, not_deployed = plan_start(targets, decisions, cluster.live(targets))
    if not_deployed:
        raise PlatformError("%s: not deployed: %s; the startup starts what playbooks/deploy.yml created, run that "
                            "first" % (step, ", ".join(ref(t) for t in not_deployed)))
    live_hpas = cluster.hpas(hpas)
    hpas = [(t, h) for t, h in hpas if hpa_differs(live_hpas.get("%s/%s" % (t["namespace"], h["name"])), h)]
    for target, hpa in hpas:
        cluster.patch("autoscaling/v2", "HorizontalPodAutoscaler", target["namespace"], hpa["name"],
                      {"minReplicas": int(hpa["minReplicas"]), "maxReplicas": int(hpa["maxReplicas"])},
                      "restoring the bounds of HorizontalPodAutoscaler %s/%s" % (target["namespace"], hpa["name"]))
    for target, _before, desired in scale:
        cluster.patch("apps/v1", target["kind"], target["namespace"], target["k8s_name"], {"replicas": desired},
                      "scaling %s to %d" % (ref(target), desired))
    try:
        cluster.wait(targets, timeout)
    except PlatformError as exc:
        _fail_step(step, exc)
    return _result(scale, [], hpas)


def _result(changes, not_deployed, hpas, stopped=None):
    result = dict(
        changed=bool(changes or hpas),
        scaled=["%s: %d -> %d" % (ref(t), before, after) for t, before, after in changes],
        not_deployed=[ref(t) for t in not_deployed],
        hpas=["HorizontalPodAutoscaler %s/%s: %s..%s" % (t["namespace"], h["name"], h["minReplicas"], h["maxReplicas"])
              for t, h in hpas],
        diff=dict(before=dict((ref(t), b) for t, b, _a in changes), after=dict((ref(t), a) for t, _b, a in changes)),
    )
    if stopped is not None:
        result["stopped"] = stopped
    return result
