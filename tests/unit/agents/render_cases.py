"""Rendering harness for the agent and service configuration roles (fixtures: conftest.py).

The roles render their Kubernetes objects in ``tasks/render.yml`` (and check their
input in ``tasks/preflight.yml``) without touching a cluster. ``render_cases`` runs
one ansible-playbook over an inventory with one play per case (play vars are the
case's overrides), and returns per case either the rendered objects or the
failure message: so a test sees exactly what the role would apply, or refuse.
"""

import json

import pytest
import yaml
from playbook_run import run_playbook

# What each role renders (the steps of mas.platform.k8s_apply that its render entry point
# sets), as named lists of objects.
RENDERED = {
    "agent_tiers": {"_agent_tiers_objects": "agent_tiers_steps | map(attribute='definitions') | flatten"},
    "service_mesh": {"_service_mesh_objects": "service_mesh_steps[1].definitions",
                     "_service_mesh_namespace_objects": "service_mesh_steps[0].definitions"},
    "ingress": {"_ingress_objects": "ingress_step.definitions"},
    "service_discovery": {"_service_discovery_objects": "service_discovery_step.definitions"},
    "observability": {"_observability_metrics_objects": "observability_steps[0].definitions",
                      "_observability_logging_objects": "observability_steps[1].definitions"},
}
# The first play compiles the platform (the roles render from mas_platform); its facts
# stay for the cases' plays.
PREFLIGHT = {"name": "compile the platform", "hosts": "localhost", "gather_facts": False,
             "roles": [{"role": "mas.platform.preflight", "vars": {"preflight_show_summary": False}}]}


def _play(name, steps, overrides, out_dir):
    """One case: run each (role, tasks file) step, then write the rendered variables
    (or the failure message) to <out_dir>/<name>.json."""
    collect = [item for role, tasks in steps if tasks == "render.yml" for item in RENDERED[role].items()]
    result = "{{ {'ok': true, 'vars': {%s}} | to_json }}" % ", ".join(
        "'%s': (%s) | default(none)" % (var, expression) for var, expression in collect)
    dest = str(out_dir / ("%s.json" % name))
    return {
        "name": name,
        "hosts": "localhost",
        "gather_facts": False,
        "vars": overrides,
        "tasks": [{
            "block": [{"ansible.builtin.include_role": {"name": "mas.platform.%s" % role, "tasks_from": tasks}}
                      for role, tasks in steps]
                     + [{"ansible.builtin.copy": {"content": result, "dest": dest, "mode": "0600"}}],
            "rescue": [{"ansible.builtin.copy": {
                "content": "{{ {'ok': false, 'msg': ansible_failed_result.msg | default('')} | to_json }}",
                "dest": dest, "mode": "0600"}}],
        }],
    }


def render_cases(inventory, cases, tmp_path):
    """cases: name -> (steps, overrides). Returns name -> result dict."""
    plays = [PREFLIGHT] + [_play(name, steps, overrides, tmp_path) for name, (steps, overrides) in cases.items()]
    playbook = tmp_path / "cases.yml"
    playbook.write_text(yaml.safe_dump(plays, sort_keys=False))
    proc = run_playbook(playbook, inventory=inventory, callback="ansible.builtin.minimal", timeout=600)
    results = {}
    for name in cases:
        path = tmp_path / ("%s.json" % name)
        if not path.exists():
            pytest.fail("case %s left no result; ansible-playbook said:\n%s\n%s" % (name, proc.stdout[-3000:], proc.stderr[-3000:]))
        results[name] = json.loads(path.read_text())
    return results


def objects(result, var, kind=None):
    """The rendered objects of one variable of a case, optionally of one kind."""
    assert result["ok"], result.get("msg")
    items = result["vars"][var] or []
    return [o for o in items if kind is None or o["kind"] == kind]


def by_name(items):
    return dict(((o["metadata"].get("namespace"), o["metadata"]["name"]), o) for o in items)
