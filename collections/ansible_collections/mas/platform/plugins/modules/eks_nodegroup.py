#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: eks_nodegroup
short_description: Ensure an EKS managed node group with its size bounds, labels and taints
version_added: 0.1.0
description:
  - Creates, updates or deletes an EKS managed node group.
  - On an existing group it updates in one request the size bounds, labels, taints and
    update configuration, then rolls the group to a new launch template version, then
    the tags; each update is waited for.
  - The desired size is only set at creation. Afterwards it belongs to the cluster
    autoscaler; a change of bounds moves it into the new bounds and no further.
  - Fields EKS cannot change on a group (role, subnets, instance types, AMI type,
    capacity type, disk size) fail with a message naming the field instead of
    being ignored.
  - Why not C(community.aws.eks_nodegroup) - its O(ami_type) choices lack the AL2023
    types (the only ones EKS offers from Kubernetes 1.33 on, including
    C(AL2023_x86_64_NVIDIA) for GPU nodes), its taint update builds an invalid request,
    label value changes are not detected, and check mode reports no change for
    label, taint and tag updates.
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
    description: Name of the node group.
    type: str
    required: true
  state:
    description: C(present) creates or updates the group; C(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  node_role_arn:
    description: ARN of the IAM role of the nodes.
    type: str
  subnet_ids:
    description: Subnets the nodes run in.
    type: list
    elements: str
  instance_types:
    description: EC2 instance types of the nodes.
    type: list
    elements: str
  ami_type:
    description: EKS AMI type, such as C(AL2023_x86_64_STANDARD) or C(AL2023_x86_64_NVIDIA) for GPU nodes.
    type: str
    default: AL2023_x86_64_STANDARD
  capacity_type:
    description: On-demand or spot capacity.
    type: str
    choices: [ON_DEMAND, SPOT, CAPACITY_BLOCK]
    default: ON_DEMAND
  disk_size:
    description: Root volume size in GiB (only without O(launch_template), which then carries it).
    type: int
  min_size:
    description: Fewest nodes.
    type: int
    default: 1
  max_size:
    description: Most nodes.
    type: int
    default: 1
  desired_size:
    description: Nodes at creation; defaults to O(min_size). Not changed afterwards.
    type: int
  labels:
    description: Kubernetes labels of the nodes.
    type: dict
    default: {}
  taints:
    description:
      - Kubernetes taints of the nodes, each with C(key), C(value) and C(effect). C(effect)
        takes the Kubernetes names (C(NoSchedule)) or EKS's (C(NO_SCHEDULE)).
    type: list
    elements: dict
    default: []
  update_config:
    description: How many nodes may be unavailable during a rolling update.
    type: dict
    suboptions:
      max_unavailable:
        description: A number of nodes.
        type: int
      max_unavailable_percentage:
        description: A percentage of the nodes.
        type: int
  launch_template:
    description:
      - Launch template of the nodes (security groups, metadata options, volumes). A
        new O(launch_template.version) rolls the nodes.
    type: dict
    suboptions:
      id:
        description: ID of the template.
        type: str
      name:
        description: Name of the template.
        type: str
      version:
        description: Version of the template.
        type: str
  version:
    description: Kubernetes version of a new group (defaults to the cluster's). Upgrades are M(mas.platform.eks_cluster_version)'s.
    type: str
  tags:
    description: Tags of the node group.
    type: dict
    default: {}
  purge_tags:
    description: Remove tags that are not in O(tags).
    type: bool
    default: false
notes:
  - Supports check mode and diff mode.
  - A field EKS does not report (some API emulators leave out C(updateConfig)) is not compared.
"""

EXAMPLES = r"""
- name: GPU nodes
  mas.platform.eks_nodegroup:
    cluster_name: mas-production
    name: gpu
    region: eu-west-1
    node_role_arn: "{{ node_role.arn }}"
    subnet_ids: "{{ private_subnet_ids }}"
    instance_types: [g5.12xlarge]
    ami_type: AL2023_x86_64_NVIDIA
    min_size: 4
    max_size: 8
    labels:
      node-role: gpu
    taints:
      - key: nvidia.com/gpu
        value: "true"
        effect: NoSchedule
"""

RETURN = r"""
actions:
  description: What was (or in check mode would be) done, such as C(create), C(scalingConfig), C(labels), C(taints).
  returned: always
  type: list
  elements: str
nodegroup:
  description: The node group after the change (empty when absent).
  returned: always
  type: dict
  contains:
    name: {description: Name., type: str, returned: success}
    arn: {description: ARN., type: str, returned: success}
    status: {description: EKS status., type: str, returned: success}
    version: {description: Kubernetes version of the nodes., type: str, returned: success}
    min_size: {description: Fewest nodes., type: int, returned: success}
    max_size: {description: Most nodes., type: int, returned: success}
    desired_size: {description: Current desired nodes., type: int, returned: success}
    labels: {description: Node labels., type: dict, returned: success}
    taints: {description: Node taints (EKS vocabulary)., type: list, elements: dict, returned: success}
    autoscaling_groups: {description: Names of the Auto Scaling groups behind the group., type: list, elements: str, returned: success}
"""

from ansible_collections.mas.platform.plugins.module_utils.aws.common import aws_argument_spec, AwsApi, HAS_BOTO3
from ansible_collections.mas.platform.plugins.module_utils.aws.nodegroup import ensure_nodegroup
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformModule

ARGUMENT_SPEC = aws_argument_spec(
    wait=True,
    cluster_name=dict(type="str", required=True),
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    node_role_arn=dict(type="str"),
    subnet_ids=dict(type="list", elements="str"),
    instance_types=dict(type="list", elements="str"),
    ami_type=dict(type="str", default="AL2023_x86_64_STANDARD"),
    capacity_type=dict(type="str", choices=["ON_DEMAND", "SPOT", "CAPACITY_BLOCK"], default="ON_DEMAND"),
    disk_size=dict(type="int"),
    min_size=dict(type="int", default=1),
    max_size=dict(type="int", default=1),
    desired_size=dict(type="int"),
    labels=dict(type="dict", default={}),
    taints=dict(type="list", elements="dict", default=[]),
    update_config=dict(type="dict", options=dict(max_unavailable=dict(type="int"),
                                                 max_unavailable_percentage=dict(type="int"))),
    launch_template=dict(type="dict", options=dict(id=dict(type="str"), name=dict(type="str"),
                                                   version=dict(type="str"))),
    version=dict(type="str"),
    tags=dict(type="dict", default={}),
    purge_tags=dict(type="bool", default=False),
)


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                            required_if=[("state", "present", ("node_role_arn", "subnet_ids"))],
                            mutually_exclusive=[("launch_template", "disk_size")],
                            required_libraries={"boto3": HAS_BOTO3})
    module.run(lambda m: ensure_nodegroup(m, AwsApi(m.params)))


if __name__ == "__main__":
    main()
