"""A real AWS API on 127.0.0.1 for the AWS roles' tests: moto's server (``moto_server``).

The session fixture starts ``moto_server`` on a free port with AWS's managed IAM
policies loaded, and stops it at the end. Every playbook runs with fake credentials and
``AWS_ENDPOINT_URL`` pointing at it, so nothing can reach AWS itself. A missing
``moto_server`` fails the session, naming the package to install.

``run_playbook`` runs ansible-playbook on inventories/production the way an operator
would, with tests/integration/aws/moto-gaps.yml added (one variable per API that moto
lacks; see docs/aws.md), and returns the PLAY RECAP counts with the output.
"""

import os
import pathlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[3]
HERE = pathlib.Path(__file__).resolve().parent
MOTO_GAPS = HERE / "moto-gaps.yml"

REGION = yaml.safe_load((REPO / "inventories/production/group_vars/all/infrastructure.yml").read_text())[
    "infrastructure"]["region"]


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _binary(name):
    local = pathlib.Path(sys.executable).parent / name
    return str(local) if local.exists() else shutil.which(name)


@pytest.fixture(scope="session")
def moto_endpoint(tmp_path_factory):
    binary = _binary("moto_server")
    if not binary:
        pytest.fail("moto_server not found: install the PyPI package moto[server]==5.1.16 (requirements-dev.txt)")
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "moto_server.log"
    env = dict(os.environ, MOTO_IAM_LOAD_MANAGED_POLICIES="true")
    with open(log, "w") as out:
        process = subprocess.Popen([binary, "-H", "127.0.0.1", "-p", str(port)], stdout=out,
                                   stderr=subprocess.STDOUT, env=env, start_new_session=True)
    url = "http://127.0.0.1:%d" % port
    deadline = time.monotonic() + 60
    while True:
        try:
            with urllib.request.urlopen(url + "/moto-api/", timeout=2):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail("moto_server did not start on %s: %s" % (url, log.read_text()[-2000:]))
            time.sleep(0.3)
    yield url
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture(scope="session")
def aws_env(moto_endpoint, tmp_path_factory):
    """The environment of every AWS call in these tests: fake credentials, the emulator."""
    home = tmp_path_factory.mktemp("aws-home")
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("AWS_"):
            del env[key]
    env.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_ENDPOINT_URL=moto_endpoint,
        AWS_CONFIG_FILE=str(home / "config"),
        AWS_SHARED_CREDENTIALS_FILE=str(home / "credentials"),
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_PIPELINING="true",
        ANSIBLE_NOCOLOR="1",
    )
    return env


@pytest.fixture(scope="session")
def boto(aws_env):
    """boto3 clients on the emulator, for assertions independent of the modules."""
    import boto3

    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing",
                                    region_name=REGION)

    def client(service):
        return session.client(service, endpoint_url=aws_env["AWS_ENDPOINT_URL"])

    return client


class PlaybookRun(object):
    def __init__(self, returncode, output):
        self.returncode = returncode
        self.output = output
        recap = re.search(r"^localhost\s*:\s*(.*)$", output, re.MULTILINE)
        self.counts = dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", recap.group(1))) if recap else {}

    @property
    def changed(self):
        return self.counts.get("changed")

    def changed_tasks(self):
        """Names of the tasks that reported a change (for failure messages)."""
        names, current = [], None
        for line in self.output.splitlines():
            match = re.match(r"^TASK \[(.*)\]", line)
            if match:
                current = match.group(1)
            elif line.startswith("changed:") and current not in names:
                names.append(current)
        return names


@pytest.fixture(scope="session")
def kubeconfig_path(tmp_path_factory):
    return tmp_path_factory.mktemp("kube") / "mas-production.kubeconfig"


@pytest.fixture(scope="session")
def run_playbook(aws_env, kubeconfig_path):
    """run_playbook('infrastructure.yml', '--check', '-e', 'x=y') -> PlaybookRun."""
    binary = _binary("ansible-playbook")

    def run(playbook, *args):
        command = [binary, "-i", str(REPO / "inventories/production"), str(REPO / "playbooks" / playbook),
                   "-e", "@%s" % MOTO_GAPS, "-e", "mas_kubeconfig=%s" % kubeconfig_path] + list(args)
        done = subprocess.run(command, cwd=str(REPO), env=aws_env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, timeout=900)
        return PlaybookRun(done.returncode, done.stdout)

    return run
