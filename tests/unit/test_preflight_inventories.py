"""The shipped inventories: one file per top-level key, and the preflight passes on both."""

import os

import pytest
import yaml

from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight
from ansible_collections.mas.platform.plugins.module_utils.spec.validate import SECTIONS

from spec_loader import INVENTORIES, REPO, load_inventory_spec

# The keys whose local value differs from production's; every other local file is a
# symlink to production's, so the two cannot drift apart.
LOCAL_OWN_FILES = ("infrastructure",)


@pytest.mark.parametrize("inventory", INVENTORIES)
def test_shipped_inventory_passes_the_preflight(inventory):
    report = run_preflight(load_inventory_spec(inventory))
    assert report["errors"] == []
    assert report["warnings"] == []
    assert set(report["quotas"]) == {"agent-system", "monitoring", "learning", "core-services"}


@pytest.mark.parametrize("inventory", INVENTORIES)
@pytest.mark.parametrize("key", list(SECTIONS))
def test_each_top_level_key_has_its_own_file(inventory, key):
    path = REPO / "inventories" / inventory / "group_vars" / "all" / ("%s.yml" % key)
    with open(path) as handle:
        assert list(yaml.safe_load(handle)) == [key]


@pytest.mark.parametrize("key", [k for k in SECTIONS if k not in LOCAL_OWN_FILES])
def test_local_shares_production_values_through_symlinks(key):
    local = REPO / "inventories" / "local" / "group_vars" / "all" / ("%s.yml" % key)
    production = REPO / "inventories" / "production" / "group_vars" / "all" / ("%s.yml" % key)
    assert local.is_symlink()
    assert os.path.samefile(local, production)


def test_local_differs_only_where_it_must():
    production = load_inventory_spec("production")["infrastructure"]
    local = load_inventory_spec("local")["infrastructure"]
    assert local["provider"] == "local" and production["provider"] == "aws"
    # The same node types and roles: the local cluster models production's nodes.
    for name, group in production["kubernetes"]["node_groups"].items():
        assert local["kubernetes"]["node_groups"][name]["instance_type"] == group["instance_type"]
        assert local["kubernetes"]["node_groups"][name]["role"] == group["role"]
        assert local["kubernetes"]["node_groups"][name]["taints"] == group["taints"]
    assert local["storage"]["classes"] == production["storage"]["classes"]
