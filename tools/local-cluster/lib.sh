# Shared settings for the local cluster scripts (sourced, not run).
# Cache of built binaries and cluster state, outside the work tree.
MAS_CACHE_DIR=${MAS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mas-platform}
MAS_BIN_DIR=$MAS_CACHE_DIR/bin
export MAS_CACHE_DIR MAS_BIN_DIR
export GOFLAGS=${GOFLAGS:--mod=mod}

log() { printf '[local-cluster] %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

need_go() {
  if ! command -v go > /dev/null; then
    log "go is not installed: the local cluster is built from Go modules (Go >= 1.26)"
    exit 1
  fi
}
