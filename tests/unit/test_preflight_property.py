"""No spec, however malformed, makes the preflight raise: it always returns its report.

Hypothesis generates whole specs of random nested data, and mutates the production and
seed specs at random places (a value replaced by random data, a key deleted, a list
emptied). The report must come back, JSON-serializable (the module returns it as is),
with every finding a {path, message} of strings.
"""

import copy
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight

from spec_loader import load_inventory_spec, load_seed_spec

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2 ** 70), max_value=2 ** 70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(["16Gi", "500m", "6+", "45%", "30s", "1e999999", "gp2", "core", "nvidia.com/gpu", ">=1.28", "", "10.0.0.0/8"])
)
KEYS = st.text(max_size=10) | st.integers(min_value=-3, max_value=3) | st.sampled_from(
    ["replicas", "resources", "requests", "limits", "cpu", "memory", "nodeSelector", "affinity", "namespace", "count"])
JUNK = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=4),
    max_leaves=25,
)
BASES = {"production": load_inventory_spec("production"), "local": load_inventory_spec("local"), "seed": load_seed_spec()}


def _assert_is_a_report(report):
    json.dumps(report)
    # The report's keys; more may be added (never renamed).
    assert {"errors", "warnings", "capacity", "quotas", "summary", "packing"} <= set(report)
    # The compiled platform comes with a spec that has no errors, and only then.
    assert ("platform" in report) == (not report["errors"])
    for finding in report["errors"] + report["warnings"]:
        assert set(finding) == {"path", "message"}
        assert isinstance(finding["path"], str) and isinstance(finding["message"], str) and finding["message"]


@settings(max_examples=150, deadline=None)
@given(JUNK)
def test_random_data_as_the_whole_spec(spec):
    report = run_preflight(spec)
    _assert_is_a_report(report)
    assert report["errors"], "random data cannot be a valid spec"


@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(BASES["seed"])), JUNK, max_size=6))
def test_random_data_in_each_section(spec):
    _assert_is_a_report(run_preflight(spec))


@st.composite
def mutated_spec(draw):
    """A base spec with 1 to 4 random places replaced by junk, deleted or emptied."""
    spec = copy.deepcopy(BASES[draw(st.sampled_from(sorted(BASES)))])
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        parent, key = None, None
        node = spec
        # Walk down a random path, stopping at a random depth.
        while isinstance(node, (dict, list)) and node and draw(st.integers(min_value=0, max_value=5)) > 0:
            keys = list(node) if isinstance(node, dict) else list(range(len(node)))
            parent, key = node, draw(st.sampled_from(keys))
            node = node[key]
        if parent is None:
            continue
        action = draw(st.sampled_from(["replace", "delete", "empty"]))
        if action == "delete":
            del parent[key]
        elif action == "empty":
            parent[key] = type(node)() if isinstance(node, (dict, list, str)) else None
        else:
            parent[key] = draw(JUNK)
    return spec


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(mutated_spec())
def test_mutated_specs(spec):
    _assert_is_a_report(run_preflight(spec))
