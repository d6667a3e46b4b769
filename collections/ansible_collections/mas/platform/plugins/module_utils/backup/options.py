# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the backup modules, and the run context they share.

Documented by the doc fragments ``mas.platform.backup`` (the store, the repository
password and the platform) and ``mas.platform.backup.sources`` (what is backed up and
how to reach it); the Kubernetes connection options are kubernetes.core's
(``mas.platform.k8s``), at the top level, so that ``module_defaults:
group/mas.platform.k8s`` configures these modules too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.basic import env_fallback

from ansible_collections.mas.platform.plugins.module_utils.backup.consul import CONSUL_OPTIONS
from ansible_collections.mas.platform.plugins.module_utils.backup.jobs import (
    JOB_OPTIONS,
    MONGODB_OPTIONS,
    NEO4J_OPTIONS,
)
from ansible_collections.mas.platform.plugins.module_utils.backup.kubernetes import KUBERNETES_OPTIONS
from ansible_collections.mas.platform.plugins.module_utils.backup.location import STORE_ARGUMENT_SPEC, StoreLocation
from ansible_collections.mas.platform.plugins.module_utils.backup.rabbitmq import RABBITMQ_OPTIONS
from ansible_collections.mas.platform.plugins.module_utils.backup.redis import REDIS_OPTIONS
from ansible_collections.mas.platform.plugins.module_utils.backup.restic import ResticRepository, restic_binary
from ansible_collections.mas.platform.plugins.module_utils.backup.sources import MODELS_OPTIONS, PROMETHEUS_OPTIONS
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError, WAIT_ARGUMENT_SPEC
from ansible_collections.mas.platform.plugins.module_utils.k8s.client import K8S_AUTH_ARGUMENT_SPEC

KINDS = ("system_state", "model_registry", "metrics")
# What each kind of backup holds (backup_procedures.<kind>).
KIND_COMPONENTS = {
    "system_state": ("kubernetes", "consul", "rabbitmq", "redis", "mongodb", "neo4j"),
    "model_registry": ("models",),
    "metrics": ("prometheus",),
}
# The order in which a restore writes: configuration and workloads, then the data.
RESTORE_ORDER = ("kubernetes", "consul", "rabbitmq", "redis", "mongodb", "neo4j", "models", "prometheus")

# The store, the repository password and the platform: every backup module's.
REPOSITORY_SPEC = dict(STORE_ARGUMENT_SPEC)
REPOSITORY_SPEC.update(
    encryption_key=dict(type="str", no_log=True, fallback=(env_fallback, ["MAS_BACKUP_ENCRYPTION_KEY"])),
    platform=dict(type="str", required=True),
)


def _sub(options, default=None):
    return dict(type="dict", options=options, default=default if default is not None else {})


SOURCES_SPEC = dict(
    kubernetes=_sub(KUBERNETES_OPTIONS),
    redis=_sub(REDIS_OPTIONS),
    rabbitmq=_sub(RABBITMQ_OPTIONS),
    consul=_sub(CONSUL_OPTIONS),
    prometheus=_sub(PROMETHEUS_OPTIONS),
    models=_sub(MODELS_OPTIONS),
    mongodb=_sub(MONGODB_OPTIONS),
    neo4j=_sub(NEO4J_OPTIONS),
    jobs=_sub(JOB_OPTIONS),
)


def backup_argument_spec(**module_options):
    """Kubernetes connection, store, password, platform, sources, wait options, then the
    module's own."""
    spec = dict(K8S_AUTH_ARGUMENT_SPEC)
    spec.update(REPOSITORY_SPEC)
    spec.update(SOURCES_SPEC)
    spec.update(WAIT_ARGUMENT_SPEC)
    spec.update(module_options)
    return spec


def repository_argument_spec(**module_options):
    """Store, password, platform and wait options, then the module's own."""
    spec = dict(REPOSITORY_SPEC)
    spec.update(WAIT_ARGUMENT_SPEC)
    spec.update(module_options)
    return spec


def check_platform(name):
    """The platform's name is a restic host name and a tag: letters, digits, '.', '_', '-'."""
    if not re.match(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$", name or ""):
        raise PlatformError("platform: %r is not a platform name (letters, digits, '.', '_' and '-', such as "
                            "infrastructure.cluster_name)" % (name,))
    return name


def open_repository(module):
    """(StoreLocation, ResticRepository) of a module's options."""
    params = module.params
    check_platform(params["platform"])
    location = StoreLocation(params["store"])
    return location, ResticRepository(restic_binary(module), location, params.get("encryption_key"),
                                      params["wait_timeout"])


def components_for(kind, wanted):
    """The components of ``kind`` to act on: ``wanted`` (checked), or all of them."""
    allowed = KIND_COMPONENTS[kind]
    if not wanted:
        return list(allowed)
    unknown = [c for c in wanted if c not in allowed]
    if unknown:
        raise PlatformError("components: %s not part of a %s backup (it holds %s)"
                            % (", ".join(unknown), kind, ", ".join(allowed)))
    return [c for c in allowed if c in wanted]
