# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the backups live: the store of the spec (``backup_procedures.store``), an S3
bucket and prefix.

- ``s3://<bucket>/<prefix>/restic/``: the restic repository (module_utils/backup/restic.py);
- ``s3://<bucket>/<prefix>/staging/<run>/...``: the dumps that the MongoDB, Neo4j and
  Prometheus Jobs hand over (module_utils/backup/jobs.py), written with the store's
  server-side encryption and deleted once read.

``STORE_OPTIONS`` are the ``store`` option of the backup modules (doc fragment
``mas.platform.backup``); the AWS connection part is module_utils/aws/common.py's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

from ansible_collections.mas.platform.plugins.module_utils.aws.common import AWS_CONNECTION_SPEC, AwsApi, AwsApiError
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError

STORE_OPTIONS = dict(AWS_CONNECTION_SPEC)
STORE_OPTIONS.update(
    bucket=dict(type="str", required=True),
    prefix=dict(type="str", required=True),
    server_side_encryption=dict(type="str", choices=["AES256", "aws:kms"], default="AES256"),
    kms_key_id=dict(type="str"),
)
# The S3 endpoint may differ from the other AWS APIs' (AWS_ENDPOINT_URL_S3 is boto3's own).
STORE_OPTIONS["endpoint_url"] = dict(type="str", aliases=["aws_endpoint_url"],
                                     fallback=(env_fallback, ["AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"]))
STORE_ARGUMENT_SPEC = dict(store=dict(type="dict", required=True, options=STORE_OPTIONS))
REPOSITORY_DIR = "restic"


class StoreLocation(object):
    """The store's bucket and prefix: the restic repository's URL and credentials, and the
    staging objects of the dump Jobs."""

    def __init__(self, params, api=None):
        self.params = params
        self.bucket = params["bucket"]
        self.prefix = (params.get("prefix") or "").strip("/")
        if not self.prefix:
            raise PlatformError("store.prefix: must not be empty (the repository lives under it)")
        if params.get("server_side_encryption") == "aws:kms" or params.get("kms_key_id"):
            self.sse = dict(ServerSideEncryption="aws:kms")
            if params.get("kms_key_id"):
                self.sse["SSEKMSKeyId"] = params["kms_key_id"]
        else:
            self.sse = dict(ServerSideEncryption="AES256")
        self.api = api or AwsApi(params)
        self.endpoint = self.api.endpoint("s3")

    # -- names ------------------------------------------------------------------------------

    def key(self, *parts):
        return "/".join((self.prefix,) + parts)

    def url(self, key):
        return "s3://%s/%s" % (self.bucket, key)

    def staging_key(self, run, name):
        return self.key("staging", run, name)

    def repository_url(self):
        """restic's name of the repository: ``s3:<endpoint>/<bucket>/<prefix>/restic``."""
        endpoint = (self.api.endpoint_url or "s3.%s.amazonaws.com" % self.api.region).rstrip("/")
        return "s3:%s/%s/%s" % (endpoint, self.bucket, self.key(REPOSITORY_DIR))

    # -- restic's view of the store ------------------------------------------------------------

    def restic_environment(self):
        """The variables restic's S3 backend reads: the region, and the credentials when
        the options give them (else restic's chain: environment, profile, web identity,
        instance role)."""
        env = {"AWS_DEFAULT_REGION": self.api.region}
        if self.params.get("access_key"):
            env["AWS_ACCESS_KEY_ID"] = self.params["access_key"]
            env["AWS_SECRET_ACCESS_KEY"] = self.params.get("secret_key") or ""
            env["AWS_SESSION_TOKEN"] = self.params.get("session_token") or ""
        if self.params.get("profile"):
            env["AWS_PROFILE"] = self.params["profile"]
        return env

    def restic_options(self):
        options = []
        if not self.params.get("validate_certs", True):
            options.append("--insecure-tls")
        return options

    # -- calls ------------------------------------------------------------------------------

    def check_bucket(self):
        """The bucket answers (restic would retry an unreachable store for many minutes)."""
        try:
            self.api.call("s3", "head_bucket", "bucket %s" % self.bucket, attempts=2, Bucket=self.bucket)
        except AwsApiError as exc:
            if exc.code in ("404", "NoSuchBucket", "NotFound"):
                raise PlatformError("store.bucket: the bucket %s does not exist at %s" % (self.bucket, self.endpoint))
            raise

    def put(self, key, body):
        self.api.call("s3", "put_object", self.url(key), Bucket=self.bucket, Key=key, Body=body,
                      ChecksumAlgorithm="SHA256", **self.sse)

    def open(self, key):
        """The body of an object (a stream)."""
        return self.api.call("s3", "get_object", self.url(key), Bucket=self.bucket, Key=key)["Body"]

    def delete(self, keys):
        keys = list(keys)
        for start in range(0, len(keys), 1000):
            batch = keys[start:start + 1000]
            answer = self.api.call("s3", "delete_objects", self.url(self.prefix), Bucket=self.bucket,
                                   Delete=dict(Objects=[dict(Key=k) for k in batch], Quiet=True))
            errors = answer.get("Errors") or []
            if errors:
                raise PlatformError("deleting from %s failed for %s: %s" % (
                    self.url(self.prefix), errors[0].get("Key"), errors[0].get("Message") or errors[0].get("Code")))
