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
# shellcheck source=tools/lib/go-install.sh
source "$here/../lib/go-install.sh"
go_install_cached restic "$RESTIC_VERSION" github.com/restic/restic/cmd/restic
