# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pods placed one by one as kube-scheduler places them, offline.

Sums per node group say whether the worst case adds up; they do not say whether the
scheduler can put each pod somewhere: a group whose memory adds up still leaves pods
Pending when each node has room for one of them, when members of a service may not
share a node, or when earlier pods were spread so that no node has the room any more.
So the preflight runs the scheduler's own algorithm (kube-scheduler 1.36, the default
profile, pkg/scheduler/framework/plugins) on the nodes the node groups will have:

- Filter (a node is feasible when every plugin passes it): NodeAffinity (nodeSelector
  and required node affinity), TaintToleration (NoSchedule and NoExecute taints),
  NodeResourcesFit (requests of cpu, memory and nvidia.com/gpu, and the node's pod
  count), InterPodAffinity (required pod affinity and anti-affinity, both ways).
- Score, with the default weights: TaintToleration 3 (PreferNoSchedule taints),
  NodeAffinity 2 (preferred terms), NodeResourcesFit 1 (LeastAllocated over cpu and
  memory), PodTopologySpread 2 (the constraints the roles give the pods, or the
  system's defaults), InterPodAffinity 2 (preferred terms, and the hard weight of
  existing pods' required affinity), NodeResourcesBalancedAllocation 1; each with the
  scheduler's own integer arithmetic and normalization (preflight/scores.py).
  ImageLocality scores every node alike before images are pulled.
- The highest total wins. The scheduler breaks ties at random; here ``choose`` does,
  by default the first tied node in node order.

What the simulation leaves out: volumes (the storage checks cover them), host ports,
preemption (the platform's pods share one priority), and the sampling of nodes the
scheduler does in clusters of more than 100 nodes (it scores only some of the feasible
nodes there, so it may pick other nodes, never fewer feasible ones).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.preflight.scores import (
    HOSTNAME,
    Scores,
    SYSTEM_DEFAULT_SPREAD,
    ZONE,
)
from ansible_collections.mas.platform.plugins.module_utils.preflight.selectors import (
    node_affinity_matches,
    selector_matches,
    tolerates,
)


class Node:
    """One node: its labels, taints, allocatable and what the placed pods request."""

    __slots__ = ("index", "name", "group", "zone", "labels", "taints", "taint_key", "cpu", "memory", "gpu", "max_pods",
                 "used_cpu", "used_memory", "used_gpu", "pods", "classes", "state")

    def __init__(self, index, name, group, labels, taints, cpu, memory, gpu, max_pods):
        self.index = index
        self.name = name
        self.group = group
        self.labels = labels
        self.zone = labels.get(ZONE)
        self.taints = taints
        self.taint_key = tuple(sorted((t.get("key"), t.get("value"), t.get("effect")) for t in taints))
        # Allocatable, in millicores and bytes (integers, as the scheduler counts).
        self.cpu, self.memory, self.gpu, self.max_pods = cpu, memory, gpu, max_pods
        self.used_cpu = self.used_memory = self.used_gpu = self.pods = 0
        # PodClass -> how many of its pods run here.
        self.classes = {}
        self.state = None


class Term:
    """A pod (anti-)affinity term of the pods of ``owner``."""

    __slots__ = ("key", "selector", "namespaces", "namespace_selector", "match_keys", "mismatch_keys", "weight")

    def __init__(self, term, weight=0):
        self.key = term.get("topologyKey")
        self.selector = term.get("labelSelector")
        self.namespaces = frozenset(n for n in term.get("namespaces") or [] if n)
        self.namespace_selector = term.get("namespaceSelector")
        self.match_keys = [k for k in term.get("matchLabelKeys") or [] if k]
        self.mismatch_keys = [k for k in term.get("mismatchLabelKeys") or [] if k]
        self.weight = weight

    def matches(self, owner, other, namespace_labels):
        """Whether the pods of class ``other`` are among those this term of ``owner`` selects."""
        if self.namespaces or self.namespace_selector is not None:
            if other.namespace not in self.namespaces and not (
                    self.namespace_selector is not None
                    and selector_matches(self.namespace_selector, namespace_labels(other.namespace))):
                return False
        elif other.namespace != owner.namespace:
            return False
        if self.selector is None or not selector_matches(self.selector, other.labels):
            return False
        for key in self.match_keys:
            if key in owner.labels and other.labels.get(key) != owner.labels[key]:
                return False
        for key in self.mismatch_keys:
            if key in owner.labels and other.labels.get(key) == owner.labels[key]:
                return False
        return True


class PodClass:
    """The pods of one workload (and revision): alike for the scheduler.

    ``affinity`` and ``tolerations`` are in the pod spec's form (cleaned spec);
    ``spread`` lists (topologyKey, maxSkew, matchLabels, matchLabelKeys) of
    ScheduleAnyway constraints, or None for the system's defaults.
    """

    def __init__(self, name, namespace, labels, cpu, memory, gpu, node_selector=None, affinity=None,
                 tolerations=(), spread=None, node_name=None):
        self.name = name
        self.namespace = namespace
        self.labels = labels
        self.cpu, self.memory, self.gpu = cpu, memory, gpu
        self.node_selector = node_selector or {}
        affinity = affinity or {}
        node_affinity = affinity.get("nodeAffinity") or {}
        required = (node_affinity.get("requiredDuringSchedulingIgnoredDuringExecution") or {}).get("nodeSelectorTerms")
        self.node_terms = [t for t in required if t] if required else None
        self.preferred_nodes = [(p["weight"], p["preference"]) for p in node_affinity.get(
            "preferredDuringSchedulingIgnoredDuringExecution") or [] if p and "weight" in p and "preference" in p]
        self.required_affinity, self.preferred_affinity = self._terms(affinity.get("podAffinity"))
        self.required_anti, self.preferred_anti = self._terms(affinity.get("podAntiAffinity"))
        self.tolerations = [t for t in tolerations or [] if t]
        self.spread = spread
        # A DaemonSet pod is bound to its node (node affinity on metadata.name).
        self.node_name = node_name
        self.index = None
        self.constraints = None

    @staticmethod
    def _terms(section):
        section = section or {}
        required = [Term(t) for t in section.get("requiredDuringSchedulingIgnoredDuringExecution") or [] if t and t.get("topologyKey")]
        preferred = [Term(p["podAffinityTerm"], p["weight"]) for p in section.get(
            "preferredDuringSchedulingIgnoredDuringExecution") or [] if p and "weight" in p and (p.get("podAffinityTerm") or {}).get("topologyKey")]
        return required, preferred

    @property
    def has_affinity(self):
        return bool(self.required_affinity or self.preferred_affinity or self.required_anti or self.preferred_anti)

    def fits_node_affinity(self, node):
        if self.node_name is not None and node.name != self.node_name:
            return False
        if any(node.labels.get(key) != value for key, value in self.node_selector.items()):
            return False
        return self.node_terms is None or node_affinity_matches(self.node_terms, node.labels)


def _names_node_labels(pod_class):
    """Whether the class's nodeSelector or required node affinity names a label that
    differs between the nodes of one group (the hostname, the zone)."""
    keys = set(pod_class.node_selector)
    for term in pod_class.node_terms or ():
        keys.update(e.get("key") for e in term.get("matchExpressions") or [] if e)
    return bool(keys & set((HOSTNAME, ZONE)))


class Cluster(Scores):
    """The nodes, the pods placed so far, and the scheduler's decision for the next pod.

    ``namespace_labels(name)`` gives a namespace's labels (for namespaceSelectors).
    ``choose(pod_class, tied_nodes)`` picks among equally scored nodes (in node order);
    ``ties`` counts the choices among nodes in different states, where the scheduler's
    random pick can make a difference.
    """

    def __init__(self, nodes, namespace_labels=None, choose=None):
        self.nodes = nodes
        self.namespace_labels = namespace_labels or (lambda name: {"kubernetes.io/metadata.name": name})
        self.choose = choose or (lambda pod_class, tied: tied[0])
        self.classes = []
        # topology key -> label value -> {PodClass: pods}: the domains of every key a
        # term or a spread constraint uses.
        self.domains = {}
        self._matches = {}
        # (label, value) -> classes whose pods carry it: selectors look there first.
        self._label_index = {}
        self._members_cache = {}
        # The classes with required anti-affinity, and with any pod affinity at all.
        self._anti_classes = []
        self._affinity_classes = []
        self.ties = 0

    # -- classes ---------------------------------------------------------------------

    def add_class(self, pod_class, pool=None):
        """Register a class before any of its pods is placed. ``pool`` narrows the nodes
        its node affinity and tolerations are checked on (the nodes of the node groups
        that can run it, known beforehand); by default every node."""
        pod_class.index = len(self.classes)
        self.classes.append(pod_class)
        for item in pod_class.labels.items():
            self._label_index.setdefault(item, []).append(pod_class)
        if pod_class.required_anti:
            self._anti_classes.append(pod_class)
        if pod_class.has_affinity:
            self._affinity_classes.append(pod_class)
        # Nodes of one group differ only in hostname and zone: judge a group by its first
        # node, unless the pod's node rules name those labels.
        per_node = pod_class.node_name is not None or _names_node_labels(pod_class)
        verdicts = {}
        candidates = []
        for node in (self.nodes if pool is None else pool):
            key = node.index if per_node else node.group
            if key not in verdicts:
                verdicts[key] = pod_class.fits_node_affinity(node) and not any(
                    t.get("effect") in ("NoSchedule", "NoExecute") and not tolerates(pod_class.tolerations, t) for t in node.taints)
            if verdicts[key]:
                candidates.append(node)
        pod_class.candidates = candidates
        keys = [t.key for t in pod_class.required_affinity + pod_class.required_anti
                + pod_class.preferred_affinity + pod_class.preferred_anti]
        keys.extend(c[0] for c in self._spread(pod_class))
        for key in keys:
            if key not in self.domains:
                self.domains[key] = {}
                for node in self.nodes:
                    if key in node.labels:
                        self.domains[key].setdefault(node.labels[key], {})
                for other in self.classes[:-1]:
                    for node in self.nodes:
                        count = node.classes.get(other)
                        if count and key in node.labels:
                            bucket = self.domains[key][node.labels[key]]
                            bucket[other] = bucket.get(other, 0) + count
        return pod_class

    def _members(self, cache_key, predicate, hint):
        """The registered classes for which ``predicate`` holds. ``hint`` (matchLabels)
        narrows the search to the classes carrying its first label."""
        entry = self._members_cache.get(cache_key)
        if entry is not None and entry[0] == len(self.classes):
            return entry[1]
        pool = self.classes
        for item in (hint or {}).items():
            pool = self._label_index.get(item, ())
            break
        members = frozenset(c for c in pool if predicate(c))
        self._members_cache[cache_key] = (len(self.classes), members)
        return members

    def _term_members(self, term, owner):
        """The classes a term of ``owner`` selects."""
        hint = dict((term.selector or {}).get("matchLabels") or {})
        for key in term.match_keys:
            if key in owner.labels:
                hint[key] = owner.labels[key]
        return self._members((id(term), owner.index), lambda other: self._match(term, owner, other), hint)

    def _count(self, key, value, members):
        """Pods of ``members`` in the domain ``value`` of topology ``key``."""
        bucket = (self.domains.get(key) or {}).get(value)
        if not bucket or not members:
            return 0
        if len(members) < len(bucket):
            return sum(bucket.get(c, 0) for c in members)
        return sum(n for c, n in bucket.items() if c in members)

    def _match(self, term, owner, other):
        key = (id(term), owner.index, other.index)
        if key not in self._matches:
            self._matches[key] = term.matches(owner, other, self.namespace_labels)
        return self._matches[key]

    @staticmethod
    def _spread(pod_class):
        """(key, maxSkew, labels the counted pods carry) of the class's scoring constraints;
        the system's defaults count the pods of the class itself (its owner's selector)."""
        if pod_class.constraints is not None:
            return pod_class.constraints
        if pod_class.spread is None:
            pod_class.constraints = [(key, skew, None) for key, skew in SYSTEM_DEFAULT_SPREAD]
            return pod_class.constraints
        constraints = []
        for key, skew, match_labels, match_keys in pod_class.spread:
            wanted = dict(match_labels)
            for label in match_keys:
                if label in pod_class.labels:
                    wanted[label] = pod_class.labels[label]
            constraints.append((key, skew, wanted))
        pod_class.constraints = constraints
        return constraints

    def _spread_members(self, pod_class, index, wanted):
        if wanted is None:
            return frozenset([pod_class])
        return self._members(("spread", pod_class.index, index), lambda other: other.namespace == pod_class.namespace and all(
            other.labels.get(k) == v for k, v in wanted.items()), wanted)

    # -- placing ---------------------------------------------------------------------

    def place(self, pod_class):
        """Schedule one pod of ``pod_class``. Returns its node, or None and the scheduler's
        reasons ({reason: number of nodes}) when it would stay Pending.

        Nodes in the same state for this pod (same shape and taints, zone, requests and
        pods, and the labels its rules look at) pass the same filters with the same
        scores: each such set is filtered and scored once, through its first node.
        """
        reasons = {}
        existing_anti = self._existing_anti(pod_class)
        label_keys = self._label_keys(pod_class, existing_anti)
        relevant = self._relevant(pod_class, existing_anti)
        sets, order = {}, []
        for node in pod_class.candidates:
            key = self._state(node, label_keys, relevant)
            members = sets.get(key)
            if members is None:
                sets[key] = [node]
                order.append(key)
            else:
                members.append(node)
        feasible = []
        for key in order:
            members = sets[key]
            reason = self._filter(pod_class, members[0], existing_anti)
            if reason is None:
                feasible.append(members)
            else:
                for item in reason:
                    reasons[item] = reasons.get(item, 0) + len(members)
        if not feasible:
            return None, reasons
        node = feasible[0][0] if len(feasible) == 1 and len(feasible[0]) == 1 else self._select(pod_class, feasible)
        self._bind(pod_class, node)
        return node, None

    @staticmethod
    def _label_keys(pod_class, existing_anti):
        """The node labels beyond host and zone that this pod's placement depends on."""
        if pod_class.preferred_nodes:
            return None  # preferred node affinity may name any label, the hostname too
        keys = set(t.key for t in pod_class.required_affinity + pod_class.required_anti
                   + pod_class.preferred_affinity + pod_class.preferred_anti)
        keys.update(key for key, _other in existing_anti)
        keys.difference_update((HOSTNAME, ZONE))
        return tuple(sorted(keys))

    def _relevant(self, pod_class, existing_anti):
        """The classes whose pods on a node change this pod's filters or scores there: those
        its spread counts, its terms select, and those whose terms select it."""
        entry = self._members_cache.get(("relevant", pod_class.index))
        if entry is not None and entry[0] == len(self.classes):
            return entry[1]
        found = set()
        for index, (_key, _skew, wanted) in enumerate(self._spread(pod_class)):
            found.update(self._spread_members(pod_class, index, wanted))
        for term in pod_class.required_affinity + pod_class.required_anti + pod_class.preferred_affinity + pod_class.preferred_anti:
            found.update(self._term_members(term, pod_class))
        found.update(other for _key, other in existing_anti)
        for other in self._affinity_classes:
            if any(self._match(t, other, pod_class) for t in other.required_affinity + other.preferred_affinity + other.preferred_anti):
                found.add(other)
        relevant = tuple(sorted(found, key=lambda c: c.index))
        self._members_cache[("relevant", pod_class.index)] = (len(self.classes), relevant)
        return relevant

    @staticmethod
    def _state(node, label_keys, relevant):
        if label_keys is None:
            return node.name
        state = node.state
        if state is None:
            state = node.state = (node.cpu, node.memory, node.gpu, node.max_pods, node.taint_key, node.zone, node.used_cpu,
                                  node.used_memory, node.used_gpu, node.pods)
        get = node.classes.get
        if len(relevant) == 1 and not label_keys:
            return state, get(relevant[0], 0)
        return state, tuple([get(c, 0) for c in relevant]), tuple([node.labels.get(k) for k in label_keys])

    def place_on(self, pod_class, node):
        """Schedule one pod bound to ``node`` (a DaemonSet's); the reasons when it does not fit."""
        reason = self._filter(pod_class, node, self._existing_anti(pod_class))
        if reason is not None:
            return None, dict((item, 1) for item in reason)
        self._bind(pod_class, node)
        return node, None

    def _bind(self, pod_class, node):
        node.state = None
        node.used_cpu += pod_class.cpu
        node.used_memory += pod_class.memory
        node.used_gpu += pod_class.gpu
        node.pods += 1
        node.classes[pod_class] = node.classes.get(pod_class, 0) + 1
        for key, values in self.domains.items():
            value = node.labels.get(key)
            if value is not None:
                bucket = values.setdefault(value, {})
                bucket[pod_class] = bucket.get(pod_class, 0) + 1

    def _existing_anti(self, pod_class):
        """(key, class) of placed pods whose required anti-affinity terms select this class."""
        entry = self._members_cache.get(("existing-anti", pod_class.index))
        if entry is not None and entry[0] == len(self.classes):
            return entry[1]
        found = []
        for other in self._anti_classes:
            for term in other.required_anti:
                if self._match(term, other, pod_class):
                    found.append((term.key, other))
        self._members_cache[("existing-anti", pod_class.index)] = (len(self.classes), found)
        return found

    def _affinity_ok(self, pod_class, node):
        """InterPodAffinity's required affinity: in each term's domain of the node, a pod
        that matches all the terms; or, when no such pod runs anywhere, a pod that
        matches its own terms may go anywhere (the first of its kind)."""
        terms = pod_class.required_affinity

        matching = self._members(("all-affinity", pod_class.index),
                                 lambda other: all(self._match(t, pod_class, other) for t in terms), None)
        exists = True
        for term in terms:
            value = node.labels.get(term.key)
            if value is None:
                return False
            if not self._count(term.key, value, matching):
                exists = False
        if exists:
            return True
        anywhere = any(self._count(t.key, value, matching) for t in terms for value in self.domains.get(t.key, {}))
        return not anywhere and pod_class in matching

    def _filter(self, pod_class, node, existing_anti):
        """None when the node passes every filter, else the reasons it fails (the first
        failing plugin's, as the scheduler reports them)."""
        missing = []
        if pod_class.cpu > 0 and node.used_cpu + pod_class.cpu > node.cpu:
            missing.append("Insufficient cpu")
        if pod_class.memory > 0 and node.used_memory + pod_class.memory > node.memory:
            missing.append("Insufficient memory")
        if pod_class.gpu > 0 and node.used_gpu + pod_class.gpu > node.gpu:
            missing.append("Insufficient nvidia.com/gpu")
        if node.pods + 1 > node.max_pods:
            missing.append("Too many pods")
        if missing:
            return missing
        if pod_class.required_affinity and not self._affinity_ok(pod_class, node):
            return ["didn't match pod affinity rules"]
        for term in pod_class.required_anti:
            value = node.labels.get(term.key)
            if value is not None and self._count(term.key, value, self._term_members(term, pod_class)):
                return ["didn't match pod anti-affinity rules"]
        for key, other in existing_anti:
            value = node.labels.get(key)
            if value is not None and (self.domains.get(key, {}).get(value) or {}).get(other):
                return ["didn't satisfy existing pods anti-affinity rules"]
        return None
