"""Unit tests of the AWS modules on botocore's Stubber.

These cover the code paths that the emulator of the integration tests (moto's server)
cannot run: EKS updates, add-ons, version upgrades, and the API errors. Every response
below has the shape of the real AWS response for the call: the Stubber checks each one
against botocore's service model, and each request against the operation's input.
"""

import pytest

from aws_shapes import REGION


@pytest.fixture
def aws_stubs(monkeypatch):
    """stub(service) -> an active Stubber whose client the modules get for ``service``."""
    import boto3
    from botocore.stub import Stubber

    from ansible_collections.mas.platform.plugins.module_utils import base
    from ansible_collections.mas.platform.plugins.module_utils.aws import common as aws

    session = boto3.session.Session(aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="secret",
                                    region_name=REGION)
    clients, stubbers = {}, {}

    def stub(service):
        if service not in stubbers:
            clients[service] = session.client(service, region_name=REGION)
            stubbers[service] = Stubber(clients[service])
            stubbers[service].activate()
        return stubbers[service]

    def client(self, service):
        stub(service)
        return clients[service]

    monkeypatch.setattr(aws.AwsApi, "client", client)
    monkeypatch.setattr(base.time, "sleep", lambda seconds: None)
    yield stub
    for stubber in stubbers.values():
        stubber.assert_no_pending_responses()
