"""The AWX job templates of awx/ against the playbooks they launch.

A survey answer becomes an extra variable of the job. So each survey variable must be
one the playbook reads: a variable of its own Jinja (the playbook, the playbooks it
imports, the task files it includes) or an option of a role it runs (that role's
meta/argument_specs.yml). A variable renamed in a playbook or a role breaks this test
instead of being silently ignored by AWX. Extra variables also win over everything a
playbook sets, so a survey must never offer one the playbook sets itself (the runbook's
procedure, say). AWX surveys have no boolean type: a yes/no answer is the string
"false", which only the bool filter reads as false.
"""

import functools
import pathlib
import re
import warnings

import jinja2
import jinja2.meta
import pytest
import yaml

REPO = pathlib.Path(__file__).resolve().parents[2]
AWX = REPO / "awx"
ROLES = REPO / "collections/ansible_collections/mas/platform/roles"
COLLECTION_PLAYBOOKS = REPO / "collections/ansible_collections/mas/platform/playbooks"
COLLECTION_PREFIX = "mas.platform."
# Keys whose values are bare Jinja expressions (no braces).
CONDITIONALS = ("when", "that", "failed_when", "changed_when", "until")
ROLE_ACTIONS = ("ansible.builtin.import_role", "ansible.builtin.include_role", "import_role", "include_role")
TASK_FILE_ACTIONS = ("ansible.builtin.import_tasks", "ansible.builtin.include_tasks", "import_tasks", "include_tasks")
PLAYBOOK_ACTIONS = ("ansible.builtin.import_playbook", "import_playbook")
SET_ACTIONS = ("ansible.builtin.set_fact", "set_fact")
BLOCKS = ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks", "handlers")
SURVEY_TYPES = {"text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"}
# Every playbook an operator launches has its template.
LAUNCHED = {"deploy", "plan", "startup", "shutdown", "scale", "health", "troubleshoot", "backup", "recovery"}


class _Loader(yaml.SafeLoader):
    """YAML as Ansible reads it: !unsafe and !vault are plain strings here."""


_Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))
_Loader.add_constructor("!vault", lambda loader, node: loader.construct_scalar(node))


def _load(path):
    with open(path) as handle:
        return yaml.load(handle, Loader=_Loader)  # noqa: S506 - a SafeLoader with two string tags


class _AnyName(dict):
    """Ansible's filters and tests, as far as finding variables needs them: any name."""

    def __contains__(self, name):
        return True

    def __missing__(self, name):
        return lambda *args, **kwargs: None

    def get(self, name, default=None):
        return self[name]


JINJA = jinja2.Environment(extensions=["jinja2.ext.do", "jinja2.ext.loopcontrols"])
JINJA.filters, JINJA.tests = _AnyName(JINJA.filters), _AnyName(JINJA.tests)


def _variables(expression, bare=False):
    """The top-level variables a Jinja template (or a bare conditional) reads."""
    source = "{{ %s }}" % expression if bare else expression
    with warnings.catch_warnings():
        # Regular expressions in Jinja string literals ('^tasks\\.') are Ansible's business.
        warnings.simplefilter("ignore", DeprecationWarning)
        return jinja2.meta.find_undeclared_variables(JINJA.parse(source))


def _expressions(node, key=None, bare=False):
    """[(text, bare)] of the Jinja templates and conditionals in a YAML document."""
    if isinstance(node, dict):
        return [e for k, v in node.items() for e in _expressions(v, key=k, bare=bare)]
    if isinstance(node, list):
        return [e for v in node for e in _expressions(v, key=key, bare=bare)]
    if isinstance(node, str):
        if "{{" in node or "{%" in node:
            return [(node, False)]
        if bare or key in CONDITIONALS:
            return [(node, True)]
    return []


class PlaybookReads:
    """What a playbook reads and sets, following its imports and includes."""

    def __init__(self, playbook):
        self.expressions = []  # (text, bare) of every Jinja template and conditional
        self.roles = set()  # (role, entry point) of mas.platform
        self.sets = set()  # variables the playbook sets itself (extra vars would override them)
        self._playbook(playbook)

    @functools.cached_property
    def variables(self):
        found = set()
        for text, bare in self.expressions:
            found |= _variables(text, bare)
        return found

    @functools.cached_property
    def role_options(self):
        """{option: (role, spec)} of the argument specs of the roles the playbook runs."""
        options = {}
        for role, entry in sorted(self.roles):
            specs = _load(ROLES / role / "meta/argument_specs.yml")["argument_specs"]
            for name, spec in (specs.get(entry) or specs["main"]).get("options", {}).items():
                options[name] = (role, spec)
        return options

    def _playbook(self, path):
        for play in _load(path) or []:
            action = next((key for key in PLAYBOOK_ACTIONS if key in play), None)
            if action:
                target = play[action]
                if target.startswith(COLLECTION_PREFIX):
                    # A collection playbook: mas.platform.<name> is playbooks/<name>.yml of the collection.
                    self._playbook(COLLECTION_PLAYBOOKS / (target[len(COLLECTION_PREFIX):] + ".yml"))
                elif "{{" not in target:
                    self._playbook(path.parent / target)
                self._collect(play.get("when"), bare=True)
                continue
            self._collect({k: v for k, v in play.items() if k not in BLOCKS + ("roles", "vars")})
            self._vars(play.get("vars"))
            for entry in play.get("roles") or []:
                entry = {"role": entry} if isinstance(entry, str) else entry
                self._role(entry.get("role") or entry.get("name"), "main")
                params = {k: v for k, v in entry.items() if k not in ("role", "name", "tags", "when", "vars")}
                self._vars(dict(params, **(entry.get("vars") or {})))
                self._collect(entry.get("when"), bare=True)
            for key in BLOCKS:
                self._tasks(play.get(key), path.parent)

    def _tasks(self, tasks, base):
        for task in tasks or []:
            for key in BLOCKS:
                if key in task:
                    self._tasks(task[key], base)
            role_action = next((key for key in ROLE_ACTIONS if key in task), None)
            file_action = next((key for key in TASK_FILE_ACTIONS if key in task), None)
            set_action = next((key for key in SET_ACTIONS if key in task), None)
            if role_action:
                args = task[role_action]
                self._role(args["name"], args.get("tasks_from", "main"))
            if file_action:
                args = task[file_action]
                name = args if isinstance(args, str) else args.get("file")
                # A templated file name ("tasks/recovery_{{ scenario }}.yml"): every file it can name.
                for path in sorted(base.glob(re.sub(r"{{.*?}}", "*", name))):
                                self._tasks(_load(path), base)
            if set_action:
                self.sets |= {k for k in task[set_action] if k != "cacheable"}
            if "register" in task:
                self.sets.add(task["register"])
            self._vars(task.get("vars"))
            self._collect({k: v for k, v in task.items() if k not in BLOCKS + ("vars",)})

    def _role(self, name, entry):
        if name.startswith(COLLECTION_PREFIX) and "{{" not in name:
            self.roles.add((name[len(COLLECTION_PREFIX):], entry))

    def _vars(self, variables):
        for name, value in (variables or {}).items():
            self.sets.add(name)
            self._collect(value)

    def _collect(self, node, bare=False):
        self.expressions += _expressions(node, bare=bare)


def _role_expressions(role):
    """The Jinja text of every task file of a role."""
    return [text for path in sorted((ROLES / role / "tasks").rglob("*.yml")) for text, _ in _expressions(_load(path))]


def _templates():
    return _load(AWX / "vars/job_templates.yml")["awx_job_templates"]


def _controller():
    return _load(AWX / "vars/controller.yml")


def _survey_cases():
    return [pytest.param(t, q, id="%s:%s" % (t["name"].split()[-1], q["variable"]))
            for t in _templates() for q in t["survey"]]


@pytest.fixture(scope="module")
def reads():
    cache = {}

    def _reads(playbook):
        if playbook not in cache:
            cache[playbook] = PlaybookReads(REPO / playbook)
        return cache[playbook]
    return _reads


def test_every_runbook_has_a_template():
    names = {pathlib.Path(t["playbook"]).stem for t in _templates()}
    assert names == LAUNCHED
    for template in _templates():
        assert (REPO / template["playbook"]).is_file(), template["playbook"]
        assert template["name"] == "mas.platform " + pathlib.Path(template["playbook"]).stem


def test_templates_name_known_credentials_and_credential_types():
    controller = _controller()
    types, credentials = controller["awx_credential_types"], controller["awx_credentials"]
    for template in _templates():
        assert set(template["credentials"]) <= set(credentials), template["name"]
    for key, credential in credentials.items():
        fields = ({f["id"] for f in types[credential["type"]]["inputs"]["fields"]} if credential["type"] in types
                  else {"username", "password", "security_token"})  # AWX's Amazon Web Services type
        assert set(credential["inputs_from_env"]) <= fields, key
    for key, credential_type in types.items():
        fields = {f["id"] for f in credential_type["inputs"]["fields"]}
        assert set(credential_type["inputs"]["required"]) <= fields, key
        injected = re.findall(r"{{\s*(\w+)", yaml.safe_dump(credential_type["injectors"]))
        assert set(injected) - {"tower"} <= fields, key


@pytest.mark.parametrize("template", _templates(), ids=lambda t: t["name"].split()[-1])
def test_survey_is_well_formed(template):
    seen = set()
    for question in template["survey"]:
        variable = question["variable"]
        assert variable not in seen, "%s asks for %s twice" % (template["name"], variable)
        seen.add(variable)
        assert question["question_name"] and question["type"] in SURVEY_TYPES, question
        assert isinstance(question["required"], bool), question
        if question["type"] in ("multiplechoice", "multiselect"):
            choices = question["choices"]
            assert choices and all(isinstance(c, str) for c in choices), question
            if "default" in question:
                assert question["default"] in choices, question
            assert question["required"] or "default" not in question, question
        if question["type"] == "integer":
            assert isinstance(question["default"], int), question
            assert question["min"] <= question["default"] <= question["max"], question


@pytest.mark.parametrize("template, question", _survey_cases())
def test_survey_variable_is_read_by_the_playbook(reads, template, question):
    playbook = reads(template["playbook"])
    variable = question["variable"]
    options = playbook.role_options
    assert variable in playbook.variables or variable in options, (
        "%s: survey variable %s is read neither by %s (nor what it imports) nor as an option of its roles %s"
        % (template["name"], variable, template["playbook"], sorted(r for r, _ in playbook.roles)))
    assert variable not in playbook.sets, (
        "%s: %s sets %s itself; a survey answer (an extra variable) would override it"
        % (template["name"], template["playbook"], variable))
    if variable in options:
        role, spec = options[variable]
        expected = {"integer": "int", "float": "float", "text": "str", "textarea": "str", "password": "str"}
        if question["type"] in expected:
            assert spec["type"] == expected[question["type"]], (variable, role, spec["type"])
        if question["type"] == "multiplechoice" and "choices" in spec:
            assert set(question["choices"]) <= set(spec["choices"]), (variable, role)
        if question["type"] == "multiplechoice" and set(question["choices"]) == {"true", "false"}:
            assert spec["type"] == "bool", (variable, role)


@pytest.mark.parametrize("template, question", [
    case for case in _survey_cases() if set(case.values[1].get("choices") or []) == {"true", "false"}])
def test_yes_no_answers_are_read_through_the_bool_filter(reads, template, question):
    """The answer "false" is a non-empty string: without | bool it would count as true."""
    playbook = reads(template["playbook"])
    variable = question["variable"]
    texts = [text for text, _ in playbook.expressions]
    for role, entry in playbook.roles:
        if variable in playbook.role_options and playbook.role_options[variable][0] == role:
            texts += _role_expressions(role)
    uses = [t for t in texts if re.search(r"\b%s\b" % variable, t)]
    assert uses, "%s is never read" % variable
    through_bool = re.compile(r"\b%s\b(\s*\|\s*default\([^)]*\))?\s*\|\s*bool\b" % variable)
    for text in uses:
        assert len(re.findall(r"\b%s\b" % variable, text)) == len(through_bool.findall(text)), (
            "%s is read without the bool filter in: %s" % (variable, text.strip()[:200]))


def test_a_renamed_variable_is_caught(reads):
    """The check can fail: a variable no playbook reads is not found."""
    playbook = reads("collections/ansible_collections/mas/platform/playbooks/shutdown.yml")
    assert "runbooks_drain_timeout" in playbook.role_options and "force" in playbook.variables
    for renamed in ("runbooks_drain_timeout_seconds", "forced", "drain_timeout"):
        assert renamed not in playbook.variables and renamed not in playbook.role_options
    # ... and what the playbook sets itself is known, so a survey cannot offer it.
    assert {"runbooks_procedure", "runbooks_force"} <= playbook.sets


def _choices(name, variable):
    template = next(t for t in _templates() if t["name"] == name)
    return next(q for q in template["survey"] if q["variable"] == variable)["choices"]


def test_choices_are_what_the_runbooks_accept():
    runbook_vars = _load(ROLES / "runbooks/vars/main.yml")
    assert set(_choices("mas.platform troubleshoot", "symptom")) == set(runbook_vars["_runbooks_symptoms"])
    actions = {a for s in runbook_vars["_runbooks_symptoms"].values() for a in s["resolution"]}
    assert set(_choices("mas.platform troubleshoot", "troubleshoot_action")) == actions
    assert actions <= set(runbook_vars["_runbooks_actions"])
    for inventory in ("local", "production"):
        sequence = _load(REPO / "inventories" / inventory / "group_vars/all/deployment_sequence.yml")
        agents = {agent for phase in sequence["deployment_sequence"].values() for agent in phase}
        assert set(_choices("mas.platform troubleshoot", "agent")) == agents, inventory
        procedures = _load(REPO / "inventories" / inventory / "group_vars/all/backup_procedures.yml")
        kinds = set(procedures["backup_procedures"]) - {"store"}
        assert set(_choices("mas.platform backup", "backup_kind")) == kinds, inventory
    scenarios = {p.stem[len("recovery_"):] for p in (REPO / "collections/ansible_collections/mas/platform/playbooks/tasks").glob("recovery_*.yml")} - {"workloads"}
    assert set(_choices("mas.platform recovery", "recovery_scenario")) == scenarios


def test_check_mode_templates_run_playbooks_that_support_it():
    """plan.yml refuses to run without --check: its template must be a check job."""
    plan = next(t for t in _templates() if t["playbook"] == "playbooks/plan.yml")
    assert plan["job_type"] == "check" and plan["diff_mode"] is True
