# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options of every module that talks to RabbitMQ (argument spec:
module_utils/clients/rabbitmq.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  api_url:
    description:
      - URL of the RabbitMQ management API, such as C(http://rabbitmq.core-services:15672).
        A trailing C(/api) may be given or left out.
      - When not given, the E(RABBITMQ_API_URL) environment variable is used.
    type: str
  username:
    description:
      - User of the management API. It needs the C(management) tag to read, and the
        C(policymaker) (or C(administrator)) tag for the modules that set policies.
      - When not given, the E(RABBITMQ_USERNAME) environment variable is used.
    type: str
  password:
    description:
      - Password of O(username). Never logged or returned.
      - When not given, the E(RABBITMQ_PASSWORD) environment variable is used.
    type: str
  vhost:
    description:
      - The virtual host of the queues and policies.
    type: str
    default: /
  validate_certs:
    description:
      - Verify the TLS certificate of the management API.
    type: bool
    default: true
  ca_cert:
    description:
      - CA bundle to verify the management API's certificate with.
      - When not given, the E(RABBITMQ_CA_CERT) environment variable is used.
    type: path
  timeout:
    description:
      - Seconds one HTTP call to the management API may take.
    type: int
    default: 30
notes:
  - An unreachable management API fails with one line naming its URL; rejected
    credentials fail with C(bad credentials for <user> at <url>).
  - The management API reports queue depths from statistics that the broker refreshes
    every C(collect_statistics_interval) (5 seconds by default), so depths read here can be
    that old.
"""
