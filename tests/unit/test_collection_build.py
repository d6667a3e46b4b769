"""The collection as it is shipped: the Galaxy tarball, the execution environment that
AWX runs it in, and the generated documentation.

- ``ansible-galaxy collection build`` packs the modules, roles and meta/runtime.yml, and
  none of the scratch files a working tree collects (tests/output, caches); the tarball
  installs and ansible-doc reads every module from it.
- execution-environment.yml renders with ansible-builder (no container engine needed):
  the context holds our pinned Python libraries, requirements.yml and the tarball; the
  collections' own Python requirements, as ansible-builder merges them, accept our pins;
  every library the plugins import is in the EE, and every collection the roles and
  playbooks use is in requirements.yml.
- docs/collection is what ``make docs`` generates from the current sources.
"""

import ast
import importlib.metadata
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = pathlib.Path(__file__).resolve().parents[2]
COLLECTION = REPO / "collections/ansible_collections/mas/platform"
BIN = pathlib.Path(sys.executable).parent
GALAXY = yaml.safe_load((COLLECTION / "galaxy.yml").read_text())
TARBALL = "mas-platform-%s.tar.gz" % GALAXY["version"]
# requirements.txt pins for the controller only: the EE gets ansible-core as its
# ansible_core, and its collections from requirements.yml instead of the ansible package.
CONTROLLER_ONLY = {"ansible", "ansible-core"}


def _pins(path):
    """{distribution: version} of a pip requirements file (its == pins)."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", "%s: %s is not pinned" % (path.name, line)
            pins[canonicalize_name(requirement.name)] = specifier.version
    return pins


def _isolated(home):
    """An environment with no Ansible configuration: the repository's ansible.cfg would put
    its own collections/ first (an installed copy would be "already installed")."""
    return {"PATH": "%s:/usr/bin:/bin" % BIN, "HOME": str(home), "ANSIBLE_CONFIG": str(home / "none.cfg"),
            "ANSIBLE_COLLECTIONS_PATH": str(home)}


def _run(*args, cwd=REPO, env=None, timeout=300):
    completed = subprocess.run([str(a) for a in args], cwd=str(cwd), env=env, capture_output=True, text=True,
                               timeout=timeout)
    assert completed.returncode == 0, "%s failed:\n%s\n%s" % (" ".join(map(str, args)), completed.stdout[-3000:],
                                                            completed.stderr[-3000:])
    return completed.stdout


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The tarball built from a copy of the collection that carries the scratch files of a
    working tree (ansible-test output, Python caches, antsibull-changelog's plugin cache),
    so that leaving them out is tested, not assumed."""
    work = tmp_path_factory.mktemp("collection-build")
    source = work / "ansible_collections/mas/platform"
    shutil.copytree(COLLECTION, source, ignore=shutil.ignore_patterns("output"))
    for scratch in ("tests/output/junit/python3.11.xml", "tests/output/.tmp/sanity/result.json",
                    "plugins/modules/__pycache__/k8s_apply.cpython-311.pyc", "changelogs/.plugin-cache.yaml",
                    ".pytest_cache/v/cache/lastfailed"):
        (source / scratch).parent.mkdir(parents=True, exist_ok=True)
        (source / scratch).write_text("scratch\n")
    _run(BIN / "ansible-galaxy", "collection", "build", source, "--output-path", work / "dist")
    return work / "dist" / TARBALL


@pytest.fixture(scope="module")
def members(built):
    with tarfile.open(built) as tar:
        return {m.name for m in tar.getmembers() if m.isfile()}


def test_tarball_holds_the_modules_roles_and_runtime(members):
    modules = {"plugins/modules/" + p.name for p in (COLLECTION / "plugins/modules").glob("*.py")}
    assert modules and modules <= members, sorted(modules - members)
    utils = {"plugins/module_utils/" + p.name for p in (COLLECTION / "plugins/module_utils").glob("*.py")}
    assert utils <= members, sorted(utils - members)
    roles = [p.name for p in (COLLECTION / "roles").iterdir() if (p / "tasks/main.yml").is_file()]
    for role in roles:
        for part in ("tasks/main.yml", "meta/argument_specs.yml", "meta/main.yml"):
            assert "roles/%s/%s" % (role, part) in members, (role, part)
    assert {"meta/runtime.yml", "MANIFEST.json", "FILES.json", "README.md", "LICENSE", "changelogs/changelog.yaml",
            "CHANGELOG.rst"} <= members


def test_the_collection_readme_lists_every_playbook_role_and_module():
    # Galaxy shows this README: a user reads the collection's content there, so each new
    # playbook, role or module must be named in it (as `name` or `mas.platform.name`).
    readme = (COLLECTION / "README.md").read_text()
    named = set(re.findall(r"`(?:mas\.platform\.)?([a-z0-9_]+)`", readme))
    playbooks = {p.stem for p in (COLLECTION / "playbooks").glob("*.yml")}
    roles = {p.name for p in (COLLECTION / "roles").iterdir() if (p / "tasks/main.yml").is_file()}
    modules = {p.stem for p in (COLLECTION / "plugins/modules").glob("*.py")}
    for kind, names in (("playbook", playbooks), ("role", roles), ("module", modules)):
        assert names and not names - named, "the collection README does not name the %ss %s" % (kind, sorted(names - named))
    assert (COLLECTION / "LICENSE").read_text() == (REPO / "LICENSE").read_text()
    assert "GNU GENERAL PUBLIC LICENSE" in (REPO / "LICENSE").read_text() and GALAXY["license"] == ["GPL-3.0-or-later"]


def test_tarball_leaves_out_the_scratch_files(members):
    scratch = sorted(m for m in members if m.startswith(("tests/output", ".pytest_cache"))
                     or "__pycache__" in m or m.endswith((".pyc", ".tar.gz", ".plugin-cache.yaml")))
    assert not scratch, scratch


def test_manifest_declares_the_dependencies_of_requirements_yml(built):
    with tarfile.open(built) as tar:
        manifest = json.load(tar.extractfile("MANIFEST.json"))
    info = manifest["collection_info"]
    assert (info["namespace"], info["name"], info["version"]) == ("mas", "platform", GALAXY["version"])
    assert info["dependencies"] == GALAXY["dependencies"]
    from ansible.galaxy.dependency_resolution.versioning import meets_requirements
    pinned = {c["name"]: c["version"] for c in yaml.safe_load((REPO / "requirements.yml").read_text())["collections"]}
    assert set(pinned) == set(info["dependencies"])
    for name, version in pinned.items():
        assert meets_requirements(version, info["dependencies"][name].replace(" ", "")), (name, version)


def test_installed_tarball_documents_every_module(built, tmp_path):
    env = _isolated(tmp_path)
    _run(BIN / "ansible-galaxy", "collection", "install", "--no-deps", "-p", tmp_path, built, cwd=tmp_path, env=env)
    listed = json.loads(_run(BIN / "ansible-doc", "--list", "--json", "mas.platform", cwd=tmp_path, env=env))
    modules = {"mas.platform." + p.stem for p in (COLLECTION / "plugins/modules").glob("*.py")}
    assert set(listed) == modules


# -- the execution environment ------------------------------------------------------------------

@pytest.fixture(scope="module")
def ee_context(built, restic, helm, tmp_path_factory):
    """`ansible-builder create` of execution-environment.yml, as `make ee` runs it (the
    tarball, restic and helm where the definition expects them)."""
    work = tmp_path_factory.mktemp("ee")
    for name in ("execution-environment.yml", "requirements-ee.txt", "requirements.yml"):
        shutil.copy2(REPO / name, work / name)
    (work / "build/collection").mkdir(parents=True)
    shutil.copy2(built, work / "build/collection" / TARBALL)
    (work / "build/restic").mkdir(parents=True)
    shutil.copy2(restic, work / "build/restic/restic")
    (work / "build/helm").mkdir(parents=True)
    shutil.copy2(helm[0], work / "build/helm/helm")
    _run(BIN / "ansible-builder", "create", "--file", work / "execution-environment.yml", "--context",
         work / "context", "--output-filename", "Containerfile", cwd=work)
    return work / "context"


def _definition():
    return yaml.safe_load((REPO / "execution-environment.yml").read_text())


def test_ee_context_holds_the_pins_the_collections_and_the_tarball(ee_context):
    build = ee_context / "_build"
    assert (build / "requirements.txt").read_text() == (REPO / "requirements-ee.txt").read_text()
    assert (build / "requirements.yml").read_text() == (REPO / "requirements.yml").read_text()
    assert (build / "collection" / TARBALL).is_file()
    containerfile = (ee_context / "Containerfile").read_text()
    dependencies = _definition()["dependencies"]
    assert 'ANSIBLE_INSTALL_REFS="%s %s"' % (dependencies["ansible_core"]["package_pip"],
                                             dependencies["ansible_runner"]["package_pip"]) in containerfile
    install = [line for line in containerfile.splitlines() if "ansible-galaxy collection install" in line]
    assert any("-r requirements.yml" in line for line in install)
    assert any("/tmp/mas-platform/mas-platform-*.tar.gz" in line for line in install), install
    # mas.platform is installed where the collections of requirements.yml go, before the
    # final stage copies them.
    galaxy_stage = containerfile.split("FROM base AS builder")[0]
    assert "mas-platform-*.tar.gz" in galaxy_stage


def test_ee_runs_the_pinned_helm(ee_context, helm):
    # The cluster_addons role installs the add-ons with the helm that the tests ran.
    copied = ee_context / "_build" / "helm" / "helm"
    assert copied.read_bytes() == helm[0].read_bytes()
    containerfile = (ee_context / "Containerfile").read_text()
    assert "COPY _build/helm/helm /usr/local/bin/helm" in containerfile
    assert "RUN /usr/local/bin/helm version --short" in containerfile


def test_ee_pins_are_those_of_the_requirements_files():
    # One list of libraries: the EE installs requirements-ee.txt, the controller includes it
    # and adds only what the EE gets another way.
    assert _definition()["dependencies"]["python"] == "requirements-ee.txt"
    assert "-r requirements-ee.txt" in (REPO / "requirements.txt").read_text().splitlines()
    controller = _pins(REPO / "requirements.txt")
    assert set(controller) == CONTROLLER_ONLY
    dependencies = _definition()["dependencies"]
    assert dependencies["ansible_core"]["package_pip"] == "ansible-core==" + controller["ansible-core"]
    dev = _pins(REPO / "requirements-dev.txt")
    assert dependencies["ansible_runner"]["package_pip"] == "ansible-runner==" + dev["ansible-runner"]
    assert not set(dev) & set(_pins(REPO / "requirements-ee.txt")), "requirements-dev.txt pins a library again"


@pytest.fixture(scope="module")
def ee_collections(built, tmp_path_factory):
    """The collections the EE holds: those of requirements.yml, at their pinned versions
    (from the ansible package of the virtualenv), and mas.platform from the tarball."""
    import ansible_collections
    root = tmp_path_factory.mktemp("ee-collections")
    installed = [pathlib.Path(p) for p in ansible_collections.__path__]
    for entry in yaml.safe_load((REPO / "requirements.yml").read_text())["collections"]:
        namespace, name = entry["name"].split(".")
        source = next((p / namespace / name for p in installed if (p / namespace / name / "MANIFEST.json").is_file()),
                      None)
        assert source, "%s is not installed in the virtualenv" % entry["name"]
        version = json.loads((source / "MANIFEST.json").read_text())["collection_info"]["version"]
        assert version == entry["version"], (
            "requirements.yml pins %s %s, the ansible package of requirements.txt has %s"
            % (entry["name"], entry["version"], version))
        (root / "ansible_collections" / namespace).mkdir(parents=True, exist_ok=True)
        (root / "ansible_collections" / namespace / name).symlink_to(source)
    _run(BIN / "ansible-galaxy", "collection", "install", "--no-deps", "-p", root, built, cwd=root, env=_isolated(root))
    assert (root / "ansible_collections/mas/platform/MANIFEST.json").is_file()
    return root


def test_collections_python_requirements_accept_our_pins(ee_context, ee_collections, tmp_path):
    """What ansible-builder's introspection makes of the collections' requirements (the
    builder stage's pip install) is satisfiable with our pins, without the exclusions."""
    build = ee_context / "_build"
    _run(sys.executable, build / "scripts/introspect.py", "introspect", "--user-pip", build / "requirements.txt",
         "--exclude-pip-reqs", build / "exclude-requirements.txt", "--exclude-bindep-reqs",
         build / "exclude-bindep.txt", "--write-pip", tmp_path / "pip.txt", "--write-bindep", tmp_path / "bindep.txt",
         ee_collections)
    pins = _pins(REPO / "requirements-ee.txt")
    merged = [Requirement(line.split("#", 1)[0].strip()) for line in (tmp_path / "pip.txt").read_text().splitlines()
              if line.split("#", 1)[0].strip()]
    names = {canonicalize_name(r.name) for r in merged}
    assert set(pins) <= names
    for requirement in merged:
        name = canonicalize_name(requirement.name)
        if name in pins:
            assert requirement.specifier.contains(pins[name]), (str(requirement), pins[name])
    excluded = _definition()["dependencies"]["exclude"]
    assert not names & {canonicalize_name(n) for n in excluded["python"]}
    system = (tmp_path / "bindep.txt").read_text()
    assert not any(re.match(r"%s\b" % re.escape(n), line) for n in excluded["system"] for line in system.splitlines())


def test_every_library_the_plugins_import_is_pinned():
    # Pinned itself, not only reached through another pin: a library that ansible-core or
    # kubernetes happens to require today is not pinned by that.
    provided = set(_pins(REPO / "requirements-ee.txt")) | {"ansible-core"}
    distributions = importlib.metadata.packages_distributions()
    imported = set()
    for path in (COLLECTION / "plugins").rglob("*.py"):
        tree = ast.parse(path.read_text())
        # What an `except ImportError:` falls back to (Python 2 names) is never imported.
        fallbacks = {id(n) for t in ast.walk(tree) if isinstance(t, ast.Try)
                     for handler in t.handlers for n in ast.walk(handler)}
        for node in ast.walk(tree):
            if id(node) in fallbacks:
                continue
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    missing = {}
    for module in sorted(imported - set(sys.stdlib_module_names) - {"ansible_collections", "__future__"}):
        owners = {canonicalize_name(d) for d in distributions.get(module, [])}
        assert owners, "%s is imported by a plugin but installed by no distribution here" % module
        if not owners & provided:
            missing[module] = sorted(owners)
    assert not missing, "imported by the plugins but not pinned in requirements-ee.txt: %s" % missing


def _collections_used():
    """Collections named by the FQCN of a task's module or of a module_defaults entry
    (a module or an action group) in the roles and playbooks."""
    fqcn = re.compile(r"^(?:group/)?([a-z0-9_]+\.[a-z0-9_]+)\.[a-z0-9_]+$")
    used = set()

    def tasks(items):
        for task in items or []:
            if not isinstance(task, dict):
                continue
            for key in ("block", "rescue", "always", "tasks", "pre_tasks", "post_tasks", "handlers"):
                tasks(task.get(key))
            for key in list(task) + list(task.get("module_defaults") or {}):
                match = fqcn.match(str(key))
                if match:
                    used.add(match.group(1))

    roles = COLLECTION / "roles"
    for path in [*roles.glob("*/tasks/**/*.yml"), *roles.glob("*/handlers/**/*.yml"), *(COLLECTION / "playbooks").rglob("*.yml")]:
        tasks(yaml.safe_load(path.read_text()))
    return used


def test_every_collection_the_content_uses_is_in_requirements_yml():
    used = _collections_used()
    assert {"kubernetes.core", "amazon.aws"} <= used  # the walk finds what it should
    required = {c["name"] for c in yaml.safe_load((REPO / "requirements.yml").read_text())["collections"]}
    assert used - {"ansible.builtin", "mas.platform"} <= required, sorted(used - required)


# -- release notes and generated documentation -------------------------------------------------

def test_changelog_fragments_and_release_notes_lint_clean():
    _run(BIN / "antsibull-changelog", "lint", cwd=COLLECTION)
    _run(BIN / "antsibull-changelog", "lint-changelog-yaml", "changelogs/changelog.yaml", cwd=COLLECTION)
    releases = yaml.safe_load((COLLECTION / "changelogs/changelog.yaml").read_text())["releases"]
    assert GALAXY["version"] in releases, "no release notes for %s: run `make changelog`" % GALAXY["version"]
    assert "v%s" % GALAXY["version"] in (COLLECTION / "CHANGELOG.rst").read_text()


def test_docs_collection_is_what_make_docs_generates(tmp_path):
    """docs/collection is committed for readers on GitHub; it must not lag the sources."""
    env = {"PATH": str(BIN) + ":/usr/bin:/bin", "HOME": str(tmp_path), "ANSIBLE_CONFIG": str(REPO / "ansible.cfg"),
           "PYTHONHASHSEED": "0"}
    (tmp_path / "docs").mkdir(mode=0o755)
    _run(BIN / "antsibull-docs", "collection", "--use-current", "--squash-hierarchy", "--output-format",
         "simplified-rst", "--no-add-antsibull-docs-version", "--dest-dir", tmp_path / "docs", "mas.platform", env=env)
    generated = {p.relative_to(tmp_path / "docs"): p.read_text() for p in (tmp_path / "docs").rglob("*") if p.is_file()}
    committed = {p.relative_to(REPO / "docs/collection"): p.read_text()
                 for p in (REPO / "docs/collection").rglob("*") if p.is_file()}
    assert sorted(generated) == sorted(committed), "run `make docs`"
    stale = sorted(str(name) for name in generated if generated[name] != committed[name])
    assert not stale, "docs/collection is stale (run `make docs`): %s" % stale
