# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""File sources of backups: the Prometheus TSDB snapshot and the model registry.

- Metrics: a snapshot through the Prometheus admin API
  (``POST /api/v1/admin/tsdb/snapshot``; Prometheus runs with ``--web.enable-admin-api``).
  Prometheus writes it to ``<data dir>/snapshots/<name>/``: hard links to its immutable
  blocks, so a block that was in yesterday's snapshot is the same bytes today and restic
  stores nothing new for it. The snapshot is read from ``data_dir`` when the backup runs
  where the data directory is mounted; otherwise a Job on the Prometheus pod's node tars
  it to the store's staging area (module_utils/backup/jobs.py). Either way the snapshot
  is deleted from the Prometheus volume afterwards.
- Models: the learning pipeline's model registry is an S3 prefix
  (``backup_procedures.model_registry.source``); each object is a file of the snapshot.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import tarfile

from ansible_collections.mas.platform.plugins.module_utils.aws.common import AwsApiError, describe_error
from ansible_collections.mas.platform.plugins.module_utils.backup.jobs import PROMETHEUS_JOB_OPTIONS
from ansible_collections.mas.platform.plugins.module_utils.base import EndpointError, PlatformError
from ansible_collections.mas.platform.plugins.module_utils.clients.json_http import json_request

PROMETHEUS_OPTIONS = dict(
    url=dict(type="str"),
    username=dict(type="str"),
    password=dict(type="str", no_log=True),
    validate_certs=dict(type="bool", default=True),
    ca_cert=dict(type="path"),
    timeout=dict(type="int", default=300),
    skip_head=dict(type="bool", default=False),
    data_dir=dict(type="path"),
    restore_dir=dict(type="path"),
    job=dict(type="dict", options=PROMETHEUS_JOB_OPTIONS, default={}),
)
MODELS_OPTIONS = dict(
    bucket=dict(type="str"),
    prefix=dict(type="str", default=""),
)


# -- Prometheus ----------------------------------------------------------------------------

class PrometheusSnapshots(object):
    def __init__(self, params):
        self.params = params
        self.url = (params.get("url") or "").rstrip("/")
        if not self.url:
            raise PlatformError("prometheus.url: no Prometheus URL given (such as http://prometheus-0.prometheus.monitoring:9090)")
        if not self.url.startswith(("http://", "https://")):
            raise PlatformError("prometheus.url: %r is not an HTTP(S) URL" % self.url)

    def snapshot(self):
        """Ask Prometheus for a TSDB snapshot; returns its name."""
        url = "%s/api/v1/admin/tsdb/snapshot?skip_head=%s" % (self.url, "true" if self.params.get("skip_head") else "false")
        status, body = json_request(url, method="POST", username=self.params.get("username"),
                                    password=self.params.get("password"),
                                    validate_certs=self.params.get("validate_certs", True),
                                    ca_cert=self.params.get("ca_cert"), timeout=self.params.get("timeout") or 300,
                                    operation="take a TSDB snapshot", service="Prometheus")
        if isinstance(body, dict) and body.get("status") == "success":
            name = (body.get("data") or {}).get("name")
            if name:
                return name
        reason = (body or {}).get("error") if isinstance(body, dict) else body
        if status in (404, 405) or (reason and "admin APIs disabled" in str(reason)):
            raise EndpointError(url, "the TSDB admin API is disabled: start Prometheus with --web.enable-admin-api "
                                     "(HTTP %s: %s)" % (status, reason or "not found"))
        raise EndpointError(url, "Prometheus refused the snapshot (HTTP %s: %s)" % (status, reason))


def spool_directory(spool, directory, prefix="prometheus"):
    """Copy every file below a snapshot directory into the snapshot, by relative path."""
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        for filename in sorted(files):
            path = os.path.join(root, filename)
            relative = os.path.relpath(path, directory).replace(os.sep, "/")
            spool.copy_file("%s/%s" % (prefix, relative), "prometheus", path)


def spool_tar(spool, stream, prefix="prometheus"):
    """Copy the regular files of a tar stream (a snapshot packed by a Job) into the
    snapshot, one member at a time."""
    with tarfile.open(fileobj=stream, mode="r|") as archive:
        for member in archive:
            if member.isfile():
                relative = member.name[2:] if member.name.startswith("./") else member.name
                spool.write_stream("%s/%s" % (prefix, relative), "prometheus", archive.extractfile(member))


def remove_snapshot(data_dir, name):
    path = os.path.join(data_dir, "snapshots", name)
    if os.path.isdir(path):
        shutil.rmtree(path)


def write_restored_file(restore_dir, relative, source):
    """Copy one restored snapshot file (path ``source``) below ``restore_dir``, never
    outside it; written aside, then renamed into place."""
    root = os.path.realpath(restore_dir)
    path = os.path.realpath(os.path.join(root, relative))
    if not path.startswith(root + os.sep):
        raise PlatformError("metrics: the backup names a file outside the restore directory: %s" % relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    shutil.copyfile(source, path + ".part")
    os.replace(path + ".part", path)


# -- Models --------------------------------------------------------------------------------

class ModelRegistry(object):
    """The model registry's objects, read and written with the store's S3 connection."""

    def __init__(self, params, api):
        self.bucket = params.get("bucket")
        if not self.bucket:
            raise PlatformError("models.bucket: the model registry's bucket is not given "
                                "(backup_procedures.model_registry.source.bucket)")
        self.prefix = (params.get("prefix") or "").lstrip("/")
        self.api = api

    def url(self, key=""):
        return "s3://%s/%s" % (self.bucket, key)

    def objects(self):
        found = []
        kwargs = dict(Bucket=self.bucket, Prefix=self.prefix)
        while True:
            page = self.api.call("s3", "list_objects_v2", self.url(self.prefix), **kwargs)
            found.extend(page.get("Contents") or [])
            if not page.get("IsTruncated"):
                return found
            kwargs["ContinuationToken"] = page["NextContinuationToken"]

    def spool(self, spool):
        """Copy every object of the registry into the snapshot; returns how many."""
        count = 0
        for obj in self.objects():
            key = obj["Key"]
            if key.endswith("/"):
                continue
            relative = key[len(self.prefix):].lstrip("/")
            body = self.api.call("s3", "get_object", self.url(key), Bucket=self.bucket, Key=key)["Body"]
            spool.write_stream("models/%s" % relative, "models", body,
                               meta=dict(key=key, etag=obj.get("ETag", "").strip('"')))
            count += 1
        return count

    def key_of(self, item_name):
        """The registry key of a backed-up model file (item ``models/<path below the prefix>``)."""
        relative = item_name[len("models/"):]
        if not self.prefix or self.prefix.endswith("/"):
            return self.prefix + relative
        return "%s/%s" % (self.prefix, relative)

    def head(self, key):
        try:
            return self.api.call("s3", "head_object", self.url(key), Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        except AwsApiError as exc:
            if exc.code in ("404", "NoSuchKey", "NotFound"):
                return None
            raise

    def write(self, key, stream):
        """Upload a restored model file (multipart when large), with an S3 SHA-256 checksum."""
        try:
            self.api.client("s3").upload_fileobj(stream, self.bucket, key, ExtraArgs=dict(ChecksumAlgorithm="SHA256"))
        except Exception as exc:  # pylint: disable=broad-except
            raise describe_error(exc, "upload", self.url(key), self.api.endpoint("s3"))
