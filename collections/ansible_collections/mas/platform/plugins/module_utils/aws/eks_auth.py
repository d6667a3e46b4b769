# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""EKS authentication without the aws CLI, and the kubeconfig that uses it.

An EKS bearer token is ``k8s-aws-v1.`` followed by the unpadded URL-safe base64 of a
presigned STS GetCallerIdentity URL whose signed headers include ``x-k8s-aws-id:
<cluster name>``. The API server's authenticator replays the URL to STS to learn who
signed it. boto3 can presign that URL, so a minimal execution environment with boto3
(which the AWS modules need anyway) can talk to the cluster.

The kubeconfig either runs ``EXEC_SCRIPT`` with the playbook's Python as a Kubernetes
exec credential plugin (a fresh token for every client, nothing secret in the file),
or carries one token (valid for 15 minutes) for tools without exec support.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import os
import tempfile

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError, diff_result

try:
    import yaml

    HAS_YAML = True
except ImportError:  # pragma: no cover - PyYAML comes with ansible-core
    HAS_YAML = False

TOKEN_PREFIX = "k8s-aws-v1."
CLUSTER_ID_HEADER = "x-k8s-aws-id"
# EKS accepts a token for 15 minutes after it was presigned; refresh a little earlier.
TOKEN_LIFETIME = datetime.timedelta(minutes=14)
EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"

# The exec credential plugin: argv = cluster name, region, STS endpoint URL or "".
# Kept in step with eks_token() below (tests/unit/aws check that both agree).
EXEC_SCRIPT = """\
import base64, datetime, json, sys
import boto3
cluster, region, endpoint = sys.argv[1], sys.argv[2], sys.argv[3] or None
sts = boto3.session.Session().client("sts", region_name=region, endpoint_url=endpoint)
def _header(request, **kwargs):
    request.headers["x-k8s-aws-id"] = cluster
sts.meta.events.register("before-sign.sts.GetCallerIdentity", _header)
url = sts.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET")
token = "k8s-aws-v1." + base64.urlsafe_b64encode(url.encode("utf-8")).decode("utf-8").rstrip("=")
expires = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=14)
print(json.dumps({"kind": "ExecCredential", "apiVersion": "client.authentication.k8s.io/v1beta1", "spec": {},
                  "status": {"token": token, "expirationTimestamp": expires.strftime("%Y-%m-%dT%H:%M:%SZ")}}))
"""


def eks_token(sts_client, cluster_name):
    """A bearer token for EKS cluster ``cluster_name``, signed by ``sts_client``'s credentials."""
    def add_cluster_header(request, **kwargs):
        request.headers[CLUSTER_ID_HEADER] = cluster_name

    event = "before-sign.sts.GetCallerIdentity"
    sts_client.meta.events.register(event, add_cluster_header)
    try:
        url = sts_client.generate_presigned_url("get_caller_identity", Params={}, ExpiresIn=60, HttpMethod="GET")
    finally:
        sts_client.meta.events.unregister(event, add_cluster_header)
    return TOKEN_PREFIX + base64.urlsafe_b64encode(url.encode("utf-8")).decode("utf-8").rstrip("=")


def token_url(token):
    """The presigned URL inside a token (for checks and troubleshooting)."""
    if not token.startswith(TOKEN_PREFIX):
        raise ValueError("not an EKS token")
    data = token[len(TOKEN_PREFIX):]
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4)).decode("utf-8")


def kubeconfig_entries(name, endpoint, ca_data, user):
    """The cluster, user and context entries of one EKS cluster, all named ``name``."""
    return dict(
        cluster=dict(name=name, cluster={"server": endpoint, "certificate-authority-data": ca_data}),
        user=dict(name=name, user=user),
        context=dict(name=name, context=dict(cluster=name, user=name)),
    )


def exec_user(python, cluster_name, region, endpoint_url=None, profile=None):
    config = {
        "apiVersion": EXEC_API_VERSION,
        "command": python,
        "args": ["-c", EXEC_SCRIPT, cluster_name, region, endpoint_url or ""],
        "interactiveMode": "Never",
        "provideClusterInfo": False,
    }
    if profile:
        config["env"] = [dict(name="AWS_PROFILE", value=profile)]
    return {"exec": config}


def merge_kubeconfig(existing, entries, set_current):
    """``existing`` kubeconfig (dict or None) with ``entries`` put in by name."""
    config = dict(existing or {})
    config.setdefault("apiVersion", "v1")
    config.setdefault("kind", "Config")
    config.setdefault("preferences", {})
    for kind, key in (("cluster", "clusters"), ("user", "users"), ("context", "contexts")):
        items = [i for i in (config.get(key) or []) if i.get("name") != entries[kind]["name"]]
        items.append(entries[kind])
        config[key] = sorted(items, key=lambda i: i.get("name") or "")
    if set_current or not config.get("current-context"):
        config["current-context"] = entries["context"]["name"]
    return config


def redact(config):
    """A kubeconfig for a diff: tokens replaced by a marker."""
    if not config:
        return config
    users = []
    for item in config.get("users") or []:
        user = dict(item.get("user") or {})
        if "token" in user:
            user["token"] = "<redacted>"
        users.append(dict(item, user=user))
    return dict(config, users=users)


def read_kubeconfig(path):
    if not os.path.exists(path):
        return None
    try:
        with open(path) as handle:
            loaded = yaml.safe_load(handle)
    except (IOError, OSError, yaml.YAMLError) as exc:
        raise PlatformError("path: cannot read the kubeconfig %s: %s" % (path, exc))
    if loaded is not None and not isinstance(loaded, dict):
        raise PlatformError("path: %s is not a kubeconfig (a YAML mapping)" % path)
    return loaded


def write_kubeconfig(path, config):
    """Write ``config`` to ``path`` readable by its owner only, atomically."""
    directory = os.path.dirname(os.path.abspath(path))
    try:
        if not os.path.isdir(directory):
            os.makedirs(directory, 0o700)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".kubeconfig-")
        with os.fdopen(handle, "w") as out:
            yaml.safe_dump(config, out, default_flow_style=False, sort_keys=False)
        os.chmod(temporary, 0o600)
        os.rename(temporary, path)
    except (IOError, OSError) as exc:
        raise PlatformError("path: cannot write the kubeconfig %s: %s" % (path, exc))


def ensure_kubeconfig(module, api, describe_cluster):
    params = module.params
    name, path = params["cluster_name"], params["path"]
    context = params["context"] or name
    cluster = describe_cluster(api, name)
    if cluster is None:
        raise PlatformError("cluster_name: EKS cluster %s does not exist in %s" % (name, api.region))
    if not cluster.get("endpoint") or not (cluster.get("certificateAuthority") or {}).get("data"):
        raise PlatformError("cluster_name: EKS cluster %s has no endpoint yet (status %s); wait until it is "
                            "ACTIVE" % (name, cluster.get("status")))
    if params["auth"] == "token":
        user = {"token": eks_token(api.client("sts"), name)}
    else:
        user = exec_user(params["python"], name, api.region, api.endpoint_url, params["profile"])
    entries = kubeconfig_entries(context, cluster["endpoint"], cluster["certificateAuthority"]["data"], user)
    existing = read_kubeconfig(path)
    wanted = merge_kubeconfig(existing, entries, params["set_current_context"])
    changed = redact(existing) != redact(wanted)
    result = diff_result(changed, redact(existing) or {}, redact(wanted), path=path, context=context,
                         endpoint=cluster["endpoint"], auth=params["auth"])
    # A token is renewed on every run (it lasts 15 minutes), without counting as a change.
    if not module.check_mode and (changed or params["auth"] == "token"):
        write_kubeconfig(path, wanted)
    return result
