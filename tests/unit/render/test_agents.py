"""The agent tiers rendered in Python (module_utils/render/agents.py): one step per phase
in the seed's order, the autoscaled Deployments handed to their HPA."""

import pytest

from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight
from ansible_collections.mas.platform.plugins.module_utils.render.agents import agent_phase_steps


@pytest.fixture
def platform(production_spec):
    return run_preflight(production_spec)["platform"]


def _by(objects, kind):
    return dict((o["metadata"]["name"], o) for o in objects if o["kind"] == kind)


def test_one_step_per_phase_in_order(platform, production_spec):
    steps = agent_phase_steps(platform, {"image_registry": "r.example/mas", "collection_version": "1.0.0"})
    assert [s["name"] for s in steps] == sorted(production_spec["deployment_sequence"], key=lambda p: int(p.split("_")[0]))
    for step in steps:
        phase = production_spec["deployment_sequence"][step["name"]]
        names = sorted(name.replace("_", "-") for name in phase)
        assert sorted(_by(step["definitions"], "Deployment")) == names
        assert step["wait_kinds"] == ["Deployment"]


def test_autoscaled_deployments_leave_replicas_to_the_hpa(platform, production_spec):
    steps = agent_phase_steps(platform, {"image_registry": "r.example/mas", "collection_version": "1.0.0"})
    agents = dict((name, body) for phase in production_spec["deployment_sequence"].values() for name, body in phase.items())
    autoscaled = sorted(name.replace("_", "-") for name, body in agents.items() if "autoscaling" in body)
    assert autoscaled, "the production spec autoscales some agent"
    for step in steps:
        deployments, hpas = _by(step["definitions"], "Deployment"), _by(step["definitions"], "HorizontalPodAutoscaler")
        initial = _by(step["create_only"], "Deployment")
        for name, deployment in deployments.items():
            spec_name = name.replace("-", "_")
            if name in autoscaled:
                assert "replicas" not in deployment["spec"]
                assert initial[name]["spec"]["replicas"] == agents[spec_name]["replicas"]
                assert hpas[name]["spec"]["maxReplicas"] == agents[spec_name]["autoscaling"]["max"]
            else:
                assert deployment["spec"]["replicas"] == agents[spec_name]["replicas"]
                assert name not in initial and name not in hpas


def test_the_image_tag_and_overrides(platform):
    steps = agent_phase_steps(platform, {"image_registry": "r.example/mas", "collection_version": "1.0.0",
                                         "images": {"task_executor": {"repository": "executor", "tag": "2.0.0"}}})
    deployments = dict((n, d) for s in steps for n, d in _by(s["definitions"], "Deployment").items())
    assert deployments["task-executor"]["spec"]["template"]["spec"]["containers"][0]["image"] == "r.example/mas/executor:2.0.0"
    assert deployments["resource-manager"]["spec"]["template"]["spec"]["containers"][0]["image"] == \
        "r.example/mas/resource-manager:1.0.0"


def test_the_config_checksum_follows_the_config(platform):
    options = {"image_registry": "r.example/mas", "collection_version": "1.0.0"}
    first = agent_phase_steps(platform, options)
    second = agent_phase_steps(platform, dict(options, extra_env={"FEATURE": "on"}))
    checksum = lambda steps: [d["spec"]["template"]["metadata"]["annotations"]["checksum/config"]  # noqa: E731
                              for s in steps for d in s["definitions"] if d["kind"] == "Deployment"]
    assert checksum(first) == checksum(agent_phase_steps(platform, options))
    assert all(a != b for a, b in zip(checksum(first), checksum(second)))


def test_field_references_name_their_api_version(platform):
    """The API server defaults fieldRef.apiVersion, and fieldRef is an atomic struct to
    server-side apply: applied without it, the second apply of an autoscaled Deployment moved
    the field's owners (and its resourceVersion), so a re-run reported a change."""
    steps = agent_phase_steps(platform, {"image_registry": "r.example/mas", "collection_version": "1.0.0"})
    refs = [env["valueFrom"]["fieldRef"] for s in steps for d in s["definitions"] + s["create_only"]
            if d["kind"] == "Deployment" for c in d["spec"]["template"]["spec"]["containers"]
            for env in c.get("env") or [] if "fieldRef" in (env.get("valueFrom") or {})]
    assert refs and all(ref.get("apiVersion") == "v1" for ref in refs)
