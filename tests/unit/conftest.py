"""Fixtures for the unit tests: the platform spec as the inventories and the seed hold it.

(The module runner, ``run_module``, comes from tests/conftest.py.)
"""

import copy

import pytest

from spec_loader import load_inventory_spec, load_seed_spec


@pytest.fixture(scope="session")
def _production_spec():
    return load_inventory_spec("production")


@pytest.fixture
def production_spec(_production_spec):
    """A fresh copy of the production spec, for a test to change."""
    return copy.deepcopy(_production_spec)


@pytest.fixture
def local_spec():
    return load_inventory_spec("local")


@pytest.fixture(scope="session")
def _seed_spec():
    return load_seed_spec()


@pytest.fixture
def seed_spec(_seed_spec):
    """A fresh copy of the seed's spec (tests/unit/fixtures/seed_spec.yml)."""
    return copy.deepcopy(_seed_spec)
