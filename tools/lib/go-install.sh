# shellcheck shell=bash
# One pinned command built from its Go module, once per version, for the install scripts
# of tools/restic and tools/helm (source this file).
#   go_install_cached NAME VERSION PACKAGE
# builds PACKAGE@VERSION (a static binary, CGO_ENABLED=0) into
# $MAS_CACHE_DIR/bin/NAME-VERSION/NAME unless it is there, and prints its path.
MAS_CACHE_DIR=${MAS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mas-platform}

go_install_cached() {
  local name=$1 version=$2 package=$3
  local out=$MAS_CACHE_DIR/bin/$name-$version tmp
  if [[ -x $out/$name ]]; then
    echo "$out/$name"
    return 0
  fi
  if ! command -v go > /dev/null; then
    printf '[%s] go is not installed: %s %s is built from its Go module\n' "$name" "$name" "$version" >&2
    return 1
  fi
  printf '[%s] building %s %s (go install %s@%s)\n' "$name" "$name" "$version" "$package" "$version" >&2
  mkdir -p "$MAS_CACHE_DIR/bin"
  tmp=$(mktemp -d "$MAS_CACHE_DIR/bin/$name-build.XXXXXX")
  if ! GOBIN=$tmp CGO_ENABLED=0 GOFLAGS=-mod=mod go install -trimpath -ldflags "-s -w" "$package@$version"; then
    rm -rf "$tmp"
    return 1
  fi
  "$tmp/$name" version >&2
  rm -rf "$out"
  mkdir -p "$out"
  mv "$tmp/$name" "$out/$name"
  rm -rf "$tmp"
  echo "$out/$name"
}
