#!/usr/bin/env bash
# Builds restic from its Go module, once per version (tools/restic/version.env), into
# $MAS_CACHE_DIR/bin/restic-<version>/restic, like tools/local-cluster/build.sh does for the
# cluster's binaries. A static binary (CGO_ENABLED=0): `make ee` copies it into the
# execution environment's build context. Prints the binary's path.
#   tools/restic/install.sh            build if missing, print the path
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/restic/version.env
source "$here/version.env"
MAS_CACHE_DIR=${MAS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mas-platform}
out=$MAS_CACHE_DIR/bin/restic-$RESTIC_VERSION
log() { printf '[restic] %s\n' "$*" >&2; }

if [[ -x $out/restic ]]; then
  echo "$out/restic"
  exit 0
fi
if ! command -v go > /dev/null; then
  log "go is not installed: restic $RESTIC_VERSION is built from its Go module (Go >= 1.23)"
  exit 1
fi
log "building restic $RESTIC_VERSION (go install github.com/restic/restic/cmd/restic@$RESTIC_VERSION)"
mkdir -p "$MAS_CACHE_DIR/bin"
tmp=$(mktemp -d "$MAS_CACHE_DIR/bin/restic-build.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
GOBIN=$tmp CGO_ENABLED=0 GOFLAGS=-mod=mod go install -trimpath -ldflags "-s -w" \
  "github.com/restic/restic/cmd/restic@$RESTIC_VERSION"
"$tmp/restic" version >&2
rm -rf "$out"
mkdir -p "$out"
mv "$tmp/restic" "$out/restic"
echo "$out/restic"
