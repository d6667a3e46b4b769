# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options of every AWS module (argument spec: module_utils/aws/common.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  region:
    description:
      - The AWS region, such as C(eu-west-1).
      - When not given, the E(AWS_REGION) or E(AWS_DEFAULT_REGION) environment variable is used.
    type: str
    aliases: [aws_region]
  endpoint_url:
    description:
      - URL of the AWS API to talk to instead of the public endpoints, for example a VPC
        endpoint or a local API emulator used in tests.
      - When not given, the E(AWS_ENDPOINT_URL) environment variable is used.
    type: str
    aliases: [aws_endpoint_url]
  access_key:
    description:
      - AWS access key ID. When neither this nor O(profile) is given, boto3's own chain is
        used (environment variables, shared config, web identity, instance role).
    type: str
    aliases: [aws_access_key_id]
  secret_key:
    description:
      - AWS secret access key that goes with O(access_key). Never logged or returned.
    type: str
    aliases: [aws_secret_access_key]
  session_token:
    description:
      - Session token of temporary credentials. Never logged or returned.
    type: str
    aliases: [aws_session_token]
  profile:
    description:
      - Named profile of the shared AWS configuration files.
    type: str
    aliases: [aws_profile]
  validate_certs:
    description:
      - Verify the TLS certificate of the AWS endpoint.
    type: bool
    default: true
notes:
  - Throttling and transient errors of the AWS API are retried with jittered
    exponential backoff (up to six attempts per call).
  - An unreachable endpoint, rejected credentials and a denied permission each fail
    with one line naming the operation, the resource and the endpoint.
requirements:
  - boto3 (Python library)
"""

    WAIT = r"""
options:
  wait:
    description:
      - Wait until the change is complete (the resource is active, or gone).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait when O(wait=true) before failing with the last status seen.
    type: int
    default: 600
"""
