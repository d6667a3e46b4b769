# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Instant queries against the Prometheus HTTP API (``/api/v1/query``).

``PROMETHEUS_ARGUMENT_SPEC`` is the set of connection options of every module that
queries Prometheus (doc fragment ``mas.platform.prometheus``). The options carry a
``prometheus_`` prefix so that a module can take them next to the RabbitMQ ones.
Errors read like the RabbitMQ client's: an unreachable Prometheus names its URL, a 401
says "bad credentials for <user> at <url>", a rejected query names the query and gives
Prometheus' reason.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.six.moves.urllib.parse import urlencode

from ansible_collections.mas.platform.plugins.module_utils.base import EndpointError, PlatformError
from ansible_collections.mas.platform.plugins.module_utils.clients.json_http import json_request

PROMETHEUS_ARGUMENT_SPEC = dict(
    prometheus_url=dict(type="str", fallback=(env_fallback, ["PROMETHEUS_URL"])),
    prometheus_username=dict(type="str", fallback=(env_fallback, ["PROMETHEUS_USERNAME"])),
    prometheus_password=dict(type="str", no_log=True, fallback=(env_fallback, ["PROMETHEUS_PASSWORD"])),
    prometheus_validate_certs=dict(type="bool", default=True),
    prometheus_ca_cert=dict(type="path"),
    prometheus_timeout=dict(type="int", default=30),
)


class PrometheusClient:
    """Instant queries with the collection's error mapping."""

    def __init__(self, params):
        self.url = (params.get("prometheus_url") or "").rstrip("/")
        if not self.url:
            raise PlatformError("prometheus_url: no Prometheus URL given (set prometheus_url or PROMETHEUS_URL)")
        if not self.url.startswith(("http://", "https://")):
            raise PlatformError("prometheus_url: %r is not an HTTP(S) URL (expected e.g. http://prometheus:9090)"
                                % self.url)
        self.username = params.get("prometheus_username")
        self.password = params.get("prometheus_password")
        self.validate_certs = params.get("prometheus_validate_certs", True)
        self.ca_cert = params.get("prometheus_ca_cert")
        self.timeout = params.get("prometheus_timeout") or 30

    def query(self, expression, timeout=None):
        """Run an instant query; returns a list of samples ``{"labels": {...}, "value": float}``
        (one unlabelled sample for a scalar result)."""
        if not isinstance(expression, str) or not expression.strip():
            raise PlatformError("query: expected a PromQL expression, got %r" % (expression,))
        url = "%s/api/v1/query?%s" % (self.url, urlencode({"query": expression}))
        status, body = json_request(
            url, username=self.username, password=self.password, validate_certs=self.validate_certs,
            ca_cert=self.ca_cert, timeout=timeout or self.timeout, operation="query",
            service="Prometheus")
        return parse_query_response(status, body, expression, self.url)

    def single_value(self, expression, timeout=None):
        """The one number a query returns; errors name the query when it returns none or several."""
        samples = self.query(expression, timeout=timeout)
        if not samples:
            raise PlatformError("query %r returned no data at %s (is the metric scraped?)" % (expression, self.url))
        if len(samples) > 1:
            raise PlatformError("query %r returned %d series at %s; aggregate it to one value (e.g. max(...))"
                                % (expression, len(samples), self.url))
        return samples[0]["value"]


def parse_query_response(status, body, expression, url):
    """The samples of a /api/v1/query answer, or one PlatformError line."""
    if not isinstance(body, dict):
        raise EndpointError(url, "Prometheus answered HTTP %s without a JSON body to query %r" % (status, expression))
    if body.get("status") != "success":
        reason = body.get("error") or body.get("reason") or "HTTP %s" % status
        if status == 404:
            raise EndpointError(url, "no Prometheus query API here (HTTP 404)")
        raise PlatformError("query %r rejected by Prometheus at %s: %s" % (expression, url, reason),
                            endpoint=url)
    data = body.get("data") or {}
    result_type = data.get("resultType")
    result = data.get("result")
    if result_type == "vector":
        return [dict(labels=item.get("metric") or {}, value=_number(item.get("value"), expression))
                for item in result or []]
    if result_type == "scalar":
        return [dict(labels={}, value=_number(result, expression))]
    raise PlatformError("query %r returned a %s; expected an instant vector or a scalar" % (expression, result_type))


def _number(pair, expression):
    """A sample is [timestamp, "value"]; Prometheus writes NaN and +Inf as strings."""
    try:
        value = float(pair[1])
    except (TypeError, ValueError, IndexError):
        raise PlatformError("query %r returned a sample that is not a number: %r" % (expression, pair))
    if math.isnan(value):
        raise PlatformError("query %r returned NaN" % (expression,))
    return value
