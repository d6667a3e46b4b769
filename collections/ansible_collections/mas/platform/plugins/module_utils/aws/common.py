# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""AWS connection, API calls and errors shared by the collection's AWS modules.

- ``AWS_CONNECTION_SPEC`` is the connection part of every AWS module's argument spec
  (paired with the ``mas.platform.aws`` doc fragment); ``aws_argument_spec`` adds the
  wait options and a module's own options to it.
- ``AwsApi`` makes one boto3 client per service and runs every call through ``call``:
  throttling and transient errors are retried with jittered backoff, and any error
  becomes one ``PlatformError`` whose message names the operation, the resource and
  the endpoint (unreachable endpoint, rejected credentials, permission denied...).
- Pure helpers for tags and versions.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.basic import env_fallback

from ansible_collections.mas.platform.plugins.module_utils.base import (
    WAIT_ARGUMENT_SPEC,
    EndpointError,
    PlatformError,
    retry_with_backoff,
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

# Error codes after which the same call may succeed: throttling and transient faults.
RETRYABLE_CODES = frozenset([
    "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
    "TooManyRequestsException", "RequestLimitExceeded", "ProvisionedThroughputExceededException",
    "SlowDown", "RequestThrottled", "EC2ThrottledException", "PriorRequestNotComplete",
    "InternalError", "InternalFailure", "ServiceUnavailable", "ServiceUnavailableException",
    "ServerException",
])
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


def is_retryable(exc):
    """Throttling, a transient 5xx, or a dropped connection: worth another try."""
    if HAS_BOTO3 and isinstance(exc, ClientError):
        if error_code(exc) in RETRYABLE_CODES:
            return True
        status = (exc.response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0
        return status in (500, 502, 503, 504)
    return False


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
            # Retries are ours (retry_with_backoff), so that they are the same for
            # every call and a test can see them; botocore's are switched off.
            config = Config(retries=dict(total_max_attempts=1), user_agent_extra="mas.platform")
            self._clients[service] = self.session.client(
                service, region_name=self.region, endpoint_url=self.endpoint_url,
                verify=self.verify, config=config)
        return self._clients[service]

    def call(self, service, operation, resource, attempts=6, **kwargs):
        """``client(service).<operation>(**kwargs)`` with retries; raises AwsApiError
        (or EndpointError) naming ``resource`` on failure."""
        method = getattr(self.client(service), operation)
        try:
            return retry_with_backoff(lambda: method(**kwargs), is_retryable, attempts=attempts)
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

    def paginate(self, service, operation, key, resource, **kwargs):
        """All items of a paginated list call (``key`` names the list in each page)."""
        items = []
        token_key, next_key = _pagination_keys(service)
        while True:
            page = self.call(service, operation, resource, **kwargs)
            items.extend(page.get(key) or [])
            token = page.get(next_key)
            if not token:
                return items
            kwargs[token_key] = token


def _pagination_keys(service):
    if service == "iam":
        return "Marker", "Marker"
    if service == "elbv2":
        return "Marker", "NextMarker"
    return "nextToken", "nextToken"


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
        return wait_for(check, timeout, description)
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
    """(tags to set, keys to remove) to go from ``current`` to ``desired``.

    Tags someone else added are kept unless ``purge``."""
    current = current or {}
    desired = desired or {}
    to_set = dict((k, v) for k, v in desired.items() if current.get(k) != v)
    to_remove = sorted(k for k in current if k not in desired) if purge else []
    return to_set, to_remove


def tag_list_to_dict(tags):
    """[{'Key': k, 'Value': v}] (EC2, ELB, IAM style) -> {k: v}."""
    return dict((t["Key"], t.get("Value", "")) for t in tags or [])


def tag_dict_to_list(tags):
    return [dict(Key=k, Value=v) for k, v in sorted((tags or {}).items())]


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
