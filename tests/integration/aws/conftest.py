"""A real AWS API on 127.0.0.1 for the AWS roles' tests: moto's server (``moto_server``).

The emulator is the session's one ``moto`` (tests/integration/conftest.py, with AWS's
managed IAM policies loaded); these tests reset it before they start. Every playbook runs
with fake credentials and ``AWS_ENDPOINT_URL`` pointing at it, so nothing can reach AWS
itself.

``run_playbook`` runs ansible-playbook on inventories/production the way an operator
would, with tests/integration/aws/moto-gaps.yml added (one variable per API that moto
lacks; see docs/aws.md), and returns the PLAY RECAP counts with the output.
"""

import os
import pathlib

import pytest
import yaml
from playbook_run import run_playbook as _run_playbook

REPO = pathlib.Path(__file__).resolve().parents[3]
HERE = pathlib.Path(__file__).resolve().parent
MOTO_GAPS = HERE / "moto-gaps.yml"

REGION = yaml.safe_load((REPO / "inventories/production/group_vars/all/infrastructure.yml").read_text())[
    "infrastructure"]["region"]


@pytest.fixture(scope="session")
def moto_endpoint(moto):
    return moto.url


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


@pytest.fixture(scope="session")
def kubeconfig_path(tmp_path_factory):
    return tmp_path_factory.mktemp("kube") / "mas-production.kubeconfig"


@pytest.fixture(scope="session")
def run_playbook(aws_env, kubeconfig_path):
    """run_playbook('infrastructure.yml', '--check', '-e', 'x=y') -> PlaybookRun of a
    playbook on inventories/production, its whole output in ``output``."""
    def run(playbook, *args):
        return _run_playbook(playbook, inventory="production", vars_files=[MOTO_GAPS],
                             args=["-e", "mas_kubeconfig=%s" % kubeconfig_path] + list(args),
                             env={k: v for k, v in aws_env.items() if not k.startswith("ANSIBLE_")},
                             callback="default", merge_stderr=True)

    return run
