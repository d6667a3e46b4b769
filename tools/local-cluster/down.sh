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
"$kwokctl" delete cluster --name "$cluster" --kubeconfig "" || true
log "cluster $cluster: deleted"
