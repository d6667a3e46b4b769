# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # Paired with K8S_AUTH_ARGUMENT_SPEC in module_utils/k8s.py.
    DOCUMENTATION = r"""
options:
  kubeconfig:
    description:
      - Path to a kubeconfig file. Defaults to C(K8S_AUTH_KUBECONFIG), then C(~/.kube/config);
        inside a pod with none of these, the in-cluster configuration.
    type: path
  context:
    description: The kubeconfig context to use. Defaults to C(K8S_AUTH_CONTEXT).
    type: str
  host:
    description: API server URL, instead of a kubeconfig. Defaults to C(K8S_AUTH_HOST).
    type: str
  api_key:
    description: Bearer token for O(host). Defaults to C(K8S_AUTH_API_KEY).
    type: str
  ca_cert:
    description: CA bundle to verify the API server with O(host).
    type: path
    aliases: [ssl_ca_cert]
  validate_certs:
    description: Verify the API server's certificate.
    type: bool
    default: true
    aliases: [verify_ssl]
"""
