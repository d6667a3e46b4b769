# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The order of a phased section of the spec (core_services, deployment_sequence), for the
compiled platform (model/compile.py) and the add-ons' view of it (model/addons.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def phase_order(phases):
    """Phase names ("1_core_agents") in their numeric order; the spec's order breaks ties.

    The one parse of a phase name (the schema has checked that each starts with digits)."""
    indexed = list(enumerate(phases))
    return [name for _index, name in sorted(indexed, key=lambda item: (_phase_number(item[1]), item[0]))]


def _phase_number(name):
    head = str(name).split("_", 1)[0]
    # The schema limits the digits; a head that is not a number sorts last, in the spec's order.
    return int(head) if head.isdigit() and len(head) < 10 else float("inf")


def ordered(section):
    """(phase, name, body) of a phased section, in the seed's order."""
    section = section or {}
    for phase in phase_order(section):
        for name, body in (section[phase] or {}).items():
            yield phase, name, body or {}
