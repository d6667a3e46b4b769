# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The saved system state of the shutdown and startup runbooks, and what they decide
from it.

The state (kept in the state ConfigMap and a local copy, roles/runbooks/tasks/
state_write.yml) is ``{format, state: saved|restored, cluster, saved_at, workloads}``,
``workloads`` keyed by the spec's workload name: ``{kind, namespace, name, replicas,
hpa: {name, minReplicas, maxReplicas}}``.

- ``saved_state``: what save_system_state writes. A workload already at 0 keeps the
  replicas of a saved state not yet restored (a shutdown run again after a partial one
  must not save zeros), and an unchanged state keeps its time (a second run writes
  nothing).
- ``startup_replicas``: the replicas each deployed workload is started with.
- ``claim_problems``: the StatefulSets' claims that are missing or not Bound.

``pairs`` are what roles/runbooks/tasks/read_workloads.yml reads:
``[{target: {name, kind, namespace, k8s_name, ...}, result: {resources: [object] or []}}]``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

FORMAT = 1
SAVED = "saved"


def _replicas(obj):
    replicas = (obj.get("spec") or {}).get("replicas")
    return 1 if replicas is None else int(replicas)


def saved_workloads(saved):
    """The workloads of a state that is saved and not yet restored ({} otherwise)."""
    if not isinstance(saved, dict) or saved.get("state") != SAVED:
        return {}
    return saved.get("workloads") or {}


def _hpa_of(hpas, target):
    for hpa in hpas or []:
        ref = (hpa.get("spec") or {}).get("scaleTargetRef") or {}
        if ((hpa.get("metadata") or {}).get("namespace") == target["namespace"]
                and ref.get("kind") == target["kind"] and ref.get("name") == target["k8s_name"]):
            spec = hpa.get("spec") or {}
            return {"name": hpa["metadata"]["name"], "minReplicas": int(spec.get("minReplicas") or 1),
                    "maxReplicas": int(spec["maxReplicas"])}
    return None


def saved_state(pairs, hpas, previous, cluster, now):
    """The state save_system_state writes: the replicas and HPA bounds of every deployed
    workload of ``pairs``. ``previous`` is the state read before ({} for none); ``now``
    the time to record (an ISO 8601 string) when the workloads differ from it."""
    before = saved_workloads(previous)
    is_saved = isinstance(previous, dict) and previous.get("state") == SAVED
    workloads = {}
    for pair in pairs:
        resources = (pair.get("result") or {}).get("resources") or []
        if not resources:
            continue
        target = pair["target"]
        entry = {"kind": target["kind"], "namespace": target["namespace"], "name": target["k8s_name"],
                 "replicas": _replicas(resources[0])}
        hpa = _hpa_of(hpas, target)
        if hpa:
            entry["hpa"] = hpa
        earlier = before.get(target["name"]) or {}
        if entry["replicas"] == 0 and int(earlier.get("replicas") or 0) > 0:
            entry = earlier
        workloads[target["name"]] = entry
    unchanged = is_saved and before == workloads
    return {"format": FORMAT, "state": SAVED, "cluster": cluster,
            "saved_at": previous["saved_at"] if unchanged else now, "workloads": workloads}


def startup_replicas(workloads, objects, saved):
    """{workload name: the workload with current, desired and hpa} for each deployed
    workload: the saved replicas (and HPA bounds) when a state is saved; without one,
    the replicas it runs with, or the plan's (``plan_replicas``) when it is stopped."""
    entries = saved_workloads(saved)
    decisions = {}
    for workload in workloads:
        obj = objects.get(workload["name"])
        if not obj:
            continue
        current = _replicas(obj)
        entry = entries.get(workload["name"])
        if entry:
            desired = int(entry["replicas"])
        else:
            desired = current if current > 0 else int(workload["plan_replicas"])
        decisions[workload["name"]] = dict(workload, current=current, desired=desired,
                                           hpa=entry.get("hpa") if entry else None)
    return decisions


def claim_problems(pairs, claims, namespaces, saved):
    """{expected: how many claims the StatefulSets of ``pairs`` should have, problems:
    [namespace/claim missing|<phase>]}: one claim per volume claim template and replica
    (the saved replicas where saved, else the object's), each Bound; and any claim of
    ``namespaces`` that is Lost."""
    entries = (saved or {}).get("workloads") or {}
    phases = {}
    for claim in claims or []:
        meta = claim.get("metadata") or {}
        if meta.get("namespace") in namespaces:
            phases["%s/%s" % (meta["namespace"], meta["name"])] = (claim.get("status") or {}).get("phase") or "Pending"
    expected = []
    for pair in pairs:
        resources = (pair.get("result") or {}).get("resources") or []
        if not resources:
            continue
        obj, target = resources[0], pair["target"]
        entry = entries.get(target["name"]) or {}
        replicas = int(entry["replicas"]) if "replicas" in entry else _replicas(obj)
        for template in (obj.get("spec") or {}).get("volumeClaimTemplates") or []:
            for ordinal in range(replicas):
                expected.append("%s/%s-%s-%d" % (target["namespace"], template["metadata"]["name"],
                                                 obj["metadata"]["name"], ordinal))
    problems = []
    for name in expected:
        if name not in phases:
            problems.append(name + " missing")
        elif phases[name] != "Bound":
            problems.append("%s %s" % (name, phases[name]))
    problems.extend("%s Lost" % name for name, phase in phases.items() if phase == "Lost" and name not in expected)
    return {"expected": len(expected), "problems": problems}
