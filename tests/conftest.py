"""Shared pytest setup: the collection is importable as ansible_collections.mas.platform,
and `run_module` runs a module's main() the way Ansible would, returning its result."""

import pathlib
import sys

import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
COLLECTIONS = REPO / "collections"
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))


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
