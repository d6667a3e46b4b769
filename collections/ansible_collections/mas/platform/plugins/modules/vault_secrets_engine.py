#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vault_secrets_engine
short_description: Ensure a secrets engine of Vault or OpenBao is mounted and tuned
version_added: 0.1.0
description:
  - Mounts a secrets engine (by default a KV version 2 engine) at a path, and tunes its
    description, lease TTLs and options when they differ.
  - A KV engine of version 1 is upgraded in place to version 2 when O(version=2); the
    other way is refused, as Vault cannot downgrade.
  - An engine of another type at the path is an error, not a remount; disabling an
    engine deletes everything stored in it, which only O(state=absent) does, on purpose.
author:
  - mas.platform contributors (@mas-platform)
options:
  path:
    description:
      - Mount path, without slashes at either end, such as C(platform).
    type: str
    required: true
  type:
    description:
      - Type of the secrets engine, such as C(kv), C(pki), C(transit).
    type: str
    default: kv
  version:
    description:
      - Version of a C(kv) engine. Ignored for other types.
    type: int
    choices: [1, 2]
    default: 2
  description:
    description:
      - Human-readable description of the mount. Left as it is when not given.
    type: str
  default_lease_ttl:
    description:
      - Default lease TTL, such as C(1h) or a number of seconds; C(0) means the
        system default. Left as it is when not given.
    type: raw
  max_lease_ttl:
    description:
      - Maximum lease TTL, such as C(24h) or a number of seconds; C(0) means the
        system default. Left as it is when not given.
    type: raw
  options:
    description:
      - Further options of the engine, as strings. For C(kv) the O(version) option sets
        C(version).
    type: dict
  state:
    description:
      - C(present) mounts and tunes; C(absent) disables the mount, B(deleting every
        secret in it).
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
- name: A KV version 2 engine for the platform's secrets
  mas.platform.vault_secrets_engine:
    url: https://vault.example:8200
    path: platform
    description: Secrets of the multi-agent platform
"""

RETURN = r"""
path:
  description: The mount path.
  returned: always
  type: str
  sample: platform
mount:
  description: The mount after the run (C(type), C(description), C(default_lease_ttl),
    C(max_lease_ttl) in seconds, C(listing_visibility), C(options)); null when absent.
  returned: always
  type: dict
  sample: {type: kv, description: "", default_lease_ttl: 0, max_lease_ttl: 0, listing_visibility: "", options: {version: "2"}}
changes:
  description: The fields that differed, each as [before, after].
  returned: always
  type: dict
  sample: {description: ["", "Secrets of the multi-agent platform"]}
"""

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformModule, diff_result
from ansible_collections.mas.platform.plugins.module_utils.vault.client import (
    connect,
    vault_argument_spec,
    vault_module_kwargs,
)
from ansible_collections.mas.platform.plugins.module_utils.vault.mounts import ensure_mount
from ansible_collections.mas.platform.plugins.module_utils.vault.state import (
    check_durations,
    clean_path,
    MOUNT_TUNE_FIELDS,
)

ARGUMENT_SPEC = vault_argument_spec(
    path=dict(type="str", required=True),
    type=dict(type="str", default="kv"),
    version=dict(type="int", choices=[1, 2], default=2),
    description=dict(type="str"),
    default_lease_ttl=dict(type="raw"),
    max_lease_ttl=dict(type="raw"),
    options=dict(type="dict"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


def ensure_secrets_engine(module):
    params = module.params
    path = clean_path(params["path"], "path")
    check_durations(params, ("default_lease_ttl", "max_lease_ttl"))
    options = dict((k, str(v)) for k, v in (params["options"] or {}).items())
    if params["type"] == "kv":
        options["version"] = str(params["version"])
    tune = dict((k, params.get(k)) for k in MOUNT_TUNE_FIELDS if k != "listing_visibility")
    vault = connect(module)
    result = ensure_mount(vault, "secrets", path, params["type"], tune, options,
                          params["state"] == "present", module.check_mode)
    return diff_result(result["changed"], result["before"], result["after"], path=path,
                       mount=result["after"], changes=result["changes"])


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **vault_module_kwargs())
    module.run(ensure_secrets_engine)


if __name__ == "__main__":
    main()
