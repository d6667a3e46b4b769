#!/usr/bin/env bash
# ansible-test sanity on the collection, in ansible-test's own virtualenvs.
#
# ansible-test bootstraps pip in each new virtualenv by downloading a get-pip script
# from a host that is not a package registry. The stand-in below does the same job
# offline: it installs the pip that ships with Python (ensurepip), and that pip then
# installs the pip version and the sanity requirements ansible-test asks for from PyPI.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
python=${PYTHON:-$repo/.venv/bin/python}
ansible_test=${ANSIBLE_TEST:-$repo/.venv/bin/ansible-test}

pip_version=$("$python" - <<'PY'
import inspect, re
from ansible_test._internal import python_requirements
print(re.search(r"pip='([0-9.]+)'", inspect.getsource(python_requirements.get_venv_packages)).group(1))
PY
)
stand_in=$HOME/.ansible/test/cache/get_pip_${pip_version//./_}.py
if [[ ! -f $stand_in ]] || ! grep -q 'mas.platform stand-in' "$stand_in"; then
  mkdir -p "$(dirname "$stand_in")"
  cat > "$stand_in" <<'PY'
"""mas.platform stand-in for get-pip.py: bootstrap pip offline with ensurepip, then
install the requested packages (ansible-test passes e.g. pip==24.2) from the index."""
import ensurepip
import os
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
env = dict(os.environ)
ensurepip.bootstrap(upgrade=True)
# ensurepip hides the pip configuration (PIP_CONFIG_FILE=/dev/null) in this
# process's environment; the real install must see the machine's index and CA.
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install"] + args, env=env))
PY
fi

# ansible-test's import test finds the collections mas.platform imports from (amazon.aws's
# module_utils) only in mas.platform's own collection root: link the pinned amazon.aws
# that the virtualenv installed (requirements.txt) there for the run.
amazon_aws=$("$python" -c 'import importlib.util; print(list(importlib.util.find_spec("ansible_collections.amazon.aws").submodule_search_locations)[0])')
link=$repo/collections/ansible_collections/amazon/aws
mkdir -p "$(dirname "$link")"
ln -sfn "$amazon_aws" "$link"
trap 'rm -f "$link"; rmdir "$(dirname "$link")" 2> /dev/null || true' EXIT

cd "$repo/collections/ansible_collections/mas/platform"
"$ansible_test" sanity --venv --python 3.11 --color no "$@"
