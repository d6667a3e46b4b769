# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options of every vault_* module (argument spec: module_utils/vault/client.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  url:
    description:
      - Address of the Vault (or OpenBao) server, such as C(https://vault.example:8200).
      - When not given, the E(VAULT_ADDR) environment variable is used.
    type: str
    required: true
  token:
    description:
      - Vault token the module acts with. Never logged or returned.
      - When not given, the E(VAULT_TOKEN) environment variable is used.
      - It needs the capabilities of what the module manages (for example C(sudo) on
        C(sys/auth/*) to enable an auth method); a missing one gives an error naming
        the operation and the path.
    type: str
    required: true
  namespace:
    description:
      - Vault namespace to work in (Vault Enterprise, OpenBao).
      - When not given, the E(VAULT_NAMESPACE) environment variable is used.
    type: str
  ca_cert:
    description:
      - Path of a PEM file with the CA that signed the server's certificate.
      - When not given, the E(VAULT_CACERT) environment variable is used.
    type: path
  validate_certs:
    description:
      - Verify the server's TLS certificate. Turn off only for a throwaway test server.
    type: bool
    default: true
  timeout:
    description:
      - Seconds to wait for a connection and for each answer.
    type: int
    default: 30
notes:
  - An unreachable server, a sealed server and a token without the needed capability
    each fail with one line naming the server, and for a refused call the operation and
    the path.
  - A refused call is told apart from a refused token by looking the token up
    (C(auth/token/lookup-self), granted by the C(default) policy); a token created
    without the C(default) policy is therefore reported as invalid when a call is refused.
requirements:
  - hvac (Python library)
"""
