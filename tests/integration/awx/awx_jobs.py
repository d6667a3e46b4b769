"""Run playbooks as AWX runs a job template: ansible-runner on a private data dir.

What AWX prepares for a job, and how it is reproduced here:

- ``project/``: a copy of the project's checkout (the playbooks, the inventories, the
  collection, ansible.cfg); ansible-runner runs ansible-playbook in it, so the project's
  ansible.cfg applies, with no ANSIBLE_CONFIG from outside.
- ``inventory/hosts``: AWX's inventory script, an executable that prints the inventory
  as JSON. AWX imports the project's inventory directory with ``ansible-inventory --list
  --export`` (an inventory source of the project) and writes it back as this script.
- ``env/extravars``: the job template's extra variables, and the survey answers as AWX
  writes them: strings tagged ``!unsafe`` (never templated).
- ``env/envvars``: what the job's credentials inject (kubeconfig path, passwords, keys),
  plus AWX's own ANSIBLE_* settings; nothing else of the test's environment leaks in.
- ``env/settings``: job timeout, output suppression; ``env/cmdline``: the launch options
  (``-u root``, ``--check --diff`` for a check job, ``-t`` for tags).

The result is read from the runner's job events and final stats, as AWX reads them.
"""

import json
import os
import pathlib
import shutil
import subprocess
import sys
import time
import uuid

import yaml

REPO = pathlib.Path(__file__).resolve().parents[3]
TEMPLATES = REPO / "awx" / "vars" / "job_templates.yml"
# What a job needs of the project's checkout (AWX copies all of it; the rest is not read).
PROJECT_CONTENT = ("ansible.cfg", "requirements.yml", "playbooks", "inventories",
                   "collections/ansible_collections/mas/platform")
# The runner's own environment: only what any process needs. AWX's execution environment
# has no more; in particular no ANSIBLE_CONFIG, K8S_AUTH_* or service credentials.
BASE_ENVIRONMENT = ("HOME", "LANG", "LC_ALL", "TMPDIR", "USER")


class Unsafe(str):
    """A survey answer: AWX dumps it with the !unsafe tag, so Ansible never templates it."""


class _ExtraVarsDumper(yaml.SafeDumper):
    pass


_ExtraVarsDumper.add_representer(Unsafe, lambda dumper, value: dumper.represent_scalar("!unsafe", str(value)))


def survey_answers(template_name, **answers):
    """The extra variables of a survey launched with these answers: every question's
    default, then the answers, checked against the questions as AWX checks them."""
    templates = yaml.safe_load(TEMPLATES.read_text())["awx_job_templates"]
    template = next(t for t in templates if t["name"] == template_name)
    questions = {q["variable"]: q for q in template["survey"]}
    unknown = set(answers) - set(questions)
    assert not unknown, "%s has no survey question for %s" % (template_name, sorted(unknown))
    values = {}
    for variable, question in questions.items():
        value = answers.get(variable, question.get("default"))
        if value is None or value == "":
            assert not question["required"], "%s: %s is required" % (template_name, variable)
            continue
        if question["type"] == "integer":
            assert question["min"] <= int(value) <= question["max"], (variable, value)
            values[variable] = int(value)
        else:
            if question["type"] == "multiplechoice":
                assert value in question["choices"], (variable, value, question["choices"])
            values[variable] = Unsafe(value)
    return template["playbook"], values


def inventory_script(source):
    """AWX's inventory script for an inventory directory of the project."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    environment["ANSIBLE_CONFIG"] = str(REPO / "ansible.cfg")
    listing = subprocess.run([str(pathlib.Path(sys.executable).parent / "ansible-inventory"), "-i", str(source),
                              "--list", "--export"], cwd=str(REPO), env=environment, capture_output=True, text=True,
                             check=True, timeout=120)
    data = json.loads(listing.stdout)
    return "#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint(%r)\n" % json.dumps(data)


class JobResult:
    """A finished job: the runner's status, rc, stats and events, and its stdout."""

    def __init__(self, runner, private_data_dir, seconds):
        self.status, self.rc, self.seconds = runner.status, runner.rc, seconds
        self.private_data_dir = private_data_dir
        self.events = list(runner.events)
        with runner.stdout as handle:
            self.stdout = handle.read()
        stats = [e["event_data"] for e in self.events if e["event"] == "playbook_on_stats"]
        self.stats = stats[-1] if stats else None

    def count(self, kind, host="localhost"):
        """changed, ok, failures, dark (unreachable), skipped... of the final stats."""
        return (self.stats or {}).get(kind, {}).get(host, 0)

    def results(self, task=None, event=None):
        """Task results of the events, in order: [(event name, task name, res)]."""
        found = []
        for item in self.events:
            data = item.get("event_data", {})
            if item["event"].startswith("runner_on_") and (task is None or data.get("task") == task):
                if event is None or item["event"] == event:
                    found.append((item["event"], data.get("task"), data.get("res", {})))
        return found

    def result(self, task):
        found = [res for name, _, res in self.results(task) if name in ("runner_on_ok", "runner_on_failed")]
        assert found, "no result of task %r: %s" % (task, self.explain())
        return found[-1]

    def plays(self):
        return [e["event_data"]["play"] for e in self.events if e["event"] == "playbook_on_play_start"]

    def changed_tasks(self):
        return sorted({task for _, task, res in self.results(event="runner_on_ok") if res.get("changed")})

    def failures(self):
        return [(task, res.get("msg")) for name, task, res in self.results()
                if name in ("runner_on_failed", "runner_on_unreachable") and not res.get("_ansible_ignore_errors")
                and not (name == "runner_on_failed" and self._ignored(task))]

    def _ignored(self, task):
        return any(e["event"] == "runner_on_failed" and e["event_data"].get("task") == task
                   and e["event_data"].get("ignore_errors") for e in self.events)

    def text(self):
        """Everything a user of AWX can see of the job: its stdout and its events."""
        return self.stdout + "\n" + json.dumps(self.events)

    def assert_successful(self, changed):
        """Successful as AWX reports it: status, rc, no failed or unreachable host; and
        changed (True: something changed, False: nothing did)."""
        assert self.status == "successful" and self.rc == 0, self.explain()
        assert self.count("failures") == 0 and self.count("dark") == 0 and self.failures() == [], self.explain()
        assert (self.count("changed") > 0) == changed, self.explain()

    def assert_no_secret(self, secrets):
        for name, value in secrets.items():
            assert value not in self.text(), "the secret %s is in the job's output or events" % name

    def explain(self):
        return "status %s rc %s after %.0fs, stats %s\nfailures: %s\nchanged: %s\nstdout tail:\n%s" % (
            self.status, self.rc, self.seconds, self.stats and {k: v for k, v in self.stats.items()
                                                                 if k in ("ok", "changed", "failures", "dark")},
            self.failures(), self.changed_tasks(), self.stdout[-3000:])


class AwxJobs:
    """Launches jobs, each in its own private data dir under ``root``."""

    def __init__(self, root, inventory_source):
        self.root = pathlib.Path(root)
        self.checkout = self.root / "checkout"
        for item in PROJECT_CONTENT:
            source, target = REPO / item, self.checkout / item
            if source.is_dir():
                shutil.copytree(source, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "tests"))
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
        self.inventory = inventory_script(inventory_source)

    def launch(self, playbook, extra_vars=None, envvars=None, check=False, diff=False, tags=None, timeout=900):
        """Run a job; returns its JobResult. check/diff/tags are the launch options of AWX."""
        import ansible_runner
        ident = "job-" + uuid.uuid4().hex[:8]
        private = self.root / ident
        # AWX copies the project for every job.
        shutil.copytree(self.checkout, private / "project")
        (private / "inventory").mkdir(mode=0o700)
        hosts = private / "inventory" / "hosts"
        hosts.write_text(self.inventory)
        hosts.chmod(0o700)
        (private / "env").mkdir(mode=0o700)
        self._write(private / "env" / "extravars", yaml.dump(extra_vars or {}, Dumper=_ExtraVarsDumper))
        self._write(private / "env" / "envvars", yaml.safe_dump(dict(self.awx_environment(private), **(envvars or {}))))
        self._write(private / "env" / "settings", json.dumps({
            "job_timeout": timeout, "suppress_ansible_output": True, "suppress_output_file": False}))
        cmdline = ["-u", "root"] + (["--check"] if check else []) + (["--diff"] if diff else [])
        cmdline += ["-t", ",".join(tags)] if tags else []
        self._write(private / "env" / "cmdline", " ".join(cmdline))
        started = time.monotonic()
        saved = dict(os.environ)
        try:
            os.environ.clear()
            os.environ.update({k: v for k, v in saved.items() if k in BASE_ENVIRONMENT})
            # ansible-playbook of this Python, as the execution environment has its own, and
            # restic, which the execution environment has in /usr/local/bin (the same build).
            restic = shutil.which("restic", path=saved.get("PATH"))
            os.environ["PATH"] = os.pathsep.join([str(pathlib.Path(sys.executable).parent)]
                                                 + ([os.path.dirname(restic)] if restic else []) + ["/usr/bin", "/bin"])
            runner = ansible_runner.run(private_data_dir=str(private), playbook=playbook, inventory=str(hosts),
                                        ident=ident, quiet=True)
        finally:
            os.environ.clear()
            os.environ.update(saved)
        return JobResult(runner, private, time.monotonic() - started)

    @staticmethod
    def awx_environment(private):
        """The ANSIBLE_* settings AWX gives every job (its RunJob.build_env)."""
        return {
            "ANSIBLE_FORCE_COLOR": "True",
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_INVENTORY_UNPARSED_FAILED": "True",
            "ANSIBLE_PARAMIKO_RECORD_HOST_KEYS": "False",
            "ANSIBLE_RETRY_FILES_ENABLED": "False",
            # Galaxy requirements of the project sync first, then the project's ansible.cfg
            # collections_path, then the defaults (the execution environment's collections).
            "ANSIBLE_COLLECTIONS_PATH": os.pathsep.join([
                str(private / "requirements_collections"), "./collections", "~/.ansible/collections",
                "/usr/share/ansible/collections"]),
            "AWX_PRIVATE_DATA_DIR": str(private),
            "JOB_ID": "1",
        }

    @staticmethod
    def _write(path, text):
        path.write_text(text)
        path.chmod(0o600)
