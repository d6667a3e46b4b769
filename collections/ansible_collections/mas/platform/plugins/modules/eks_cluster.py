#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: eks_cluster
short_description: Ensure an EKS cluster with its endpoint access, logging and access mode
version_added: 0.1.0
description:
  - Creates, updates or deletes an Amazon EKS cluster (the control plane).
  - On an existing cluster it updates, one update at a time and each waited for, the
    subnets and security groups, the private and public endpoint access and the CIDRs
    allowed to reach the public endpoint, the control plane log types, the
    authentication mode and the tags.
  - The Kubernetes O(version) is used when the cluster is created. Upgrading an existing
    cluster is M(mas.platform.eks_cluster_version)'s job (one minor at a time, with the
    add-ons and node groups); this module reports the running version and leaves it alone.
  - Why not C(community.aws.eks_cluster) - it cannot set the endpoint access, the control
    plane logging or the authentication mode, and it changes nothing on an existing
    cluster, so a spec change would silently not be applied.
author:
  - mas.platform contributors (@mas-platform)
extends_documentation_fragment:
  - mas.platform.aws
  - mas.platform.aws.WAIT
options:
  name:
    description: Name of the cluster.
    type: str
    required: true
  state:
    description:
      - C(present) creates or updates the cluster; C(absent) deletes it (its node groups
        must be gone first).
    type: str
    choices: [present, absent]
    default: present
  version:
    description: Kubernetes version for a new cluster, such as C(1.31).
    type: str
  role_arn:
    description: ARN of the IAM role the EKS control plane acts with. Cannot change later.
    type: str
  subnet_ids:
    description: Subnets (in at least two availability zones) for the control plane's network interfaces.
    type: list
    elements: str
  security_group_ids:
    description: Additional security groups for the control plane's network interfaces.
    type: list
    elements: str
    default: []
  endpoint_private_access:
    description: Whether the API server is reachable from inside the VPC.
    type: bool
    default: true
  endpoint_public_access:
    description: Whether the API server is reachable from the internet.
    type: bool
    default: false
  public_access_cidrs:
    description: CIDRs that may reach the public endpoint (when O(endpoint_public_access=true)).
    type: list
    elements: str
    default: [0.0.0.0/0]
  logging:
    description: Control plane log types sent to CloudWatch Logs; the others are turned off.
    type: list
    elements: str
    choices: [api, audit, authenticator, controllerManager, scheduler]
    default: [api, audit, authenticator]
  authentication_mode:
    description:
      - How IAM principals are mapped to Kubernetes identities. EKS only allows moving
        from C(CONFIG_MAP) to C(API_AND_CONFIG_MAP) to C(API).
    type: str
    choices: [CONFIG_MAP, API_AND_CONFIG_MAP, API]
    default: API_AND_CONFIG_MAP
  secrets_kms_key_arn:
    description: KMS key to envelope-encrypt Kubernetes secrets with (at creation only).
    type: str
  tags:
    description: Tags of the cluster.
    type: dict
    default: {}
  purge_tags:
    description: Remove tags that are not in O(tags).
    type: bool
    default: false
notes:
  - Supports check mode and diff mode. The diff shows the compared fields only.
"""

EXAMPLES = r"""
- name: EKS control plane
  mas.platform.eks_cluster:
    name: mas-production
    version: "1.31"
    region: eu-west-1
    role_arn: "{{ cluster_role.arn }}"
    subnet_ids: "{{ private_subnet_ids }}"
    security_group_ids: ["{{ control_plane_sg_id }}"]
    endpoint_private_access: true
    endpoint_public_access: true
    public_access_cidrs: [203.0.113.0/24]
    tags:
      mas.platform/cluster: mas-production

- name: Delete the cluster (after its node groups)
  mas.platform.eks_cluster:
    name: mas-production
    region: eu-west-1
    state: absent
"""

RETURN = r"""
actions:
  description: What was (or in check mode would be) done, in order.
  returned: always
  type: list
  elements: str
  sample: [endpoint_access, logging]
cluster:
  description: The cluster after the change (empty when absent or not yet created in check mode).
  returned: always
  type: dict
  contains:
    name: {description: Name., type: str, returned: success}
    arn: {description: ARN., type: str, returned: success}
    status: {description: EKS status., type: str, returned: success, sample: ACTIVE}
    version: {description: Kubernetes version., type: str, returned: success, sample: "1.31"}
    endpoint: {description: URL of the API server., type: str, returned: success}
    certificate_authority_data: {description: Base64 CA bundle of the API server., type: str, returned: success}
    oidc_issuer: {description: OIDC issuer URL for service account roles., type: str, returned: success}
    cluster_security_group_id: {description: Security group EKS created for the cluster., type: str, returned: success}
    vpc_id: {description: VPC of the cluster., type: str, returned: success}
    subnet_ids: {description: Subnets of the control plane., type: list, elements: str, returned: success}
    platform_version: {description: EKS platform version., type: str, returned: success}
"""

from ansible_collections.mas.platform.plugins.module_utils.aws.common import aws_argument_spec, AwsApi, HAS_BOTO3
from ansible_collections.mas.platform.plugins.module_utils.aws.eks import ensure_cluster
from ansible_collections.mas.platform.plugins.module_utils.aws.eks import LOG_TYPES
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformModule

ARGUMENT_SPEC = aws_argument_spec(
    wait=True,
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    version=dict(type="str"),
    role_arn=dict(type="str"),
    subnet_ids=dict(type="list", elements="str"),
    security_group_ids=dict(type="list", elements="str", default=[]),
    endpoint_private_access=dict(type="bool", default=True),
    endpoint_public_access=dict(type="bool", default=False),
    public_access_cidrs=dict(type="list", elements="str", default=["0.0.0.0/0"]),
    logging=dict(type="list", elements="str", choices=list(LOG_TYPES), default=["api", "audit", "authenticator"]),
    authentication_mode=dict(type="str", choices=["CONFIG_MAP", "API_AND_CONFIG_MAP", "API"],
                             default="API_AND_CONFIG_MAP"),
    secrets_kms_key_arn=dict(type="str", no_log=False),
    tags=dict(type="dict", default={}),
    purge_tags=dict(type="bool", default=False),
)


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                            required_if=[("state", "present", ("role_arn", "subnet_ids", "version"))],
                            required_libraries={"boto3": HAS_BOTO3})
    module.run(lambda m: ensure_cluster(m, AwsApi(m.params)))


if __name__ == "__main__":
    main()
