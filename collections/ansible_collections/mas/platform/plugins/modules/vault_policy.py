#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vault_policy
short_description: Ensure an ACL policy of Vault or OpenBao
version_added: 0.1.0
description:
  - Creates, updates or deletes an ACL policy (C(sys/policies/acl/<name>)).
  - The policy text is compared after normalizing line endings, trailing spaces and
    blank lines; any other difference, comments included, is a change.
author:
  - mas.platform contributors (@mas-platform)
options:
  name:
    description:
      - Name of the policy. Vault stores policy names in lower case.
      - The C(root) policy cannot be changed, and C(default) cannot be deleted.
    type: str
    required: true
  policy:
    description:
      - The policy in HCL (or JSON). Required when O(state=present).
    type: str
  state:
    description:
      - C(present) writes the policy when it differs; C(absent) deletes it.
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
- name: Let the task executors read their own secrets only
  mas.platform.vault_policy:
    url: https://vault.example:8200
    name: agent-task-executor
    policy: |
      path "platform/data/agents/task-executor/*" {
        capabilities = ["read"]
      }

- name: Remove a retired policy (token from VAULT_TOKEN)
  mas.platform.vault_policy:
    url: https://vault.example:8200
    name: agent-retired
    state: absent
"""

RETURN = r"""
name:
  description: The policy's name as Vault stores it (lower case).
  returned: always
  type: str
  sample: agent-task-executor
policy:
  description: The policy text in Vault after the run; absent when the policy does not exist.
  returned: when the policy exists after the run
  type: str
diff:
  description: The policy text before and after.
  returned: when diff mode is on
  type: dict
"""

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError, PlatformModule, diff_result
from ansible_collections.mas.platform.plugins.module_utils.vault.client import (
    connect,
    vault_argument_spec,
    vault_module_kwargs,
)
from ansible_collections.mas.platform.plugins.module_utils.vault.state import normalize_policy

ARGUMENT_SPEC = vault_argument_spec(
    name=dict(type="str", required=True),
    policy=dict(type="str"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


def _read(vault, path):
    current = vault.read(path, "read the policy")
    return None if current is None else current.get("policy", current.get("rules", ""))


def ensure_policy(module):
    params = module.params
    name = params["name"].strip().lower()
    present = params["state"] == "present"
    if not name or "/" in name:
        raise PlatformError("name: %r is not a policy name" % params["name"])
    if name == "root" or (name == "default" and not present):
        raise PlatformError("name: Vault does not allow %s the %r policy" % ("changing" if present else "deleting", name))
    if present and not (params["policy"] or "").strip():
        raise PlatformError("policy: the policy text is required when state is present")
    path = "sys/policies/acl/%s" % name
    vault = connect(module)
    current = _read(vault, path)
    if present:
        changed = current is None or normalize_policy(current) != normalize_policy(params["policy"])
        after = params["policy"]
    else:
        changed, after = current is not None, None
    if changed and not module.check_mode:
        if present:
            vault.write(path, {"policy": params["policy"]}, "write the policy")
        else:
            vault.delete(path, "delete the policy")
        after = _read(vault, path)
    result = diff_result(changed, dict(policy=current or ""), dict(policy=after or ""), name=name)
    if after is not None:
        result["policy"] = after
    return result


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True,
                            required_if=[("state", "present", ("policy",))], **vault_module_kwargs())
    module.run(ensure_policy)


if __name__ == "__main__":
    main()
