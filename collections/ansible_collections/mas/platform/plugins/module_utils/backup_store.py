# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup store: one S3 bucket and prefix, content-addressed chunks and manifests.

Layout under ``s3://<bucket>/<prefix>/``:

- ``chunks/<aa>/<sha256>``: one chunk, stored once whichever backups list it; zlib
  compressed when that pays (the codec is in the object's metadata and the manifest);
- ``manifests/<kind>/<backup id>.json``: one per backup, written last, so that a
  manifest exists only for a backup whose every chunk was stored;
- ``staging/<backup id>/...``: dumps that Jobs upload for the backup to ingest (and that
  a restore stages for Jobs to download); deleted once used;
- ``locks/<kind>-<backup id>.json``: a backup in progress. Pruning deletes no chunk
  while a lock younger than ``lock_stale_after`` exists.

Every object is written with server-side encryption (``AES256``, or ``aws:kms`` with the
spec's key) and an S3 SHA-256 checksum, which S3 verifies on upload. The manifests
record the SHA-256 of every chunk's content, which a restore verifies on download.

``STORE_OPTIONS`` are the ``store`` option of the backup modules (doc fragment
``mas.platform.backup``); the AWS connection part is module_utils/aws.py's.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.module_utils.basic import env_fallback

from ansible_collections.mas.platform.plugins.module_utils.aws import (
    AWS_CONNECTION_SPEC,
    AwsApi,
    AwsApiError,
)
from ansible_collections.mas.platform.plugins.module_utils.backup_format import (
    check_manifest,
    decode_chunk,
    encode_chunk,
    parse_time,
)
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
NOT_FOUND = ("NoSuchKey", "404", "NotFound")


class BackupStore(object):
    """The chunks, manifests, staging objects and locks of one store."""

    def __init__(self, params, api=None):
        self.bucket = params["bucket"]
        self.prefix = (params.get("prefix") or "").strip("/")
        if not self.prefix:
            raise PlatformError("store.prefix: must not be empty (the store's objects live under it)")
        if params.get("server_side_encryption") == "aws:kms" or params.get("kms_key_id"):
            self.sse = dict(ServerSideEncryption="aws:kms")
            if params.get("kms_key_id"):
                self.sse["SSEKMSKeyId"] = params["kms_key_id"]
        else:
            self.sse = dict(ServerSideEncryption="AES256")
        self.api = api or AwsApi(params)
        self.endpoint = self.api.endpoint("s3")

    # -- names ----------------------------------------------------------------------------

    def key(self, *parts):
        return "/".join((self.prefix,) + parts)

    def url(self, key):
        return "s3://%s/%s" % (self.bucket, key)

    def chunk_key(self, digest):
        return self.key("chunks", digest[:2], digest)

    def manifest_key(self, kind, backup):
        return self.key("manifests", kind, backup + ".json")

    def staging_key(self, backup, name):
        return self.key("staging", backup, name)

    # -- calls ----------------------------------------------------------------------------

    def call(self, operation, resource, **kwargs):
        return self.api.call("s3", operation, resource, **kwargs)

    def check_bucket(self):
        try:
            self.call("head_bucket", "bucket %s" % self.bucket, Bucket=self.bucket)
        except AwsApiError as exc:
            if exc.code in ("404", "NoSuchBucket", "NotFound"):
                raise PlatformError("store.bucket: the bucket %s does not exist at %s" % (self.bucket, self.endpoint))
            raise

    def list_objects(self, under):
        """[(key, size, last modified datetime)] of every object below ``under``."""
        found = []
        kwargs = dict(Bucket=self.bucket, Prefix=under.rstrip("/") + "/")
        while True:
            page = self.call("list_objects_v2", self.url(kwargs["Prefix"]), **kwargs)
            for obj in page.get("Contents") or []:
                found.append((obj["Key"], obj["Size"], obj["LastModified"]))
            if not page.get("IsTruncated"):
                return found
            kwargs["ContinuationToken"] = page["NextContinuationToken"]

    def put(self, key, body, metadata=None, content_type="application/octet-stream"):
        kwargs = dict(Bucket=self.bucket, Key=key, Body=body, ContentType=content_type,
                      ChecksumAlgorithm="SHA256", **self.sse)
        if metadata:
            kwargs["Metadata"] = metadata
        self.call("put_object", self.url(key), **kwargs)

    def get(self, key, missing=None):
        """The bytes of an object; ``missing`` (a message) raised when it does not exist."""
        try:
            answer = self.call("get_object", self.url(key), Bucket=self.bucket, Key=key)
        except AwsApiError as exc:
            if exc.code in NOT_FOUND and missing:
                raise PlatformError(missing)
            raise
        return answer["Body"].read()

    def delete(self, keys):
        """Delete objects, 1000 per request; returns how many were deleted."""
        keys = list(keys)
        for start in range(0, len(keys), 1000):
            batch = keys[start:start + 1000]
            answer = self.call("delete_objects", self.url(self.prefix), Bucket=self.bucket,
                               Delete=dict(Objects=[dict(Key=k) for k in batch], Quiet=True))
            errors = answer.get("Errors") or []
            if errors:
                raise PlatformError("deleting from %s failed for %s: %s" % (
                    self.url(self.prefix), errors[0].get("Key"), errors[0].get("Message") or errors[0].get("Code")))
        return len(keys)

    # -- chunks ---------------------------------------------------------------------------

    def stored_chunks(self):
        """{digest: (stored size, last modified)} of every chunk in the store."""
        return dict((key.rsplit("/", 1)[-1], (size, modified))
                    for key, size, modified in self.list_objects(self.key("chunks")))

    def put_chunk(self, digest, data):
        """Store a chunk; returns its chunk reference for the manifest."""
        codec, stored = encode_chunk(data)
        self.put(self.chunk_key(digest), stored, metadata=dict(codec=codec, sha256=digest))
        return dict(sha256=digest, size=len(data), stored_size=len(stored), codec=codec)

    def get_chunk(self, ref, where):
        """The verified content of a chunk that ``where`` (an item) lists."""
        key = self.chunk_key(ref["sha256"])
        stored = self.get(key, missing="missing chunk in %s: %s does not exist; nothing was restored"
                          % (where, self.url(key)))
        return decode_chunk(ref.get("codec", "zlib"), stored, ref["sha256"], "%s (%s)" % (where, self.url(key)))

    # -- manifests ------------------------------------------------------------------------

    def put_manifest(self, manifest):
        key = self.manifest_key(manifest["kind"], manifest["id"])
        self.put(key, json.dumps(manifest, indent=1, sort_keys=True).encode("utf-8"), content_type="application/json")
        return self.url(key)

    def manifest_ids(self, kind):
        """The backup ids of one kind, oldest first."""
        ids = []
        for key, _size, _modified in self.list_objects(self.key("manifests", kind)):
            name = key.rsplit("/", 1)[-1]
            if name.endswith(".json"):
                ids.append(name[:-len(".json")])
        return sorted(ids)

    def get_manifest(self, kind, backup):
        key = self.manifest_key(kind, backup)
        data = self.get(key, missing="no %s backup %s in %s" % (kind, backup, self.url(self.key("manifests", kind))))
        try:
            manifest = json.loads(data.decode("utf-8"))
        except ValueError as exc:
            raise PlatformError("%s is not valid JSON (%s): the manifest was altered or damaged" % (self.url(key), exc))
        return check_manifest(manifest, self.url(key))

    # -- locks ----------------------------------------------------------------------------

    def lock_key(self, kind, backup):
        return self.key("locks", "%s-%s.json" % (kind, backup))

    def put_lock(self, kind, backup, created):
        self.put(self.lock_key(kind, backup), json.dumps(dict(kind=kind, id=backup, created=created)).encode("utf-8"),
                 content_type="application/json")

    def delete_lock(self, kind, backup):
        self.delete([self.lock_key(kind, backup)])

    def locks(self):
        """[(key, last modified)] of the locks of backups in progress."""
        return [(key, modified) for key, _size, modified in self.list_objects(self.key("locks"))]


def manifest_created(manifest):
    return parse_time(manifest.get("created"))
