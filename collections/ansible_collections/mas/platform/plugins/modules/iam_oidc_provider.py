#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: iam_oidc_provider
short_description: Ensure an IAM OpenID Connect provider (an EKS cluster's issuer)
version_added: 0.1.0
description:
  - Creates, updates or deletes the IAM OIDC identity provider for an issuer URL, such
    as an EKS cluster's, so that Kubernetes service accounts can assume IAM roles.
  - The provider is found by its URL; its client IDs, thumbprints and tags are updated
    in place.
  - Why a module of this collection - neither C(amazon.aws) nor C(community.aws) has one.
author:
  - mas.platform contributors (@mas-platform)
extends_documentation_fragment:
  - mas.platform.aws
options:
  url:
    description: The issuer URL (C(https://...)), for EKS the cluster's C(oidc_issuer).
    type: str
    required: true
  state:
    description: C(present) or C(absent).
    type: str
    choices: [present, absent]
    default: present
  client_ids:
    description: Audiences allowed to use the provider.
    type: list
    elements: str
    default: [sts.amazonaws.com]
  thumbprints:
    description:
      - SHA-1 thumbprints of the issuer's certificate chain. When not given, IAM manages
        them (it trusts the issuer's CA itself, as it does for EKS issuers) and existing
        ones are left alone.
    type: list
    elements: str
  tags:
    description: Tags of the provider.
    type: dict
    default: {}
  purge_tags:
    description: Remove tags that are not in O(tags).
    type: bool
    default: false
notes:
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: OIDC provider of the cluster, for service account roles
  mas.platform.iam_oidc_provider:
    url: "{{ cluster.oidc_issuer }}"
    region: eu-west-1
    tags:
      mas.platform/cluster: mas-production
"""

RETURN = r"""
arn:
  description: ARN of the provider (None when absent, or not yet created in check mode).
  returned: always
  type: str
  sample: arn:aws:iam::123456789012:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE
issuer:
  description: The issuer without C(https://), as IAM trust policy condition keys use it.
  returned: always
  type: str
  sample: oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE
"""

from ansible_collections.mas.platform.plugins.module_utils.aws.common import aws_argument_spec, AwsApi, HAS_BOTO3
from ansible_collections.mas.platform.plugins.module_utils.aws.iam import ensure_oidc_provider
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformModule

ARGUMENT_SPEC = aws_argument_spec(
    url=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    client_ids=dict(type="list", elements="str", default=["sts.amazonaws.com"]),
    thumbprints=dict(type="list", elements="str"),
    tags=dict(type="dict", default={}),
    purge_tags=dict(type="bool", default=False),
)


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                            required_libraries={"boto3": HAS_BOTO3})
    module.run(lambda m: ensure_oidc_provider(m, AwsApi(m.params)))


if __name__ == "__main__":
    main()
