#!/usr/bin/env bash
# Builds the local cluster's binaries from their Go modules, once per version:
#   kube-apiserver, kube-controller-manager, kube-scheduler, kubectl (k8s.io/kubernetes),
#   etcd (go.etcd.io/etcd/server/v3), kwok and kwokctl (sigs.k8s.io/kwok).
# Results are cached outside the work tree in $MAS_CACHE_DIR/bin/<version>/, so a
# second run only checks that they are there.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/local-cluster/versions.env
source "$here/versions.env"
source "$here/lib.sh"

need_go

build_kubernetes() {
  local out="$MAS_BIN_DIR/kubernetes-$KUBE_VERSION"
  if [[ -x $out/kube-apiserver && -x $out/kube-controller-manager && -x $out/kube-scheduler && -x $out/kubectl ]]; then
    log "kubernetes $KUBE_VERSION: cached in $out"
    return
  fi
  log "kubernetes $KUBE_VERSION: building (cold build takes a while)"
  local minor=${KUBE_VERSION#v1.}; minor=${minor%%.*}
  local staging_version="v0.${KUBE_VERSION#v1.}"
  local work; work=$(mktemp -d "$MAS_CACHE_DIR/build-kubernetes.XXXXXX")
  # k8s.io/kubernetes replaces its staging modules with local paths, which
  # `go install` refuses. A wrapper module requires it and maps each staging
  # module to its published v0.X.Y tag instead.
  (
    cd "$work"
    cat > go.mod <<GOMOD
module local/kubernetes-build

go 1.26

require k8s.io/kubernetes $KUBE_VERSION
GOMOD
    go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" > /dev/null
    local modfile
    modfile=$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/$KUBE_VERSION.mod
    grep -oE '^\s*k8s\.io/[a-z0-9-]+ => \./staging' "$modfile" | awk '{print $1}' | while read -r mod; do
      go mod edit -replace "$mod=$mod@$staging_version"
    done
    cat > tools.go <<'GOSRC'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GOSRC
    go mod tidy -e > /dev/null 2>&1 || true
    go get "k8s.io/kubernetes@$KUBE_VERSION" > /dev/null
    local pkg=k8s.io/component-base/version
    local cpkg=k8s.io/client-go/pkg/version
    local date; date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
    local ld="-s -w"
    for p in $pkg $cpkg; do
      ld+=" -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor"
      ld+=" -X $p.gitTreeState=clean -X $p.buildDate=$date"
    done
    mkdir -p "$work/out"
    for cmd in kube-apiserver kube-controller-manager kube-scheduler kubectl; do
      log "  go build $cmd"
      CGO_ENABLED=0 go build -tags tools -trimpath -ldflags "$ld" -o "$work/out/$cmd" "k8s.io/kubernetes/cmd/$cmd"
    done
  )
  rm -rf "$out"; mkdir -p "$(dirname "$out")"
  mv "$work/out" "$out"
  rm -rf "$work"
  "$out/kube-apiserver" --version
}

build_etcd() {
  local out="$MAS_BIN_DIR/etcd-$ETCD_VERSION"
  if [[ -x $out/etcd ]]; then
    log "etcd $ETCD_VERSION: cached in $out"
    return
  fi
  log "etcd $ETCD_VERSION: building"
  local work; work=$(mktemp -d "$MAS_CACHE_DIR/build-etcd.XXXXXX")
  (
    cd "$work"
    cat > go.mod <<GOMOD
module local/etcd-build

go 1.26
GOMOD
    go get "go.etcd.io/etcd/server/v3@$ETCD_VERSION" > /dev/null
    mkdir -p out
    CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o out/etcd go.etcd.io/etcd/server/v3
  )
  rm -rf "$out"; mkdir -p "$(dirname "$out")"
  mv "$work/out" "$out"
  rm -rf "$work"
}

build_kwok() {
  local out="$MAS_BIN_DIR/kwok-$KWOK_VERSION"
  if [[ -x $out/kwok && -x $out/kwokctl ]]; then
    log "kwok $KWOK_VERSION: cached in $out"
    return
  fi
  log "kwok $KWOK_VERSION: building"
  mkdir -p "$out.tmp"
  GOBIN="$out.tmp" CGO_ENABLED=0 go install -trimpath -ldflags "-s -w" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION" "sigs.k8s.io/kwok/cmd/kwokctl@$KWOK_VERSION"
  rm -rf "$out"; mv "$out.tmp" "$out"
}

mkdir -p "$MAS_BIN_DIR"
case "${1:-all}" in
  kubernetes) build_kubernetes ;;
  etcd) build_etcd ;;
  kwok) build_kwok ;;
  all) build_kwok; build_etcd; build_kubernetes ;;
  *) echo "usage: $0 [all|kubernetes|etcd|kwok]" >&2; exit 2 ;;
esac
