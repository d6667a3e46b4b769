# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What AWS accepts: its regions and their availability zones, and the sizes of a VPC's
networks.

The regions are those of botocore 1.40.70's endpoints.json (every partition); a region
AWS opens later is added here, in one place. The preflight does not import botocore:
the module runs wherever Ansible runs, AWS libraries or not.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import re

from ansible_collections.mas.platform.plugins.module_utils.spec.schema import describe, INVALID, Node, quote

AWS_REGIONS = (
    # aws
    "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1",
    "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4", "ap-southeast-5",
    "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-north-1",
    "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1",
    "mx-central-1", "sa-east-1", "us-east-1", "us-east-2", "us-west-1", "us-west-2",
    # aws-cn, aws-us-gov, aws-iso*, aws-eusc
    "cn-north-1", "cn-northwest-1", "us-gov-east-1", "us-gov-west-1", "us-iso-east-1", "us-iso-west-1",
    "us-isob-east-1", "us-isob-west-1", "eu-isoe-west-1", "us-isof-east-1", "us-isof-south-1", "eusc-de-east-1",
)
# An availability zone is its region's name and a letter (eu-west-1a); a Local Zone
# adds a location (us-west-2-lax-1a).
_ZONE = re.compile(r"(?P<region>[a-z]+(-[a-z]+)+-[0-9])(-[a-z]{3}-[0-9])?[a-z]")
# A VPC or subnet CIDR block: from /16 to /28 (Amazon VPC quotas).
VPC_PREFIXES = range(16, 29)


class Region(Node):
    """An AWS region such as 'eu-west-1' (AWS_REGIONS)."""

    expected = "an AWS region such as 'eu-west-1'"

    def check(self, value, path, findings):
        if isinstance(value, str) and value in AWS_REGIONS:
            return value
        hint = ""
        if isinstance(value, str):
            close = difflib.get_close_matches(value[:40], AWS_REGIONS, n=3)
            hint = " (did you mean %s?)" % " or ".join(close) if close else " (known: %s)" % ", ".join(AWS_REGIONS[:34])
        findings.error(path, "expected %s, got %s, which is not an AWS region%s" % (
            self.expected, quote(value) if isinstance(value, str) else describe(value), hint))
        return INVALID


def zone_region(zone):
    """The region of an availability zone name ('eu-west-1a' -> 'eu-west-1'), or None."""
    match = _ZONE.fullmatch(zone) if isinstance(zone, str) else None
    return match.group("region") if match else None
