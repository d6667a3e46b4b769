"""Shared pytest setup: `run_module` runs a module's main() the way Ansible would,
returning its result. (pytest.ini puts the collection on the path as
ansible_collections.mas.platform, and the shared helpers of tests/.)"""

import pytest


class ModuleExit(Exception):
    """exit_json was called; .result holds its arguments."""

    def __init__(self, result):
        super().__init__(result)
        self.result = result


class ModuleFail(Exception):
    """fail_json was called; .result holds its arguments (msg, ...)."""

    def __init__(self, result):
        super().__init__(result.get("msg"))
        self.result = result


@pytest.fixture
def run_module(monkeypatch):
    """run_module(module, args, check_mode=False, diff=False) -> result dict.

    Raises ModuleFail when the module fails, so a test can assert on the message.
    """
    from ansible.module_utils import _internal, basic
    from ansible.module_utils.testing import patch_module_args

    def _exit_json(self, **kwargs):
        raise ModuleExit(kwargs)

    def _fail_json(self, msg, **kwargs):
        kwargs["msg"] = msg
        raise ModuleFail(kwargs)

    monkeypatch.setattr(basic.AnsibleModule, "exit_json", _exit_json)
    monkeypatch.setattr(basic.AnsibleModule, "fail_json", _fail_json)
    # A module runs apart from the controller. Once any test has imported controller code,
    # ansible-core sends module warnings to the controller's display instead of the result;
    # run modules as AnsiballZ does, so that their warnings are recorded.
    monkeypatch.setattr(_internal, "is_controller", False)

    def _run(module, args, check_mode=False, diff=False):
        payload = dict(args)
        payload["_ansible_check_mode"] = check_mode
        payload["_ansible_diff"] = diff
        try:
            with patch_module_args(payload):
                module.main()
        except ModuleExit as done:
            return done.result
        raise AssertionError("the module returned without exit_json or fail_json")

    return _run


@pytest.fixture
def module_failure(run_module):
    """module_failure(module, args, check_mode=False) -> the result of fail_json; fails the
    test when the module does not fail."""
    def _run(module, args, check_mode=False):
        try:
            result = run_module(module, args, check_mode=check_mode)
        except ModuleFail as failed:
            return failed.result
        raise AssertionError("the module did not fail: %r" % (result,))
    return _run


# -- the time report of `make test` ------------------------------------------------------------
# tools/test.sh times each stage before pytest into $MAS_STAGE_TIMES; pytest adds its own
# seconds per test directory and prints the whole table at the end, before its summary line.

_DIRECTORY_SECONDS = {}


def _test_directory(nodeid):
    return nodeid.split("::", 1)[0].rsplit("/", 1)[0]


def pytest_sessionstart(session):
    import time
    session.config._mas_started = time.monotonic()


def pytest_runtest_logreport(report):
    directory = _test_directory(report.nodeid)
    _DIRECTORY_SECONDS[directory] = _DIRECTORY_SECONDS.get(directory, 0.0) + report.duration


def pytest_terminal_summary(terminalreporter, config):
    import os
    import time
    path = os.environ.get("MAS_STAGE_TIMES")
    if not path or not _DIRECTORY_SECONDS:
        return
    rows = []
    if os.path.exists(path):
        with open(path) as handle:
            for line in handle:
                fields = line.rstrip("\n").split("\t")
                if len(fields) >= 2:
                    rows.append((fields[0], float(fields[1]), "failed" if fields[2:3] not in ([], ["0"]) else ""))
    wall = time.monotonic() - config._mas_started
    if os.environ.get("MAS_STAGE_APPEND"):
        # A pytest run beside other stages (tools/test.sh): its rows go to the file, and
        # the last pytest run prints them with its own.
        failed = int(bool(terminalreporter.stats.get("failed") or terminalreporter.stats.get("error")))
        with open(path, "a") as handle:
            for directory, seconds in sorted(_DIRECTORY_SECONDS.items()):
                handle.write("pytest %s (beside)\t%.1f\t0\n" % (directory, seconds))
            handle.write("pytest (beside, wall clock)\t%.1f\t%d\n" % (wall, failed))
        return
    for directory, seconds in sorted(_DIRECTORY_SECONDS.items()):
        rows.append(("pytest " + directory, seconds, ""))
    rows.append(("pytest (all, wall clock)", wall, ""))
    if os.environ.get("MAS_STAGES_STARTED"):
        # Wall clock: the static checks run beside the cluster and Molecule stages.
        total = time.time() - float(os.environ["MAS_STAGES_STARTED"])
    else:
        total = sum(seconds for name, seconds, _ in rows if not name.startswith("pytest ")) + wall
    terminalreporter.section("seconds per stage")
    width = max(len(name) for name, _, _ in rows)
    for name, seconds, note in rows:
        terminalreporter.write_line("%-*s %8.1f %s" % (width, name, seconds, note))
    terminalreporter.write_line("%-*s %8.1f" % (width, "total (wall clock)", total))


# -- restic ------------------------------------------------------------------------------------
# The backup modules drive the restic binary. tools/restic/install.sh builds the version of
# tools/restic/version.env once (cached in $MAS_CACHE_DIR/bin) and prints its path; the
# session puts it first on PATH, where the modules (and the playbooks they run from) find it.

def _tool(name):
    """The path that tools/<name>/install.sh prints (it builds the pinned version once),
    its directory put first on this session's PATH."""
    import os
    import pathlib
    import subprocess
    script = pathlib.Path(__file__).resolve().parents[1] / "tools" / name / "install.sh"
    built = subprocess.run([str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, check=False)
    if built.returncode != 0:
        pytest.fail("tools/%s/install.sh failed:\n%s" % (name, built.stderr[-3000:]))
    path = built.stdout.strip().splitlines()[-1]
    os.environ["PATH"] = "%s:%s" % (os.path.dirname(path), os.environ.get("PATH", ""))
    return path


@pytest.fixture(scope="session")
def restic():
    """The path of the pinned restic, first on this session's PATH."""
    return _tool("restic")


# -- helm --------------------------------------------------------------------------------------
# The cluster_addons role installs the add-ons with helm; tools/helm/install.sh builds the
# version of tools/helm/versions.env once and fetches the charts of tools/helm/charts.txt
# into $MAS_CACHE_DIR/charts.

@pytest.fixture(scope="session")
def helm():
    """(the path of the pinned helm, first on this session's PATH; the directory of the
    add-on charts)."""
    import pathlib
    path = pathlib.Path(_tool("helm"))
    return path, path.parents[2] / "charts"
