# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Kubernetes connection (kubeconfig, in-cluster, or host and token), the module
wrapper of every module that talks to the API, and reads.

kubernetes.core's connection options and environment variables, one argument spec
(``K8S_AUTH_ARGUMENT_SPEC``, doc fragment mas.platform.k8s); API errors become one
PlatformError line, an unreachable API server an EndpointError naming it; Secret
values never reach a result (``redact``)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

# Re-exported: what other packages read through this module.
from ansible_collections.mas.platform.plugins.module_utils.k8s.objects import HIDDEN, comparable, object_id, redact  # noqa: F401 pylint: disable=unused-import
from ansible_collections.mas.platform.plugins.module_utils.base import (
    EndpointError,
    PlatformError,
    PlatformModule,
)

try:
    # The parts of the library the modules use, without its generated classes (library.py).
    from ansible_collections.mas.platform.plugins.module_utils.k8s.library import load as _load_kubernetes
    _KUBERNETES = _load_kubernetes()
    k8s_config = _KUBERNETES.config
    k8s_client = _KUBERNETES.client
    DynamicClient = _KUBERNETES.DynamicClient
    ApiException = _KUBERNETES.ApiException
    DynamicApiError = _KUBERNETES.DynamicApiError
    ResourceNotFoundError = _KUBERNETES.ResourceNotFoundError
    NotFoundError = _KUBERNETES.NotFoundError
    ConfigException = _KUBERNETES.ConfigException
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
