# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform spec's structure: what each top-level key holds.

The spec is written in the seed's vocabulary (``infrastructure``, ``core_services``,
``deployment_sequence``...; see inventories/production/group_vars/all/). ``validate``
checks types, required keys and allowed values, naming the full key path in each
finding, and returns the cleaned spec that the feasibility checks of the preflight
package work on. The sections' schemas are in the other modules of this package."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.mas.platform.plugins.module_utils.spec.schema import (
    describe,
    Findings,
    INVALID,
    key_path,
    Mapping,
)
from ansible_collections.mas.platform.plugins.module_utils.spec.common import DEPLOYMENT_SEQUENCE
from ansible_collections.mas.platform.plugins.module_utils.spec.configuration import (
    BACKUP_PROCEDURES,
    HEALTH_MONITORING,
    PREPARATION,
    PROCEDURE,
    RECOVERY_PROCEDURES,
    SECURITY_SETUP,
    SERVICE_CONFIGURATION,
    TROUBLESHOOTING_GUIDE,
)
from ansible_collections.mas.platform.plugins.module_utils.spec.infrastructure import (
    ENVIRONMENT_CONFIG,
    INFRASTRUCTURE,
)
from ansible_collections.mas.platform.plugins.module_utils.spec.scaling import SCALING_PROCEDURES
from ansible_collections.mas.platform.plugins.module_utils.spec.services import CORE_SERVICES


# ---------------------------------------------------------------------------
# The whole spec

SECTIONS = {
    "infrastructure": INFRASTRUCTURE,
    "environment_config": ENVIRONMENT_CONFIG,
    "core_services": CORE_SERVICES,
    "deployment_sequence": DEPLOYMENT_SEQUENCE,
    "service_configuration": SERVICE_CONFIGURATION,
    "security_setup": SECURITY_SETUP,
    "startup_procedures": PROCEDURE,
    "shutdown_procedures": PROCEDURE,
    "health_monitoring": HEALTH_MONITORING,
    "backup_procedures": BACKUP_PROCEDURES,
    "scaling_procedures": SCALING_PROCEDURES,
}
OPTIONAL_SECTIONS = {
    "preparation": PREPARATION,
    "troubleshooting_guide": TROUBLESHOOTING_GUIDE,
    "recovery_procedures": RECOVERY_PROCEDURES,
}


def validate(spec, findings=None):
    """Check the spec's structure. Returns ``(cleaned, findings)``.

    ``cleaned`` maps each top-level key to its cleaned value; a section that is missing
    or not even of the right type is absent. A top-level key whose value is None counts
    as missing (a playbook passes ``infrastructure | default(None)``). Unknown keys are
    errors at every level, the top one included: a misspelt optional section
    (``recovery_procedure``) would otherwise go unchecked and unused.
    """
    findings = findings or Findings()
    cleaned = {}
    if not isinstance(spec, Mapping):
        findings.error("spec", "expected a mapping of the platform spec's top-level keys (%s), got %s" % (
            ", ".join(SECTIONS), describe(spec)))
        return cleaned, findings
    for key, schema in SECTIONS.items():
        if spec.get(key) is None:
            findings.error(key, "required key is missing: the platform spec's %s (inventories put it in "
                                "group_vars/all/%s.yml)" % (key, key))
            continue
        result = schema.check(spec[key], key, findings)
        if result is not INVALID:
            cleaned[key] = result
    for key, value in spec.items():
        if key in SECTIONS:
            continue
        if key in OPTIONAL_SECTIONS:
            if value is not None:
                result = OPTIONAL_SECTIONS[key].check(value, key, findings)
                if result is not INVALID:
                    cleaned[key] = result
            continue
        findings.error(key_path("", key), "unknown key: not part of the platform spec (expected %s; %s are optional)" % (
            ", ".join(SECTIONS), ", ".join(OPTIONAL_SECTIONS)))
    return cleaned, findings
