# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The options of the backup modules, shared by platform_backup and platform_restore.

Documented by the doc fragments ``mas.platform.backup`` (the store and the key) and
``mas.platform.backup.sources`` (what is backed up and how to reach it); the Kubernetes
connection options are kubernetes.core's (``mas.platform.k8s``), at the top level, so
that ``module_defaults: group/mas.platform.k8s`` configures these modules too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.basic import env_fallback

from ansible_collections.mas.platform.plugins.module_utils.backup_consul import CONSUL_OPTIONS
from ansible_collections.mas.platform.plugins.module_utils.backup_jobs import JOB_OPTIONS, MONGODB_OPTIONS, NEO4J_OPTIONS
from ansible_collections.mas.platform.plugins.module_utils.backup_kubernetes import KUBERNETES_OPTIONS
from ansible_collections.mas.platform.plugins.module_utils.backup_rabbitmq import RABBITMQ_OPTIONS
from ansible_collections.mas.platform.plugins.module_utils.backup_redis import REDIS_OPTIONS
from ansible_collections.mas.platform.plugins.module_utils.backup_sources import MODELS_OPTIONS, PROMETHEUS_OPTIONS
from ansible_collections.mas.platform.plugins.module_utils.backup_store import STORE_ARGUMENT_SPEC
from ansible_collections.mas.platform.plugins.module_utils.base import WAIT_ARGUMENT_SPEC
from ansible_collections.mas.platform.plugins.module_utils.k8s import K8S_AUTH_ARGUMENT_SPEC

# What each kind of backup holds (backup_procedures.<kind>).
KIND_COMPONENTS = {
    "system_state": ("kubernetes", "consul", "rabbitmq", "redis", "mongodb", "neo4j"),
    "model_registry": ("models",),
    "metrics": ("prometheus",),
}
# The order in which a restore writes: configuration and workloads, then the data.
RESTORE_ORDER = ("kubernetes", "consul", "rabbitmq", "redis", "mongodb", "neo4j", "models", "prometheus")
# Components whose records hold secrets, which need the encryption key.
ENCRYPTED_COMPONENTS = ("kubernetes", "rabbitmq", "consul")

ENCRYPTION_KEY_SPEC = dict(encryption_key=dict(type="str", no_log=True,
                                               fallback=(env_fallback, ["MAS_BACKUP_ENCRYPTION_KEY"])))


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
    """Kubernetes connection, store, key, sources, wait options, then the module's own."""
    spec = dict(K8S_AUTH_ARGUMENT_SPEC)
    spec.update(STORE_ARGUMENT_SPEC)
    spec.update(ENCRYPTION_KEY_SPEC)
    spec.update(SOURCES_SPEC)
    spec.update(WAIT_ARGUMENT_SPEC)
    spec.update(module_options)
    return spec
