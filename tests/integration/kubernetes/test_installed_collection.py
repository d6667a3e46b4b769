"""The collection on its own: its tarball, installed with ansible-galaxy into an empty
directory, runs ``ansible-playbook mas.platform.deploy`` (in check mode, so that the shared
local cluster is left as the other tests have it) with no project around it - no
ansible.cfg, no playbooks/, no roles path - and its summary callback reports the run."""

import json
import os
import pathlib
import shutil
import subprocess
import sys

from services import KUBECONFIG

REPO = pathlib.Path(__file__).resolve().parents[3]
COLLECTION = REPO / "collections/ansible_collections/mas/platform"
BIN = pathlib.Path(sys.executable).parent


def run(args, cwd, env, timeout=600):
    completed = subprocess.run([str(a) for a in args], cwd=str(cwd), env=env, capture_output=True, text=True,
                               timeout=timeout)
    assert completed.returncode == 0, "%s failed (rc %d):\n%s\n%s" % (
        " ".join(map(str, args)), completed.returncode, completed.stdout[-4000:], completed.stderr[-3000:])
    return completed.stdout


def test_the_installed_tarball_runs_its_deploy_playbook_in_an_empty_directory(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    env = {
        "PATH": "%s:/usr/bin:/bin" % BIN,
        "HOME": str(home),
        "ANSIBLE_CONFIG": str(tmp_path / "none.cfg"),
        "ANSIBLE_COLLECTIONS_PATH": str(tmp_path / "collections"),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_CALLBACKS_ENABLED": "mas.platform.summary",
        "K8S_AUTH_KUBECONFIG": str(KUBECONFIG),
        "MAS_CACHE_DIR": os.environ.get("MAS_CACHE_DIR") or str(pathlib.Path.home() / ".cache/mas-platform"),
    }
    run([BIN / "ansible-galaxy", "collection", "build", COLLECTION, "--output-path", tmp_path / "dist"], tmp_path, env)
    (tarball,) = (tmp_path / "dist").glob("mas-platform-*.tar.gz")
    run([BIN / "ansible-galaxy", "collection", "install", "--no-deps", "-p", tmp_path / "collections", tarball],
        tmp_path, env)
    # The inventory as a user keeps it: plain files (the project's links resolved).
    shutil.copytree(REPO / "inventories/local", tmp_path / "inventory", symlinks=False)
    summary_file = tmp_path / "summary.json"
    out = run([BIN / "ansible-playbook", "mas.platform.deploy", "-i", tmp_path / "inventory", "--check", "--diff",
               "-e", "summary_file=%s" % summary_file], tmp_path, env)
    assert "failed=0" in out.split("PLAY RECAP")[-1]
    assert list(tmp_path.glob("*.cfg")) == [] and not (tmp_path / "playbooks").exists()
    summary = json.loads(summary_file.read_text())
    assert summary["check_mode"] is True and summary["playbook"] == "deploy.yml"
    phases = [phase["name"] for phase in summary["phases"]]
    assert phases[0] == "Preflight the platform spec and compile the platform" and "Deploy the agent tiers" in phases
    assert summary["platform_status"]["nodes"], "the installed role platform_summary handed over no status"
