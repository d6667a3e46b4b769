#!/usr/bin/env bash
# Makes sure the Debian packages of tools/system-packages.txt are installed, and that Go
# (which builds the local cluster) is on the PATH. Installs the missing packages when it
# can (root, or passwordless sudo), without starting their system services: the tests run
# their own instances. Otherwise stops at once with the one command to run.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
mapfile -t packages < <(sed -e 's/#.*//' -e '/^\s*$/d' "$here/system-packages.txt")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q 'install ok installed' || missing+=("$p")
done

if ((${#missing[@]})); then
  if ((EUID == 0)); then
    sudo=()
  elif command -v sudo > /dev/null && sudo -n true 2> /dev/null; then
    sudo=(sudo)
  else
    echo "missing Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  echo "installing Debian packages: ${missing[*]}"
  # The packages' own services must not start (policy-rc.d exit 101 forbids it).
  added_policy=false
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee /usr/sbin/policy-rc.d > /dev/null
    "${sudo[@]}" chmod +x /usr/sbin/policy-rc.d
    added_policy=true
  fi
  trap '$added_policy && "${sudo[@]}" rm -f /usr/sbin/policy-rc.d' EXIT
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi

if ! command -v go > /dev/null; then
  echo "Go (1.26 or newer) is needed to build the local cluster: install it from https://go.dev/dl/" >&2
  exit 1
fi
