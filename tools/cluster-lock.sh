#!/usr/bin/env bash
# Runs a command while holding the lock of the local cluster, so that two runs that use it
# (make local-up, local-down, demo, test, molecule, pytest, bench: from this checkout or
# another) take turns instead of undoing each other's work: the namespaces scenario
# deletes the platform's namespaces, which a deploy or another scenario in progress needs.
#
#   tools/cluster-lock.sh COMMAND [ARG...]
#
# A command run under the lock (MAS_CLUSTER_LOCK_HELD is set) that calls this again runs
# directly. flock -o keeps the lock in flock's own process, not in the command's: the
# cluster's processes that the command starts in the background do not hold it on.
set -euo pipefail
if [[ -n ${MAS_CLUSTER_LOCK_HELD:-} ]]; then
  exec "$@"
fi
cache=${MAS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mas-platform}
mkdir -p "$cache"
lock=$cache/local-cluster.lock
if ! flock --nonblock --close "$lock" true; then
  echo "the local cluster is in use by another run ($(cat "$lock.owner" 2>/dev/null || echo "owner unknown")): waiting until it ends" >&2
fi
export MAS_CLUSTER_LOCK_HELD=1
exec flock --close "$lock" bash -c 'echo "$1 in $2, since $(date +%T)" > "$3.owner"; shift 3; exec "$@"' \
  lock-holder "$*" "$PWD" "$lock" "$@"
