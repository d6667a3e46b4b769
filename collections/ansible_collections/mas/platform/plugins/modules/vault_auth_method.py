#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: vault_auth_method
short_description: Ensure an auth method of Vault or OpenBao is enabled, tuned and configured
version_added: 0.1.0
description:
  - Enables an auth method at a path, tunes its description, lease TTLs and listing
    visibility when they differ, and writes the configuration of a C(kubernetes) auth
    method (API address, CA, token reviewer JWT) when it differs.
  - The C(cert) (TLS certificate) method needs no configuration; its trusted
    certificates are roles, see M(mas.platform.vault_auth_role).
  - A method of another type at the path is an error, not a remount; disabling a method
    deletes its roles and configuration, which only O(state=absent) does, on purpose.
author:
  - mas.platform contributors (@mas-platform)
options:
  type:
    description:
      - Type of the auth method, such as C(kubernetes), C(cert), C(approle), C(userpass).
    type: str
    required: true
  path:
    description:
      - Mount path under C(auth/), without slashes at either end. Defaults to O(type).
    type: str
  description:
    description:
      - Human-readable description of the method. Left as it is when not given.
    type: str
  default_lease_ttl:
    description:
      - Default TTL of the tokens it issues, such as C(1h) or a number of seconds; C(0)
        means the system default. Left as it is when not given.
    type: raw
  max_lease_ttl:
    description:
      - Maximum TTL of the tokens it issues; C(0) means the system default. Left as it
        is when not given.
    type: raw
  listing_visibility:
    description:
      - C(unauth) lists the method on the unauthenticated login page; C(hidden) does not.
    type: str
    choices: [unauth, hidden]
  kubernetes:
    description:
      - Configuration of a C(kubernetes) auth method (C(auth/<path>/config)). Vault
        replaces this configuration whole on each write, so every option is sent;
        options left out take Vault's defaults.
      - Only with O(type=kubernetes).
    type: dict
    suboptions:
      kubernetes_host:
        description:
          - Address of the Kubernetes API server Vault calls for TokenReview, such as
            C(https://kubernetes.default.svc:443).
        type: str
        required: true
      kubernetes_ca_cert:
        description:
          - PEM of the CA of the API server's certificate. Required unless Vault runs in
            a pod (it then reads its own ServiceAccount's CA).
        type: str
      token_reviewer_jwt:
        description:
          - JWT of a ServiceAccount allowed to create TokenReviews (bound to
            C(system:auth-delegator)). Never logged or returned.
          - Vault never returns it, only whether one is set, so it is written when none is
            set, or on every run with O(kubernetes.update_token_reviewer_jwt=true).
          - When left out, Vault reviews each login with the login's own JWT, and a
            reviewer JWT stored earlier is removed.
        type: str
      update_token_reviewer_jwt:
        description:
          - Write O(kubernetes.token_reviewer_jwt) on every run (reports a change each
            time), to replace a rotated reviewer token.
        type: bool
        default: false
      disable_local_ca_jwt:
        description:
          - Do not use the CA and JWT of the pod Vault runs in.
        type: bool
        default: false
      disable_iss_validation:
        description:
          - Do not validate the C(iss) claim of the JWTs (Vault's default).
        type: bool
        default: true
      issuer:
        description:
          - Expected C(iss) claim, when O(kubernetes.disable_iss_validation=false).
        type: str
        default: ""
      pem_keys:
        description:
          - PEM public keys to verify JWTs locally, instead of TokenReview.
        type: list
        elements: str
        default: []
  state:
    description:
      - C(present) enables, tunes and configures; C(absent) disables the method,
        B(deleting its roles and configuration).
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
notes:
  - In check mode a method that is not enabled yet reports its configuration as a change
    without reading it.
"""

EXAMPLES = r"""
- name: Kubernetes auth for the agents' ServiceAccounts
  mas.platform.vault_auth_method:
    url: https://vault.example:8200
    type: kubernetes
    description: Agents log in with their ServiceAccount token
    kubernetes:
      kubernetes_host: https://kubernetes.example:6443
      kubernetes_ca_cert: "{{ lookup('ansible.builtin.file', 'cluster-ca.pem') }}"
      token_reviewer_jwt: "{{ vault_reviewer_token }}"

- name: TLS certificate auth for the services outside the cluster
  mas.platform.vault_auth_method:
    url: https://vault.example:8200
    type: cert
    path: tls
"""

RETURN = r"""
path:
  description: The method's path under C(auth/).
  returned: always
  type: str
  sample: kubernetes
mount:
  description: The method after the run (C(type), C(description), C(default_lease_ttl),
    C(max_lease_ttl) in seconds, C(listing_visibility)); null when absent.
  returned: always
  type: dict
config:
  description: The C(kubernetes) configuration after the run, without the reviewer JWT
    (C(token_reviewer_jwt_set) says whether one is set).
  returned: when O(kubernetes) is given and the method exists
  type: dict
changes:
  description: The fields that differed, each as [before, after]; the reviewer JWT shows
    only as C(token_reviewer_jwt_set).
  returned: always
  type: dict
"""

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError, PlatformModule, diff_result
from ansible_collections.mas.platform.plugins.module_utils.vault.client import (
    connect,
    vault_argument_spec,
    vault_module_kwargs,
)
from ansible_collections.mas.platform.plugins.module_utils.vault.mounts import ensure_mount
from ansible_collections.mas.platform.plugins.module_utils.vault.state import (
    check_durations,
    clean_path,
    kubernetes_config_changes,
    KUBERNETES_CONFIG_FIELDS,
    MOUNT_TUNE_FIELDS,
    normalized,
)

KUBERNETES_OPTIONS = dict(
    kubernetes_host=dict(type="str", required=True),
    kubernetes_ca_cert=dict(type="str"),
    token_reviewer_jwt=dict(type="str", no_log=True),
    update_token_reviewer_jwt=dict(type="bool", default=False, no_log=False),
    disable_local_ca_jwt=dict(type="bool", default=False),
    disable_iss_validation=dict(type="bool", default=True),
    issuer=dict(type="str", default=""),
    pem_keys=dict(type="list", elements="str", default=[], no_log=False),
)

ARGUMENT_SPEC = vault_argument_spec(
    type=dict(type="str", required=True),
    path=dict(type="str"),
    description=dict(type="str"),
    default_lease_ttl=dict(type="raw"),
    max_lease_ttl=dict(type="raw"),
    listing_visibility=dict(type="str", choices=["unauth", "hidden"]),
    kubernetes=dict(type="dict", options=KUBERNETES_OPTIONS),
    state=dict(type="str", choices=["present", "absent"], default="present"),
)


def ensure_auth_method(module):
    params = module.params
    path = clean_path(params["path"] or params["type"], "path")
    check_durations(params, ("default_lease_ttl", "max_lease_ttl"))
    if params["kubernetes"] and params["type"] != "kubernetes":
        raise PlatformError("kubernetes: this configuration is for type kubernetes, not %s" % params["type"])
    present = params["state"] == "present"
    vault = connect(module)
    tune = dict((k, params.get(k)) for k in MOUNT_TUNE_FIELDS)
    mount = ensure_mount(vault, "auth", path, params["type"], tune, None, present, module.check_mode)
    result = dict(changed=mount["changed"], changes=dict(mount["changes"]),
                  before=dict(mount=mount["before"]), after=dict(mount=mount["after"]))
    if present and params["kubernetes"]:
        _ensure_kubernetes_config(module, vault, path, mount["before"] is None, result)
    return diff_result(result["changed"], result["before"], result["after"], path=path,
                       mount=mount["after"], changes=result["changes"], **result.get("extra", {}))


def _ensure_kubernetes_config(module, vault, path, newly_enabled, result):
    desired = dict(module.params["kubernetes"])
    # Vault replaces the configuration whole: a CA left out is written (and compared) empty.
    desired["kubernetes_ca_cert"] = desired["kubernetes_ca_cert"] or ""
    config_path = "auth/%s/config" % path
    # A method enabled by this run (or about to be, in check mode) has no config yet.
    current = None if newly_enabled else vault.read(config_path, "read the configuration")
    changes = kubernetes_config_changes(desired, current, desired["token_reviewer_jwt"],
                                        desired["update_token_reviewer_jwt"])
    after = _visible_config(desired)
    if changes and not module.check_mode:
        body = normalized(KUBERNETES_CONFIG_FIELDS, desired)
        body["token_reviewer_jwt"] = desired["token_reviewer_jwt"] or ""
        vault.write(config_path, body, "write the configuration")
        after = _visible_config(vault.read(config_path, "read the configuration"))
    result["changed"] = result["changed"] or bool(changes)
    result["changes"].update(dict(("config.%s" % k, v) for k, v in changes.items()))
    result["before"]["config"] = _visible_config(current) if current is not None else None
    result["after"]["config"] = after
    result["extra"] = dict(config=after)


def _visible_config(config):
    """The configuration as Vault shows it: normalized fields and whether a reviewer JWT
    is set, never the JWT itself."""
    visible = normalized(KUBERNETES_CONFIG_FIELDS, config)
    visible["token_reviewer_jwt_set"] = bool(config.get("token_reviewer_jwt_set", config.get("token_reviewer_jwt")))
    return visible


def main():
    module = PlatformModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True, **vault_module_kwargs())
    module.run(ensure_auth_method)


if __name__ == "__main__":
    main()
