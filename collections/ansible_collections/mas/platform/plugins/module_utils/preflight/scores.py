# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""kube-scheduler's scores, as preflight/scheduler.py's Cluster computes them.

Each score plugin of the default profile (pkg/scheduler/framework/plugins, 1.36) with
its own integer arithmetic and normalization: TaintToleration (PreferNoSchedule taints,
reversed), NodeAffinity (preferred terms), NodeResourcesFit (LeastAllocated over cpu
and memory), PodTopologySpread (the pod's ScheduleAnyway constraints or the system's
defaults), InterPodAffinity (preferred terms, and the hard weight of existing pods'
required affinity) and NodeResourcesBalancedAllocation (with the pod against without
it). The node with the highest weighted sum wins. Checked against kube-scheduler's own
test cases (tests/unit/test_preflight_packing.py) and against the real scheduler
(tests/integration/preflight/test_scheduler_agreement.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible_collections.mas.platform.plugins.module_utils.preflight.selectors import node_affinity_matches, tolerates

MAX_NODE_SCORE = 100
HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"
# The system's default spreading (PodTopologySpread's SystemDefaulting): for pods that
# state no constraints, ScheduleAnyway over hosts (skew 3) and zones (skew 5).
SYSTEM_DEFAULT_SPREAD = ((HOSTNAME, 3), (ZONE, 5))
# Plugin weights of the default profile (apis/config/v1/default_plugins.go).
WEIGHT_TAINTS, WEIGHT_NODE_AFFINITY, WEIGHT_FIT, WEIGHT_SPREAD, WEIGHT_POD_AFFINITY, WEIGHT_BALANCED = 3, 2, 1, 2, 2, 1
# InterPodAffinityArgs.HardPodAffinityWeight's default.
HARD_POD_AFFINITY_WEIGHT = 1


def _go_div(numerator, denominator):
    """Go's integer division, which truncates toward zero (Python's // floors)."""
    quotient = abs(numerator) // abs(denominator)
    return quotient if (numerator >= 0) == (denominator > 0) else -quotient


class Scores:
    """The scoring half of preflight/scheduler.py's Cluster (which provides ``domains``,
    ``classes``, ``ties``, ``choose``, and the member lookups)."""

    # -- scoring ---------------------------------------------------------------------

    def _select(self, pod_class, feasible_sets):
        """The node with the highest weighted score; ``choose`` among the tied ones."""
        feasible = [members[0] for members in feasible_sets]
        sizes = [len(members) for members in feasible_sets]
        totals = [0] * len(feasible)
        for weight, scores in ((WEIGHT_TAINTS, self._score_taints(pod_class, feasible)),
                               (WEIGHT_NODE_AFFINITY, self._score_node_affinity(pod_class, feasible)),
                               (WEIGHT_FIT, [self._least_allocated(pod_class, n) for n in feasible]),
                               (WEIGHT_SPREAD, self._score_spread(pod_class, feasible, sizes)),
                               (WEIGHT_POD_AFFINITY, self._score_pod_affinity(pod_class, feasible)),
                               (WEIGHT_BALANCED, self._score_balanced(pod_class, feasible))):
            if scores is not None:
                for i, score in enumerate(scores):
                    totals[i] += weight * score
        best = max(totals)
        tied_sets = [members for members, total in zip(feasible_sets, totals) if total == best]
        if len(tied_sets) == 1 and len(tied_sets[0]) == 1:
            return tied_sets[0][0]
        if len(tied_sets) > 1:
            # Nodes in different states: which one the scheduler takes is chance.
            self.ties += 1
        tied = sorted((n for members in tied_sets for n in members), key=lambda n: n.index)
        return self.choose(pod_class, tied)

    @staticmethod
    def _normalize(scores, reverse):
        """helper.DefaultNormalizeScore."""
        highest = max(scores)
        if highest == 0:
            return [MAX_NODE_SCORE] * len(scores) if reverse else scores
        scores = [MAX_NODE_SCORE * s // highest for s in scores]
        return [MAX_NODE_SCORE - s for s in scores] if reverse else scores

    def _score_taints(self, pod_class, feasible):
        tolerations = [t for t in pod_class.tolerations if not t.get("effect") or t.get("effect") == "PreferNoSchedule"]
        counts = [sum(1 for t in n.taints if t.get("effect") == "PreferNoSchedule" and not tolerates(tolerations, t)) for n in feasible]
        return self._normalize(counts, True)

    def _score_node_affinity(self, pod_class, feasible):
        if not pod_class.preferred_nodes:
            return None
        scores = [sum(weight for weight, term in pod_class.preferred_nodes
                      if node_affinity_matches([term], n.labels)) for n in feasible]
        return self._normalize(scores, False)

    @staticmethod
    def _least_allocated(pod_class, node):
        total = weights = 0
        for requested, allocatable in ((node.used_cpu + pod_class.cpu, node.cpu), (node.used_memory + pod_class.memory, node.memory)):
            if allocatable == 0:
                continue
            total += 0 if requested > allocatable else (allocatable - requested) * MAX_NODE_SCORE // allocatable
            weights += 1
        return total // weights if weights else 0

    @staticmethod
    def _balance(cpu, memory, node):
        fractions = [min(float(used) / float(allocatable), 1.0) for used, allocatable in ((cpu, node.cpu), (memory, node.memory))
                     if allocatable != 0]
        deviation = abs((fractions[0] - fractions[1]) / 2) if len(fractions) == 2 else 0.0
        return int((1 - deviation) * float(MAX_NODE_SCORE))

    def _score_balanced(self, pod_class, feasible):
        if pod_class.cpu == 0 and pod_class.memory == 0:
            return None  # best-effort pods skip it
        scores = []
        for node in feasible:
            with_pod = self._balance(node.used_cpu + pod_class.cpu, node.used_memory + pod_class.memory, node)
            without = self._balance(node.used_cpu, node.used_memory, node)
            scores.append(MAX_NODE_SCORE // 2 + _go_div(MAX_NODE_SCORE // 2 + with_pod - without, 2))
        return scores

    def _score_spread(self, pod_class, feasible, sizes):
        constraints = self._spread(pod_class)
        explicit = pod_class.spread is not None
        keys = [c[0] for c in constraints]
        ignored = set(n.index for n in feasible if explicit and any(k not in n.labels for k in keys))
        counted = [n for n in feasible if n.index not in ignored]
        prepared = []
        for index, (key, skew, wanted) in enumerate(constraints):
            members = self._spread_members(pod_class, index, wanted)
            if key == HOSTNAME:
                size, counts = sum(size for n, size in zip(feasible, sizes) if n.index not in ignored), None
            else:
                # Pods are counted in the domains the feasible nodes are in (all nodes
                # there: the pods a constraint selects run where its pods may run).
                present = set(n.labels[key] for n in counted if key in n.labels)
                size, counts = len(present), dict((v, self._count(key, v, members)) for v in present)
            prepared.append((key, skew, members, math.log(size + 2), counts))
        raw = []
        for node in feasible:
            if node.index in ignored:
                raw.append(None)
                continue
            score = 0.0
            for key, skew, members, weight, counts in prepared:
                value = node.labels.get(key)
                if value is None:
                    continue
                if counts is None:
                    count = sum(n for other, n in node.classes.items() if other in members)
                else:
                    count = counts.get(value, 0)
                score += count * weight + (skew - 1)
            # Go's math.Round: halves away from zero (Python's round() goes to even).
            raw.append(int(math.floor(score + 0.5)))
        scored = [s for s in raw if s is not None]
        if not scored:
            return [0] * len(feasible)
        low, high = min(scored), max(scored)
        return [0 if s is None else MAX_NODE_SCORE if high == 0 else MAX_NODE_SCORE * (high + low - s) // high for s in raw]

    def _selecting_terms(self, pod_class):
        """(class, term, weight) of the other pods' scoring terms that select this pod: their
        required affinity (the hard weight) and their preferred terms."""
        entry = self._members_cache.get(("selecting", pod_class.index))
        if entry is not None and entry[0] == len(self.classes):
            return entry[1]
        found = []
        for other in self._affinity_classes:
            theirs = [(t, HARD_POD_AFFINITY_WEIGHT) for t in other.required_affinity]
            theirs += [(t, t.weight) for t in other.preferred_affinity] + [(t, -t.weight) for t in other.preferred_anti]
            found.extend((other, term, amount) for term, amount in theirs if self._match(term, other, pod_class))
        self._members_cache[("selecting", pod_class.index)] = (len(self.classes), found)
        return found

    def _score_pod_affinity(self, pod_class, feasible):
        """InterPodAffinity's score: the weights of preferred terms (and of existing pods'
        required affinity) summed per topology domain, scaled to 0..100."""
        topology = {}

        def add(key, value, amount):
            if amount:
                per_key = topology.setdefault(key, {})
                per_key[value] = per_key.get(value, 0) + amount

        own = [(t, 1) for t in pod_class.preferred_affinity] + [(t, -1) for t in pod_class.preferred_anti]
        for term, sign in own:
            members = self._term_members(term, pod_class)
            for value in self.domains.get(term.key, {}):
                add(term.key, value, sign * term.weight * self._count(term.key, value, members))
        for other, term, amount in self._selecting_terms(pod_class):
            for value, bucket in self.domains.get(term.key, {}).items():
                add(term.key, value, amount * bucket.get(other, 0))
        if not topology:
            return None
        scores = [sum(per_key.get(n.labels.get(key), 0) for key, per_key in topology.items() if key in n.labels) for n in feasible]
        low, high = min(scores), max(scores)
        if high == low:
            return [0] * len(scores)
        return [int(float(MAX_NODE_SCORE) * (float(s - low) / float(high - low))) for s in scores]
