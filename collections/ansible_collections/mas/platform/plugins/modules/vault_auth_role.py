#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vault_auth_role
short_description: Ensure a role of a kubernetes or cert auth method of Vault or OpenBao
version_added: 0.1.0
description:
  - Creates, updates or deletes a role of a C(kubernetes) auth method
    (C(auth/<mount_point>/role/<name>)), which binds ServiceAccounts and namespaces to
    policies, or of a C(cert) auth method (C(auth/<mount_point>/certs/<name>)), which
    trusts a CA certificate for clients with given names.
  - Only the options given are compared and written; the role's other fields stay as
    they are. Lists whose order carries no meaning (names, namespaces, policies) are
    compared as sets; durations as seconds.
author:
  - mas.platform contributors (@mas-platform)
options:
  name:
    description:
      - Name of the role.
    type: str
    required: true
  method:
    description:
      - Type of the auth method the role belongs to. The method mounted at
        O(mount_point) must be of this type.
    type: str
    choices: [kubernetes, cert]
    required: true
  mount_point:
    description:
      - Path of the auth method under C(auth/). Defaults to O(method).
    type: str
  state:
    description:
      - C(present) creates or updates the role; C(absent) deletes it.
    type: str
    choices: [present, absent]
    default: present
  bound_service_account_names:
    description:
      - (kubernetes) ServiceAccount names allowed to log in with this role. Required to
        create a role.
    type: list
    elements: str
  bound_service_account_namespaces:
    description:
      - (kubernetes) Namespaces of those ServiceAccounts. Required to create a role.
    type: list
    elements: str
  audience:
    description:
      - (kubernetes) Audience the ServiceAccount token must carry.
    type: str
  alias_name_source:
    description:
      - (kubernetes) What names the identity alias of a login.
    type: str
    choices: [serviceaccount_uid, serviceaccount_name]
  certificate:
    description:
      - (cert) PEM of the CA certificate (or the client certificate) to trust. Required
        to create a role.
    type: str
  display_name:
    description:
      - (cert) Name shown for tokens issued by this role.
    type: str
  allowed_common_names:
    description:
      - (cert) Common names a client certificate may have (globs allowed).
    type: list
    elements: str
  allowed_dns_sans:
    description:
      - (cert) DNS subject alternative names a client certificate may have.
    type: list
    elements: str
  allowed_email_sans:
    description:
      - (cert) Email subject alternative names a client certificate may have.
    type: list
    elements: str
  allowed_uri_sans:
    description:
      - (cert) URI subject alternative names a client certificate may have.
    type: list
    elements: str
  allowed_organizational_units:
    description:
      - (cert) Organizational units a client certificate may have.
    type: list
    elements: str
  token_policies:
    description:
      - Policies of the tokens issued by this role.
    type: list
    elements: str
  token_ttl:
    description:
      - TTL of the issued tokens, such as C(1h) or a number of seconds.
    type: raw
  token_max_ttl:
    description:
      - Maximum TTL of the issued tokens after renewals.
    type: raw
  token_explicit_max_ttl:
    description:
      - Hard maximum TTL of the issued tokens.
    type: raw
  token_period:
    description:
      - Period of periodic tokens.
    type: raw
  token_type:
    description:
      - Type of the issued tokens.
    type: str
    choices: [default, service, batch, default-service, default-batch]
  token_bound_cidrs:
    description:
      - Client addresses (CIDR) the issued tokens may be used from.
    type: list
    elements: str
  token_no_default_policy:
    description:
      - Do not add the C(default) policy to the issued tokens.
    type: bool
  token_num_uses:
    description:
      - Number of times an issued token may be used; C(0) is unlimited.
    type: int
extends_documentation_fragment:
  - mas.platform.vault
attributes:
  check_mode:
    description: Reports what would change without changing it.
    support: full
  diff_mode:
    description: Shows the managed fields before and after.
    support: full
notes:
  - In check mode, when the auth method is not enabled yet (an earlier task of the same
    check run would enable it), the role is reported as to be created.
"""

EXAMPLES = r"""
- name: The task executors log in with their ServiceAccount and get their tier's policy
  mas.platform.vault_auth_role:
    url: https://vault.example:8200
    method: kubernetes
    name: task-executor
    bound_service_account_names: [task-executor]
    bound_service_account_namespaces: [agent-system]
    token_policies: [agent-task-executor]
    token_ttl: 1h

- name: Services with a certificate of the platform CA and a known name
  mas.platform.vault_auth_role:
    url: https://vault.example:8200
    method: cert
    mount_point: cert
    name: consul
    certificate: "{{ lookup('ansible.builtin.file', 'platform-ca.pem') }}"
    allowed_common_names: [consul.platform.internal]
    token_policies: [service-consul]
"""

RETURN = r"""
path:
  description: The role's API path.
  returned: always
  type: str
  sample: auth/kubernetes/role/task-executor
role:
  description: The fields given, as Vault holds them after the run (durations in
    seconds); null when the role does not exist.
  returned: always
  type: dict
  sample: {bound_service_account_names: [task-executor], token_policies: [agent-task-executor], token_ttl: 3600}
changes:
  description: The fields that differed, each as [before, after].
  returned: always
  type: dict
"""

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError, PlatformModule, diff_result
from ansible_collections.mas.platform.plugins.module_utils.vault.client import (
    connect,
    vault_argument_spec,
    vault_module_kwargs,
)
from ansible_collections.mas.platform.plugins.module_utils.vault.mounts import read_mount
from ansible_collections.mas.platform.plugins.module_utils.vault.state import (
    CERT_ROLE_FIELDS,
    check_durations,
    clean_path,
    DURATION_FIELDS,
    field_changes,
    KUBERNETES_ROLE_FIELDS,
    normalized,
    ROLE_COLLECTION,
    ROLE_FIELDS,
    role_payload,
    state_diff,
)

_LIST = dict(type="list", elements="str")
ARGUMENT_SPEC = vault_argument_spec(
    name=dict(type="str", required=True),
    method=dict(type="str", choices=["kubernetes", "cert"], required=True),
    mount_point=dict(type="str"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    bound_service_account_names=_LIST,
    bound_service_account_namespaces=_LIST,
    audience=dict(type="str"),
    alias_name_source=dict(type="str", choices=["serviceaccount_uid", "serviceaccount_name"]),
    certificate=dict(type="str"),
    display_name=dict(type="str"),
    allowed_common_names=_LIST,
    allowed_dns_sans=_LIST,
    allowed_email_sans=_LIST,
    allowed_uri_sans=_LIST,
    allowed_organizational_units=_LIST,
    token_policies=dict(type="list", elements="str", no_log=False),
    token_ttl=dict(type="raw", no_log=False),
    token_max_ttl=dict(type="raw", no_log=False),
    token_explicit_max_ttl=dict(type="raw", no_log=False),
    token_period=dict(type="raw", no_log=False),
    token_type=dict(type="str", no_log=False, choices=["default", "service", "batch", "default-service", "default-batch"]),
    token_bound_cidrs=dict(type="list", elements="str", no_log=False),
    token_no_default_policy=dict(type="bool", no_log=False),
    token_num_uses=dict(type="int", no_log=False),
)
# Required to create a role, per method (Vault refuses to create one without them).
REQUIRED_ON_CREATE = dict(
    kubernetes=("bound_service_account_names", "bound_service_account_namespaces"),
    cert=("certificate",),
)


def _check_options(params):
    method = params["method"]
    other = CERT_ROLE_FIELDS if method == "kubernetes" else KUBERNETES_ROLE_FIELDS
    for key in sorted(set(other) - set(ROLE_FIELDS[method])):
        if params.get(key) is not None:
            raise PlatformError("%s: this option is for roles of a %s auth method, not %s" % (
                key, "cert" if method == "kubernetes" else "kubernetes", method))
    check_durations(params, DURATION_FIELDS)
    if not params["name"].strip() or "/" in params["name"]:
        raise PlatformError("name: %r is not a role name" % params["name"])


def _check_mount(module, vault, mount_point, method):
    """True when the method is mounted; in check mode a missing mount is tolerated (an
    earlier task of the same run would enable it), otherwise it is an error."""
    mount = read_mount(vault, "auth", mount_point)
    if mount is None:
        if module.check_mode:
            module.warn("no auth method at auth/%s/ yet: the role is reported as to be created" % mount_point)
            return False
        raise PlatformError("mount_point: no auth method is enabled at auth/%s/ on %s; enable it first "
                            "(mas.platform.vault_auth_method)" % (mount_point, vault.url))
    if mount["type"] != method:
        raise PlatformError("method: auth/%s/ is a %s auth method, not %s" % (mount_point, mount["type"], method))
    return True


def ensure_auth_role(module):
    params = module.params
    _check_options(params)
    method = params["method"]
    fields = ROLE_FIELDS[method]
    mount_point = clean_path(params["mount_point"] or method, "mount_point")
    path = "auth/%s/%s/%s" % (mount_point, ROLE_COLLECTION[method], params["name"].strip())
    present = params["state"] == "present"
    vault = connect(module)
    mounted = _check_mount(module, vault, mount_point, method)
    current = vault.read(path, "read the role") if mounted else None
    if present and current is None:
        missing = [k for k in REQUIRED_ON_CREATE[method] if not params.get(k)]
        if missing:
            raise PlatformError("%s: required to create the %s role %s" % (", ".join(missing), method, params["name"]))
    changes = field_changes(fields, params, current) if present else ({"exists": [True, False]} if current else {})
    before, after = state_diff(fields, params, current, present)
    if changes and not module.check_mode:
        if present:
            vault.write(path, role_payload(fields, params), "write the role")
            after = _given(fields, params, vault.read(path, "read the role"))
        else:
            vault.delete(path, "delete the role")
            after = None
    return diff_result(bool(changes), before, after, path=path, role=after, changes=changes)


def _given(fields, params, current):
    return normalized(fields, current, [k for k in fields if params.get(k) is not None])


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **vault_module_kwargs())
    module.run(ensure_auth_role)


if __name__ == "__main__":
    main()
