# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Redis data in a backup: every key, as DUMP gives it, with its absolute expiry.

This works against a remote Redis over the network, a single server or a Redis Cluster
(every primary is scanned), which is how it runs in production: Redis is in the cluster,
the backup on the control node or in a CronJob pod. No access to the RDB file is needed.

- Backup: SCAN every database (every primary in cluster mode), then DUMP and PEXPIRETIME
  (Redis 7) for each key in pipelined batches. A record is the key and its payload: the
  absolute expiry in milliseconds (-1 for none) and the DUMP. The absolute expiry is the
  same in every backup while a key is unchanged, so the line is too (``record_lines``,
  sorted by key), and restic stores nothing new for an unchanged database.
- Restore: RESTORE ... REPLACE ABSTTL for every key of the backup; a key that has
  expired since the backup is not restored (and counted). Keys that exist now and are not
  in the backup are left alone, and counted, unless ``delete_extra_keys``.
- Plan (check mode) and validation compare DUMP payloads key by key.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import struct
import time

from ansible.module_utils.basic import env_fallback, missing_required_lib

from ansible_collections.mas.platform.plugins.module_utils.backup.snapshot import b64, unb64
from ansible_collections.mas.platform.plugins.module_utils.base import EndpointError, PlatformError

try:
    import redis
    from redis.exceptions import AuthenticationError, ConnectionError as RedisConnectionError, RedisError, ResponseError
    from redis.exceptions import RedisClusterException, TimeoutError as RedisTimeoutError

    HAS_REDIS = True
except ImportError:  # pragma: no cover - reported by PlatformModule
    HAS_REDIS = False

REDIS_OPTIONS = dict(
    url=dict(type="str", fallback=(env_fallback, ["REDIS_URL"])),
    password=dict(type="str", no_log=True, fallback=(env_fallback, ["REDIS_PASSWORD"])),
    username=dict(type="str", fallback=(env_fallback, ["REDIS_USERNAME"])),
    cluster=dict(type="bool", default=False),
    batch_size=dict(type="int", default=500),
    delete_extra_keys=dict(type="bool", default=False),
    timeout=dict(type="int", default=30),
)
_EXPIRY = struct.Struct(">q")


def record_payload(expire_at_ms, dump):
    return _EXPIRY.pack(int(expire_at_ms)) + dump


def split_payload(payload):
    return _EXPIRY.unpack_from(payload, 0)[0], payload[_EXPIRY.size:]


def record_lines(records):
    """The lines of a Redis database in a snapshot, sorted by key: the key, its absolute
    expiry in milliseconds (-1: none) and its DUMP, base64-encoded."""
    for key, payload in sorted(records):
        expire_at, dump = split_payload(payload)
        yield dict(key=b64(key), expire_at_ms=expire_at, dump=b64(dump))


def records_from_lines(lines):
    """The (key, payload) records of a snapshot's Redis database."""
    return [(unb64(line["key"]), record_payload(line["expire_at_ms"], unb64(line["dump"]))) for line in lines]


def same_dump(a, b):
    """Two DUMP payloads hold the same value: equal, or equal but for the RDB version and
    checksum footer (10 bytes) that another Redis version writes."""
    if a is None or b is None:
        return False
    return a == b or (len(a) == len(b) and a[:-10] == b[:-10])


class RedisData(object):
    """Backup, restore, plan and validation of the keys of one Redis (or Redis Cluster)."""

    def __init__(self, params):
        if not HAS_REDIS:
            raise PlatformError(missing_required_lib("redis") + " (for the redis component)")
        self.params = params
        self.url = params.get("url")
        if not self.url:
            raise PlatformError("redis.url: no Redis URL given (such as redis://redis.core-services:6379; "
                                "or set REDIS_URL)")
        if not self.url.startswith(("redis://", "rediss://")):
            raise PlatformError("redis.url: %r is not a redis:// or rediss:// URL" % self.url)
        self.batch = max(1, params.get("batch_size") or 500)
        self._clients = {}

    def _connect(self, db=None):
        key = db if not self.params.get("cluster") else "cluster"
        if key not in self._clients:
            kwargs = dict(password=self.params.get("password") or None, username=self.params.get("username") or None,
                          socket_timeout=self.params.get("timeout") or 30,
                          socket_connect_timeout=self.params.get("timeout") or 30)
            if self.params.get("cluster"):
                client = self._call("connecting to the cluster", redis.RedisCluster.from_url, self.url, **kwargs)
            else:
                client = redis.Redis.from_url(self.url, db=db or 0, **kwargs)
            self._clients[key] = client
        return self._clients[key]

    def _call(self, what, func, *args, **kwargs):
        try:
            return func(*args, **kwargs)
        except AuthenticationError as exc:
            raise PlatformError("bad credentials for Redis at %s: %s" % (self._where(), exc))
        except (RedisConnectionError, RedisTimeoutError, OSError) as exc:
            raise EndpointError(self._where(), "Redis is unreachable while %s (%s)" % (what, exc))
        except RedisClusterException as exc:
            raise PlatformError("redis.cluster: the Redis at %s is not a usable Redis Cluster (%s); set cluster to "
                                "false for a single server" % (self._where(), exc))
        except ResponseError as exc:
            if "NOAUTH" in str(exc) or "WRONGPASS" in str(exc):
                raise PlatformError("bad credentials for Redis at %s: %s" % (self._where(), exc))
            if "NOPERM" in str(exc):
                raise PlatformError("permission denied at %s while %s: %s" % (self._where(), what, exc))
            raise PlatformError("Redis at %s refused %s: %s" % (self._where(), what, exc))
        except RedisError as exc:
            raise EndpointError(self._where(), "Redis failed while %s (%s)" % (what, exc))

    def _where(self):
        # The URL without its password.
        url = self.url
        if "@" in url:
            scheme, rest = url.split("://", 1)
            url = "%s://%s" % (scheme, rest.split("@", 1)[1])
        return url

    def databases(self):
        """The databases that hold keys (always [0] in cluster mode)."""
        if self.params.get("cluster"):
            return [0]
        info = self._call("reading INFO keyspace", self._connect(0).info, "keyspace")
        dbs = sorted(int(name[2:]) for name in info if name.startswith("db"))
        return dbs or [0]

    # -- reading --------------------------------------------------------------------------

    def read(self, db):
        """[(key, payload)] of every key of one database."""
        client = self._connect(db)
        keys = self._call("scanning the keys", lambda: list(client.scan_iter(count=1000)))
        records = []
        for start in range(0, len(keys), self.batch):
            batch = keys[start:start + self.batch]
            answers = self._pipeline(client, "reading the keys", batch,
                                     lambda pipe, key: (pipe.dump(key), pipe.pexpiretime(key)))
            for index, key in enumerate(batch):
                dump, expire_at = answers[2 * index], answers[2 * index + 1]
                if dump is None:
                    continue  # deleted between SCAN and DUMP
                records.append((key, record_payload(expire_at if expire_at and expire_at > 0 else -1, dump)))
        return records

    def dumps(self, db, keys):
        """{key: DUMP payload or None} for the given keys."""
        client = self._connect(db)
        current = {}
        for start in range(0, len(keys), self.batch):
            batch = keys[start:start + self.batch]
            answers = self._pipeline(client, "reading the keys", batch, lambda pipe, key: (pipe.dump(key),))
            current.update(zip(batch, answers))
        return current

    def _pipeline(self, client, what, keys, queue):
        def run():
            pipe = client.pipeline(transaction=False)
            for key in keys:
                queue(pipe, key)
            return pipe.execute(raise_on_error=True)
        return self._call(what, run)

    # -- restoring ------------------------------------------------------------------------

    def plan(self, db, records, now_ms=None):
        """What a restore of these records does to database ``db``."""
        now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
        current = self.dumps(db, [key for key, _payload in records])
        plan = dict(create=[], overwrite=[], unchanged=0, expired=[])
        for key, payload in records:
            expire_at, dump = split_payload(payload)
            if 0 <= expire_at <= now_ms:
                plan["expired"].append(key)
            elif current.get(key) is None:
                plan["create"].append(key)
            elif not same_dump(current[key], dump):
                plan["overwrite"].append(key)
            else:
                plan["unchanged"] += 1
        plan["extra"] = self.extra_keys(db, set(key for key, _payload in records))
        return plan

    def extra_keys(self, db, wanted):
        client = self._connect(db)
        keys = self._call("scanning the keys", lambda: list(client.scan_iter(count=1000)))
        return sorted(k for k in keys if k not in wanted)

    def restore(self, db, records, plan):
        """RESTORE the keys the plan creates or overwrites; returns how many."""
        client = self._connect(db)
        todo = set(plan["create"]) | set(plan["overwrite"])
        selected = [(k, p) for k, p in records if k in todo]
        for start in range(0, len(selected), self.batch):
            batch = selected[start:start + self.batch]

            def queue(pipe, record):
                key, payload = record
                expire_at, dump = split_payload(payload)
                pipe.restore(key, expire_at if expire_at > 0 else 0, dump, replace=True, absttl=expire_at > 0)
            self._pipeline(client, "restoring the keys", batch, queue)
        if self.params.get("delete_extra_keys") and plan["extra"]:
            extra = plan["extra"]
            for start in range(0, len(extra), self.batch):
                self._pipeline(client, "deleting extra keys", extra[start:start + self.batch],
                               lambda pipe, key: (pipe.delete(key),))
        return len(selected)

    def validate(self, db, records, now_ms=None):
        """Every key of the backup (not expired since) is there with its value."""
        now_ms = now_ms if now_ms is not None else int(time.time() * 1000)
        live = [(k, p) for k, p in records if not 0 <= split_payload(p)[0] <= now_ms]
        current = self.dumps(db, [k for k, _p in live])
        missing = [k for k, _p in live if current.get(k) is None]
        differ = [k for k, p in live if current.get(k) is not None and not same_dump(current[k], split_payload(p)[1])]
        return dict(keys=len(live), missing=len(missing), differ=len(differ),
                    examples=[_text(k) for k in (missing + differ)[:5]], ok=not missing and not differ)


def _text(key):
    return key.decode("utf-8", "replace") if isinstance(key, bytes) else key
