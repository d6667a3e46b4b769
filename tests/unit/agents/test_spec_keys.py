"""The spec keys added for the agents and the service configuration: the shipped
inventories pass, and a wrong value gives an error that names its key."""

import pytest

from ansible_collections.mas.platform.plugins.module_utils.spec.validate import validate


def _errors(spec):
    _, findings = validate(spec)
    return findings.errors


def test_production_spec_passes(production_spec):
    assert _errors(production_spec) == []


@pytest.mark.parametrize("path, value, words", [
    (("networking", "ingress", "cors_allowed_origins"), ["https://console.example.com/"], ["cors_allowed_origins[0]", "origin"]),
    (("networking", "ingress", "cors_allowed_origins"), "https://console.example.com", ["cors_allowed_origins", "list"]),
    (("networking", "ingress", "hosts"), [{"host": "Not A Host", "paths": [{"path": "/", "agent": "x"}]}], ["hosts[0].host"]),
    (("networking", "ingress", "hosts"), [{"host": "api.example.com", "paths": [{"path": "api", "agent": "x"}]}],
     ["hosts[0].paths[0].path"]),
    (("networking", "service_mesh", "provider"), "consul-connect", ["service_mesh.provider", "istio"]),
    (("agent_endpoints", "ports", "metrics"), 70000, ["agent_endpoints.ports.metrics"]),
    (("agent_endpoints", "health"), {"liveness": "/healthz/live"}, ["agent_endpoints.health.readiness", "missing"]),
    (("monitoring", "tracing", "collector"), {"endpoint": "otel-collector:4317"}, ["tracing.collector.endpoint"]),
    (("monitoring", "logging", "backend"), {"type": "elasticsearch", "endpoint": "https://es:9200"}, ["logging.backend.type"]),
])
def test_wrong_values_name_their_key(production_spec, path, value, words):
    node = production_spec["service_configuration"]
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    errors = _errors(production_spec)
    assert errors, "no error for %s = %r" % (".".join(path), value)
    text = " ".join("%s: %s" % (e["path"], e["message"]) for e in errors)
    for word in words:
        assert word in text


def test_the_new_keys_are_optional(seed_spec):
    # The seed has none of them; their absence is no error of its own.
    errors = _errors(seed_spec)
    assert not [e for e in errors if any(k in e["path"] for k in ("agent_endpoints", "cors_allowed_origins", "collector"))]
