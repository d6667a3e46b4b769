"""Fixtures of the Kubernetes tests."""

import pathlib
import subprocess

import pytest

REPO = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def helm():
    """(helm, the directory of the add-on charts), from tools/helm/install.sh (built and
    fetched once, then cached)."""
    done = subprocess.run([str(REPO / "tools" / "helm" / "install.sh")], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    binary = pathlib.Path(done.stdout.strip().splitlines()[-1])
    return binary, binary.parents[2] / "charts"
