"""module_utils/k8s/library.py: the modules' kubernetes import leaves out the generated
API and model classes, and every other use of the library still works after it.

Each case runs in a new interpreter: what is imported is the behaviour under test, and
this test process has the whole library imported already."""

import json
import os
import subprocess
import sys

COLLECTIONS = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "collections"))


def run_python(code):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env=dict(os.environ, PYTHONPATH=COLLECTIONS))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


LOAD = """
import json, sys
from ansible_collections.mas.platform.plugins.module_utils.k8s.library import load
k = load()
def loaded(prefix):
    return sorted(m for m in sys.modules if m.startswith(prefix))
"""


def test_load_imports_no_generated_class():
    seen = run_python(LOAD + """
print(json.dumps({"models": loaded("kubernetes.client.models."), "apis": loaded("kubernetes.client.api."),
                  "dynamic": k.DynamicClient.__module__, "api_client": k.client.ApiClient.__module__,
                  "configuration": k.client.Configuration.__module__,
                  "error_is_api_exception": issubclass(k.DynamicApiError, k.ApiException),
                  "loader": callable(k.config.new_client_from_config), "version": __import__("kubernetes").__version__}))
""")
    assert seen["models"] == [] and seen["apis"] == []
    assert seen["dynamic"] == "kubernetes.dynamic.client"
    assert seen["api_client"] == "kubernetes.client.api_client"
    assert seen["configuration"] == "kubernetes.client.configuration"
    assert seen["error_is_api_exception"] and seen["loader"]
    assert seen["version"][0].isdigit()


def test_the_rest_of_the_library_loads_on_first_use():
    seen = run_python(LOAD + """
from kubernetes.client import CoreV1Api
import kubernetes
from kubernetes import stream
pod = kubernetes.client.models.V1Pod(metadata=kubernetes.client.V1ObjectMeta(name="p"))
print(json.dumps({"api": CoreV1Api.__module__, "pod": kubernetes.client.ApiClient().sanitize_for_serialization(pod),
                  "stream": stream.__name__, "models": len(loaded("kubernetes.client.models."))}))
""")
    assert seen["api"] == "kubernetes.client.api.core_v1_api"
    assert seen["pod"] == {"metadata": {"name": "p"}}
    assert seen["stream"] == "kubernetes.stream"
    assert seen["models"] > 100


def test_an_unknown_name_is_an_attribute_error():
    seen = run_python(LOAD + """
import kubernetes.client
try:
    kubernetes.client.NoSuchThing
except AttributeError as exc:
    print(json.dumps({"error": str(exc)}))
""")
    assert "NoSuchThing" in seen["error"]


def test_an_imported_library_is_left_as_it_is():
    seen = run_python("""
import json, sys
import kubernetes
before = kubernetes.client
from ansible_collections.mas.platform.plugins.module_utils.k8s.library import load
k = load()
print(json.dumps({"same": k.client is before and sys.modules["kubernetes"] is kubernetes}))
""")
    assert seen["same"]
