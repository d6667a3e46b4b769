#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: eks_cluster_version
short_description: Upgrade an EKS cluster one Kubernetes minor version at a time
version_added: 0.1.0
description:
  - Brings an EKS cluster to O(version) the way EKS allows it, one minor version at a
    time. For each minor version, in this order and each waited for - the control
    plane, then each add-on to the version EKS marks as default for the new minor (when
    it runs an older one), then each managed node group.
  - When the control plane is already at O(version) but node groups lag behind, only
    the node groups are upgraded.
  - A downgrade, or a jump across major versions, fails before anything is changed.
  - In check mode the plan (the list of steps) is returned and nothing is changed.
  - Why a module of this collection - C(community.aws.eks_cluster) and
    C(community.aws.eks_nodegroup) refuse to change the version of an existing cluster
    or group, and nothing orders the control plane, add-on and node group upgrades.
  - This module always waits for each step; the next step depends on it.
author:
  - mas.platform contributors (@mas-platform)
extends_documentation_fragment:
  - mas.platform.aws
options:
  cluster_name:
    description: Name of the EKS cluster.
    type: str
    required: true
  version:
    description: Kubernetes version to reach, such as C(1.31).
    type: str
    required: true
  addons:
    description:
      - Add-ons to move along with the control plane. When not given, every add-on of the
        cluster (EKS C(ListAddons)).
    type: list
    elements: str
  nodegroups:
    description:
      - Managed node groups to upgrade. When not given, every node group of the cluster.
    type: list
    elements: str
  wait_timeout:
    description: Seconds to wait for each control plane and add-on step.
    type: int
    default: 3600
  nodegroup_wait_timeout:
    description: Seconds to wait for each node group's rolling upgrade.
    type: int
    default: 7200
notes:
  - Supports check mode and diff mode.
  - Upgrade the cluster's node group AMIs and the workloads' API versions for the new
    minor before running this (EKS's upgrade insights list what would break).
"""

EXAMPLES = r"""
- name: Upgrade to the spec's version (1.29 -> 1.30 -> 1.31)
  mas.platform.eks_cluster_version:
    cluster_name: mas-production
    version: "1.31"
    region: eu-west-1
    addons: [vpc-cni, kube-proxy, coredns, aws-ebs-csi-driver]
"""

RETURN = r"""
plan:
  description: The steps, in order - one per minor version, each naming the add-ons and node groups moved with it.
  returned: always
  type: list
  elements: dict
  sample: [{version: "1.30", control_plane: true, addons: [coredns], nodegroups: [core, worker]}]
steps:
  description: What was done, in order.
  returned: always
  type: list
  elements: dict
  sample: [{version: "1.30", what: control plane}, {version: "1.30", what: add-on coredns, to: v1.11.3-eksbuild.1}]
"""

from ansible_collections.mas.platform.plugins.module_utils.aws.common import aws_argument_spec, AwsApi, HAS_BOTO3
from ansible_collections.mas.platform.plugins.module_utils.aws.eks import ensure_cluster_version
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformModule

ARGUMENT_SPEC = aws_argument_spec(
    cluster_name=dict(type="str", required=True),
    version=dict(type="str", required=True),
    addons=dict(type="list", elements="str"),
    nodegroups=dict(type="list", elements="str"),
    wait_timeout=dict(type="int", default=3600),
    nodegroup_wait_timeout=dict(type="int", default=7200),
)


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                            required_libraries={"boto3": HAS_BOTO3})
    module.run(lambda m: ensure_cluster_version(m, AwsApi(m.params)))


if __name__ == "__main__":
    main()
