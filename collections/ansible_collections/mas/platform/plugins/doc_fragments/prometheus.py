# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The connection options of every module that queries Prometheus (argument spec:
module_utils/clients/prometheus.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):

    DOCUMENTATION = r"""
options:
  prometheus_url:
    description:
      - Base URL of the Prometheus HTTP API, such as C(http://prometheus.monitoring:9090).
      - When not given, the E(PROMETHEUS_URL) environment variable is used.
    type: str
  prometheus_username:
    description:
      - User for HTTP basic authentication, when Prometheus sits behind it.
      - When not given, the E(PROMETHEUS_USERNAME) environment variable is used.
    type: str
  prometheus_password:
    description:
      - Password of O(prometheus_username). Never logged or returned.
      - When not given, the E(PROMETHEUS_PASSWORD) environment variable is used.
    type: str
  prometheus_validate_certs:
    description:
      - Verify the TLS certificate of Prometheus.
    type: bool
    default: true
  prometheus_ca_cert:
    description:
      - CA bundle to verify the certificate of Prometheus with.
    type: path
  prometheus_timeout:
    description:
      - Seconds one query may take.
    type: int
    default: 30
notes:
  - An unreachable Prometheus fails with one line naming its URL; rejected credentials
    fail with C(bad credentials for <user> at <url>); a query Prometheus rejects fails
    with the query and Prometheus' own reason.
"""
