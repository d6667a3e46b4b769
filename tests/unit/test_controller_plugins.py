"""The controller-side plugins that make a run faster without changing what it does: the
lookup mas.platform.template (ansible.builtin.template without its deep copy of every
variable) and the callback mas.platform.preload (the collection's plugins loaded once,
before the tasks' processes fork).

Each case runs in a new interpreter: the plugin loader's state is global."""

import json
import os
import subprocess
import sys

COLLECTIONS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "collections"))

SETUP = """
import json, os, sys
from ansible.plugins.loader import init_plugin_loader
init_plugin_loader([%r])
from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template
""" % COLLECTIONS


def run_python(code, tmp_path):
    result = subprocess.run([sys.executable, "-c", SETUP + code], capture_output=True, text=True, timeout=120,
                            cwd=str(tmp_path))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


TEMPLATE = """\
client {{ spec.ports.client }}
{% for name in spec.members %}member {{ name }}
{% endfor %}extra {{ extra }}; file {{ template_path | basename }}
"""


def test_template_lookup_renders_as_the_builtin_one_without_copying_the_variables(tmp_path):
    (tmp_path / "service.conf.j2").write_text(TEMPLATE)
    seen = run_python("""
class NoCopy(object):
    def __deepcopy__(self, memo):
        raise RuntimeError("deep-copied")

variables = {"spec": {"ports": {"client": 5672}, "members": ["a", "b"]}}
def render(name, extra):
    templar = Templar(loader=DataLoader(), variables=dict(variables, **extra))
    expression = "{{ lookup('%s', '%s', template_vars={'extra': 'given'}) }}" % (name, os.path.abspath("service.conf.j2"))
    try:
        return templar.template(trust_as_template(expression))
    except Exception as exc:
        return "error: %s" % exc

print(json.dumps({"builtin": render("ansible.builtin.template", {}),
                  "ours": render("mas.platform.template", {}),
                  "builtin_guarded": render("ansible.builtin.template", {"guard": NoCopy()}),
                  "ours_guarded": render("mas.platform.template", {"guard": NoCopy()})}))
""", tmp_path)
    assert seen["ours"] == "client 5672\nmember a\nmember b\nextra given; file service.conf.j2\n"
    assert seen["ours"] == seen["builtin"]
    # The built-in lookup deep-copies every variable; this one copies none.
    assert "deep-copied" in seen["builtin_guarded"]
    assert seen["ours_guarded"] == seen["ours"]


def test_preload_loads_the_collection_plugins_before_the_tasks_fork(tmp_path):
    seen = run_python("""
from ansible_collections.mas.platform.plugins.callback.preload import preload
from ansible.plugins.loader import action_loader, filter_loader, lookup_loader, test_loader
missed = preload()
before = set(sys.modules)
read, write = os.pipe()
child = os.fork()
if child == 0:
    # A task's process: it uses a filter, a test, a lookup and an action plugin of the collection.
    filter_loader.get("mas.platform.core_service_objects")
    test_loader.get("mas.platform.ready")
    lookup_loader.get("mas.platform.template")
    action_loader.get("mas.platform.k8s_apply", class_only=True)
    os.write(write, json.dumps(sorted(set(sys.modules) - before)).encode())
    os._exit(0)
os.close(write)
os.waitpid(child, 0)
child_imported = json.loads(os.read(read, 1 << 20).decode())
print(json.dumps({"missed": missed, "child_imported": child_imported,
                  "render_loaded": "ansible_collections.mas.platform.plugins.module_utils.render.core_service" in before}))
""", tmp_path)
    assert seen["missed"] == []
    assert seen["render_loaded"]
    assert seen["child_imported"] == []
