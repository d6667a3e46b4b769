# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Core services: can each one form what the spec asks for?

Quorum-based services (Consul servers, a MongoDB replica set, RabbitMQ's quorum
queues) stay available while a majority of members is up: an even member count adds
no fault tolerance, fewer than three members tolerate no failure. Redis Cluster needs
at least three masters. Neo4j clustering is an enterprise feature. Plugin names are
checked because a wrong one makes the service fail at start, not at deploy.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib

from ansible_collections.mas.platform.plugins.module_utils.spec.schema import index_path, key_path, quote

# service: the key that counts its members
QUORUM_MEMBERS = {"consul": "replicas", "mongodb": "replicas", "rabbitmq": "cluster_size"}
REDIS_MIN_MASTERS = 3
NEO4J_MIN_CLUSTER_PRIMARIES = 3
# The plugins RabbitMQ ships (rabbitmq-server's plugins.mk, the Tier-1 plugins of a
# release, 4.3): rabbitmq-plugins enable refuses any other name, and the node does not
# start with it in enabled_plugins.
RABBITMQ_PLUGINS = (
    "rabbitmq_amqp1_0", "rabbitmq_auth_backend_cache", "rabbitmq_auth_backend_http",
    "rabbitmq_auth_backend_internal_loopback", "rabbitmq_auth_backend_ldap", "rabbitmq_auth_backend_oauth2",
    "rabbitmq_auth_mechanism_ssl", "rabbitmq_consistent_hash_exchange", "rabbitmq_event_exchange", "rabbitmq_federation",
    "rabbitmq_federation_management", "rabbitmq_federation_prometheus", "rabbitmq_jms_topic_exchange",
    "rabbitmq_management", "rabbitmq_management_agent", "rabbitmq_mqtt", "rabbitmq_peer_discovery_aws",
    "rabbitmq_peer_discovery_common", "rabbitmq_peer_discovery_consul", "rabbitmq_peer_discovery_etcd",
    "rabbitmq_peer_discovery_k8s", "rabbitmq_prometheus", "rabbitmq_random_exchange", "rabbitmq_recent_history_exchange",
    "rabbitmq_sharding", "rabbitmq_shovel", "rabbitmq_shovel_management", "rabbitmq_shovel_prometheus", "rabbitmq_stomp",
    "rabbitmq_stream", "rabbitmq_stream_management", "rabbitmq_top", "rabbitmq_tracing", "rabbitmq_trust_store",
    "rabbitmq_web_dispatch", "rabbitmq_web_mqtt", "rabbitmq_web_mqtt_examples", "rabbitmq_web_stomp",
    "rabbitmq_web_stomp_examples",
)
# Grafana features that the seed lists as plugins; grafana-cli would fail on them.
GRAFANA_BUILTINS = ("alerting", "dashboards", "explore", "datasources", "users", "annotations", "playlists")


def check_services(cleaned, findings):
    for phase, services in (cleaned.get("core_services") or {}).items():
        for name, body in services.items():
            path = "core_services.%s.%s" % (phase, name)
            if name in QUORUM_MEMBERS:
                key = QUORUM_MEMBERS[name]
                _check_quorum(name, body.get(key), key_path(path, key), findings)
            checker = _CHECKS.get(name)
            if checker is not None:
                checker(body, path, findings)


def _check_quorum(name, members, path, findings):
    if members is None:
        return
    if members == 0:
        findings.error(path, "%s cannot run with 0 members" % name)
    elif members < 3:
        findings.warning(path, "%d %s member%s tolerate%s no failure: a quorum needs a majority, use 3 or 5" % (
            members, name, "" if members == 1 else "s", "s" if members == 1 else ""))
    elif members % 2 == 0:
        findings.warning(path, "%d %s members tolerate no more failures than %d (a quorum is %d): use an odd number" % (
            members, name, members - 1, members // 2 + 1))


def _check_neo4j(body, path, findings):
    mode, edition = body.get("mode"), body.get("edition")
    replicas = body.get("replicas")
    if mode == "cluster":
        if edition != "enterprise":
            findings.error(key_path(path, "edition"),
                           "%s: mode cluster needs the enterprise edition (the community edition runs a single "
                           "instance); use edition: enterprise with accept_license_agreement: true, or mode: single" % (
                               "missing" if edition is None else "community"))
        if replicas is None:
            findings.error(key_path(path, "replicas"), "required with mode cluster: the number of primaries (3 or more)")
        elif replicas < NEO4J_MIN_CLUSTER_PRIMARIES:
            findings.warning(key_path(path, "replicas"), "a Neo4j cluster of %d primaries tolerates no failure; use 3" % replicas)
    elif mode == "single":
        if edition is None:
            findings.error(key_path(path, "edition"), "required key is missing: expected community or enterprise")
        if replicas is not None and replicas != 1:
            findings.error(key_path(path, "replicas"), "mode single runs one instance, got %d (use mode cluster for more)" % replicas)
    if edition == "enterprise" and body.get("accept_license_agreement") is not True:
        findings.error(key_path(path, "accept_license_agreement"),
                       "the Neo4j enterprise edition does not start unless its license is accepted: set true")


def _check_redis(body, path, findings):
    if body.get("cluster"):
        if "replicas" in body:
            findings.error(key_path(path, "replicas"),
                           "ambiguous with cluster: true (masters, or all pods?): state masters and replicas_per_master")
        masters = body.get("masters")
        if masters is None:
            findings.error(key_path(path, "masters"),
                           "required with cluster: true: a Redis Cluster needs at least %d masters" % REDIS_MIN_MASTERS)
        elif masters < REDIS_MIN_MASTERS:
            findings.error(key_path(path, "masters"), "a Redis Cluster needs at least %d masters, got %d" % (REDIS_MIN_MASTERS, masters))
        per_master = body.get("replicas_per_master")
        if per_master is None:
            findings.error(key_path(path, "replicas_per_master"), "required with cluster: true (1 gives each master a failover replica)")
        elif per_master == 0:
            findings.warning(key_path(path, "replicas_per_master"),
                             "0: a master's failure takes its hash slots, and the cluster, down")
    else:
        for key in ("masters", "replicas_per_master"):
            if key in body:
                findings.error(key_path(path, key), "only with cluster: true")
        if "replicas" not in body:
            findings.error(key_path(path, "replicas"), "required without cluster mode (1 primary and replicas - 1 replicas)")


def _check_rabbitmq(body, path, findings):
    for index, plugin in enumerate(body.get("plugins") or []):
        if plugin is None or plugin in RABBITMQ_PLUGINS:
            continue
        close = difflib.get_close_matches(plugin if plugin.startswith("rabbitmq_") else "rabbitmq_" + plugin, RABBITMQ_PLUGINS, n=1)
        findings.error(index_path(key_path(path, "plugins"), index),
                       "%s is not a RabbitMQ plugin: rabbitmq-plugins enable would fail%s (the plugins RabbitMQ ships are "
                       "listed in module_utils/preflight/services.py)" % (
                           quote(plugin), "; did you mean %s?" % close[0] if close else ""))


def _check_grafana(body, path, findings):
    for index, plugin in enumerate(body.get("plugins") or []):
        if plugin is None:
            continue
        where = index_path(key_path(path, "plugins"), index)
        if plugin in GRAFANA_BUILTINS:
            findings.error(where, "%s is built into Grafana, not a plugin: installing it would fail; leave it out" % quote(plugin))
        elif "-" not in plugin:
            findings.error(where, "%s is not a Grafana plugin id (ids look like grafana-clock-panel)" % quote(plugin))


_CHECKS = {"neo4j": _check_neo4j, "redis": _check_redis, "rabbitmq": _check_rabbitmq, "grafana": _check_grafana}
