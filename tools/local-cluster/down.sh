#!/usr/bin/env bash
# Stops and deletes the local cluster. The binaries stay cached.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/lib.sh"
cluster=${MAS_CLUSTER_NAME:-mas-local}
export KWOK_WORKDIR=$MAS_CACHE_DIR/kwok
kwokctl=$MAS_BIN_DIR/current/kwokctl
if [[ ! -x $kwokctl ]]; then
  log "no local cluster tooling in $MAS_BIN_DIR: nothing to stop"
  exit 0
fi
if ! "$kwokctl" get clusters 2> /dev/null | grep -qx "$cluster"; then
  log "cluster $cluster: does not exist"
  exit 0
fi
# The cluster's kubeconfig is its own (up.sh writes none into ~/.kube/config): give
# kwokctl a scratch file to remove the context from (it refuses an empty path).
scratch=$(mktemp)
trap 'rm -f "$scratch"' EXIT
"$kwokctl" delete cluster --name "$cluster" --kubeconfig "$scratch"
log "cluster $cluster: deleted"
