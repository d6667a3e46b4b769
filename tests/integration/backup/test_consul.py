"""Consul by snapshot: a backup takes GET /v1/snapshot (what `consul snapshot save` calls)
into the restic snapshot, and a restore puts it back with PUT /v1/snapshot, which replaces
the servers' whole state: a damaged key comes back, a deleted one too, an injected one is
gone; the validation reads every key back.

It runs against a real `consul agent -dev` on free ports of 127.0.0.1, the binary that
MAS_CONSUL_BINARY names (`make test-consul`). The project does not build Consul: releases
from 1.17 on are not open source (Business Source License), and the last MPL release's
module does not resolve (docs/runbooks/backup-and-recovery.md). So `make test` deselects
this test (marker ``consul``, pytest.ini) rather than stand in for Consul.
"""

import base64
import json
import os
import pathlib
import subprocess
import urllib.request

import pytest
import services

from ansible_collections.mas.platform.plugins.modules import platform_backup, platform_restore

from backup_helpers import ENCRYPTION_KEY, PLATFORM, restic

KEYS = {"agents/coordinator/strategy": (b"auction", 0), "agents/executor/max_tasks": (b"40", 0),
        "features/learning": (b"on", 42), "agents/": (b"", 0)}


class ConsulAgent:
    """`consul agent -dev` (in memory) on free ports, with the platform's keys."""

    def __init__(self, binary, workdir):
        self.workdir = pathlib.Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        port = services.free_port()
        self.url = "http://127.0.0.1:%d" % port
        log = open(self.workdir / "consul.log", "wb")
        self.process = subprocess.Popen(
            [binary, "agent", "-dev", "-bind", "127.0.0.1", "-client", "127.0.0.1", "-http-port", str(port),
             "-dns-port", "-1", "-grpc-port", "-1", "-grpc-tls-port", "-1", "-server-port", str(services.free_port()),
             "-serf-lan-port", str(services.free_port()), "-serf-wan-port", str(services.free_port()),
             "-data-dir", str(self.workdir / "data")],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        services._wait_until(lambda: self.call("/v1/status/leader")[1] not in (b"", b'""'), self.process,
                             "consul agent", self.workdir / "consul.log", 60)
        for key, (value, flags) in KEYS.items():
            self.call("/v1/kv/%s?flags=%d" % (key, flags), "PUT", value)

    def call(self, path, method="GET", data=None):
        request = urllib.request.Request(self.url + path, method=method, data=data)
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read()

    def damage(self):
        self.call("/v1/kv/agents/coordinator/strategy", "PUT", b"round-robin")
        self.call("/v1/kv/features/learning", "DELETE")
        self.call("/v1/kv/injected/by-an-attacker", "PUT", b"1")

    def stop(self):
        services.stop_process(self.process)


pytestmark = pytest.mark.consul


@pytest.fixture
def consul(backup_workdir, unique):
    binary = os.environ.get("MAS_CONSUL_BINARY")
    if not binary:
        pytest.fail("no Consul: set MAS_CONSUL_BINARY to a consul binary (make test-consul)")
    server = ConsulAgent(binary, backup_workdir / ("consul-%s" % unique))
    yield server
    server.stop()


def kv(restored):
    return dict((e["Key"], (base64.b64decode(e["Value"] or ""), e["Flags"])) for e in restored)


def test_a_consul_snapshot_is_backed_up_and_replaces_the_damaged_state(run_module, store, consul):
    repository = dict(store=store, platform=PLATFORM, encryption_key=ENCRYPTION_KEY, consul=dict(url=consul.url))
    taken = run_module(platform_backup, dict(repository, kind="system_state", type="incremental",
                                             components=["consul"]))
    assert taken["components"]["consul"]["keys"] == 4 and taken["components"]["consul"]["snapshot_bytes"] > 1000
    # The snapshot is in the restic snapshot as Consul gave it, the keys beside it.
    lines = restic(store, "dump", taken["backup"]["id"], "/consul/kv.jsonl")
    assert kv(json.loads(line) for line in lines.splitlines()) == KEYS
    stored = restic(store, "dump", taken["backup"]["id"], "/consul/state.snap", binary=True)
    assert stored[:2] == b"\x1f\x8b"  # gzip: Consul's snapshot archive

    consul.damage()
    args = dict(repository, kind="system_state", components=["consul"])
    planned = run_module(platform_restore, args, check_mode=True)["plan"]["consul"]
    assert (planned["create"], planned["overwrite"], planned["delete_count"]) == (
        ["features/learning"], ["agents/coordinator/strategy"], 1)
    assert planned["changed"] and "replace" in planned

    restored = run_module(platform_restore, args)
    assert restored["validation"]["consul"] == dict(keys=4, missing=[], differ=[], extra=[], ok=True)
    assert kv(json.loads(consul.call("/v1/kv/?recurse=true")[1])) == KEYS
