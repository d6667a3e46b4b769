#!/usr/bin/env bash
# Builds helm from its Go module, once per version (tools/helm/versions.env), into
# $MAS_CACHE_DIR/bin/helm-<version>/helm, as tools/restic/install.sh does for restic, and
# fetches the add-on charts of tools/helm/charts.txt from the Go module proxy into
# $MAS_CACHE_DIR/charts/<chart>-<version>.
#   tools/helm/install.sh            build and fetch what is missing, print helm's path
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/helm/versions.env
source "$here/versions.env"
MAS_CACHE_DIR=${MAS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mas-platform}
out=$MAS_CACHE_DIR/bin/helm-$HELM_VERSION
log() { printf '[helm] %s\n' "$*" >&2; }

if ! command -v go > /dev/null; then
  [[ -x $out/helm ]] || { log "go is not installed: helm $HELM_VERSION and the charts come from Go modules"; exit 1; }
fi
if [[ ! -x $out/helm ]]; then
  log "building helm $HELM_VERSION (go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION)"
  mkdir -p "$MAS_CACHE_DIR/bin"
  tmp=$(mktemp -d "$MAS_CACHE_DIR/bin/helm-build.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  GOBIN=$tmp CGO_ENABLED=0 GOFLAGS=-mod=mod go install -trimpath -ldflags "-s -w" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  rm -rf "$out"
  mkdir -p "$out"
  mv "$tmp/helm" "$out/helm"
fi

while read -r chart version module path; do
  [[ -n $chart && $chart != "#"* ]] || continue
  dest=$MAS_CACHE_DIR/charts/$chart-$version
  [[ -f $dest/Chart.yaml ]] && continue
  log "fetching the chart $chart $version from $module"
  dir=$(GOFLAGS=-mod=mod go mod download -json "$module" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -f $dir/$path/Chart.yaml ]] || { log "$module has no chart at $path"; exit 1; }
  grep -q "^version: \"\?$version\"\?$" "$dir/$path/Chart.yaml" \
    || { log "$module holds $(grep '^version:' "$dir/$path/Chart.yaml"), not $chart $version"; exit 1; }
  mkdir -p "$MAS_CACHE_DIR/charts"
  rm -rf "$dest.tmp"
  cp -r "$dir/$path" "$dest.tmp"
  chmod -R u+w "$dest.tmp"
  mv "$dest.tmp" "$dest"
done < "$here/charts.txt"
echo "$out/helm"
