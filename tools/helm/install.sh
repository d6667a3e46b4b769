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
# shellcheck source=tools/lib/go-install.sh
source "$here/../lib/go-install.sh"
log() { printf '[helm] %s\n' "$*" >&2; }

helm=$(go_install_cached helm "$HELM_VERSION" helm.sh/helm/v3/cmd/helm)

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
echo "$helm"
