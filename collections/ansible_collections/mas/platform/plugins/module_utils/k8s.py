# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kubernetes connection and server-side apply of rendered objects.

The roles render their objects from the spec and apply them in one call. This is
kubernetes.core's server-side apply with two differences the platform needs:
- check mode works on an empty cluster: an object whose namespace does not exist yet
  (the namespaces role has not run for real) is reported as to be created instead of
  failing the whole plan with the API server's 404;
- Secret data never reaches the diff or the result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os

from ansible_collections.mas.platform.plugins.module_utils.base import EndpointError, PlatformError, PlatformModule

try:
    from kubernetes import config as k8s_config
    from kubernetes import client as k8s_client
    from kubernetes.dynamic import DynamicClient
    from kubernetes.dynamic.exceptions import ApiException, DynamicApiError, ResourceNotFoundError
    from urllib3.exceptions import HTTPError as Urllib3Error
    HAS_KUBERNETES = True
    KUBERNETES_IMPORT_ERROR = None
except ImportError as exc:  # pragma: no cover - reported by PlatformModule
    HAS_KUBERNETES = False
    KUBERNETES_IMPORT_ERROR = str(exc)

# The connection options, the same names and environment variables as kubernetes.core.
K8S_AUTH_ARGUMENT_SPEC = dict(
    kubeconfig=dict(type="path", fallback=(lambda: os.environ.get("K8S_AUTH_KUBECONFIG"),)),
    context=dict(type="str", fallback=(lambda: os.environ.get("K8S_AUTH_CONTEXT"),)),
    host=dict(type="str", fallback=(lambda: os.environ.get("K8S_AUTH_HOST"),)),
    api_key=dict(type="str", no_log=True, fallback=(lambda: os.environ.get("K8S_AUTH_API_KEY"),)),
    ca_cert=dict(type="path", aliases=["ssl_ca_cert"]),
    validate_certs=dict(type="bool", default=True, aliases=["verify_ssl"]),
)


def kubernetes_module(options):
    """The PlatformModule of a module that talks to the Kubernetes API: the connection
    options (K8S_AUTH_ARGUMENT_SPEC) plus ``options``, check mode, and the check that
    the kubernetes library is installed."""
    argument_spec = dict(K8S_AUTH_ARGUMENT_SPEC)
    argument_spec.update(options)
    return PlatformModule(argument_spec=argument_spec, supports_check_mode=True,
                          required_libraries={"kubernetes": HAS_KUBERNETES},
                          import_errors={"kubernetes": KUBERNETES_IMPORT_ERROR})


HIDDEN = "VALUE_HIDDEN"
# Fields the server sets and that say nothing about what a role asked for.
_SERVER_METADATA = ("managedFields", "resourceVersion", "generation", "uid", "creationTimestamp", "selfLink")


def connect(params):
    """A DynamicClient from the module's connection options (kubeconfig, in-cluster,
    or host and token), or a PlatformError that names what is wrong."""
    try:
        if params.get("host"):
            configuration = k8s_client.Configuration()
            configuration.host = params["host"]
            if params.get("api_key"):
                configuration.api_key = {"authorization": "Bearer %s" % params["api_key"]}
            configuration.verify_ssl = params.get("validate_certs", True)
            if params.get("ca_cert"):
                configuration.ssl_ca_cert = params["ca_cert"]
            api = k8s_client.ApiClient(configuration)
        elif params.get("kubeconfig") or not os.environ.get("KUBERNETES_SERVICE_HOST"):
            kubeconfig = params.get("kubeconfig") or os.path.expanduser("~/.kube/config")
            if not os.path.exists(kubeconfig):
                raise PlatformError("kubeconfig %s does not exist (is the cluster up? `make local-up` writes "
                                    "the local one)" % kubeconfig)
            api = k8s_config.new_client_from_config(config_file=kubeconfig, context=params.get("context"))
            if params.get("validate_certs") is False:
                api.configuration.verify_ssl = False
        else:
            configuration = k8s_client.Configuration()
            k8s_config.load_incluster_config(client_configuration=configuration)
            api = k8s_client.ApiClient(configuration)
    except PlatformError:
        raise
    except Exception as exc:  # kubeconfig parse errors, unknown context, ...
        raise PlatformError("cannot load the Kubernetes configuration: %s" % exc)
    endpoint = api.configuration.host
    try:
        return DynamicClient(api), endpoint
    except Exception as exc:
        raise EndpointError(endpoint, "the Kubernetes API cannot be reached (%s)" % _reason(exc))


def _reason(exc):
    body = getattr(exc, "body", None)
    if body:
        try:
            import json
            return json.loads(body).get("message", body)
        except Exception:  # pylint: disable=broad-except
            return body
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def object_id(obj):
    meta = obj.get("metadata") or {}
    ns = meta.get("namespace")
    return "%s/%s%s" % (obj.get("kind"), ns + "/" if ns else "", meta.get("name"))


def comparable(obj):
    """The object without server-set fields and status, for before/after comparison."""
    if not obj:
        return {}
    obj = copy.deepcopy(obj)
    obj.pop("status", None)
    meta = obj.get("metadata") or {}
    for field in _SERVER_METADATA:
        meta.pop(field, None)
    annotations = meta.get("annotations") or {}
    annotations.pop("kubectl.kubernetes.io/last-applied-configuration", None)
    annotations.pop("deployment.kubernetes.io/revision", None)
    if not annotations:
        meta.pop("annotations", None)
    return obj


def redact(obj):
    """A copy fit for output: Secret values replaced, so that no secret is printed."""
    if not obj or obj.get("kind") != "Secret":
        return obj
    obj = copy.deepcopy(obj)
    for field in ("data", "stringData"):
        if isinstance(obj.get(field), dict):
            obj[field] = dict((key, HIDDEN) for key in obj[field])
    # A client-side `kubectl apply` keeps the whole Secret, values included, here.
    annotations = (obj.get("metadata") or {}).get("annotations") or {}
    if "kubectl.kubernetes.io/last-applied-configuration" in annotations:
        annotations["kubectl.kubernetes.io/last-applied-configuration"] = HIDDEN
    return obj


def call_api(endpoint, what, func, *args, **kwargs):
    """``func(*args, **kwargs)``; an API error becomes a PlatformError that says what was
    being done, and an unreachable or refusing API server an EndpointError naming it."""
    try:
        return func(*args, **kwargs)
    except (DynamicApiError, ApiException) as exc:
        if getattr(exc, "status", None) in (401, 403):
            raise EndpointError(endpoint, "%s refused (%s): %s" % (what, exc.status, _reason(exc)))
        raise PlatformError("%s failed: %s" % (what, _reason(exc)), status=getattr(exc, "status", None))
    except (Urllib3Error, OSError) as exc:
        raise EndpointError(endpoint, "the Kubernetes API cannot be reached while %s (%s)" % (what, exc))


def find_resource(client, api_version, kind, what):
    """The API resource of a kind, or a PlatformError naming ``what`` needed it."""
    try:
        return client.resources.get(api_version=api_version, kind=kind)
    except ResourceNotFoundError:
        raise PlatformError("%s: the API server has no kind %s in %s (is its CRD installed?)"
                            % (what, kind, api_version))


def read(client, endpoint, query, what):
    """The objects one query selects, as dicts (k8s_info's ``resources``): ``query`` has
    api_version, kind, and optionally namespace, name, label_selectors, field_selectors.
    A named object that does not exist gives an empty list."""
    resource = find_resource(client, query["api_version"], query["kind"], what)
    kwargs = dict(namespace=query.get("namespace") if resource.namespaced else None)
    if query.get("label_selectors"):
        kwargs["label_selector"] = ",".join(query["label_selectors"])
    if query.get("field_selectors"):
        kwargs["field_selector"] = ",".join(query["field_selectors"])
    if query.get("name"):
        found = call_api(endpoint, "reading " + what, get_or_none,
                         client, resource, query["name"], kwargs["namespace"])
        return [found] if found is not None else []
    listed = call_api(endpoint, "reading " + what, client.get, resource, **kwargs).to_dict()
    items = listed.get("items") or []
    for item in items:  # a list's items do not repeat their kind
        item.setdefault("apiVersion", query["api_version"])
        item.setdefault("kind", query["kind"])
    return items


def get_or_none(client, resource, name, namespace):
    """One object as a dict, or None when it does not exist."""
    try:
        return client.get(resource, name=name, namespace=namespace).to_dict()
    except (DynamicApiError, ApiException) as exc:
        if getattr(exc, "status", None) == 404:
            return None
        raise


class Applier(object):
    """Server-side applies objects; in check mode a server-side dry run."""

    def __init__(self, client, endpoint, field_manager, force_conflicts, check_mode):
        self.client = client
        self.endpoint = endpoint
        self.field_manager = field_manager
        self.force_conflicts = force_conflicts
        self.check_mode = check_mode
        self._namespaces = {}

    def _call(self, what, func, *args, **kwargs):
        return call_api(self.endpoint, what, func, *args, **kwargs)

    def resource(self, obj):
        return find_resource(self.client, obj["apiVersion"], obj["kind"], object_id(obj))

    def _get(self, resource, name, namespace):
        return get_or_none(self.client, resource, name, namespace)

    def namespace_exists(self, namespace):
        if namespace not in self._namespaces:
            ns_resource = self.client.resources.get(api_version="v1", kind="Namespace")
            self._namespaces[namespace] = self._call(
                "reading namespace %s" % namespace, self._get, ns_resource, namespace, None) is not None
        return self._namespaces[namespace]

    def apply(self, obj, default_namespace=None):
        """Apply one object; return (changed, before, after)."""
        if not isinstance(obj, dict) or not obj.get("apiVersion") or not obj.get("kind") \
                or not (obj.get("metadata") or {}).get("name"):
            raise PlatformError("each definition needs apiVersion, kind and metadata.name; got %s"
                                % (str(obj)[:200],))
        obj = copy.deepcopy(obj)
        resource = self.resource(obj)
        meta = obj["metadata"]
        namespace = None
        if resource.namespaced:
            namespace = meta.get("namespace") or default_namespace
            if not namespace:
                raise PlatformError("%s is namespaced: set metadata.namespace or the namespace option" % object_id(obj))
            meta["namespace"] = namespace
        what = "applying %s" % object_id(obj)
        before = self._call("reading " + object_id(obj), self._get, resource, meta["name"], namespace)
        if before is None and self.check_mode and namespace and not self.namespace_exists(namespace):
            # The namespace comes with this deploy: nothing to dry-run against yet.
            return True, None, obj
        kwargs = dict(field_manager=self.field_manager, force_conflicts=self.force_conflicts)
        if self.check_mode:
            kwargs["dry_run"] = "All"
        after = self._call(what, self.client.server_side_apply, resource, body=obj,
                           name=meta["name"], namespace=namespace, **kwargs).to_dict()
        return comparable(before) != comparable(after), before, after

    def delete(self, obj, default_namespace=None):
        """Delete one object if it exists; return (changed, before)."""
        resource = self.resource(obj)
        meta = obj.get("metadata") or {}
        namespace = (meta.get("namespace") or default_namespace) if resource.namespaced else None
        before = self._call("reading " + object_id(obj), self._get, resource, meta.get("name"), namespace)
        if before is None:
            return False, None
        if not self.check_mode:
            self._call("deleting " + object_id(obj), self.client.delete, resource,
                       name=meta.get("name"), namespace=namespace)
        return True, before
