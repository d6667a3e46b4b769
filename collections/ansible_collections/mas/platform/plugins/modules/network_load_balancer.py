#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: network_load_balancer
short_description: Ensure an AWS network load balancer with security groups, listeners and their target groups
version_added: 0.1.0
description:
  - Creates, updates or deletes an ELBv2 network load balancer, its security groups,
    its listeners, cross-zone load balancing and tags.
  - Each listener forwards to a target group named in O(listeners[].target_group_name);
    a missing one is created (health checks over TCP on the traffic port) in the VPC of
    the subnets, an existing one is used as it is. Deleting the load balancer deletes its
    target groups too (see O(delete_target_groups)).
  - Why not C(community.aws.elb_network_lb) - it cannot attach security groups, and a
    network load balancer only accepts security groups when it is created, so a load
    balancer made without them can never be restricted by one; and C(community.aws.elb_target_group)
    has no check mode, so a plan could not show a target group to be made.
author:
  - mas.platform contributors (@mas-platform)
extends_documentation_fragment:
  - mas.platform.aws
  - mas.platform.aws.WAIT
options:
  name:
    description: Name of the load balancer (at most 32 characters).
    type: str
    required: true
  state:
    description: C(present) or C(absent).
    type: str
    choices: [present, absent]
    default: present
  scheme:
    description: C(internet-facing) (public subnets) or C(internal) (private subnets). Cannot change.
    type: str
    choices: [internet-facing, internal]
    default: internal
  subnet_ids:
    description: One subnet per availability zone.
    type: list
    elements: str
  security_group_ids:
    description: Security groups of the load balancer (only at creation can a load balancer get its first).
    type: list
    elements: str
    default: []
  cross_zone:
    description: Spread each zone's traffic over the targets of all zones.
    type: bool
    default: true
  listeners:
    description: The listeners; others on the load balancer are removed.
    type: list
    elements: dict
    default: []
    suboptions:
      port:
        description: Port the load balancer listens on.
        type: int
        required: true
      protocol:
        description: C(TCP), C(UDP) or C(TCP_UDP) (TLS ends at the ingress controller).
        type: str
        choices: [TCP, UDP, TCP_UDP]
        default: TCP
      target_group_name:
        description: Name of the target group the listener forwards to (at most 32 characters).
        type: str
        required: true
      target_port:
        description: Port of the targets, for a new target group (defaults to O(listeners[].port)).
        type: int
      target_type:
        description: Kind of targets of a new target group; C(ip) for pods bound by a TargetGroupBinding.
        type: str
        choices: [ip, instance]
        default: ip
  delete_target_groups:
    description: With O(state=absent), delete the target groups of the listeners too.
    type: bool
    default: true
  tags:
    description: Tags of the load balancer.
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
- name: Public entry point of the ingress controller
  mas.platform.network_load_balancer:
    name: mas-production-external
    region: eu-west-1
    scheme: internet-facing
    subnet_ids: "{{ public_subnet_ids }}"
    security_group_ids: ["{{ external_lb_sg_id }}"]
    listeners:
      - port: 443
        target_group_name: mas-production-external-443
"""

RETURN = r"""
actions:
  description: What was (or would be) done, such as C(create), C(add_listener), C(security_groups).
  returned: always
  type: list
  elements: str
load_balancer:
  description: The load balancer (empty when absent).
  returned: always
  type: dict
  contains:
    arn: {description: ARN., type: str, returned: success}
    dns_name: {description: DNS name to point records at., type: str, returned: success}
    canonical_hosted_zone_id: {description: Hosted zone for alias records., type: str, returned: success}
    state: {description: "State, such as C(active).", type: str, returned: success}
    vpc_id: {description: VPC., type: str, returned: success}
    target_groups: {description: ARNs of the listeners' target groups by name., type: dict, returned: success}
"""

from ansible_collections.mas.platform.plugins.module_utils.aws.common import aws_argument_spec, AwsApi, HAS_BOTO3
from ansible_collections.mas.platform.plugins.module_utils.aws.elb import ensure_nlb
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformModule

ARGUMENT_SPEC = aws_argument_spec(
    wait=True,
    name=dict(type="str", required=True),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    scheme=dict(type="str", choices=["internet-facing", "internal"], default="internal"),
    subnet_ids=dict(type="list", elements="str"),
    security_group_ids=dict(type="list", elements="str", default=[]),
    cross_zone=dict(type="bool", default=True),
    listeners=dict(type="list", elements="dict", default=[], options=dict(
        port=dict(type="int", required=True),
        protocol=dict(type="str", choices=["TCP", "UDP", "TCP_UDP"], default="TCP"),
        target_group_name=dict(type="str", required=True),
        target_port=dict(type="int"),
        target_type=dict(type="str", choices=["ip", "instance"], default="ip"),
    )),
    delete_target_groups=dict(type="bool", default=True),
    tags=dict(type="dict", default={}),
    purge_tags=dict(type="bool", default=False),
)


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                            required_if=[("state", "present", ("subnet_ids",))],
                            required_libraries={"boto3": HAS_BOTO3})
    module.run(lambda m: ensure_nlb(m, AwsApi(m.params)))


if __name__ == "__main__":
    main()
