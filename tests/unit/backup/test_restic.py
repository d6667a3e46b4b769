"""The restic layer (module_utils/backup/restic.py): the retention policy of each kind,
and the repository calls against the real restic with a local repository (no store
needed; the S3 store is the integration tests' part)."""

import json
import os
import subprocess

import pytest

from ansible_collections.mas.platform.plugins.module_utils.backup.restic import (
    duration,
    forget_policy,
    last_error,
    parse_version,
    restic_binary,
    ResticRepository,
    snapshot_tags,
)
from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError

PASSWORD = "correct horse battery staple"


class LocalLocation:
    """A repository in a local directory: the same restic, another backend."""

    def __init__(self, path):
        self.path = str(path)

    def repository_url(self):
        return self.path

    def restic_environment(self):
        return {}

    def restic_options(self):
        return []


@pytest.fixture
def repository(restic, tmp_path):
    return ResticRepository(restic, LocalLocation(tmp_path / "repo"), PASSWORD, timeout=120)


@pytest.fixture
def spool(tmp_path):
    directory = tmp_path / "spool"
    (directory / "redis").mkdir(parents=True)
    (directory / "redis" / "db0.jsonl").write_bytes(os.urandom(200000))
    (directory / "contents.json").write_text("{}")
    return str(directory)


# -- pure ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, version", [
    ("restic 0.18.1 compiled with go1.26.8 on linux/amd64", (0, 18, 1)),
    ("restic 0.14.0 (v0.14.0-0-g...) compiled with go1.19", (0, 14, 0)),
    ("something else", None),
])
def test_parse_version(text, version):
    assert parse_version(text) == version


@pytest.mark.parametrize("frequency, retention, options", [
    ("hourly", 7 * 86400, ["--keep-within-hourly", "7d"]),
    ("daily", 30 * 86400, ["--keep-within-daily", "30d"]),
    ("daily", 90 * 86400, ["--keep-within-daily", "90d"]),
    ("weekly", 36 * 3600, ["--keep-within-weekly", "1d12h"]),
    ("monthly", 12 * 3600, ["--keep-within-monthly", "12h"]),
])
def test_each_frequency_and_retention_is_one_restic_policy(frequency, retention, options):
    assert forget_policy(frequency, retention) == options


@pytest.mark.parametrize("frequency, retention, message", [
    ("yearly", 86400, "frequency: 'yearly' is not one of hourly, daily, weekly, monthly"),
    ("hourly", 1800, "retention: 1800s is not a whole number of hours"),
    ("daily", 5400, "retention: 5400s is not a whole number of hours"),
])
def test_a_policy_restic_cannot_express_is_refused(frequency, retention, message):
    with pytest.raises(PlatformError) as failed:
        forget_policy(frequency, retention)
    assert failed.value.msg.startswith(message)


class Module:
    """What restic_binary asks of the module: where a binary is on PATH."""

    def __init__(self, path):
        self.path = path

    def get_bin_path(self, name):
        return self.path


def test_restic_is_found_and_its_version_checked(restic):
    assert restic_binary(Module(restic)) == restic
    with pytest.raises(PlatformError) as missing:
        restic_binary(Module(None))
    assert missing.value.msg.startswith("restic: not found on PATH; the backup modules need restic 0.17.0 or newer")


def test_duration_is_exact():
    assert [duration(s) for s in (3600, 86400, 90 * 86400 + 7200)] == ["1h", "1d", "90d2h"]


def test_tags_name_kind_platform_and_components():
    assert snapshot_tags("system_state", "mas-local", ["redis", "rabbitmq"]) == [
        "kind=system_state", "platform=mas-local", "component=redis", "component=rabbitmq"]


def test_the_first_error_is_the_cause():
    stderr = "\n".join([
        "Load(<data/a2ebabfad2>, 300143, 0) failed: restic-file-too-short",
        json.dumps({"message_type": "error", "error": {"message": "ReadFull(<data/a2ebabfad2>): restic-file-too-short"},
                    "during": "restore", "item": "/redis/db0.jsonl"}),
        json.dumps({"message_type": "error", "error": {"message": "lchown /tmp/x: no such file or directory"}}),
        json.dumps({"message_type": "exit_error", "code": 1, "message": "Fatal: There were 2 errors\n"}),
    ])
    assert last_error(stderr) == "ReadFull(<data/a2ebabfad2>): restic-file-too-short"
    assert last_error("Fatal: unable to open config file\nIs there a repository?") == "Fatal: unable to open config file"


# -- the real restic, a local repository ---------------------------------------------------------

def test_a_repository_is_created_once_and_opened_with_its_password(repository, restic, tmp_path):
    assert repository.snapshots(missing_ok=True) is None
    with pytest.raises(PlatformError) as missing:
        repository.snapshots()
    assert missing.value.msg == "no restic repository at %s (restic listing the snapshots)" % repository.url
    repository.init()
    assert repository.snapshots(missing_ok=True) == []
    wrong = ResticRepository(restic, repository.location, "not the password", timeout=60)
    with pytest.raises(PlatformError) as failed:
        wrong.snapshots(missing_ok=True)
    assert failed.value.msg == ("wrong password for the restic repository at %s: encryption_key "
                                "(MAS_BACKUP_ENCRYPTION_KEY) opens none of its keys" % repository.url)
    assert PASSWORD not in failed.value.msg and "not the password" not in failed.value.msg


def test_a_missing_password_is_refused_before_restic_runs(restic, tmp_path):
    with pytest.raises(PlatformError) as failed:
        ResticRepository(restic, LocalLocation(tmp_path / "repo"), "", timeout=60)
    assert failed.value.msg.startswith("encryption_key: the password of the restic repository at %s is required"
                                       % (tmp_path / "repo"))


def test_the_password_never_reaches_the_command_line(repository, spool):
    """restic gets it in its environment: nothing in /proc/<pid>/cmdline of the call."""
    seen = []
    real_popen = subprocess.Popen

    def recording_popen(command, *args, **kwargs):
        seen.append((list(command), kwargs.get("env") or {}))
        return real_popen(command, *args, **kwargs)

    subprocess.Popen = recording_popen
    try:
        repository.init()
        repository.backup(spool, "mas-local", snapshot_tags("system_state", "mas-local", ["redis"]))
    finally:
        subprocess.Popen = real_popen
    assert seen and all(PASSWORD not in " ".join(command) for command, _env in seen)
    assert all(env.get("RESTIC_PASSWORD") == PASSWORD for _command, env in seen)


def test_backup_snapshots_and_find(repository, spool):
    repository.init()
    first = repository.backup(spool, "mas-local", snapshot_tags("system_state", "mas-local", ["redis"]))
    assert first["data_added"] > 200000 and first["files_new"] == 2
    again = repository.backup(spool, "mas-local", snapshot_tags("system_state", "mas-local", ["redis"]))
    assert again["data_added"] < 2000  # nothing but directory entries: the data is stored once
    other = repository.backup(spool, "mas-other", snapshot_tags("metrics", "mas-other", ["prometheus"]))
    ours = repository.snapshots(tags=["kind=system_state", "platform=mas-local"])
    assert [s["id"] for s in ours] == [first["snapshot_id"], again["snapshot_id"]]
    assert repository.find(other["snapshot_id"][:8])["tags"] == ["kind=metrics", "platform=mas-other",
                                                                "component=prometheus"]
    assert repository.find("0000beef") is None and repository.find("not-an-id") is None
    dry = repository.backup(spool, "mas-local", ["kind=system_state"], dry_run=True)
    assert dry["dry_run"] and len(repository.snapshots()) == 3


def test_a_damaged_pack_fails_the_restore_with_restics_reason(repository, spool, tmp_path):
    repository.init()
    taken = repository.backup(spool, "mas-local", ["kind=system_state"])
    packs = [os.path.join(root, name) for root, _dirs, files in os.walk(os.path.join(repository.url, "data"))
             for name in files]
    largest = max(packs, key=os.path.getsize)
    os.chmod(largest, 0o644)
    with open(largest, "r+b") as handle:
        handle.seek(1000)
        byte = handle.read(1)
        handle.seek(1000)
        handle.write(bytes([byte[0] ^ 1]))
    with pytest.raises(PlatformError) as failed:
        repository.restore(taken["snapshot_id"], str(tmp_path / "out"))
    assert "restore of snapshot %s failed on %s" % (taken["snapshot_id"], repository.url) in failed.value.msg
    assert "ciphertext verification failed" in failed.value.msg, failed.value.msg
    with pytest.raises(PlatformError) as checked:
        repository.check("100%")
    assert checked.value.msg.startswith("restic check --read-data-subset 100%% failed on %s" % repository.url)


# Snapshots dated across each kind's window, relative to 2026-11-28 12:30 UTC (the newest of
# each group at age 0 but for the last): (platform, kind, frequency, retention in days,
# ages in hours, the ages restic keeps).
RETENTION_CASES = [
    # Hourly for 7 days (system_state): the last of each hour, younger than 168h before the
    # newest (12:30); of 12:15 and 12:30, the same hour, only 12:30 is kept.
    ("mas-local", "system_state", "hourly", 7, [0, 0.25, 2.5, 24, 167.5, 168.5, 500], [0, 2.5, 24, 167.5]),
    # Daily for 30 days (model_registry).
    ("mas-local", "model_registry", "daily", 30, [0, 24, 29 * 24, 31 * 24, 60 * 24], [0, 24, 29 * 24]),
    # Daily for 90 days (metrics).
    ("mas-local", "metrics", "daily", 90, [0, 89 * 24, 91 * 24, 365 * 24], [0, 89 * 24]),
    # The backups of this platform stopped 30 days ago: the newest is kept, however old.
    ("mas-stopped", "system_state", "hourly", 7, [30 * 24, 30 * 24 + 10, 40 * 24], [30 * 24, 30 * 24 + 10]),
]


@pytest.fixture(scope="module")
def dated(restic, tmp_path_factory):
    """One local repository with every case's snapshots (taken in parallel: each restic
    process spends most of its time deriving the key): (repository, [{age: short id}])."""
    import datetime
    from concurrent.futures import ThreadPoolExecutor
    root = tmp_path_factory.mktemp("dated")
    (root / "spool").mkdir()
    (root / "spool" / "contents.json").write_text("{}")
    repository = ResticRepository(restic, LocalLocation(root / "repo"), PASSWORD, timeout=120)
    repository.init()
    now = datetime.datetime(2026, 11, 28, 12, 30, tzinfo=datetime.timezone.utc)

    def take(job):
        platform, kind, age = job
        when = (now - datetime.timedelta(hours=age)).strftime("%Y-%m-%d %H:%M:%S")
        out = subprocess.run([repository.binary, "backup", "--json", "--time", when, "--host", platform, "--tag",
                              "kind=%s,platform=%s,component=redis" % (kind, platform), "."], cwd=str(root / "spool"),
                             env=repository.environment(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             check=True).stdout
        return [json.loads(line) for line in out.splitlines() if '"summary"' in line][-1]["snapshot_id"][:8]

    jobs = [(platform, kind, age) for platform, kind, _f, _r, ages, _k in RETENTION_CASES for age in ages]
    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = dict(zip(jobs, pool.map(take, jobs)))
    return repository, [dict((age, ids[(platform, kind, age)]) for age in ages)
                        for platform, kind, _f, _r, ages, _k in RETENTION_CASES]


@pytest.mark.parametrize("case", range(len(RETENTION_CASES)),
                         ids=["%s %s %s %dd" % c[:4] for c in RETENTION_CASES])
def test_retention_keeps_exactly_the_policys_snapshots(dated, case):
    repository, snapshots = dated
    platform, kind, frequency, retention_days, ages, kept = RETENTION_CASES[case]
    policy = forget_policy(frequency, retention_days * 86400)
    planned = repository.forget(platform, ["kind=%s" % kind, "platform=%s" % platform], policy, dry_run=True)
    assert sorted(s["short_id"] for g in planned for s in g["keep"]) == sorted(snapshots[case][a] for a in kept)
    assert sorted(s["short_id"] for g in planned for s in g.get("remove") or []) == sorted(
        snapshots[case][a] for a in ages if a not in kept)


def test_forget_removes_what_the_policy_removes_and_nothing_else(dated):
    repository, snapshots = dated
    before = set(s["short_id"] for s in repository.snapshots())
    platform, kind, frequency, retention_days, ages, kept = RETENTION_CASES[0]
    tags = ["kind=%s" % kind, "platform=%s" % platform]
    repository.forget(platform, tags, forget_policy(frequency, retention_days * 86400))
    removed = set(snapshots[0][a] for a in ages if a not in kept)
    assert set(s["short_id"] for s in repository.snapshots()) == before - removed
    assert not [s for g in repository.forget(platform, tags, forget_policy(frequency, retention_days * 86400),
                                             dry_run=True) for s in g.get("remove") or []]
