#!/usr/bin/env bash
# Runs every Molecule scenario under molecule/ against the shared local cluster,
# one after the other, and fails if any fails. `make local-up` must have run.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
export ANSIBLE_CONFIG=$repo/ansible.cfg
failed=()
for dir in molecule/*/; do
  scenario=$(basename "$dir")
  [[ -f $dir/molecule.yml ]] || continue
  echo "== molecule scenario $scenario"
  if ! molecule test -s "$scenario"; then
    failed+=("$scenario")
  fi
done
if ((${#failed[@]})); then
  echo "molecule: failed scenarios: ${failed[*]}" >&2
  exit 1
fi
echo "molecule: all scenarios passed"
