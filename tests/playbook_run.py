"""The one way the tests run ansible-playbook.

``run_playbook(playbook, ...)`` runs the virtualenv's ansible-playbook with the
repository's ansible.cfg, from the repository root, and returns a ``PlaybookRun``:
the exit code, the output, and (with the default ``ansible.posix.json`` callback) the
parsed report, read through ``tasks()``, ``result(name)``, ``failure()``, ``changed()``
and ``stats``. With ``callback="default"`` the output is the text an operator sees
(the secret-leak tests read that) and ``stats`` comes from the PLAY RECAP.

Every package's playbook fixture (aws, backup, playbooks, vault, the render harnesses)
is a thin adapter over this function: which inventory, which environment.
"""

import json
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import time
import uuid

REPO = pathlib.Path(__file__).resolve().parents[1]
ANSIBLE_PLAYBOOK = pathlib.Path(sys.executable).with_name("ansible-playbook")
INVENTORIES = REPO / "inventories"
PLAYBOOKS = REPO / "playbooks"
# Settings of the machine that must not leak into a run (Ansible's own, and the
# environment fallbacks of the platform's service connections): a test passes what it
# means in ``env``.
_LEAKING = ("ANSIBLE_", "RABBITMQ_", "PROMETHEUS_", "CONSUL_", "VAULT_", "REDIS_", "MAS_BACKUP_")


class PlaybookRun:
    """One ansible-playbook run."""

    def __init__(self, args, completed, seconds, json_report):
        self.args, self.rc, self.seconds = args, completed.returncode, seconds
        self.stdout, self.stderr = completed.stdout or "", completed.stderr or ""
        self.report = None
        if json_report:
            # The report is the JSON object that starts a line (the progress callback's
            # lines may come before it, the summary callback's after it).
            found = re.search(r"^\{", self.stdout, re.MULTILINE)
            try:
                # raw_decode: the summary callback's lines follow the report.
                self.report = json.JSONDecoder().raw_decode(self.stdout[found.start():])[0] if found else None
            except ValueError:
                self.report = None

    # -- the exit and the output --------------------------------------------------------

    @property
    def returncode(self):
        return self.rc

    @property
    def ok(self):
        return self.rc == 0

    @property
    def output(self):
        """stdout and stderr together (what a terminal shows)."""
        return self.stdout + self.stderr

    @property
    def stats(self):
        """The PLAY RECAP of localhost: {'ok': .., 'changed': .., 'failures': ..}."""
        if self.report is not None:
            return self.report.get("stats", {}).get("localhost", {})
        recap = re.search(r"^localhost\s*:\s*(.*)$", self.stdout, re.MULTILINE)
        return dict((k, int(v)) for k, v in re.findall(r"(\w+)=(\d+)", recap.group(1))) if recap else {}

    # -- the report (json callback) -----------------------------------------------------

    def _require_report(self):
        if self.report is None:
            raise AssertionError("ansible-playbook printed no JSON report (rc %s):\n%s\n%s"
                                 % (self.rc, self.stdout[-3000:], self.stderr[-3000:]))
        return self.report

    def tasks(self):
        """[(name, result, duration)] of localhost, in the order they ran; a role task's
        name without its "role : " prefix."""
        out = []
        for play in self._require_report().get("plays") or []:
            for task in play.get("tasks") or []:
                result = task["hosts"].get("localhost")
                if result is not None:
                    out.append((task["task"]["name"].split(" : ", 1)[-1], result, task["task"].get("duration") or {}))
        return out

    def task_names(self):
        return [name for name, _, _ in self.tasks()]

    def results(self, task_name):
        return [result for name, result, _ in self.tasks() if name == task_name]

    def result(self, task_name):
        """The last result of the task of that name; fails naming the tasks that ran."""
        found = self.results(task_name)
        assert found, "no task %r ran; tasks: %s\n%s" % (task_name, self.task_names(), self.stderr[-2000:])
        return found[-1]

    def failure(self):
        """The message of the task that failed the run (the last failed one: a rescued
        failure comes before the one its rescue raises), with its failed loop items'."""
        if self.report is None:
            failed = re.findall(r"^fatal: .*$", self.stdout, re.MULTILINE)
            return failed[-1] if failed else (self.stderr[-2000:] or None)
        for name, result, _ in reversed(self.tasks()):
            if result.get("failed") and not result.get("ignored"):
                messages = [result.get("msg", "")]
                messages += [item.get("msg", "") for item in result.get("results", []) if item.get("failed")]
                return "%s: %s" % (name, " | ".join(m for m in messages if m))
        return None

    def messages(self):
        """Every msg of the debug tasks and assertions, in order."""
        return [result.get("msg") for _, result, _ in self.tasks() if isinstance(result.get("msg"), str)]

    def changed(self):
        """Names of the tasks that reported a change (loop items included)."""
        if self.report is None:
            names, current = [], None
            for line in self.stdout.splitlines():
                match = re.match(r"^TASK \[(.*)\]", line)
                if match:
                    current = match.group(1)
                elif line.startswith("changed:") and current not in names:
                    names.append(current)
            return names
        return [name for name, result, _ in self.tasks() if result.get("changed")]

    def explain(self):
        """Why a test failed: the command, the failing task, what changed, stderr."""
        return "rc %s after %.0fs: %s\nfailure: %s\nchanged: %s\nstderr: %s" % (
            self.rc, self.seconds, " ".join(str(a) for a in self.args[1:]), self.failure(), self.changed(),
            self.stderr[-2000:])


def run_playbook(playbook, inventory="local", extra_vars=None, vars_files=(), args=(), check=False, diff=None,
                 env=None, callback="json", verbosity=0, timeout=900, workdir=None, merge_stderr=False,
                 kill_when=None):
    """Run one playbook and return its PlaybookRun.

    playbook: a name under playbooks/ (``deploy`` or ``deploy.yml``) or a path;
    inventory: ``local``, ``production``, a path, or an inline one such as ``localhost,``;
    extra_vars: a dict, passed through a JSON file (never on the command line, where a
    secret would show in ``ps``); vars_files: more ``-e @file`` files; check: ``--check``
    (with ``--diff`` unless diff=False); env: variables added to the cleaned environment;
    callback: ``json`` (ansible.posix.json, parsed) or any stdout callback name;
    merge_stderr: stderr into stdout, in order, as a terminal shows them (the tests that
    look for secrets in the output read both);
    kill_when: a function the run is killed at (SIGKILL to ansible-playbook and every
    process it started) as soon as it returns true, as a run dies midway; polled while
    the run lasts (every 0.05 s).
    """
    path = pathlib.Path(playbook)
    if not path.is_absolute():
        name = str(playbook) if str(playbook).endswith(".yml") else "%s.yml" % playbook
        path = PLAYBOOKS / name
    if inventory in ("local", "production"):
        inventory = str(INVENTORIES / inventory)
    command = [str(ANSIBLE_PLAYBOOK), str(path), "-i", str(inventory)]
    if inventory == "localhost,":
        command += ["-c", "local"]
    for vars_file in vars_files:
        command += ["-e", "@%s" % vars_file]
    if extra_vars:
        directory = pathlib.Path(workdir) if workdir else pathlib.Path(os.environ.get("TMPDIR", "/tmp"))
        extra_file = directory / ("mas-extra-vars-%s.json" % uuid.uuid4().hex[:10])
        extra_file.write_text(json.dumps(extra_vars))
        extra_file.chmod(0o600)
        command += ["-e", "@%s" % extra_file]
    if check:
        command.append("--check")
    if diff or (diff is None and check):
        command.append("--diff")
    if verbosity:
        command.append("-" + "v" * verbosity)
    command += list(args)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(_LEAKING)}
    environment.update(
        ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
        ANSIBLE_NOCOLOR="1",
        ANSIBLE_FORCE_COLOR="0",
        # The virtualenv's Python, with the modules' libraries, also for inline inventories.
        ANSIBLE_PYTHON_INTERPRETER=sys.executable,
        ANSIBLE_STDOUT_CALLBACK="ansible.posix.json" if callback == "json" else callback,
        PATH="%s:%s" % (ANSIBLE_PLAYBOOK.parent, os.environ.get("PATH", "")),
    )
    if callback == "json":
        environment["ANSIBLE_CALLBACK_RESULT_FORMAT"] = "json"
    environment.update(env or {})
    started = time.monotonic()
    try:
        if kill_when is None:
            completed = subprocess.run(command, cwd=str(REPO), env=environment, stdout=subprocess.PIPE,
                                       stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE, text=True,
                                       timeout=timeout)
        else:
            completed = _run_until(command, environment, kill_when, timeout)
    finally:
        if extra_vars:
            extra_file.unlink(missing_ok=True)
    return PlaybookRun(command, completed, time.monotonic() - started, json_report=callback == "json")


def _run_until(command, environment, kill_when, timeout):
    """Run ``command`` in a session of its own; SIGKILL the session once ``kill_when()``."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        process = subprocess.Popen(command, cwd=str(REPO), env=environment, stdout=out, stderr=err, text=True,
                                   start_new_session=True)
        deadline = time.monotonic() + timeout
        try:
            while process.poll() is None:
                if kill_when():
                    os.killpg(process.pid, signal.SIGKILL)
                    break
                if time.monotonic() > deadline:
                    raise subprocess.TimeoutExpired(command, timeout)
                time.sleep(0.05)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(command, process.returncode, out.read(), err.read())
