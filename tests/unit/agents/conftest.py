"""The rendered cases of the agent and service configuration roles, once per session
(render_cases.py runs them)."""

import pytest
from render_cases import RENDERED, render_cases

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
