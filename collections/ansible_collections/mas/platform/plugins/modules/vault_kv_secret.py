#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vault_kv_secret
short_description: Ensure keys of a KV version 2 secret, generating missing ones once
version_added: 0.1.0
description:
  - Ensures that a secret of a KV version 2 engine holds the given keys. Values given in
    O(data) are written when they differ. Keys listed in O(generate) get a random value
    only when they do not exist yet, so a re-run never rotates a credential by accident.
  - Keys of the secret that are not named stay as they are. A write creates a new
    version, with check-and-set on the version read, so a concurrent change is not lost.
  - Values are never returned, logged or shown in a diff; the diff shows the keys only.
  - To read a secret, use M(community.hashi_vault.vault_kv2_get).
author:
  - mas.platform contributors (@mas-platform)
options:
  mount:
    description:
      - Path of the KV version 2 engine.
    type: str
    default: secret
  path:
    description:
      - Path of the secret in the engine, such as C(core/rabbitmq).
    type: str
    required: true
  data:
    description:
      - Keys and values to write when they differ. Never logged.
    type: dict
  generate:
    description:
      - Keys that get a random value of O(generate_length) letters and digits when they
        do not exist yet. An existing key is never regenerated.
    type: list
    elements: str
    default: []
  generate_length:
    description:
      - Length of a generated value.
    type: int
    default: 32
  state:
    description:
      - C(present) ensures the keys; C(absent) deletes the secret with all its versions.
    type: str
    choices: [present, absent]
    default: present
extends_documentation_fragment:
  - mas.platform.vault
attributes:
  check_mode:
    description: Reports what would change without changing it.
    support: full
  diff_mode:
    description: Shows the managed fields before and after.
    support: full
"""

EXAMPLES = r"""
- name: The RabbitMQ credentials, generated on the first run only
  mas.platform.vault_kv_secret:
    url: https://vault.example:8200
    mount: platform
    path: core/rabbitmq
    data:
      username: platform
    generate: [password, erlang_cookie]
"""

RETURN = r"""
path:
  description: The secret's API path.
  returned: always
  type: str
  sample: platform/data/core/rabbitmq
keys:
  description: The keys of the secret after the run (values are never returned).
  returned: always
  type: list
  elements: str
  sample: [erlang_cookie, password, username]
version:
  description: The secret's current version after the run; 0 when it does not exist.
  returned: always
  type: int
  sample: 1
changed_keys:
  description: The keys written by this run (or that would be, in check mode).
  returned: always
  type: list
  elements: str
generated_keys:
  description: The keys that got a generated value in this run (or would, in check mode).
  returned: always
  type: list
  elements: str
"""

import random
import string

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError, PlatformModule, diff_result
from ansible_collections.mas.platform.plugins.module_utils.vault.client import (
    connect,
    vault_argument_spec,
    vault_module_kwargs,
)
from ansible_collections.mas.platform.plugins.module_utils.vault.kv import read_kv, write_kv
from ansible_collections.mas.platform.plugins.module_utils.vault.state import HIDDEN, clean_path, kv_secret_plan, masked

ARGUMENT_SPEC = vault_argument_spec(
    mount=dict(type="str", default="secret"),
    path=dict(type="str", required=True),
    data=dict(type="dict", no_log=True),
    generate=dict(type="list", elements="str", default=[], no_log=False),
    generate_length=dict(type="int", default=32, no_log=False),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)
_ALPHABET = string.ascii_letters + string.digits


def _generated(keys, length):
    rng = random.SystemRandom()
    return dict((k, "".join(rng.choice(_ALPHABET) for dummy in range(length))) for k in keys)


def ensure_kv_secret(module):
    params = module.params
    mount, path = clean_path(params["mount"], "mount"), clean_path(params["path"], "path")
    if params["generate_length"] < 8:
        raise PlatformError("generate_length: %d is too short for a credential (at least 8)" % params["generate_length"])
    vault = connect(module)
    current, version = read_kv(vault, mount, path)
    api_path = "%s/data/%s" % (mount, path)
    if params["state"] == "absent":
        changed = current is not None or version > 0
        if changed and not module.check_mode:
            vault.delete("%s/metadata/%s" % (mount, path), "delete the secret")
        return diff_result(changed, masked(current), None, path=api_path, keys=[], version=0,
                           changed_keys=sorted(current or {}), generated_keys=[])
    if not params["data"] and not params["generate"]:
        raise PlatformError("data: give the keys to write (data) or to generate (generate)")
    missing = [k for k in params["generate"] if k not in (current or {})]
    new_data, changed_keys, generated_keys = kv_secret_plan(
        current, params["data"], params["generate"], _generated(missing, params["generate_length"]))
    after = masked(new_data)
    for key in changed_keys:
        after[key] = HIDDEN + " (changed)"
    if changed_keys and not module.check_mode:
        version = write_kv(vault, mount, path, new_data, version)
    return diff_result(bool(changed_keys), masked(current), after, path=api_path, keys=sorted(new_data),
                       version=version, changed_keys=changed_keys, generated_keys=generated_keys)


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **vault_module_kwargs())
    module.run(ensure_kv_secret)


if __name__ == "__main__":
    main()
