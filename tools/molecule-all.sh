#!/usr/bin/env bash
# Runs every Molecule scenario under molecule/ against the shared local cluster, one
# after the other, and fails if any fails. `make local-up` must have run.
#
# The namespaces scenario runs first (it deletes the platform's namespaces); then the
# shared foundation (molecule/shared/foundation.yml: namespaces, storage classes, RBAC)
# is converged once, and the other scenarios use it instead of converging it each.
# Each scenario's seconds go to $MAS_STAGE_TIMES when it is set (tools/timed.sh).
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export ANSIBLE_CONFIG=$repo/ansible.cfg
timed=$repo/tools/timed.sh
failed=()

scenarios=(namespaces)
for dir in molecule/*/; do
  scenario=$(basename "$dir")
  [[ -f $dir/molecule.yml && $scenario != namespaces ]] && scenarios+=("$scenario")
done

# The namespaces scenario needs no foundation; the others get it from the step below.
export MAS_MOLECULE_FOUNDATION=ready
for scenario in "${scenarios[@]}"; do
  echo "== molecule scenario $scenario"
  if ! "$timed" "molecule $scenario" molecule test -s "$scenario"; then
    failed+=("$scenario")
  fi
  if [[ $scenario == namespaces ]]; then
    echo "== molecule shared foundation"
    if ! "$timed" "molecule foundation" ansible-playbook -i inventories/local molecule/shared/foundation.yml; then
      echo "molecule: the shared foundation did not converge; the other scenarios need it" >&2
      exit 1
    fi
  fi
done
if ((${#failed[@]})); then
  echo "molecule: failed scenarios: ${failed[*]}" >&2
  exit 1
fi
echo "molecule: all scenarios passed"
