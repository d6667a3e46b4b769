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
- ``unreachable_agents``: the agents whose Service routes to no ready pod.
- ``workload_queries`` and ``read_pairs``: how read_workloads.yml reads the targets, one
  listing per kind and namespace in one mas.platform.k8s_read call, and picks each
  target's object out of the listings.

``pairs`` are what roles/runbooks/tasks/read_workloads.yml reads:
``[{target: {name, kind, namespace, k8s_name, ...}, result: {resources: [object] or []}}]``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.k8s.objects import replicas_of

FORMAT = 1
SAVED = "saved"


def is_saved(state):
    """Whether a state read is saved and not yet restored."""
    return isinstance(state, dict) and state.get("state") == SAVED


def saved_workloads(state):
    """The workloads of a state that is saved and not yet restored ({} otherwise)."""
    return (state.get("workloads") or {}) if is_saved(state) else {}


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
    workloads = {}
    for pair in pairs:
        resources = (pair.get("result") or {}).get("resources") or []
        if not resources:
            continue
        target = pair["target"]
        entry = {"kind": target["kind"], "namespace": target["namespace"], "name": target["k8s_name"],
                 "replicas": replicas_of(resources[0])}
        hpa = _hpa_of(hpas, target)
        if hpa:
            entry["hpa"] = hpa
        earlier = before.get(target["name"]) or {}
        if entry["replicas"] == 0 and int(earlier.get("replicas") or 0) > 0:
            entry = earlier
        workloads[target["name"]] = entry
    unchanged = is_saved(previous) and before == workloads
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
        current = replicas_of(obj)
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
        replicas = int(entry["replicas"]) if "replicas" in entry else replicas_of(obj)
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


def workload_queries(targets):
    """The mas.platform.k8s_read queries that read ``targets``: one listing per kind and
    namespace, in the order they first appear."""
    queries = []
    for target in targets:
        query = {"api_version": "apps/v1", "kind": target["kind"], "namespace": target["namespace"]}
        if query not in queries:
            queries.append(query)
    return queries


def read_pairs(targets, results):
    """``[{target, result: {resources: [its object] or []}, object: its object or None}]``
    from the results of ``workload_queries(targets)``."""
    listed = {}
    for result in results:
        query = result["query"]
        listed[(query["kind"], query["namespace"])] = result.get("resources") or []
    pairs = []
    for target in targets:
        found = [obj for obj in listed.get((target["kind"], target["namespace"]), [])
                 if (obj.get("metadata") or {}).get("name") == target["k8s_name"]]
        pairs.append({"target": target, "result": {"resources": found}, "object": found[0] if found else None})
    return pairs


SERVICE_NAME_LABEL = "kubernetes.io/service-name"


def unreachable_agents(agents, slices, decisions):
    """``namespace/name`` of each agent that should run (its decided replicas, else its
    plan's, above 0) and whose Service has no ready endpoint in ``slices`` (the
    EndpointSlices read, of any namespace)."""
    ready = set()
    for endpoint_slice in slices:
        meta = endpoint_slice.get("metadata") or {}
        service = (meta.get("labels") or {}).get(SERVICE_NAME_LABEL)
        if service and any((e.get("conditions") or {}).get("ready") for e in endpoint_slice.get("endpoints") or []):
            ready.add("%s/%s" % (meta.get("namespace"), service))
    out = []
    for agent in agents:
        wanted = int(((decisions or {}).get(agent["name"]) or {}).get("desired", agent.get("plan_replicas") or 0))
        key = "%s/%s" % (agent["namespace"], agent["k8s_name"])
        if wanted > 0 and key not in ready:
            out.append(key)
    return out
