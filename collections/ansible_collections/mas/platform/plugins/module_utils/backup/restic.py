# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The restic repository of the backups: every call of the ``restic`` binary goes through here.

restic (https://restic.net) keeps the backups: it cuts what it is given into
content-defined chunks, stores each chunk once (deduplication across snapshots, kinds
and hosts), compresses it, and encrypts and authenticates every blob and file of the
repository with the repository's master key (AES-256-CTR with Poly1305-AES); the master
key is itself encrypted with the repository password (scrypt). A snapshot names the
tree of its files; ``forget`` applies the retention policy and ``prune`` deletes the
data no snapshot uses; ``check`` verifies the repository's structure and (with
``--read-data-subset``) reads and authenticates a share of the data.

The password (the collection's ``encryption_key``) reaches restic through the
environment of its process (``RESTIC_PASSWORD``), never its command line; the store's
AWS credentials too (``AWS_ACCESS_KEY_ID``...), or restic's own chain finds them (the
environment, a profile, a web identity such as IRSA, an instance role).

restic retries a failing store for many minutes; every call here has a timeout, and the
callers check that the bucket answers (boto3 ``head_bucket``) before they call restic.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import signal
import subprocess

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError

# restic 0.17 is the first with distinct exit codes for a missing repository (10) and a
# wrong password (12), and with --retry-lock and data_added_packed.
MIN_VERSION = (0, 17, 0)
EXIT_NO_REPOSITORY = 10
EXIT_LOCKED = 11
EXIT_WRONG_PASSWORD = 12
# Backup frequency -> restic's --keep-within-<frequency> (one snapshot per period kept,
# for as long as the retention, counted back from the newest snapshot).
FREQUENCIES = ("hourly", "daily", "weekly", "monthly")
# restic's variables that would point it at another repository or key; the others
# (RESTIC_CACHE_DIR, RESTIC_COMPRESSION, RESTIC_PACK_SIZE...) are the operator's to set.
_ENV_DROPPED = ("RESTIC_REPOSITORY", "RESTIC_PASSWORD", "RESTIC_KEY_HINT", "RESTIC_FROM_")


def parse_version(text):
    """(0, 18, 1) from ``restic 0.18.1 compiled with go1.26.8 on linux/amd64``, or None."""
    match = re.search(r"restic (\d+)\.(\d+)\.(\d+)", text or "")
    return tuple(int(part) for part in match.groups()) if match else None


def restic_binary(module):
    """The path of restic (on PATH), checked to be at least MIN_VERSION."""
    path = module.get_bin_path("restic")
    if not path:
        raise PlatformError("restic: not found on PATH; the backup modules need restic %s or newer (the execution "
                            "environment has it; `make restic` builds the version of tools/restic/version.env)"
                            % ".".join(str(p) for p in MIN_VERSION))
    try:
        answer = subprocess.run([path, "version"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30,
                                check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise PlatformError("restic: %s does not run (%s)" % (path, exc))
    version = parse_version(answer.stdout.decode("utf-8", "replace"))
    if version is None or version < MIN_VERSION:
        raise PlatformError("restic: %s is version %s; the backup modules need %s or newer"
                            % (path, ".".join(str(p) for p in version) if version else "unknown",
                               ".".join(str(p) for p in MIN_VERSION)))
    return path


def duration(seconds):
    """restic's duration for a number of seconds: '7d', '36h', '90d12h'."""
    seconds = int(seconds)
    if seconds < 3600 or seconds % 3600:
        raise PlatformError("retention: %ss is not a whole number of hours (restic keeps snapshots by the hour)"
                            % seconds)
    days, hours = divmod(seconds // 3600, 24)
    return ("%dd" % days if days else "") + ("%dh" % hours if hours else "")


def forget_policy(frequency, retention_seconds):
    """The ``restic forget`` options of one kind: its frequency and retention, as
    ``--keep-within-<frequency> <retention>`` (the newest snapshot of each period is kept
    while it is younger than the retention, counted back from the newest snapshot; so the
    newest snapshot is always kept, even when the backups stopped long ago)."""
    if frequency not in FREQUENCIES:
        raise PlatformError("frequency: %r is not one of %s" % (frequency, ", ".join(FREQUENCIES)))
    return ["--keep-within-%s" % frequency, duration(retention_seconds)]


def snapshot_tags(kind, platform, components):
    """The tags of a snapshot: what it is (kind), whose (platform), what it holds."""
    return ["kind=%s" % kind, "platform=%s" % platform] + ["component=%s" % c for c in components]


def tag_values(snapshot, name):
    prefix = name + "="
    return [t[len(prefix):] for t in snapshot.get("tags") or [] if t.startswith(prefix)]


def describe(snapshot):
    """What a restore reports of a snapshot."""
    return dict(id=snapshot["short_id"], snapshot_id=snapshot["id"], created=snapshot["time"],
                kind=(tag_values(snapshot, "kind") or [None])[0],
                platform=(tag_values(snapshot, "platform") or [None])[0],
                components=tag_values(snapshot, "component"), host=snapshot.get("hostname"))


class ResticRepository(object):
    """One restic repository, reached with one password and one set of store credentials.

    ``location`` is the store (module_utils/backup/location.py): its repository URL and
    AWS settings. ``timeout`` bounds every call (seconds).
    """

    def __init__(self, binary, location, password, timeout):
        if not password:
            raise PlatformError("encryption_key: the password of the restic repository at %s is required (set "
                                "encryption_key, or MAS_BACKUP_ENCRYPTION_KEY)" % location.repository_url())
        self.binary = binary
        self.location = location
        self.url = location.repository_url()
        self.timeout = timeout
        self._password = password

    # -- running restic ----------------------------------------------------------------------

    def environment(self):
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith(_ENV_DROPPED))
        env.update(self.location.restic_environment())
        env["RESTIC_REPOSITORY"] = self.url
        env["RESTIC_PASSWORD"] = self._password
        env.setdefault("RESTIC_PROGRESS_FPS", "0.016")
        return env

    def run(self, args, what, cwd=None, allowed=(0,)):
        """Run ``restic <args>``; returns (exit code, stdout, stderr). A code not in
        ``allowed`` raises PlatformError naming ``what`` and the repository."""
        command = [self.binary] + self.location.restic_options() + ["--retry-lock", "%ds" % min(self.timeout, 600)]
        command += list(args)
        try:
            process = subprocess.Popen(command, cwd=cwd, env=self.environment(), stdout=subprocess.PIPE,
                                       stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, start_new_session=True)
        except OSError as exc:
            raise PlatformError("restic: %s does not run (%s)" % (self.binary, exc))
        try:
            stdout, stderr = process.communicate(timeout=self.timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGTERM)
            process.communicate()
            raise PlatformError("restic %s did not finish within %ss (repository %s); is the store reachable? "
                                "(wait_timeout)" % (what, self.timeout, self.url))
        stdout, stderr = stdout.decode("utf-8", "replace"), stderr.decode("utf-8", "replace")
        if process.returncode not in allowed:
            raise PlatformError(self.reason(process.returncode, stderr, what), restic_exit_code=process.returncode)
        return process.returncode, stdout, stderr

    def reason(self, code, stderr, what):
        """One line for a failed call."""
        if code == EXIT_NO_REPOSITORY:
            return "no restic repository at %s (restic %s)" % (self.url, what)
        if code == EXIT_WRONG_PASSWORD:
            return ("wrong password for the restic repository at %s: encryption_key (MAS_BACKUP_ENCRYPTION_KEY) "
                    "opens none of its keys" % self.url)
        if code == EXIT_LOCKED:
            return "the restic repository at %s stayed locked by another operation (restic %s): %s" % (
                self.url, what, last_error(stderr))
        return "restic %s failed on %s (exit %s): %s" % (what, self.url, code, last_error(stderr))

    def json_lines(self, text):
        found = []
        for line in text.splitlines():
            line = line.strip()
            if line.startswith("{") or line.startswith("["):
                try:
                    found.append(json.loads(line))
                except ValueError:
                    continue
        return found

    # -- the repository ----------------------------------------------------------------------

    def init(self):
        self.run(["init"], "creating the repository")

    def snapshots(self, host=None, tags=None, missing_ok=False):
        """Every snapshot (with ``tags``: those having all of them), oldest first; with
        ``missing_ok``, None when there is no repository (one call opens and lists)."""
        args = ["snapshots", "--json"]
        if host:
            args += ["--host", host]
        if tags:
            args += ["--tag", ",".join(tags)]
        code, out, _err = self.run(args, "listing the snapshots", allowed=(0, EXIT_NO_REPOSITORY) if missing_ok else (0,))
        if code == EXIT_NO_REPOSITORY:
            return None
        listed = json.loads(out or "[]") or []
        return sorted(listed, key=lambda s: (s["time"], s["id"]))

    def find(self, snapshot_id, listed=None):
        """The snapshot whose id (or id prefix) is ``snapshot_id`` (among ``listed``, or
        all the repository's), or None."""
        if not re.match(r"^[0-9a-f]{4,64}$", snapshot_id or ""):
            return None
        found = [s for s in (self.snapshots() if listed is None else listed) if s["id"].startswith(snapshot_id)]
        if len(found) > 1:
            raise PlatformError("backup: %s is the prefix of %d snapshots in %s; give more of its id"
                                % (snapshot_id, len(found), self.url))
        return found[0] if found else None

    def backup(self, directory, host, tags, force=False, dry_run=False):
        """``restic backup`` of everything in ``directory`` (its paths relative to it);
        returns restic's summary (snapshot_id, data_added, data_added_packed, ...)."""
        args = ["backup", "--json", "--host", host, "--tag", ",".join(tags)]
        if force:
            args.append("--force")
        if dry_run:
            args.append("--dry-run")
        _code, out, _err = self.run(args + ["."], "backup", cwd=directory)
        summaries = [m for m in self.json_lines(out) if isinstance(m, dict) and m.get("message_type") == "summary"]
        if not summaries:
            raise PlatformError("restic backup on %s printed no summary: %s" % (self.url, out[-300:]))
        return summaries[-1]

    def restore(self, snapshot_id, target, includes=()):
        """``restic restore`` of a snapshot (its ``includes`` paths only) into ``target``.
        Every blob is read from the store, not the local cache, and authenticated; any
        error (a damaged, truncated or missing pack) fails."""
        args = ["--no-cache", "restore", snapshot_id, "--target", target, "--json"]
        for path in includes:
            args += ["--include", path]
        _code, out, _err = self.run(args, "restore of snapshot %s" % snapshot_id)
        return ([m for m in self.json_lines(out) if isinstance(m, dict) and m.get("message_type") == "summary"]
                or [{}])[-1]

    def forget(self, host, tags, policy, dry_run=False):
        """``restic forget`` of the snapshots with ``tags`` by ``policy``, per group of
        host and tags; returns restic's groups (keep, remove, reasons)."""
        args = ["forget", "--json", "--host", host, "--tag", ",".join(tags), "--group-by", "host,tags"] + policy
        if dry_run:
            args.append("--dry-run")
        _code, out, _err = self.run(args, "forget")
        groups = self.json_lines(out)
        return groups[-1] if groups and isinstance(groups[-1], list) else []

    def prune(self):
        self.run(["prune"], "prune")

    def check(self, read_data_subset=None):
        """``restic check`` (structure), reading ``read_data_subset`` of the data too."""
        args = ["check"]
        if read_data_subset:
            args += ["--read-data-subset", read_data_subset]
        self.run(args, "check%s" % (" --read-data-subset %s" % read_data_subset if read_data_subset else ""))


def last_error(stderr):
    """The most telling line of restic's stderr: the first error (the cause, such as a
    blob that does not authenticate), not the retries or the count of errors."""
    lines = [line.strip() for line in (stderr or "").splitlines() if line.strip()]
    errors, fatal, damaged = [], [], []
    for line in lines:
        if line.startswith("{"):
            try:
                message = json.loads(line)
            except ValueError:
                continue
            text = ((message.get("error") or {}).get("message") or message.get("message") or "").strip()
            if message.get("message_type") == "error" and text:
                errors.append(text)
            elif message.get("message_type") == "exit_error" and text:
                fatal.append(text)
        elif line.startswith("Fatal:"):
            fatal.append(line)
        elif re.match(r"^pack [0-9a-f]{8,}", line) or "ciphertext verification failed" in line:
            damaged.append(line)
    if errors:
        return errors[0]
    if damaged:
        return "; ".join(damaged[:3])
    if fatal:
        return fatal[0]
    return lines[-1] if lines else "no message"
