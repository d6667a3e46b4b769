#!/usr/bin/env bash
# timed.sh STAGE COMMAND...: runs COMMAND, and when MAS_STAGE_TIMES names a file, appends
# "STAGE<TAB>seconds<TAB>exit code" to it (make test's time report reads that file).
# Exits with COMMAND's exit code.
set -uo pipefail
stage=$1
shift
start=$(date +%s.%N)
"$@"
rc=$?
if [[ -n ${MAS_STAGE_TIMES:-} ]]; then
  awk -v stage="$stage" -v start="$start" -v end="$(date +%s.%N)" -v rc="$rc" \
    'BEGIN { printf "%s\t%.1f\t%d\n", stage, end - start, rc }' >> "$MAS_STAGE_TIMES"
fi
exit "$rc"
