# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The RabbitMQ management HTTP API, for the rabbitmq_* modules and the health report.

``RABBITMQ_ARGUMENT_SPEC`` is the set of connection options every module that talks to
the broker takes (documented by the ``mas.platform.rabbitmq`` doc fragment).
``RabbitMQClient`` maps every failure to one ``PlatformError`` line:

- the API cannot be reached (refused, timed out, TLS) -> ``EndpointError`` naming the URL;
- HTTP 401 -> "bad credentials for <user> at <url>";
- HTTP 403 -> "<user> may not <operation> at <url>";
- anything else -> the URL, the status and RabbitMQ's own reason.

The password is never part of a message. The HTTP layer is the collection's one client,
module_utils/clients/json_http.py.

The functions below the client are pure: which queues a name pattern selects, which
policy RabbitMQ applies to a queue, and how a queue's depth reads.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import time

from ansible.module_utils.basic import env_fallback
from ansible.module_utils.six.moves.urllib.parse import quote

from ansible_collections.mas.platform.plugins.module_utils.base import EndpointError, PlatformError
from ansible_collections.mas.platform.plugins.module_utils.clients.json_http import error_reason, json_request
from ansible_collections.mas.platform.plugins.module_utils.progress import Progress


# The connection options of every module that talks to RabbitMQ (doc fragment:
# mas.platform.rabbitmq). Nothing is required here: health_report needs the broker only
# for its rabbitmq checks, so the client says which option is missing when it is used.
RABBITMQ_ARGUMENT_SPEC = dict(
    api_url=dict(type="str", fallback=(env_fallback, ["RABBITMQ_API_URL"])),
    username=dict(type="str", fallback=(env_fallback, ["RABBITMQ_USERNAME"])),
    password=dict(type="str", no_log=True, fallback=(env_fallback, ["RABBITMQ_PASSWORD"])),
    vhost=dict(type="str", default="/"),
    validate_certs=dict(type="bool", default=True),
    ca_cert=dict(type="path", fallback=(env_fallback, ["RABBITMQ_CA_CERT"])),
    timeout=dict(type="int", default=30),
)

# The queue fields the modules read: depth, consumers, type and what governs overflow.
QUEUE_COLUMNS = (
    "name", "type", "state", "node", "arguments", "policy", "effective_policy_definition",
    "messages", "messages_ready", "messages_unacknowledged", "consumers",
)


def rabbitmq_argument_spec(**module_options):
    """The module's own options plus the shared connection options."""
    spec = dict(RABBITMQ_ARGUMENT_SPEC)
    spec.update(module_options)
    return spec


class RabbitMQClient:
    """The management API of one broker, with the collection's error mapping."""

    def __init__(self, params):
        self.api_url = (params.get("api_url") or "").rstrip("/")
        if not self.api_url:
            raise PlatformError("api_url: no RabbitMQ management API URL given (set api_url or RABBITMQ_API_URL)")
        if not self.api_url.startswith(("http://", "https://")):
            raise PlatformError("api_url: %r is not an HTTP(S) URL (expected e.g. http://rabbitmq:15672)"
                                % self.api_url)
        if not self.api_url.endswith("/api"):
            self.api_url += "/api"
        self.username = params.get("username")
        if not self.username:
            raise PlatformError("username: no RabbitMQ user given (set username or RABBITMQ_USERNAME)")
        self.password = params.get("password") or ""
        self.vhost = params.get("vhost") or "/"
        self.validate_certs = params.get("validate_certs", True)
        self.ca_cert = params.get("ca_cert")
        self.timeout = params.get("timeout") or 30

    def url(self, *parts):
        return "/".join([self.api_url] + [quote(part, safe="") for part in parts])

    def request(self, method, parts, body=None, operation="read", query=None):
        """Call the API; returns (status, body). 404 comes back as (404, body)."""
        url = self.url(*parts)
        if query:
            url += "?" + query
        status, answer = json_request(
            url, method=method, body=body, username=self.username, password=self.password,
            validate_certs=self.validate_certs, ca_cert=self.ca_cert, timeout=self.timeout,
            operation=operation, service="the RabbitMQ management API")
        if status >= 400 and status != 404:
            raise EndpointError(url, "cannot %s: HTTP %s: %s" % (operation, status, error_reason(json.dumps(answer))))
        return status, answer

    # -- reads ----------------------------------------------------------------------------

    def check_vhost(self):
        if self.request("GET", ["vhosts", self.vhost], operation="read the vhost")[0] == 404:
            raise PlatformError("vhost: %r does not exist at %s" % (self.vhost, self.api_url))

    def queues(self):
        """Every queue of the vhost, with QUEUE_COLUMNS."""
        status, answer = self.request("GET", ["queues", self.vhost], operation="list the queues",
                                      query="columns=" + ",".join(QUEUE_COLUMNS))
        if status == 404:
            self.check_vhost()
            return []
        return list(answer or [])

    def policies(self):
        status, answer = self.request("GET", ["policies", self.vhost], operation="list the policies")
        if status == 404:
            self.check_vhost()
            return []
        return list(answer or [])

    def health_check(self, name):
        """GET /api/health/checks/<name>: (ok, reason)."""
        url = self.url("health", "checks", *name.strip("/").split("/"))
        status, answer = json_request(
            url, username=self.username, password=self.password, validate_certs=self.validate_certs,
            ca_cert=self.ca_cert, timeout=self.timeout, operation="run the health check",
            service="the RabbitMQ management API")
        if status == 200:
            return True, "ok"
        if status in (404, 406):
            # An unknown path under /api answers 406 to a client that accepts JSON only.
            return False, "no health check %r at %s" % (name, self.api_url)
        return False, error_reason(json.dumps(answer)) or "HTTP %s" % status

    # -- writes ---------------------------------------------------------------------------

    def put_policy(self, name, pattern, definition, priority, apply_to="queues"):
        body = {"pattern": pattern, "definition": definition, "priority": priority, "apply-to": apply_to}
        status, answer = self.request("PUT", ["policies", self.vhost, name], body=body,
                                      operation="set the policy %s" % name)
        if status == 404:
            self.check_vhost()
            raise EndpointError(self.url("policies", self.vhost, name), "cannot set the policy: %s"
                                % error_reason(json.dumps(answer)))

    def delete_policy(self, name):
        self.request("DELETE", ["policies", self.vhost, name], operation="delete the policy %s" % name)


# -- pure helpers ----------------------------------------------------------------------------

def compile_pattern(pattern, key="queue_pattern"):
    """A queue name pattern as RabbitMQ reads it (a regular expression that may match
    anywhere in the name, like a policy pattern)."""
    if not isinstance(pattern, str) or not pattern:
        raise PlatformError("%s: expected a non-empty regular expression, got %r" % (key, pattern))
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise PlatformError("%s: %r is not a valid regular expression (%s)" % (key, pattern, exc))


def select_queues(queues, pattern):
    """The queues whose name the pattern matches, sorted by name."""
    regex = compile_pattern(pattern) if isinstance(pattern, str) else pattern
    return sorted((q for q in queues if regex.search(q.get("name", ""))), key=lambda q: q["name"])


def policy_applies(policy, queue):
    """Whether a policy may apply to a queue: its apply-to and its pattern."""
    queue_type = queue.get("type") or "classic"
    # "queues" and "all" cover every queue type; RabbitMQ 3.12 adds one value per type.
    allowed = ("all", "queues", "streams" if queue_type == "stream" else "%s_queues" % queue_type)
    if policy.get("apply-to", "all") not in allowed:
        return False
    try:
        return re.search(policy.get("pattern", ""), queue.get("name", "")) is not None
    except re.error:
        return False


def effective_policy(policies, queue):
    """The policy RabbitMQ applies to a queue: the highest priority among those that match
    (RabbitMQ applies one policy per queue). None when no policy matches."""
    matching = [p for p in policies if policy_applies(p, queue)]
    if not matching:
        return None
    return sorted(matching, key=lambda p: (-int(p.get("priority") or 0), p.get("name", "")))[0]


def queue_depth(queue):
    """The depth of one queue as the modules return it (missing stats read as 0)."""
    ready = int(queue.get("messages_ready") or 0)
    unacked = int(queue.get("messages_unacknowledged") or 0)
    return dict(
        name=queue.get("name"),
        type=queue.get("type") or "classic",
        messages_ready=ready,
        messages_unacknowledged=unacked,
        messages=ready + unacked,
        consumers=int(queue.get("consumers") or 0),
        policy=queue.get("policy") or None,
        state=queue.get("state") or None,
    )


def depth_totals(depths):
    return dict(
        queues=len(depths),
        messages_ready=sum(d["messages_ready"] for d in depths),
        messages_unacknowledged=sum(d["messages_unacknowledged"] for d in depths),
        messages=sum(d["messages"] for d in depths),
        consumers=sum(d["consumers"] for d in depths),
    )


def describe_depths(depths):
    """"tasks.a ready=10 unacked=2, tasks.b ready=0 unacked=1" for messages."""
    return ", ".join("%s ready=%d unacked=%d" % (d["name"], d["messages_ready"], d["messages_unacknowledged"])
                     for d in depths)


def poll_queues(client, names, satisfied, timeout, interval=0.5, max_interval=1.0, sleep=None, clock=None):
    """Read the queues until ``satisfied(queue)`` holds for every queue in ``names`` (a
    queue that disappeared counts as satisfied), or ``timeout`` seconds pass.

    Returns the names still unsatisfied (empty on success) and the last reading by name.
    """
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    deadline = clock() + timeout
    progress = Progress(timeout, what="the queues' policies")
    while True:
        by_name = dict((q["name"], q) for q in client.queues())
        pending = sorted(n for n in names if n in by_name and not satisfied(by_name[n]))
        remaining = deadline - clock()
        if not pending or remaining <= 0:
            return pending, by_name
        progress(lambda: "%d of %d queues not yet done: %s" % (len(pending), len(names), ", ".join(pending[:5])))
        sleep(min(interval, remaining))
        interval = min(interval * 2, max_interval)
