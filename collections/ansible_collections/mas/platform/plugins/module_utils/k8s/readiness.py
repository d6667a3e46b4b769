# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one readiness rule of the collection: is this Kubernetes object ready?

Every wait, verify, runbook, health report, backup and recovery decides "rolled out" here
(the Jinja test ``mas.platform.ready`` wraps it for templates), as kubernetes.core keeps
one predicate per kind in ``module_utils/k8s/waiter.py``. ``readiness(obj)`` returns a
``Readiness``: its ``state`` and a ``reason`` an operator can act on.

- ``ready``: a Deployment whose controller has seen its latest spec and whose every
  replica runs that spec and is available, with no pod of an older revision left; a
  StatefulSet likewise (every member updated to the current revision and ready); a
  DaemonSet on every node it should run on; a Job that completed; a Pod that is Ready
  (or Succeeded); a claim that is Bound; a CRD that is Established; an APIService that
  is Available; a cert-manager Certificate or issuer that is Ready; a Namespace that is
  Active. Any other kind is ready when it exists.
- ``failed``: what will not heal by waiting (a Deployment past its progress deadline, a
  failed Job or Pod, a lost claim, a CRD whose names were refused).
- ``progressing``: anything else that exists; ``missing``: no object.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

READY = "ready"
PROGRESSING = "progressing"
FAILED = "failed"
MISSING = "missing"

# Kinds whose readiness is more than existence: the ones a wait watches.
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet")


class Readiness(object):
    """The state of one object and why."""

    __slots__ = ("state", "reason")

    def __init__(self, state, reason=""):
        self.state = state
        self.reason = reason

    @property
    def ready(self):
        return self.state == READY

    @property
    def done(self):
        """Nothing more will happen by waiting: ready or failed."""
        return self.state in (READY, FAILED)

    def as_dict(self):
        return {"state": self.state, "reason": self.reason}

    def __repr__(self):
        return "Readiness(%r, %r)" % (self.state, self.reason)


def _status(obj):
    return obj.get("status") or {}


def _condition(obj, kind):
    for condition in _status(obj).get("conditions") or []:
        if condition.get("type") == kind:
            return condition
    return None


def _condition_true(obj, kind):
    condition = _condition(obj, kind)
    return bool(condition) and condition.get("status") == "True"


def _explain(condition):
    if not condition:
        return ""
    return ": ".join(part for part in (condition.get("reason"), condition.get("message")) if part)


def _observed(obj):
    """Whether the controller has seen the object's latest spec."""
    generation = (obj.get("metadata") or {}).get("generation")
    observed = _status(obj).get("observedGeneration")
    return generation is None or (observed is not None and observed >= generation)


def _deployment(obj):
    status = _status(obj)
    want = (obj.get("spec") or {}).get("replicas", 1)
    progressing = _condition(obj, "Progressing")
    if progressing and progressing.get("reason") == "ProgressDeadlineExceeded":
        return Readiness(FAILED, "progress deadline exceeded: %s" % (progressing.get("message") or "no progress"))
    if not _observed(obj):
        return Readiness(PROGRESSING, "the controller has not yet seen generation %s"
                         % obj["metadata"].get("generation"))
    updated, total = status.get("updatedReplicas") or 0, status.get("replicas") or 0
    available = status.get("availableReplicas") or 0
    if updated == want and total == want and available == want and not status.get("unavailableReplicas"):
        return Readiness(READY, "%d/%d available" % (available, want))
    parts = ["%d/%d updated" % (updated, want), "%d/%d available" % (available, want)]
    if total > want:
        parts.append("%d old replicas still running" % (total - updated))
    return Readiness(PROGRESSING, ", ".join(parts))


def _statefulset(obj):
    status = _status(obj)
    spec = obj.get("spec") or {}
    want = spec.get("replicas", 1)
    if not _observed(obj):
        return Readiness(PROGRESSING, "the controller has not yet seen generation %s"
                         % obj["metadata"].get("generation"))
    ready, total = status.get("readyReplicas") or 0, status.get("replicas") or 0
    rolling = ((spec.get("updateStrategy") or {}).get("type") or "RollingUpdate") == "RollingUpdate"
    updated = status.get("updatedReplicas") or 0 if rolling else want
    current = status.get("currentRevision")
    revision_done = not rolling or not want or current == status.get("updateRevision")
    if ready == want and total == want and updated == want and revision_done:
        return Readiness(READY, "%d/%d members ready" % (ready, want))
    parts = ["%d/%d members ready" % (ready, want)]
    if rolling:
        parts.append("%d/%d updated" % (updated, want))
    return Readiness(PROGRESSING, ", ".join(parts))


def _daemonset(obj):
    status = _status(obj)
    if not _observed(obj):
        return Readiness(PROGRESSING, "the controller has not yet seen generation %s"
                         % obj["metadata"].get("generation"))
    want = status.get("desiredNumberScheduled")
    if want is None:
        return Readiness(PROGRESSING, "no status yet")
    updated = status.get("updatedNumberScheduled") or 0
    available = status.get("numberAvailable") or 0
    if updated == want and available == want and not status.get("numberUnavailable"):
        return Readiness(READY, "%d/%d nodes available" % (available, want))
    return Readiness(PROGRESSING, "%d/%d nodes updated, %d/%d available" % (updated, want, available, want))


def _job(obj):
    if _condition_true(obj, "Complete"):
        return Readiness(READY, "completed")
    if _condition_true(obj, "Failed"):
        return Readiness(FAILED, "failed: %s" % (_explain(_condition(obj, "Failed")) or "see the Job's pods"))
    status = _status(obj)
    return Readiness(PROGRESSING, "%d active, %d failed pods" % (status.get("active") or 0, status.get("failed") or 0))


def _pod(obj):
    phase = _status(obj).get("phase")
    if phase == "Succeeded":
        return Readiness(READY, "succeeded")
    if phase == "Failed":
        return Readiness(FAILED, "failed: %s" % (_status(obj).get("reason") or _status(obj).get("message") or "see its logs"))
    if _condition_true(obj, "Ready"):
        return Readiness(READY, "ready on %s" % ((obj.get("spec") or {}).get("nodeName") or "a node"))
    scheduled = _condition(obj, "PodScheduled")
    if scheduled and scheduled.get("status") == "False":
        return Readiness(PROGRESSING, "not scheduled: %s" % _explain(scheduled))
    waiting = [
        "%s %s" % (c.get("name"), _explain((c.get("state") or {}).get("waiting")))
        for c in _status(obj).get("containerStatuses") or [] if (c.get("state") or {}).get("waiting")]
    return Readiness(PROGRESSING, "; ".join(waiting) or "%s, not ready" % (phase or "Pending"))


def _claim(obj):
    phase = _status(obj).get("phase")
    if phase == "Bound":
        return Readiness(READY, "bound to %s" % ((obj.get("spec") or {}).get("volumeName") or "a volume"))
    if phase == "Lost":
        return Readiness(FAILED, "its volume is lost")
    return Readiness(PROGRESSING, phase or "Pending")


def _condition_kind(condition_type):
    def predicate(obj):
        if _condition_true(obj, condition_type):
            return Readiness(READY, condition_type.lower())
        return Readiness(PROGRESSING, _explain(_condition(obj, condition_type)) or "not %s yet" % condition_type.lower())
    return predicate


def _namespace(obj):
    phase = _status(obj).get("phase") or "Active"
    return Readiness(READY if phase == "Active" else PROGRESSING, phase)


PREDICATES = {
    "Deployment": _deployment,
    "StatefulSet": _statefulset,
    "DaemonSet": _daemonset,
    "Job": _job,
    "Pod": _pod,
    "PersistentVolumeClaim": _claim,
    "CustomResourceDefinition": _condition_kind("Established"),
    "APIService": _condition_kind("Available"),
    "Certificate": _condition_kind("Ready"),
    "Issuer": _condition_kind("Ready"),
    "ClusterIssuer": _condition_kind("Ready"),
    "Namespace": _namespace,
}


def readiness(obj):
    """The Readiness of a Kubernetes object (a dict as the API returns it), or of None."""
    if not obj:
        return Readiness(MISSING, "does not exist")
    predicate = PREDICATES.get(obj.get("kind"))
    if predicate is None:
        return Readiness(READY, "exists")
    if obj.get("kind") == "CustomResourceDefinition" and _condition(obj, "NamesAccepted") \
            and not _condition_true(obj, "NamesAccepted"):
        return Readiness(FAILED, _explain(_condition(obj, "NamesAccepted")))
    return predicate(obj)


def pod_summary(pod):
    """What a verify or a failure message needs of a pod."""
    meta, spec, status = pod.get("metadata") or {}, pod.get("spec") or {}, pod.get("status") or {}
    state = readiness(dict(pod, kind="Pod"))
    return {"name": meta.get("name"), "node": spec.get("nodeName"), "phase": status.get("phase"),
            "ready": state.ready, "reason": state.reason}


def is_ready(obj):
    return readiness(obj).ready


def watched(obj):
    """Whether a wait on this object means more than its existence."""
    return bool(obj) and obj.get("kind") in PREDICATES
