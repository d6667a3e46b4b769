# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The spec's service configuration, security setup, health monitoring, backups, scaling
and the operator procedures."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.mas.platform.plugins.module_utils.spec.schema import (
    Bool,
    Cidr,
    describe,
    Duration,
    index_path,
    Int,
    INVALID,
    is_int,
    key_path,
    ListOf,
    MapOf,
    Node,
    Number,
    parse_duration,
    quote,
    Record,
    Str,
)
from ansible_collections.mas.platform.plugins.module_utils.spec.aws import Region
from ansible_collections.mas.platform.plugins.module_utils.spec.cron import Cron, normal_form
from ansible_collections.mas.platform.plugins.module_utils.spec.kubernetes import (
    dns_label as _dns_label,
    identifier as _identifier,
    LABEL_SELECTOR,
    phase as _phase,
    PortName,
)


# ---------------------------------------------------------------------------
# Service configuration, security, procedures

def _check_interval_timeout(cleaned, path, findings):
    interval, timeout = cleaned.get("interval"), cleaned.get("timeout")
    if interval is not None and timeout is not None and timeout >= interval:
        findings.error(key_path(path, "timeout"), "timeout must be shorter than the interval, or checks overlap")


_TRAFFIC_POLICY = Record(
    {
        "name": Str(choices=("retry", "circuit_breaker", "timeout")),
        "attempts": Int(minimum=1),
        "timeout": Duration(),
        "consecutive_errors": Int(minimum=1),
        "interval": Duration(),
    },
    required=("name",),
)

# Added keys (docs/seed-deviations.md): what the ingress exposes, where the agents send
# spans, which logging stack gets the retention, and how every agent serves.
_HOSTNAME = Str(pattern=r"^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$", hint="a DNS host name such as 'api.example.com'")
_URL = Str(pattern=r"^https?://[^\s/]+(:[0-9]{1,5})?(/\S*)?$", hint="a URL such as 'http://host:4317'")
_HTTP_PATH = Str(pattern=r"^/[^\s]*$", hint="an HTTP path starting with '/'")
# A browser origin (scheme://host[:port]); '*' only when written explicitly.
_ORIGIN = Str(pattern=r"^(\*|https?://(\*\.)?[A-Za-z0-9.-]+(:[0-9]{1,5})?)$",
              hint="an origin such as 'https://console.example.com' (no path, no trailing '/')")
_PORT_NUMBER = Int(minimum=1, maximum=65535)

INGRESS_HOSTS = ListOf(Record(
    {
        "host": _HOSTNAME,
        "paths": ListOf(Record({"path": _HTTP_PATH, "agent": _identifier}, required=("path", "agent")), min_items=1),
    },
    required=("host", "paths"),
), unique_key="host")

AGENT_ENDPOINTS = Record(
    {
        "ports": Record({"http": _PORT_NUMBER, "metrics": _PORT_NUMBER}, required=("http", "metrics")),
        "health": Record({"liveness": _HTTP_PATH, "readiness": _HTTP_PATH}, required=("liveness", "readiness")),
        "metrics_path": _HTTP_PATH,
    },
    required=("ports", "health"),
)

SERVICE_CONFIGURATION = Record(
    {
        "networking": Record({
            "service_mesh": Record(
                {"enabled": Bool(), "provider": Str(choices=("istio",)), "mtls": Bool(),
                 "traffic_policies": ListOf(_TRAFFIC_POLICY, unique_key="name")},
                required=("enabled",)),
            "ingress": Record({"enabled": Bool(), "class": _dns_label, "ssl": Bool(), "cors": Bool(),
                               "hosts": INGRESS_HOSTS, "cors_allowed_origins": ListOf(_ORIGIN)},
                              required=("enabled",)),
            "service_discovery": Record(
                {
                    "method": Str(choices=("consul", "kubernetes")),
                    "health_checks": Record(
                        {"interval": Duration(), "timeout": Duration(), "retries": Int(minimum=1)},
                        required=("interval", "timeout"), check=_check_interval_timeout),
                },
                required=("method",)),
        }),
        "agent_endpoints": AGENT_ENDPOINTS,
        "monitoring": Record({
            "metrics": Record(
                {
                    "scrape_interval": Duration(),
                    "retention": Duration(),
                    "rules": ListOf(Record(
                        {"alert": Str(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$", hint="an alert name"), "expr": Str(),
                         "for": Duration(), "labels": MapOf(Str()), "annotations": MapOf(Str())},
                        required=("alert", "expr")), unique_key="alert"),
                },
                required=("scrape_interval", "retention")),
            "logging": Record(
                {
                    "format": Str(choices=("json", "text", "logfmt")),
                    "retention": Duration(),
                    "indexes": ListOf(Record({"name": _dns_label, "retention": Duration()}, required=("name", "retention")),
                                      unique_key="name"),
                    "collector": Str(choices=("fluent-bit",)),
                    "backend": Record({"type": Str(choices=("opensearch",)), "endpoint": _URL}, required=("type", "endpoint")),
                },
                required=("retention",)),
            "tracing": Record(
                {
                    "enabled": Bool(),
                    "sampling_rate": Number(0, 1),
                    "collector": Record({"endpoint": _URL, "protocol": Str(choices=("grpc", "http/protobuf"))},
                                        required=("endpoint",)),
                },
                required=("enabled",)),
        }),
    },
)


def _check_ip_block(cleaned, path, findings):
    """Each exception is a network strictly inside the block, as the NetworkPolicy API requires."""
    cidr = cleaned.get("cidr")
    for index, network in enumerate(cleaned.get("except") or []):
        if network is not None and cidr is not None and (
                network.version != cidr.version or not network.subnet_of(cidr) or network == cidr):
            findings.error(index_path(key_path(path, "except"), index), "%s is not strictly inside the block's cidr %s" % (
                network, cidr))


_PEER = Record({
    "namespaceSelector": LABEL_SELECTOR,
    "podSelector": LABEL_SELECTOR,
    "ipBlock": Record({"cidr": Cidr(), "except": ListOf(Cidr())}, required=("cidr",), check=_check_ip_block),
})


class _Port(Node):
    """A port number or a named port ("dns")."""

    def check(self, value, path, findings):
        if is_int(value) and 1 <= value <= 65535:
            return value
        if isinstance(value, str):
            return PortName().check(value, path, findings)
        findings.error(path, "expected a port number from 1 to 65535 or a port name, got %s" % describe(value))
        return INVALID


def _check_port(cleaned, path, findings):
    """endPort makes a range from port, which must then be a number no larger (NetworkPolicy API)."""
    if "endPort" not in cleaned:
        return
    port = cleaned.get("port")
    if port is None:
        findings.error(key_path(path, "port"), "required with endPort: the range is port to endPort")
    elif not is_int(port):
        findings.error(key_path(path, "endPort"), "only with a numeric port (port is the named port %s)" % quote(port))
    elif cleaned["endPort"] < port:
        findings.error(key_path(path, "endPort"), "%d is below port %d: the range is port to endPort" % (cleaned["endPort"], port))


_PORT = Record({
    "protocol": Str(choices=("TCP", "UDP", "SCTP")),
    "port": _Port(),
    "endPort": Int(minimum=1, maximum=65535),
}, check=_check_port)
_PEERS_HINT = "a NetworkPolicy rule takes a list of peers: write '- namespaceSelector: ...'"

NETWORK_POLICY = Record({
    "ingress": ListOf(Record({"from": ListOf(_PEER, single_hint=_PEERS_HINT), "ports": ListOf(_PORT)})),
    "egress": ListOf(Record({"to": ListOf(_PEER, single_hint=_PEERS_HINT), "ports": ListOf(_PORT)})),
    # true: the network policy role adds an egress rule to the cluster DNS itself.
    "allow_dns_egress": Bool(),
})


def _check_rbac(cleaned, path, findings):
    roles = set(r.get("name") for r in cleaned.get("roles") or [] if r)
    for name in cleaned.get("bindings") or {}:
        if name not in roles:
            findings.error(key_path(key_path(path, "bindings"), name),
                           "names no role of %s.roles (%s)" % (path, ", ".join(sorted(r for r in roles if r)) or "none"))


_VERBS = ("get", "list", "watch", "create", "update", "patch", "delete", "deletecollection",
          "impersonate", "bind", "escalate", "use", "approve", "sign", "*")


class _CertificateDuration(Duration):
    """A certificate lifetime in hours, days or weeks ("2160h", "90d"), as seconds.

    cert-manager takes Go durations (hours at most), which the roles convert these to;
    shorter units make no sense for a certificate."""

    expected = "a duration in hours, days or weeks such as '2160h' or '90d'"

    def check(self, value, path, findings):
        if isinstance(value, str) and value[-1:] not in ("h", "d", "w") and parse_duration(value) is not None:
            findings.error(path, "expected %s, got %r" % (self.expected, value))
            return INVALID
        return super(_CertificateDuration, self).check(value, path, findings)


def _check_certificates(cleaned, path, findings):
    duration, renew_before = cleaned.get("duration"), cleaned.get("renew_before")
    if duration is not None and renew_before is not None and renew_before >= duration:
        findings.error(key_path(path, "renew_before"),
                       "must be shorter than %s (the whole lifetime): the certificate would be renewed as soon as "
                       "it is issued" % key_path(path, "duration"))
    if cleaned.get("auto_renewal") is False:
        findings.error(key_path(path, "auto_renewal"),
                       "cert-manager renews every certificate it manages before it expires, it cannot be told not to; "
                       "write true (renew_before says when)")
    internal = cleaned.get("internal") or {}
    if internal.get("issuer") is not None and internal.get("issuer") == cleaned.get("issuer"):
        findings.error(key_path(key_path(path, "internal"), "issuer"),
                       "names the same ClusterIssuer as %s (%s): the public ACME issuer and the internal CA need "
                       "different names" % (key_path(path, "issuer"), internal["issuer"]))


_CERTIFICATES = Record(
    {
        "issuer": _dns_label,
        "duration": _CertificateDuration(),
        "renew_before": _CertificateDuration(),
        "auto_renewal": Bool(),
        # The ACME account of the public issuer (Let's Encrypt).
        "acme": Record({
            "server": Str(pattern=r"^https://[^\s/]+(/\S*)?$", hint="the https URL of an ACME directory"),
            "email": Str(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", hint="an e-mail address"),
        }, required=("server",)),
        # The in-cluster CA: its ClusterIssuer and the core services it certifies.
        "internal": Record({
            "issuer": _dns_label,
            "services": ListOf(_identifier),
        }, required=("issuer",)),
    },
    required=("issuer", "duration"),
    check=_check_certificates)

SECURITY_SETUP = Record(
    {
        "authentication": Record({
            "certificates": _CERTIFICATES,
            "identity": Record(
                {"provider": Str(choices=("vault",)),
                 "auth_methods": ListOf(Str(choices=("kubernetes", "tls", "approle", "jwt", "oidc", "userpass", "token", "aws")),
                                        min_items=1)},
                required=("provider",)),
            "rbac": Record({
                # Cluster role name -> the groups bound to it (the rbac role renders them).
                "bindings": MapOf(ListOf(Str(), min_items=1)),
                "roles": ListOf(Record(
                    {
                        "name": Str(pattern=r"^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$", hint="a Kubernetes object name"),
                        "rules": ListOf(Record(
                            {
                                "apiGroups": ListOf(Str()),
                                "resources": ListOf(Str()),
                                "resourceNames": ListOf(Str()),
                                "nonResourceURLs": ListOf(Str()),
                                "verbs": ListOf(Str(choices=_VERBS), min_items=1),
                            },
                            required=("verbs",)), min_items=1),
                    },
                    required=("name", "rules")), unique_key="name"),
            }, check=_check_rbac),
        }),
        "network_policies": Record({"default": NETWORK_POLICY}),
    },
)

_STEPS = ListOf(_identifier, min_items=1)
PROCEDURE = MapOf(_STEPS, key=_phase, min_items=1)

NOTIFICATION_CLASSES = ("immediate", "standard")


def _check_notifications(cleaned, path, findings):
    """Every alert's notification class is routed, to a receiver that exists."""
    alerts = cleaned.get("alerts") or []
    routes = cleaned.get("notifications")
    # Invalid items are None (reported already); they route nothing.
    receivers = [r["name"] for r in cleaned.get("receivers") or [] if r and r.get("name")]
    used = sorted(set(a["notification"] for a in alerts if a and a.get("notification")))
    if used and routes is None:
        findings.error(key_path(path, "notifications"),
                       "required key is missing: the alerts use the notification classes %s, and each needs a "
                       "route to a receiver (receiver, group_wait, group_interval, repeat_interval)" % ", ".join(used))
        return
    for name in used:
        if name not in (routes or {}):
            findings.error(key_path(key_path(path, "notifications"), name),
                           "required key is missing: alerts use the notification class %s" % name)
    for name, route in (routes or {}).items():
        receiver = (route or {}).get("receiver")
        if receiver is not None and receiver not in receivers:
            findings.error(key_path(key_path(key_path(path, "notifications"), name), "receiver"),
                           "%r is not one of health_monitoring.receivers (%s)" % (receiver, ", ".join(receivers) or "none"))


# How Alertmanager groups and repeats the notifications of one class.
_NOTIFICATION_ROUTE = Record(
    {
        "receiver": _dns_label,
        "group_wait": Duration(positive=False),
        "group_interval": Duration(),
        "repeat_interval": Duration(),
    },
    required=("receiver", "group_wait", "group_interval", "repeat_interval"),
)

HEALTH_MONITORING = Record(
    {
        "system_checks": ListOf(Record(
            {"name": _identifier, "interval": Duration(), "timeout": Duration()},
            required=("name", "interval", "timeout"), check=_check_interval_timeout), unique_key="name"),
        "alerts": ListOf(Record(
            {"name": _identifier, "severity": Str(choices=("critical", "warning", "info")),
             "notification": Str(choices=NOTIFICATION_CLASSES),
             # What the alert watches: a PromQL expression, how long it must hold, and
             # the line a notification carries. Without expr no Prometheus can fire it.
             "expr": Str(pattern=r"\s*\S[\s\S]*", hint="a PromQL expression"), "for": Duration(positive=False), "summary": Str()},
            required=("name", "severity", "notification", "expr"),
            missing_hint={"expr": "the PromQL expression that fires the alert"}), unique_key="name"),
        "notifications": Record(dict((name, _NOTIFICATION_ROUTE) for name in NOTIFICATION_CLASSES)),
        "receivers": ListOf(Record(
            {"name": _dns_label,
             "webhook_url": Str(pattern=r"^https?://[^ ]+$", hint="an http(s) URL")},
            required=("name", "webhook_url")), min_items=1, unique_key="name"),
    },
    check=_check_notifications,
)

BACKUP_PERIODS = {"hourly": 3600, "daily": 86400, "weekly": 604800, "monthly": 2678400}
# What each kind of backup holds (module_utils/backup/options.py implements each component).
BACKUP_COMPONENTS = {
    "system_state": ("kubernetes", "consul", "rabbitmq", "redis", "mongodb", "neo4j"),
    "model_registry": ("models",),
    "metrics": ("prometheus",),
}

_BUCKET = Str(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", hint="an S3 bucket name")
_S3_PREFIX = Str(pattern=r"^[A-Za-z0-9!_.*'()/-]*$", hint="an S3 key prefix such as 'platform' or 'registry/'")
_ENDPOINT_URL = Str(pattern=r"^https?://[^\s/]+(:[0-9]{1,5})?(/\S*)?$", hint="a URL such as 'https://s3.eu-west-1.amazonaws.com'")


def _schedule_period(schedule):
    """The period a cron schedule repeats with, for the schedules a frequency names (None
    for other shapes): 'M * * * *' hourly, 'M H * * *' daily, 'M H * * D' weekly,
    'M H D * *' monthly, with M, H, D and the weekday single numbers."""
    fields = normal_form(schedule)
    fixed = [re.fullmatch(r"[0-9]{1,2}", field) is not None for field in fields]
    if fixed == [True, False, False, False, False] and fields[1:] == ["*"] * 4:
        return BACKUP_PERIODS["hourly"]
    if fixed[:2] == [True, True] and fields[2:] == ["*"] * 3:
        return BACKUP_PERIODS["daily"]
    if fixed[:2] == [True, True] and fields[2:4] == ["*", "*"] and fixed[4]:
        return BACKUP_PERIODS["weekly"]
    if fixed[:3] == [True, True, True] and fields[3:] == ["*", "*"]:
        return BACKUP_PERIODS["monthly"]
    return None


def _check_backup(cleaned, path, findings):
    period = BACKUP_PERIODS.get(cleaned.get("frequency"))
    retention = cleaned.get("retention")
    if period is not None and retention is not None and retention < period:
        findings.error(key_path(path, "retention"),
                       "shorter than the %s frequency: each backup would expire before the next one is taken" % cleaned["frequency"])
    schedule = cleaned.get("schedule")
    if period is not None and schedule is not None and _schedule_period(schedule) != period:
        findings.error(key_path(path, "schedule"),
                       "%r does not run %s (hourly: 'M * * * *', daily: 'M H * * *', weekly: 'M H * * D', "
                       "monthly: 'M H D * *')" % (schedule, cleaned["frequency"]))


def _backup_kind(kind, fields=None, required=(), types=("full", "incremental")):
    common = {
        "frequency": Str(choices=tuple(BACKUP_PERIODS)),
        "retention": Duration(),
        "type": Str(choices=types),
        # Added: when the backup CronJob runs (default: from the frequency).
        "schedule": Cron(),
        # Added: what the backup holds (default: all of the kind's components).
        "components": ListOf(Str(choices=BACKUP_COMPONENTS[kind]), min_items=1),
    }
    common.update(fields or {})
    return Record(common, required=("frequency", "retention", "type") + tuple(required), check=_check_backup,
                  missing_hint={"source": "where the learning pipeline's models live: bucket and prefix"})


def _check_store_region(cleaned, path, findings):
    if "region" in cleaned and "endpoint_url" not in cleaned:
        Region().check(cleaned["region"], key_path(path, "region"), findings)


BACKUP_STORE = Record(
    {
        "bucket": _BUCKET,
        "prefix": _S3_PREFIX,
        # An AWS region, unless endpoint_url names another S3 API (checked below).
        "region": Str(pattern=r"[a-z0-9]([-a-z0-9]{0,62})", hint="a region such as 'eu-west-1'"),
        # For an S3 API other than AWS's (a VPC endpoint, or an emulator in tests).
        "endpoint_url": _ENDPOINT_URL,
        "server_side_encryption": Str(choices=("AES256", "aws:kms")),
        "kms_key_id": Str(),
    },
    required=("bucket", "prefix", "region"),
    check=_check_store_region,
)


def _check_backup_store(cleaned, path, findings):
    store = cleaned.get("store") or {}
    if store.get("kms_key_id") and store.get("server_side_encryption") == "AES256":
        findings.error(key_path(key_path(path, "store"), "kms_key_id"),
                       "a KMS key is used with server_side_encryption aws:kms, not AES256")


BACKUP_PROCEDURES = Record(
    {
        "system_state": _backup_kind("system_state"),
        "model_registry": _backup_kind("model_registry", {
            # Added: where the model registry lives (an S3 prefix the learning pipeline writes).
            "source": Record({"bucket": _BUCKET, "prefix": _S3_PREFIX}, required=("bucket",)),
        }, required=("source",)),
        "metrics": _backup_kind("metrics", types=("snapshot",)),
        # Added: where the backups go.
        "store": BACKUP_STORE,
    },
    required=("system_state", "model_registry", "metrics", "store"),
    check=_check_backup_store,
)

# Seed sections that describe operator procedures (runbooks read them).
PREPARATION = MapOf(_STEPS, key=_phase)
RECOVERY_PROCEDURES = MapOf(_STEPS, key=_identifier)
TROUBLESHOOTING_GUIDE = MapOf(ListOf(Record(
    {"symptom": Str(), "diagnosis": _STEPS, "resolution": _STEPS},
    required=("symptom", "diagnosis", "resolution"),
)), key=_identifier)
