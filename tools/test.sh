#!/usr/bin/env bash
# `make test`: every stage that CI runs, in order, each timed into build/stage-times.tsv;
# pytest runs last and prints the table of seconds per stage (and per test directory)
# before its own summary line, which stays the last line of the output.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
mkdir -p build
export MAS_STAGE_TIMES=$repo/build/stage-times.tsv
: > "$MAS_STAGE_TIMES"
timed=$repo/tools/timed.sh
make=(make --no-print-directory)

"$timed" "system packages" tools/system-packages.sh
"$timed" setup "${make[@]}" setup
"$timed" lint "${make[@]}" lint
"$timed" sanity "${make[@]}" sanity
"$timed" "local cluster" "${make[@]}" local-up
tools/molecule-all.sh
"${make[@]}" pytest PYTEST_ARGS="--durations=25"
