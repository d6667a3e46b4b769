"""Hypothesis strategies that generate platform specs from the spec's own schema.

Each schema node (spec/schema.py and the nodes built on it) gives values of its own
shape most of the time, and otherwise what a user or a template gets wrong: another
type, unicode (non-ASCII digits, a trailing newline), empty and long strings, huge
and negative numbers, NaN, deep nesting, unknown keys. Used by the unit fuzz test
(tests/unit/test_preflight_no_traceback.py, a few seconds) and by the benchmark
(tools/bench/preflight_bench.py --fuzz, bounded in time).
"""

from hypothesis import strategies as st

from ansible_collections.mas.platform.plugins.module_utils.preflight.capacity import INSTANCE_TYPES
from ansible_collections.mas.platform.plugins.module_utils.spec import schema
from ansible_collections.mas.platform.plugins.module_utils.spec.aws import AWS_REGIONS, Region
from ansible_collections.mas.platform.plugins.module_utils.spec.cron import Cron
from ansible_collections.mas.platform.plugins.module_utils.spec.kubernetes import LabelKey, PortName
from ansible_collections.mas.platform.plugins.module_utils.spec.scaling import Trigger
from ansible_collections.mas.platform.plugins.module_utils.spec.services import CORE_SERVICE_SCHEMAS
from ansible_collections.mas.platform.plugins.module_utils.spec.validate import OPTIONAL_SECTIONS, SECTIONS

TRICKY_TEXT = ["", " ", "\n", "core\n", "²", "²+", "١٢", "６", "x" * 300, "1." + "9" * 5000, "9" * 5000 + "_x",
               "ＧＩ", "16Gi ", "32e0Gi", "1e-999999", "1e999999", "61 * * * *", "eu-west-9", "10.0.0.1/16", "*/0 * * * *",
               "queue_depth > 80%", "cpu_usage > 75", "NaN", "-0", "0x10", "1_000", "\u202e", "\x00", "null", "~"]
JUNK_SCALARS = (
    st.none() | st.booleans()
    | st.integers(min_value=-(2 ** 70), max_value=2 ** 70)
    # Thousands of digits (hypothesis cannot print more than Python's 4300; the unit tests try 5000).
    | st.sampled_from([10 ** 4000, -(10 ** 4000), 2 ** 63, 2 ** 31])
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
    | st.sampled_from(TRICKY_TEXT)
)


def _deep(depth):
    value = "leaf"
    for index in range(depth):
        value = [value] if index % 2 else {"k": value}
    return value


JUNK = st.one_of(
    JUNK_SCALARS,
    st.recursive(JUNK_SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                 max_leaves=8),
    st.sampled_from([_deep(60), _deep(400)]),
)
QUANTITIES = ["0", "1", "500m", "2", "16Gi", "1Gi", "100Mi", "1.5", "1e3", "250m", "8Gi", "64Gi", 3, 0.5]

_cache = {}


def _own(node):
    """Values of the node's own shape (or close to it)."""
    if node.__class__.__name__ == "_CoreServicePhase":
        return st.dictionaries(st.sampled_from(sorted(CORE_SERVICE_SCHEMAS)),
                               st.deferred(lambda: st.one_of(*[from_schema(s) for s in CORE_SERVICE_SCHEMAS.values()])), max_size=3)
    if isinstance(node, schema.Record):
        required = dict((k, from_schema(node.fields[k])) for k in node.required if k in node.fields)
        optional = dict((k, from_schema(v)) for k, v in node.fields.items() if k not in node.required)
        strategy = st.fixed_dictionaries(required, optional=optional)
        return strategy | st.tuples(strategy, st.text(min_size=1, max_size=8), JUNK_SCALARS).map(
            lambda t: dict(t[0], **{t[1]: t[2]}))  # an unknown key
    if isinstance(node, schema.MapOf):
        # Keys are what YAML can make keys of: scalars.
        keys = st.one_of(_own(node.key), _own(node.key), JUNK_SCALARS)
        return st.dictionaries(keys, from_schema(node.value), max_size=3)
    if isinstance(node, schema.ListOf):
        return st.lists(from_schema(node.item), max_size=3)
    if isinstance(node, schema.Str):
        if node.choices:
            return st.sampled_from(node.choices)
        if node.pattern is not None:
            return st.from_regex(node.pattern, fullmatch=True)
        return st.text(max_size=20)
    if isinstance(node, (schema.Int, schema.Number)):
        low = node.minimum if node.minimum is not None else -10
        return st.integers(min_value=low, max_value=min(node.maximum or 10 ** 6, low + 10 ** 6))
    if isinstance(node, schema.Bool):
        return st.booleans()
    if isinstance(node, schema.Quantity):
        return st.sampled_from(QUANTITIES)
    if isinstance(node, (schema.Percent, schema.IntOrPercent)):
        return st.sampled_from(["0%", "45%", "100%", "12.5%", 1, 3])
    if isinstance(node, schema.Duration):
        return st.sampled_from(["30s", "5m", "90d", "2160h", "0s", "1w"])
    if isinstance(node, schema.Cidr):
        return st.sampled_from(["10.0.0.0/16", "10.0.1.0/24", "10.1.0.0/16", "0.0.0.0/0", "fd00::/64"])
    if isinstance(node, Cron):
        return st.sampled_from(["5 * * * *", "30 1 * * *", "45 1 * * 0", "@daily", "0 0 1 * *"])
    if isinstance(node, Region):
        return st.sampled_from(AWS_REGIONS[:5])
    if isinstance(node, LabelKey):
        return st.sampled_from(["node-role", "example.com/tier", "kubernetes.io/hostname", "topology.kubernetes.io/zone"])
    if isinstance(node, PortName):
        return st.sampled_from(["http", "dns", "metrics"])
    if isinstance(node, Trigger):
        return st.sampled_from(["queue_depth > 1000", "cpu_usage > 75%", "memory_usage > 80%"])
    if node.__class__.__name__ == "_InstanceType":
        return st.sampled_from(sorted(INSTANCE_TYPES)[:20])
    return JUNK


def from_schema(node):
    """Values for a schema node: its own shape nine times in ten, else junk."""
    key = id(node)
    if key not in _cache:
        _cache[key] = st.deferred(lambda: st.one_of(_own(node), _own(node), _own(node), JUNK))
    return _cache[key]


@st.composite
def specs(draw, base=None):
    """A whole spec: each section from its schema (or missing, or null), sometimes an
    unknown top-level key; or ``base`` with a few sections regenerated."""
    spec = dict(base) if base is not None else {}
    sections = list(SECTIONS.items()) + list(OPTIONAL_SECTIONS.items())
    chosen = draw(st.lists(st.sampled_from(sections), max_size=4, unique_by=lambda item: item[0])) if base is not None else sections
    for name, node in chosen:
        choice = draw(st.integers(0, 9))
        if choice == 0:
            spec.pop(name, None)
        elif choice == 1:
            spec[name] = None
        else:
            spec[name] = draw(from_schema(node))
    if draw(st.integers(0, 9)) == 0:
        spec[draw(st.text(min_size=1, max_size=12))] = draw(JUNK_SCALARS)
    return spec
