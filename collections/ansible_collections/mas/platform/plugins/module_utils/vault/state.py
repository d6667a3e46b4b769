# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Pure functions of the vault_* modules: what Vault returns and what the user asked for,
brought to one form so that they compare, and the differences between them.

Vault answers in its own form (durations in seconds, lists in the order given or null,
PEM text with a trailing newline, policy names lowercased); a user writes "1h", a
single name, a PEM from a file. Each field of a resource has a normalizer that maps
both sides to the same form; ``field_changes`` then compares only the fields the user
gave, so a field left out is left as it is.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible.module_utils.six import string_types

from ansible_collections.mas.platform.plugins.module_utils.base import PlatformError

_DURATION_PART = re.compile(r"(\d+)([smhd])")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(value, key):
    """Seconds from an int or a duration string ("90", "90s", "1h30m", "7d").

    Raises PlatformError naming ``key`` when the value is not a duration."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise PlatformError("%s: expected a duration such as '1h' or a number of seconds, got %r" % (key, value))
    if isinstance(value, int):
        if value < 0:
            raise PlatformError("%s: a duration cannot be negative, got %r" % (key, value))
        return value
    text = str(value).strip().lower()
    if text.isdigit():
        return int(text)
    parts = _DURATION_PART.findall(text)
    if not text or "".join(n + u for n, u in parts) != text:
        raise PlatformError("%s: expected a duration such as '1h', '30m' or '90s', got %r" % (key, value))
    return sum(int(n) * _UNIT_SECONDS[u] for n, u in parts)


def as_string(value, key=None):
    return "" if value is None else str(value)


def as_bool(value, key=None):
    return bool(value)


def as_int(value, key=None):
    return 0 if value is None else int(value)


def as_duration(value, key=None):
    return 0 if value is None else parse_duration(value, key or "duration")


def as_name_set(value, key=None):
    """A list whose order carries no meaning: sorted, without duplicates, [] for null."""
    if value is None:
        return []
    if isinstance(value, string_types):
        value = value.split(",")
    return sorted(set(str(v).strip() for v in value if str(v).strip()))


def as_policy_names(value, key=None):
    """Policy names as Vault stores them: lowercased, sorted, without duplicates."""
    return sorted(set(n.lower() for n in as_name_set(value)))


def as_pem(value, key=None):
    """PEM text without the whitespace differences of files and of Vault's answers."""
    if value is None:
        return ""
    return "\n".join(line.strip() for line in str(value).strip().splitlines() if line.strip())


def as_pem_list(value, key=None):
    return sorted(as_pem(v) for v in (value or []))


def normalize_policy(text):
    """A policy's HCL for comparison: line endings, trailing spaces and blank lines
    carry no meaning; everything else (comments included) does."""
    lines = (line.rstrip() for line in str(text or "").replace("\r\n", "\n").split("\n"))
    return "\n".join(line for line in lines if line.strip())


def normalized(fields, values, keys=None):
    """``values`` (a Vault answer or the user's options) brought to the normalized form,
    for ``keys`` (default: every field)."""
    values = values or {}
    return dict((k, fields[k](values.get(k), k)) for k in (keys if keys is not None else fields))


def field_changes(fields, desired, current):
    """The fields the user gave (not None) whose normalized value differs from Vault's.

    ``fields`` maps a field name to its normalizer. Returns {name: (before, after)}; when
    ``current`` is None (the object does not exist) every given field is a change.
    """
    given = [k for k in fields if desired.get(k) is not None]
    after = normalized(fields, desired, given)
    if current is None:
        return dict((k, [None, after[k]]) for k in given)
    before = normalized(fields, current, given)
    return dict((k, [before[k], after[k]]) for k in given if before[k] != after[k])


def state_diff(fields, desired, current, present=True):
    """(before, after) for the module's diff: the given fields, normalized; None for an
    object that does not exist (before) or will not (after)."""
    given = [k for k in fields if desired.get(k) is not None]
    before = normalized(fields, current, given) if current is not None else None
    if not present:
        return before, None
    after = dict(before or {})
    after.update(normalized(fields, desired, given))
    return before, after


def check_durations(params, keys):
    """Fail early, naming the option, on a duration that does not parse."""
    for key in keys:
        parse_duration(params.get(key), key)


def clean_path(value, key):
    """A mount path without leading or trailing slashes; refuses empty paths and '..'."""
    path = str(value or "").strip().strip("/")
    if not path or ".." in path.split("/"):
        raise PlatformError("%s: %r is not a mount path" % (key, value))
    return path


# -- mounts (auth methods and secrets engines) -------------------------------------------

MOUNT_TUNE_FIELDS = dict(
    description=as_string,
    default_lease_ttl=as_duration,
    max_lease_ttl=as_duration,
    listing_visibility=as_string,
)


def find_mount(listing, path):
    """The entry of ``path`` in a sys/auth or sys/mounts listing (keys end with '/')."""
    for key, entry in (listing or {}).items():
        if key.strip("/") == path and isinstance(entry, dict) and "type" in entry:
            return entry
    return None


def mount_state(entry):
    """A mount's comparable state from its listing entry; None when absent.

    ``config`` holds 0 for "the system default", which is what a user writes too."""
    if entry is None:
        return None
    config = entry.get("config") or {}
    return dict(
        type=entry.get("type"),
        description=entry.get("description") or "",
        default_lease_ttl=int(config.get("default_lease_ttl") or 0),
        max_lease_ttl=int(config.get("max_lease_ttl") or 0),
        listing_visibility=config.get("listing_visibility") or "",
        options=dict(entry.get("options") or {}),
    )


# -- auth method configuration -------------------------------------------------------------

KUBERNETES_CONFIG_FIELDS = dict(
    kubernetes_host=as_string,
    kubernetes_ca_cert=as_pem,
    disable_local_ca_jwt=as_bool,
    disable_iss_validation=as_bool,
    issuer=as_string,
    pem_keys=as_pem_list,
)


def kubernetes_config_changes(desired, current, reviewer_jwt, update_reviewer_jwt):
    """Changes of auth/<path>/config of a kubernetes auth method.

    Vault never returns the reviewer JWT, only whether one is set: a JWT given is
    written when none is set, or on every run with ``update_reviewer_jwt``; a JWT left
    out means "use each login's own JWT", so a stored one is removed."""
    changes = field_changes(KUBERNETES_CONFIG_FIELDS, desired, current)
    is_set = bool((current or {}).get("token_reviewer_jwt_set"))
    want_set = bool(reviewer_jwt)
    if is_set != want_set or (want_set and update_reviewer_jwt):
        changes["token_reviewer_jwt_set"] = [is_set if current is not None else None, want_set]
    return changes


# -- roles of auth methods --------------------------------------------------------------------

TOKEN_FIELDS = dict(
    token_policies=as_policy_names,
    token_ttl=as_duration,
    token_max_ttl=as_duration,
    token_explicit_max_ttl=as_duration,
    token_period=as_duration,
    token_type=as_string,
    token_bound_cidrs=as_name_set,
    token_no_default_policy=as_bool,
    token_num_uses=as_int,
)

KUBERNETES_ROLE_FIELDS = dict(
    bound_service_account_names=as_name_set,
    bound_service_account_namespaces=as_name_set,
    audience=as_string,
    alias_name_source=as_string,
)
KUBERNETES_ROLE_FIELDS.update(TOKEN_FIELDS)

CERT_ROLE_FIELDS = dict(
    certificate=as_pem,
    display_name=as_string,
    allowed_common_names=as_name_set,
    allowed_dns_sans=as_name_set,
    allowed_email_sans=as_name_set,
    allowed_uri_sans=as_name_set,
    allowed_organizational_units=as_name_set,
)
CERT_ROLE_FIELDS.update(TOKEN_FIELDS)

ROLE_FIELDS = dict(kubernetes=KUBERNETES_ROLE_FIELDS, cert=CERT_ROLE_FIELDS)
# Where each method keeps its roles.
ROLE_COLLECTION = dict(kubernetes="role", cert="certs")
DURATION_FIELDS = ("token_ttl", "token_max_ttl", "token_explicit_max_ttl", "token_period")


def role_payload(fields, desired):
    """The JSON body that writes the given fields, in Vault's form."""
    given = [k for k in fields if desired.get(k) is not None]
    return normalized(fields, desired, given)


# -- KV version 2 secrets ---------------------------------------------------------------------

HIDDEN = "<hidden>"


def kv_secret_plan(current, data, generate, generated_values):
    """What a KV v2 write must contain, and what it changes, without revealing values.

    ``current``: the secret's data now (None: no secret). ``data``: values the user gave
    (each overwrites). ``generate``: keys that get ``generated_values[key]`` only when they
    do not exist yet, so a re-run never rotates them. Keys not named stay as they are.
    Returns (new_data, changed_keys, generated_keys)."""
    current = dict(current or {})
    new_data = dict(current)
    changed, generated = [], []
    for key, value in sorted((data or {}).items()):
        if key not in current or current[key] != value:
            changed.append(key)
        new_data[key] = value
    for key in generate or []:
        if key in (data or {}):
            raise PlatformError("generate: key %r is also given in data; give it in one of the two" % key)
        if key not in current:
            new_data[key] = generated_values[key]
            changed.append(key)
            generated.append(key)
    return new_data, sorted(changed), sorted(generated)


def masked(data):
    """The keys of a secret, each value replaced by a marker: what a diff may show."""
    if data is None:
        return None
    return dict((k, HIDDEN) for k in sorted(data))
