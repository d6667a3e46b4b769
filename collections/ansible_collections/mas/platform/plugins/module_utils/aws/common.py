# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS connection, API calls and errors shared by the collection's AWS modules.

- ``AWS_CONNECTION_SPEC`` is the connection part of every AWS module's argument spec
  (paired with the ``mas.platform.aws`` doc fragment); ``aws_argument_spec`` adds the
  wait options and a module's own options to it.
- ``AwsApi`` makes one boto3 client per service and runs every call through ``call``
  (or ``paginate``, on boto3's paginators): throttling and transient errors are retried
  with amazon.aws's ``AWSRetry`` (jittered backoff), and any error becomes one
  ``PlatformError`` whose message names the operation, the resource and the endpoint
  (unreachable endpoint, rejected credentials, permission denied...).
- Tags are compared and converted by amazon.aws's tagging helpers; versions by the pure
  helpers here.

What stays here rather than in amazon.aws: its ``AnsibleAWSModule`` (with its retrying
client and ``fail_json_aws``) is a module class, and these modules are built on the
collection's own ``PlatformModule`` (one error type, check mode and diff for every
module); so the connection options and the one-line error messages (``describe_error``)
are this file's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.basic import env_fallback

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import (
    ansible_dict_to_boto3_tag_list,
    boto3_tag_list_to_ansible_dict,
    compare_aws_tags,
)
from ansible_collections.mas.platform.plugins.module_utils.base import (
    WAIT_ARGUMENT_SPEC,
    EndpointError,
    PlatformError,
    wait_for,
)

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConnectionError as BotoConnectionError,
        NoCredentialsError,
        PartialCredentialsError,
        ProfileNotFound,
    )

    HAS_BOTO3 = True
except ImportError:  # pragma: no cover - reported by PlatformModule
    HAS_BOTO3 = False

# The connection options of every AWS module (documented in doc_fragments/aws.py).
# Credentials left unset fall through to boto3's own chain (environment, profile,
# web identity, instance role), which is what an AWX execution environment uses.
AWS_CONNECTION_SPEC = dict(
    region=dict(type="str", aliases=["aws_region"], fallback=(env_fallback, ["AWS_REGION", "AWS_DEFAULT_REGION"])),
    endpoint_url=dict(type="str", aliases=["aws_endpoint_url"], fallback=(env_fallback, ["AWS_ENDPOINT_URL"])),
    access_key=dict(type="str", aliases=["aws_access_key_id"], no_log=False),
    secret_key=dict(type="str", aliases=["aws_secret_access_key"], no_log=True),
    session_token=dict(type="str", aliases=["aws_session_token"], no_log=True),
    profile=dict(type="str", aliases=["aws_profile"]),
    validate_certs=dict(type="bool", default=True),
)

# Error codes after which the same call may succeed, beyond those AWSRetry retries
# itself (Throttling, RequestLimitExceeded, TooManyRequestsException, InternalError,
# InternalFailure, ServiceUnavailable, Unavailable): the services' other throttling and
# transient codes, and a bare 5xx (botocore names an error without a code by its status).
RETRY_EXTRA_CODES = [
    "ThrottlingException", "ThrottledException", "RequestThrottledException", "RequestThrottled",
    "ProvisionedThroughputExceededException", "SlowDown", "EC2ThrottledException", "PriorRequestNotComplete",
    "ServiceUnavailableException", "ServerException", "InternalServerError", "BadGateway", "GatewayTimeout",
    "500", "502", "503", "504",
]
# Full-jitter exponential backoff: up to 0.5 s before the second try, at most 8 s.
RETRY_DELAY = 0.5
RETRY_MAX_DELAY = 8
CREDENTIAL_CODES = frozenset([
    "UnrecognizedClientException", "InvalidClientTokenId", "InvalidAccessKeyId", "SignatureDoesNotMatch",
    "AuthFailure", "ExpiredToken", "ExpiredTokenException", "InvalidSignatureException", "IncompleteSignature",
])
PERMISSION_CODES = frozenset([
    "AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException",
    "Forbidden", "AuthorizationError",
])
NOT_FOUND_CODES = frozenset([
    "ResourceNotFoundException", "NoSuchEntity", "NotFoundException", "LoadBalancerNotFound",
    "TargetGroupNotFound", "ListenerNotFound",
])


def aws_argument_spec(wait=False, **options):
    """The argument spec of an AWS module: connection options, optionally the wait
    options, then the module's own ``options``."""
    spec = dict(AWS_CONNECTION_SPEC)
    if wait:
        spec.update(WAIT_ARGUMENT_SPEC)
    spec.update(options)
    return spec


class AwsApiError(PlatformError):
    """A failed AWS call. ``code`` is the AWS error code (or None for connection errors)."""

    def __init__(self, msg, code=None, **details):
        super(AwsApiError, self).__init__(msg, **details)
        self.code = code


def error_code(exc):
    """The AWS error code of a ClientError (or '' for anything else)."""
    response = getattr(exc, "response", None) or {}
    return (response.get("Error") or {}).get("Code") or ""


def describe_error(exc, operation, resource, endpoint):
    """One line for the user: what was asked, of what, where, and why it failed."""
    where = "%s on %s (%s)" % (operation, resource, endpoint)
    if isinstance(exc, ClientError):
        code = error_code(exc)
        message = (exc.response.get("Error") or {}).get("Message") or str(exc)
        if code in CREDENTIAL_CODES:
            return AwsApiError("%s: the AWS credentials were rejected (%s: %s); check access_key/secret_key, "
                               "the profile or the role of this host" % (where, code, message), code=code)
        if code in PERMISSION_CODES:
            return AwsApiError("%s: permission denied (%s: %s)" % (where, code, message), code=code)
        return AwsApiError("%s failed: %s: %s" % (where, code or "error", message), code=code)
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return AwsApiError("%s: no usable AWS credentials found (%s); set access_key and secret_key, "
                           "AWS_PROFILE, or run where an instance or web-identity role is available" % (where, exc))
    if isinstance(exc, ProfileNotFound):
        return AwsApiError("%s: %s (option profile or AWS_PROFILE)" % (where, exc))
    if isinstance(exc, BotoConnectionError):
        return EndpointError(endpoint, "cannot reach the AWS API for %s on %s: %s" % (operation, resource, exc))
    return AwsApiError("%s failed: %s" % (where, exc))


class AwsApi(object):
    """boto3 clients for one module run, and the one way to call them."""

    def __init__(self, params, session_factory=None):
        self.region = params.get("region")
        self.endpoint_url = params.get("endpoint_url") or None
        self.verify = params.get("validate_certs", True)
        if not self.region:
            raise PlatformError("region: no AWS region given; set the option region or AWS_REGION")
        self._params = params
        self._session_factory = session_factory or _boto3_session
        self._session = None
        self._clients = {}

    def endpoint(self, service):
        return self.endpoint_url or "AWS %s in %s" % (service, self.region)

    @property
    def session(self):
        if self._session is None:
            try:
                self._session = self._session_factory(self._params)
            except (ProfileNotFound, BotoCoreError) as exc:
                raise PlatformError("profile: %s" % exc)
        return self._session

    def client(self, service):
        if service not in self._clients:
            # Retries are AWSRetry's (``call``), so that they are the same for every
            # call and a test can see them; botocore's are switched off.
            config = Config(retries=dict(total_max_attempts=1), user_agent_extra="mas.platform")
            self._clients[service] = self.session.client(
                service, region_name=self.region, endpoint_url=self.endpoint_url,
                verify=self.verify, config=config)
        return self._clients[service]

    def call(self, service, operation, resource, attempts=6, **kwargs):
        """``client(service).<operation>(**kwargs)`` with retries; raises AwsApiError
        (or EndpointError) naming ``resource`` on failure."""
        method = getattr(self.client(service), operation)
        return self._retrying(service, operation, resource, attempts, lambda: method(**kwargs))

    def _retrying(self, service, operation, resource, attempts, call):
        retry = AWSRetry.jittered_backoff(retries=attempts, delay=RETRY_DELAY, max_delay=RETRY_MAX_DELAY,
                                          catch_extra_error_codes=RETRY_EXTRA_CODES)
        try:
            return retry(call)()
        except (ClientError, BotoCoreError) as exc:
            raise describe_error(exc, operation, resource, self.endpoint(service))

    def find(self, service, operation, resource, not_found=NOT_FOUND_CODES, **kwargs):
        """Like ``call``, but None when the resource does not exist."""
        try:
            return self.call(service, operation, resource, **kwargs)
        except AwsApiError as exc:
            if exc.code in not_found:
                return None
            raise

    def paginate(self, service, operation, key, resource, attempts=6, **kwargs):
        """All items of a paginated list call (``key`` names the list in each page), read
        with boto3's paginator for ``operation``; a throttled page reads them all again."""
        paginator = self.client(service).get_paginator(operation)
        pages = self._retrying(service, operation, resource, attempts,
                               lambda: paginator.paginate(**kwargs).build_full_result())
        return pages.get(key) or []


def _boto3_session(params):
    return boto3.session.Session(
        aws_access_key_id=params.get("access_key") or None,
        aws_secret_access_key=params.get("secret_key") or None,
        aws_session_token=params.get("session_token") or None,
        profile_name=params.get("profile") or None,
    )


def wait_until_status(read, wanted, failed, timeout, description):
    """Poll ``read()`` (a dict with ``status``, or None once the resource is gone) until
    its status is in ``wanted`` (None in ``wanted``: until it is gone); raise naming
    ``description`` when it reaches a status in ``failed`` or on timeout."""
    seen = {}

    def check():
        current = read()
        status = current.get("status") if current else None
        seen["status"] = status
        if status in failed:
            raise PlatformError("%s ended in status %s: %s" % (description, status, _health(current)))
        if status in wanted:
            return current or {"status": None}
        return None

    try:
        return wait_for(check, timeout, description, state=lambda: "status %s" % (seen.get("status") or "gone"))
    except PlatformError as exc:
        if exc.msg.startswith("timed out"):
            raise PlatformError("%s (last status: %s)" % (exc.msg, seen.get("status") or "gone"))
        raise


def _health(resource):
    issues = ((resource or {}).get("health") or {}).get("issues") or []
    if not issues:
        return "no health issues reported"
    return "; ".join("%s: %s" % (i.get("code"), i.get("message")) for i in issues)


def tag_changes(current, desired, purge=False):
    """(tags to set, sorted keys to remove) to go from ``current`` to ``desired``
    (amazon.aws's ``compare_aws_tags``: tags someone else added are kept unless ``purge``,
    and AWS's own ``aws:`` tags always)."""
    to_set, to_remove = compare_aws_tags(current or {}, desired or {}, purge_tags=purge)
    return to_set, sorted(to_remove)


def tag_list_to_dict(tags):
    """[{'Key': k, 'Value': v}] (EC2, ELB, IAM style) -> {k: v}."""
    return boto3_tag_list_to_ansible_dict(tags)


def tag_dict_to_list(tags):
    """{k: v} -> [{'Key': k, 'Value': v}], sorted by key."""
    return ansible_dict_to_boto3_tag_list(dict(sorted((tags or {}).items())))


def minor_version(version, key="version"):
    """'1.29' or '1.29.3' -> (1, 29); PlatformError naming ``key`` otherwise."""
    match = re.match(r"^v?(\d+)\.(\d+)(?:\.\d+)?(?:[-+].*)?$", str(version or ""))
    if not match:
        raise PlatformError("%s: %r is not a Kubernetes version such as '1.29'" % (key, version))
    return int(match.group(1)), int(match.group(2))


def version_key(version):
    """Sort key of an add-on version such as 'v1.35.0-eksbuild.1': all its numbers."""
    return tuple(int(n) for n in re.findall(r"\d+", str(version or "")))


# EKS's update statuses (UpdateClusterConfig, UpdateNodegroupConfig, UpdateAddon...).
UPDATE_DONE = ("Successful",)
UPDATE_FAILED = ("Failed", "Cancelled")


def wait_update(api, cluster, update, timeout, description, nodegroup=None, addon=None):
    """Wait until an EKS update (the ``update`` of an Update* response) succeeds."""
    update_id = (update or {}).get("id")
    if not update_id:
        raise PlatformError("%s: EKS returned no update id to wait for" % description)
    kwargs = dict(name=cluster, updateId=update_id)
    if nodegroup:
        kwargs["nodegroupName"] = nodegroup
    if addon:
        kwargs["addonName"] = addon

    def read():
        found = api.call("eks", "describe_update", description, **kwargs)["update"]
        errors = found.get("errors") or []
        found = dict(found, health=dict(issues=[dict(code=e.get("errorCode"), message=e.get("errorMessage"))
                                                for e in errors]))
        return dict(found, status=found.get("status"))

    return wait_until_status(read, UPDATE_DONE, UPDATE_FAILED, timeout, description)
