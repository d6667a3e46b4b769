"""module_utils/summary/phases.py, the accounting of the summary callback: per play, the
objects k8s_apply created, changed, left and deleted (or would, in check mode), the other
tasks' changes, the seconds, and the plan's totals."""

from ansible_collections.mas.platform.plugins.module_utils.k8s.steps import action
from ansible_collections.mas.platform.plugins.module_utils.summary.phases import Phases


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def applied(*actions):
    return {"changed": any(a != "unchanged" for a in actions),
            "objects": [{"id": "ConfigMap/a/x%d" % i, "changed": a != "unchanged", "action": a}
                        for i, a in enumerate(actions)]}


def test_what_applying_did_to_an_object():
    assert action(False, {"x": 1}, {"x": 1}) == "unchanged"
    assert action(True, None, {"x": 1}) == "created"
    assert action(True, {"x": 1}, {"x": 2}) == "changed"
    assert action(True, {"x": 1}, None) == "deleted"


def test_phases_count_objects_other_changes_and_seconds():
    clock = Clock()
    phases = Phases(clock=clock)
    phases.start("Cluster foundation")
    phases.record(applied("created", "created", "unchanged"))
    phases.record({"changed": True, "msg": "a command"})
    phases.record({"changed": False})
    clock.now = 3.2
    phases.start("Core services")
    phases.record({"results": [applied("changed"), applied("deleted", "unchanged")], "changed": True})
    phases.record({"failed": True, "msg": "boom"}, failed=True)
    clock.now = 10.0
    summary = phases.finish("deploy.yml", {"platform_status": {"nodes": {"core": 5}}})
    first, second = summary["phases"]
    assert (first["name"], first["seconds"], first["created"], first["unchanged"], first["other_changes"]) == (
        "Cluster foundation", 3.2, 2, 1, 1)
    assert (second["changed"], second["deleted"], second["unchanged"], second["failed"]) == (1, 1, 1, 1)
    assert summary["totals"] == dict(created=2, changed=1, unchanged=2, deleted=1, other_changes=1, failed=1)
    assert summary["seconds"] == 10.0 and summary["platform_status"] == {"nodes": {"core": 5}}
    assert summary["lines"][2].startswith("Core services") and summary["lines"][2].endswith("FAILED")
    assert summary["lines"][-1].split() == ["total", "10.0", "2", "1", "2", "1", "1"]


def test_a_plan_says_what_the_deploy_would_do():
    phases = Phases(check_mode=True, clock=Clock())
    phases.start("Agents")
    phases.record(applied("created", "changed", "unchanged", "unchanged"))
    summary = phases.finish("plan.yml")
    assert "would create" in summary["lines"][0]
    assert summary["lines"][-1] == ("plan: the run would create 1, change 1 and delete 0 Kubernetes objects "
                                    "(2 unchanged), and change 0 other things")
    assert summary["platform_status"] is None
