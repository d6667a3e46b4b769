#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: eks_addon
short_description: Ensure an EKS add-on (EBS CSI driver, VPC CNI, CoreDNS, kube-proxy...)
version_added: 0.1.0
description:
  - Creates, updates or deletes an Amazon EKS add-on of a cluster, with its version,
    the IAM role of its service account and its configuration values.
  - O(version=default) resolves to the version EKS marks as default for the cluster's
    Kubernetes version, C(latest) to the newest; an exact version is checked against
    the versions EKS offers. C(default) never moves an add-on back to an older version
    (after M(mas.platform.eks_cluster_version) has upgraded it).
  - Why a module of this collection - neither C(amazon.aws) nor C(community.aws) has one
    for EKS add-ons.
author:
  - mas.platform contributors (@mas-platform)
extends_documentation_fragment:
  - mas.platform.aws
  - mas.platform.aws.WAIT
options:
  cluster_name:
    description: Name of the EKS cluster.
    type: str
    required: true
  name:
    description: Name of the add-on, such as C(aws-ebs-csi-driver).
    type: str
    required: true
  state:
    description: C(present) creates or updates the add-on; C(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  version:
    description: C(default), C(latest) or an exact add-on version such as C(v1.35.0-eksbuild.1).
    type: str
    default: default
  service_account_role_arn:
    description: IAM role for the add-on's service account (through the cluster's OIDC provider).
    type: str
  configuration_values:
    description: Configuration values of the add-on (its JSON schema is EKS's C(DescribeAddonConfiguration)).
    type: dict
    default: {}
  resolve_conflicts:
    description:
      - What to do with fields that differ from the add-on's defaults on the cluster.
        C(OVERWRITE) takes over a self-managed installation (the VPC CNI, CoreDNS and
        kube-proxy that EKS installs with a new cluster).
    type: str
    choices: [OVERWRITE, PRESERVE, NONE]
    default: OVERWRITE
  preserve_on_delete:
    description: Keep the add-on's Kubernetes objects running when the add-on is deleted.
    type: bool
    default: false
  tags:
    description: Tags of the add-on.
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
- name: EBS CSI driver for the gp3 and gp2 storage classes
  mas.platform.eks_addon:
    cluster_name: mas-production
    name: aws-ebs-csi-driver
    region: eu-west-1
    service_account_role_arn: "{{ ebs_csi_role.arn }}"
"""

RETURN = r"""
actions:
  description: What was (or would be) done, such as C(create), C(addonVersion), C(serviceAccountRoleArn), C(tags).
  returned: always
  type: list
  elements: str
addon:
  description: The add-on after the change (empty when absent).
  returned: always
  type: dict
  contains:
    name: {description: Name., type: str, returned: success}
    arn: {description: ARN., type: str, returned: success}
    status: {description: EKS status., type: str, returned: success}
    version: {description: Add-on version., type: str, returned: success}
    service_account_role_arn: {description: IAM role of the service account., type: str, returned: success}
"""

from ansible_collections.mas.platform.plugins.module_utils.aws.common import aws_argument_spec, AwsApi, HAS_BOTO3
from ansible_collections.mas.platform.plugins.module_utils.aws.eks import ensure_addon
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformModule

ARGUMENT_SPEC = aws_argument_spec(
    wait=True,
    cluster_name=dict(type="str", required=True),
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    version=dict(type="str", default="default"),
    service_account_role_arn=dict(type="str"),
    configuration_values=dict(type="dict", default={}),
    resolve_conflicts=dict(type="str", choices=["OVERWRITE", "PRESERVE", "NONE"], default="OVERWRITE"),
    preserve_on_delete=dict(type="bool", default=False),
    tags=dict(type="dict", default={}),
    purge_tags=dict(type="bool", default=False),
)


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                            required_libraries={"boto3": HAS_BOTO3})
    module.run(lambda m: ensure_addon(m, AwsApi(m.params)))


if __name__ == "__main__":
    main()
