# mas.platform: the two commands are `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
MAS_CACHE_DIR ?= $(HOME)/.cache/mas-platform
export MAS_CACHE_DIR
# The local cluster's kubeconfig, as `make local-up` writes it.
export K8S_AUTH_KUBECONFIG ?= $(MAS_CACHE_DIR)/kwok/clusters/mas-local/kubeconfig.yaml
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
# restic, the backup repository's tool: one pinned version (tools/restic/version.env), built once.
include tools/restic/version.env
RESTIC_DIR := $(MAS_CACHE_DIR)/bin/restic-$(RESTIC_VERSION)
# helm, which installs the cluster add-ons, and the add-on charts the tests render
# (tools/helm/versions.env, tools/helm/charts.txt), built and fetched once.
include tools/helm/versions.env
HELM_DIR := $(MAS_CACHE_DIR)/bin/helm-$(HELM_VERSION)
export PATH := $(CURDIR)/$(BIN):$(RESTIC_DIR):$(HELM_DIR):$(MAS_CACHE_DIR)/bin/current:$(PATH)
COLLECTION := collections/ansible_collections/mas/platform
# The targets that use the local cluster take turns on it (tools/cluster-lock.sh).
LOCK := tools/cluster-lock.sh

.PHONY: help setup system-packages restic helm test-consul local-up local-down demo test lint sanity pytest pytest-beside pytest-cluster unit molecule bench topology clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-12s %s\n", $$1, $$2}'

# --compile-bytecode: every Python process (each ansible-playbook, each module a task runs)
# then reads the libraries' compiled bytecode; without it, where PYTHONDONTWRITEBYTECODE is
# set, each one compiles again the ~1,100 files of ansible-core and kubernetes it imports
# (1.3 s of each k8s_apply call).
$(VENV)/.installed: requirements.txt requirements-ee.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet $$(grep '^uv==' requirements-dev.txt)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed  ## Create the virtualenv with the pinned dependencies

restic: $(RESTIC_DIR)/restic  ## Build restic $(RESTIC_VERSION) once (cached in $(MAS_CACHE_DIR)/bin)

$(RESTIC_DIR)/restic: tools/restic/version.env
	tools/restic/install.sh > /dev/null

helm: $(HELM_DIR)/helm  ## Build helm $(HELM_VERSION) once and fetch the add-on charts the tests render

$(HELM_DIR)/helm: tools/helm/versions.env tools/helm/charts.txt
	tools/helm/install.sh > /dev/null

test-consul: setup restic  ## The backup test that needs a real Consul: MAS_CONSUL_BINARY=/path/to/consul make test-consul
	@test -x "$$MAS_CONSUL_BINARY" || { echo "set MAS_CONSUL_BINARY to a consul binary (docs/runbooks/backup-and-recovery.md)"; exit 1; }
	$(BIN)/python -m pytest -m consul tests/integration/backup/test_consul.py -q

local-up: setup  ## Build (once) and start the local cluster with the inventory's node groups
	$(LOCK) tools/local-cluster/up.sh inventories/local

local-down:  ## Stop and delete the local cluster (the build cache stays)
	$(LOCK) tools/local-cluster/down.sh

demo: local-up  ## The main job: the full deploy onto the local cluster
	$(LOCK) $(BIN)/ansible-playbook playbooks/deploy.yml -i inventories/local

test:  ## Everything CI runs, each stage timed (tools/test.sh; pytest last: its summary closes the output)
	$(LOCK) tools/test.sh

system-packages:  ## Install the Debian packages the tests need (tools/system-packages.txt), or say which command does
	tools/system-packages.sh

lint: setup  ## ansible-lint (production profile), yamllint, and the antsibull-docs lint of the collection's docs
	$(BIN)/yamllint -s .
	$(BIN)/ansible-lint --profile production
	$(MAKE) --no-print-directory docs-lint

sanity: setup  ## ansible-test sanity on the collection
	tools/ansible-test-sanity.sh

unit: setup restic  ## pytest unit tests only (no cluster, no services)
	$(BIN)/python -m pytest tests/unit -q

pytest: local-up system-packages restic helm  ## pytest unit and integration tests (real local services and cluster)
	$(LOCK) $(BIN)/python -m pytest tests -q $(PYTEST_ARGS)

# The tests that need neither the local cluster nor its side services (unit tests, the AWS
# roles on moto): tools/test.sh runs them beside the Molecule scenarios.
PYTEST_BESIDE := tests/unit tests/integration/aws

pytest-beside: setup restic  ## pytest of the tests that need no cluster (unit; AWS on moto)
	$(BIN)/python -m pytest $(PYTEST_BESIDE) -q -p no:cacheprovider --durations=10

pytest-cluster: local-up system-packages restic helm  ## pytest of the other tests (what pytest-beside leaves)
	$(LOCK) $(BIN)/python -m pytest tests -q $(addprefix --ignore=,$(PYTEST_BESIDE)) $(PYTEST_ARGS)

molecule: local-up system-packages  ## Molecule scenarios against the local cluster
	$(LOCK) tools/molecule-all.sh

bench: local-up restic  ## Benchmarks (not tests): preflight, runbooks, deploy, backup (docs/benchmarks.md)
	$(LOCK) $(BIN)/python tools/bench/run.py

topology: setup  ## Draw the deployed platform (workloads, pods, node groups) from the cluster into docs/images/topology.svg
	$(BIN)/python tools/topology.py -i inventories/local

clean:  ## Remove the virtualenv and test output (not the cluster build cache)
	rm -rf $(VENV) $(COLLECTION)/tests/output .pytest_cache

# -- packaging and documentation (the collection for Galaxy and AWX) ----------------------------
.PHONY: collection ee docs docs-lint changelog

collection: setup  ## Build the collection tarball into build/collection (ansible-galaxy)
	rm -f build/collection/mas-platform-*.tar.gz
	$(BIN)/ansible-galaxy collection build $(COLLECTION) --output-path build/collection

ee: collection restic helm  ## Render the execution environment's build context into build/ee (then: podman build build/ee)
	rm -rf build/ee build/restic build/helm
	install -d build/restic build/helm
	install -m 0755 $(RESTIC_DIR)/restic build/restic/restic
	install -m 0755 $(HELM_DIR)/helm build/helm/helm
	$(BIN)/ansible-builder create --file execution-environment.yml --context build/ee --output-filename Containerfile

# Committed, so that the docs read on GitHub; tests/unit/test_collection_build.py fails when
# they lag the sources. docs-lint fails on malformed docs (docs only shows an error page).
# A fixed hash seed: the same sources give the same files, error pages included.
docs: setup  ## Regenerate docs/collection (module docs from DOCUMENTATION, role docs from argument_specs)
	rm -rf docs/collection
	install -d -m 0755 docs/collection
	PYTHONHASHSEED=0 $(BIN)/antsibull-docs collection --use-current --squash-hierarchy --output-format simplified-rst \
		--no-add-antsibull-docs-version --dest-dir docs/collection mas.platform

docs-lint: setup  ## antsibull-docs lint of the collection's plugin and role docs
	$(BIN)/antsibull-docs lint-collection-docs --plugin-docs $(COLLECTION)

changelog: setup  ## CHANGELOG.rst of the collection from changelogs/fragments (antsibull-changelog)
	cd $(COLLECTION) && $(CURDIR)/$(BIN)/antsibull-changelog lint && \
		$(CURDIR)/$(BIN)/antsibull-changelog release --version "$$(sed -n 's/^version: *//p' galaxy.yml)"
	rm -f $(COLLECTION)/changelogs/.plugin-cache.yaml
