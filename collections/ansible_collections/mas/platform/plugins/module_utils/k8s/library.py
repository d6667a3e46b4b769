# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The kubernetes library, imported for what the modules use of it.

The modules use the dynamic client (it sends and reads JSON), the kubeconfig and
in-cluster loaders and the REST layer. ``import kubernetes`` runs
kubernetes/client/__init__.py, which imports every generated API and model class
(about 1,000 modules): 0.45 s of each module process, most of its start. ``load()``
imports the parts above first, with the packages ``kubernetes``, ``kubernetes.client``
and ``kubernetes.client.models`` in place but their ``__init__`` not yet run. The first
time anything asks such a package for a name it does not have (a generated class such as
``kubernetes.client.CoreV1Api``), its real ``__init__`` runs then; a submodule it is asked
for is imported by itself. So every use of the library keeps working. Where the library
was imported already, nothing changes.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib
import importlib.util
import os
import re
import sys
import types

# The packages whose __init__ imports what the modules do not use, outermost first.
DEFERRED = ("kubernetes", "kubernetes.client", "kubernetes.client.models")


def _deferred_package(name, directory):
    """A package module for ``name`` whose __init__ runs on first use of a name it lacks."""
    init = os.path.join(directory, "__init__.py")
    spec = importlib.util.spec_from_file_location(name, init, submodule_search_locations=[directory])
    module = types.ModuleType(name)
    module.__file__ = init
    module.__path__ = [directory]
    module.__package__ = name
    module.__spec__ = spec
    state = {"complete": False}

    def __getattr__(attribute):
        if attribute.startswith("__"):
            raise AttributeError("module %r has no attribute %r" % (name, attribute))
        # A submodule (``from kubernetes import watch``) is imported by itself.
        if os.path.exists(os.path.join(directory, attribute + ".py")) or \
                os.path.exists(os.path.join(directory, attribute, "__init__.py")):
            return importlib.import_module("%s.%s" % (name, attribute))
        if not state["complete"]:
            state["complete"] = True
            spec.loader.exec_module(module)
            if attribute in module.__dict__:
                return module.__dict__[attribute]
        raise AttributeError("module %r has no attribute %r" % (name, attribute))

    module.__getattr__ = __getattr__
    return module


def _defer_packages():
    """Put the deferred packages in place, unless the library is imported already (or absent)."""
    if "kubernetes" in sys.modules:
        return
    spec = importlib.util.find_spec("kubernetes")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("No module named 'kubernetes'")
    base = list(spec.submodule_search_locations)[0]
    parent = None
    for name in DEFERRED:
        directory = os.path.join(base, *name.split(".")[1:])
        module = _deferred_package(name, directory)
        sys.modules[name] = module
        if parent is not None:
            setattr(parent, name.rsplit(".", 1)[1], module)
        parent = module
    with open(os.path.join(base, "__init__.py")) as init:
        version = re.search(r"""^__version__\s*=\s*["']([^"']+)""", init.read(), re.MULTILINE)
    sys.modules["kubernetes"].__version__ = version.group(1) if version else "unknown"


def load():
    """The library's parts the modules use, as a namespace: config, client (ApiClient,
    Configuration), DynamicClient, ApiException, DynamicApiError, NotFoundError,
    ResourceNotFoundError, ConfigException. Raises ImportError when it is missing."""
    _defer_packages()
    client = importlib.import_module("kubernetes.client")
    for module, names in (("kubernetes.client.exceptions", ("ApiException", "ApiValueError")),
                          ("kubernetes.client.configuration", ("Configuration",)),
                          ("kubernetes.client.api_client", ("ApiClient",))):
        imported = importlib.import_module(module)
        for attribute in names:
            if attribute not in client.__dict__:
                setattr(client, attribute, getattr(imported, attribute))
    importlib.import_module("kubernetes.client.rest")
    config = importlib.import_module("kubernetes.config")
    dynamic = importlib.import_module("kubernetes.dynamic")
    exceptions = importlib.import_module("kubernetes.dynamic.exceptions")
    return types.SimpleNamespace(
        config=config,
        client=client,
        DynamicClient=dynamic.DynamicClient,
        ApiException=exceptions.ApiException,
        DynamicApiError=exceptions.DynamicApiError,
        NotFoundError=exceptions.NotFoundError,
        ResourceNotFoundError=exceptions.ResourceNotFoundError,
        ConfigException=importlib.import_module("kubernetes.config.config_exception").ConfigException,
    )
