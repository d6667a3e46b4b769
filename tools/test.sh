#!/usr/bin/env bash
# `make test`: every stage that CI runs, each timed into build/stage-times.tsv; pytest runs
# last and prints the table of seconds per stage (and per test directory) before its own
# summary line, which stays the last line of the output.
#
# The static checks (lint, sanity) and the tests that need no cluster (make pytest-beside:
# unit tests, the AWS roles on moto) run beside the local cluster and the Molecule
# scenarios, on the core those leave idle (Molecule keeps about one of the two busy);
# their output is printed in one piece when they are done (build/static-checks.log).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
mkdir -p build
export MAS_STAGE_TIMES=$repo/build/stage-times.tsv
: > "$MAS_STAGE_TIMES"
# The report's total is the wall clock from here (the static checks overlap other stages).
MAS_STAGES_STARTED=$(date +%s.%N)
export MAS_STAGES_STARTED
timed=$repo/tools/timed.sh
make=(make --no-print-directory)

"$timed" "system packages" tools/system-packages.sh
"$timed" setup "${make[@]}" setup

static_log=$repo/build/static-checks.log
(
  rc=0
  "$timed" lint "${make[@]}" lint || rc=1
  "$timed" sanity "${make[@]}" sanity || rc=1
  MAS_STAGE_APPEND=1 "${make[@]}" pytest-beside || rc=1
  exit "$rc"
) > "$static_log" 2>&1 &
static_pid=$!
trap 'kill "$static_pid" 2>/dev/null || true' EXIT

static_checks_done() {
  local rc=0
  wait "$static_pid" || rc=$?
  trap - EXIT
  echo "== static checks (lint, sanity) and the tests that need no cluster"
  cat "$static_log"
  if ((rc != 0)); then
    echo "the static checks or the tests beside them failed: see above" >&2
    exit "$rc"
  fi
}

"$timed" "local cluster" "${make[@]}" local-up
tools/molecule-all.sh || { rc=$?; static_checks_done; exit "$rc"; }
static_checks_done
"${make[@]}" pytest-cluster PYTEST_ARGS="--durations=25"
