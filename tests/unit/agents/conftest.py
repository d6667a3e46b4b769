"""Rendering harness for the agent and service configuration roles.

The roles render their Kubernetes objects in ``tasks/render.yml`` (and check their
input in ``tasks/preflight.yml``) without touching a cluster. ``render_cases`` runs
one ansible-playbook over an inventory with one play per case (play vars are the
case's overrides), and returns per case either the rendered objects or the
failure message: so a test sees exactly what the role would apply, or refuse.
"""

import json
import os
import pathlib
import subprocess
import sys

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[3]

# What each role renders, and into which variables.
RENDERED = {
    "agent_tiers": ["_agent_tiers_objects"],
    "service_mesh": ["_service_mesh_objects", "_service_mesh_namespace_objects"],
    "ingress": ["_ingress_objects"],
    "service_discovery": ["_service_discovery_objects"],
    "observability": ["_observability_metrics_objects", "_observability_logging_objects"],
}


def _play(name, steps, overrides, out_dir):
    """One case: run each (role, tasks file) step, then write the rendered variables
    (or the failure message) to <out_dir>/<name>.json."""
    collect = [var for role, tasks in steps if tasks == "render.yml" for var in RENDERED[role]]
    result = "{{ {'ok': true, 'vars': {%s}} | to_json }}" % ", ".join(
        "'%s': %s | default(none)" % (var, var) for var in collect)
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
    plays = [_play(name, steps, overrides, tmp_path) for name, (steps, overrides) in cases.items()]
    playbook = tmp_path / "cases.yml"
    playbook.write_text(yaml.safe_dump(plays, sort_keys=False))
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal")
    proc = subprocess.run(
        [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(REPO / "inventories" / inventory),
         str(playbook)],
        cwd=str(REPO), env=env, capture_output=True, text=True, timeout=600)
    results = {}
    for name in cases:
        path = tmp_path / ("%s.json" % name)
        if not path.exists():
            pytest.fail("case %s left no result; ansible-playbook said:\n%s\n%s" % (name, proc.stdout[-3000:], proc.stderr[-3000:]))
        results[name] = json.loads(path.read_text())
    return results


ALL_RENDERS = [(role, "render.yml") for role in RENDERED]


@pytest.fixture(scope="session")
def local_cases(tmp_path_factory):
    cases = {
        "default": (ALL_RENDERS, {}),
        "image_overrides": ([("agent_tiers", "render.yml")], {
            "agent_tiers_image_registry": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mas",
            "agent_tiers_image_tag": "1.2.3",
            "agent_tiers_images": {"task_executor": {"repository": "executor", "tag": "1.2.4"}},
            "agent_tiers_image_pull_secrets": ["registry-credentials"],
        }),
        "mesh_disabled": ([("service_mesh", "render.yml")], {"service_mesh_enabled": False}),
        "unknown_image_override": ([("agent_tiers", "preflight.yml")], {"agent_tiers_images": {"no_such_agent": {"tag": "1"}}}),
        "cors_wildcard": ([("ingress", "preflight.yml")], {"ingress_cors_allowed_origins": ["*"]}),
        "cors_without_origins": ([("ingress", "preflight.yml")], {"ingress_cors_allowed_origins": []}),
        "ingress_unknown_agent": ([("ingress", "preflight.yml")], {
            "ingress_hosts": [{"host": "api.example.org", "paths": [{"path": "/", "agent": "no_such_agent"}]}]}),
        "mesh_unknown_provider": ([("service_mesh", "preflight.yml")], {"service_mesh_provider": "linkerd"}),
        "logging_unrouted_index": ([("observability", "preflight.yml")], {"observability_logging_routes": {}}),
        "discovery_without_consul": ([("service_discovery", "preflight.yml")], {"service_discovery_consul": {"name": "consul"}}),
    }
    return render_cases("local", cases, tmp_path_factory.mktemp("local"))


@pytest.fixture(scope="session")
def production_cases(tmp_path_factory):
    cases = {
        "placeholder_registry": ([("agent_tiers", "preflight.yml")], {}),
        "registry_set": ([("agent_tiers", "preflight.yml"), ("agent_tiers", "render.yml")], {
            "agent_tiers_image_registry": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/mas"}),
        "default": ([(role, tasks) for role, tasks in ALL_RENDERS if role != "agent_tiers"], {}),
    }
    return render_cases("production", cases, tmp_path_factory.mktemp("production"))


def objects(result, var, kind=None):
    """The rendered objects of one variable of a case, optionally of one kind."""
    assert result["ok"], result.get("msg")
    items = result["vars"][var] or []
    return [o for o in items if kind is None or o["kind"] == kind]


def by_name(items):
    return dict(((o["metadata"].get("namespace"), o["metadata"]["name"]), o) for o in items)
