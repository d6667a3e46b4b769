#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: eks_kubeconfig
short_description: Write a kubeconfig for an EKS cluster without the aws CLI
version_added: 0.1.0
description:
  - Reads an EKS cluster's endpoint and CA and puts a cluster, a user and a context
    named O(context) into the kubeconfig at O(path) (other entries of the file are kept).
  - With O(auth=exec) (the default) the user runs a short Python program with boto3 as
    a Kubernetes exec credential plugin - each Kubernetes client gets a fresh bearer
    token (a presigned STS C(GetCallerIdentity) URL) signed with the credentials of its
    environment, and the file holds no secret. This works in a minimal AWX execution
    environment, which has Python and boto3 but no aws CLI.
  - With O(auth=token) the file holds one bearer token, valid for 15 minutes, for tools
    without exec plugin support. It is renewed on every run without counting as a change.
  - The file is written with mode 0600.
  - Why a module of this collection - the C(amazon.aws) and C(community.aws) collections
    have no way to produce an EKS kubeconfig or token.
author:
  - mas.platform contributors (@mas-platform)
extends_documentation_fragment:
  - mas.platform.aws
options:
  cluster_name:
    description: Name of the EKS cluster.
    type: str
    required: true
  path:
    description: The kubeconfig file to write (created with its directory if missing).
    type: path
    required: true
  context:
    description: Name of the context, cluster and user entries (defaults to O(cluster_name)).
    type: str
  auth:
    description: C(exec) (a fresh token per client) or C(token) (one 15-minute token in the file).
    type: str
    choices: [exec, token]
    default: exec
  python:
    description:
      - Python interpreter (with boto3) that the exec plugin runs. Defaults to the
        interpreter that runs this module.
    type: str
  set_current_context:
    description: Make O(context) the file's current context.
    type: bool
    default: true
notes:
  - Supports check mode and diff mode (tokens are redacted in the diff).
  - In exec mode the plugin signs with the credentials of the Kubernetes client's
    environment (AWX injects them as environment variables); O(profile) is written into
    the plugin's environment, access keys never are.
"""

EXAMPLES = r"""
- name: Kubeconfig for kubernetes.core
  mas.platform.eks_kubeconfig:
    cluster_name: mas-production
    region: eu-west-1
    path: "{{ playbook_dir }}/../.kube/mas-production.kubeconfig"
"""

RETURN = r"""
path:
  description: The kubeconfig file.
  returned: always
  type: str
context:
  description: The context written.
  returned: always
  type: str
  sample: mas-production
endpoint:
  description: The cluster's API server URL.
  returned: always
  type: str
auth:
  description: How the user authenticates (C(exec) or C(token)).
  returned: always
  type: str
"""

import sys

from ansible_collections.mas.platform.plugins.module_utils.aws.common import aws_argument_spec, AwsApi, HAS_BOTO3
from ansible_collections.mas.platform.plugins.module_utils.aws.eks import describe_cluster
from ansible_collections.mas.platform.plugins.module_utils.aws.eks_auth import ensure_kubeconfig, HAS_YAML
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformModule

ARGUMENT_SPEC = aws_argument_spec(
    cluster_name=dict(type="str", required=True),
    path=dict(type="path", required=True),
    context=dict(type="str"),
    auth=dict(type="str", choices=["exec", "token"], default="exec"),
    python=dict(type="str"),
    set_current_context=dict(type="bool", default=True),
)


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                            required_libraries={"boto3": HAS_BOTO3, "PyYAML": HAS_YAML})
    module.params["python"] = module.params["python"] or sys.executable
    module.run(lambda m: ensure_kubeconfig(m, AwsApi(m.params), describe_cluster))


if __name__ == "__main__":
    main()
