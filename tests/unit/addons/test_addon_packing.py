"""The add-ons' pods in the preflight's packing (preflight/packing.py addon_workloads): the
requests their charts are given (model/addon_charts.py RESOURCES) take room on the nodes
they select, before the agents are placed."""

from ansible_collections.mas.platform.plugins.module_utils.model import addon_charts
from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight
from spec_loader import change

ADDONS = ("infrastructure", "kubernetes", "addons")


def placed(report, pod):
    """{node group: number of pods of that name}."""
    return dict((group, sum(node["pods"].get(pod, 0) for node in rows))
                for group, rows in report["packing"]["node_groups"].items())


def test_the_installed_addons_take_room_where_they_run(production_spec):
    report = run_preflight(production_spec)
    assert report["errors"] == []
    nodes = dict((group, len(rows)) for group, rows in report["packing"]["node_groups"].items())
    # Fluent Bit on every node, the device plugin on every GPU node; the rest where the core services run.
    assert placed(report, "fluent-bit") == nodes
    assert placed(report, "nvidia-device-plugin") == {"core": 0, "worker": 0, "gpu": nodes["gpu"]}
    assert placed(report, "opensearch") == {"core": 3, "worker": 0, "gpu": 0}
    for name in ("metrics-server", "ingress-nginx-controller", "otel-collector"):
        assert placed(report, name) == {"core": 2, "worker": 0, "gpu": 0}, name


def test_provided_addons_take_no_room(production_spec):
    for name in ("log_backend", "log_collector"):
        change(production_spec, ADDONS + (name,), {"mode": "provided"})
    report = run_preflight(production_spec)
    assert sum(placed(report, "opensearch").values()) == 0
    assert sum(placed(report, "fluent-bit").values()) == 0


def test_an_addon_that_does_not_fit_is_an_error_at_its_key(production_spec, monkeypatch):
    monkeypatch.setitem(addon_charts.RESOURCES, "log_backend", {"requests": {"cpu": "1", "memory": "100Gi"}})
    report = run_preflight(production_spec)
    found = [e["message"] for e in report["errors"] if e["path"] == "infrastructure.kubernetes.addons.log_backend"]
    assert found and "3 of the 3 pods of its worst case would stay Pending" in found[0], report["errors"]


def test_the_charts_are_given_the_requests_the_packing_placed(production_spec):
    report = run_preflight(production_spec)
    releases = dict((r["name"], r) for r in addon_charts.releases(report["platform"], {"opensearch_admin_secret": "x"}))
    assert releases["log_backend"]["values"]["resources"] == addon_charts.RESOURCES["log_backend"]
    assert releases["ingress_controller"]["values"]["controller"]["resources"] == addon_charts.RESOURCES["ingress_controller"]
    assert releases["log_collector"]["values"]["resources"] == addon_charts.RESOURCES["log_collector"]
