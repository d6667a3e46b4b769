# -*- coding: utf-8 -*-
# Copyright: (c) 2026, mas.platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Core service releases past their upstream end of life.

A release line that its project no longer patches gets no security fixes: the
preflight warns about a core service whose version belongs to such a line, naming
the line and the date its support ended. The dates are the projects' own, as
endoflife.date collects them (the products' pages, data of 2026-08-22, each linking
the project's policy):

- RabbitMQ: https://endoflife.date/rabbitmq (https://www.rabbitmq.com/release-information)
- Redis: https://endoflife.date/redis (https://redis.io/docs/latest/operate/oss_and_stack/install/version-mgmt/)
- MongoDB: https://endoflife.date/mongodb (https://www.mongodb.com/legal/support-policy)
- Neo4j: https://endoflife.date/neo4j (https://neo4j.com/terms/support-terms/)
- Consul: https://endoflife.date/consul (HashiCorp's Support Period and End-of-Life
  Policy: a minor line is supported until the release of the third minor after it)
- Prometheus: https://endoflife.date/prometheus (https://prometheus.io/docs/introduction/release-cycle/)
- Grafana: https://endoflife.date/grafana
  (https://grafana.com/docs/grafana/latest/upgrade-guide/when-to-upgrade/)
- Alertmanager publishes no support period: its maintainers patch the newest minor
  line and, for a while, the one before (0.32.3 came after 0.33.0). A line is taken
  here to end when the line after the next one is released, from the release dates of
  https://github.com/prometheus/alertmanager/blob/main/CHANGELOG.md.

A line newer than the table is not judged (the table is older than it). The table is
data: add a line's date when its project announces it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re

from ansible_collections.mas.platform.plugins.module_utils.spec.kubernetes import phase_order
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import key_path

# service -> ((release line, end of life as YYYY-MM-DD or None while supported), ...),
# newest line first.
END_OF_LIFE = {
    "rabbitmq": (
        ("4.3", None), ("4.2", "2026-07-31"), ("4.1", "2026-01-30"), ("4.0", "2025-04-15"), ("3.13", "2024-09-17"),
        ("3.12", "2024-02-21"), ("3.11", "2023-06-01"), ("3.10", "2022-09-28"), ("3.9", "2023-01-31"), ("3.8", "2022-07-31"),
        ("3.7", "2020-09-30"), ("3.6", "2018-05-31"), ("3.5", "2016-10-31"), ("3.4", "2015-10-31"), ("3.3", "2015-03-31"),
        ("3.2", "2014-10-31"), ("3.1", "2014-04-30"), ("3.0", "2013-11-30"),
    ),
    "redis": (
        ("8.10", None), ("8.8", None), ("8.6", None), ("8.4", None), ("8.2", "2030-09-01"), ("8.0", "2026-12-01"),
        ("7.4", "2029-12-01"), ("7.2", "2029-12-01"), ("7.0", "2024-07-29"), ("6.2", "2027-04-01"), ("6.0", "2022-05-31"),
        ("5.0", "2022-04-27"),
    ),
    "mongodb": (
        ("8.3", "2029-10-31"), ("8.2", "2026-07-31"), ("8.1", "2025-09-30"), ("8.0", "2029-10-31"), ("7.3", "2024-10-02"),
        ("7.2", "2024-03-27"), ("7.1", "2024-01-23"), ("7.0", "2027-08-31"), ("6.3", "2023-08-31"), ("6.2", "2023-04-24"),
        ("6.1", "2023-02-09"), ("6.0", "2025-07-31"), ("5.3", "2022-07-19"), ("5.2", "2022-03-23"), ("5.1", "2022-01-19"),
        ("5.0", "2024-10-31"), ("4.4", "2024-02-29"), ("4.2", "2023-04-30"), ("4.0", "2022-04-30"), ("3.6", "2021-04-30"),
        ("3.4", "2020-01-31"), ("3.2", "2018-09-30"), ("3.0", "2018-02-28"),
    ),
    "neo4j": (
        ("2026.07", None), ("2026.06", "2026-07-30"), ("2026.05", "2026-07-08"), ("2026.04", "2026-05-28"),
        ("2026.03", "2026-04-23"), ("2026.02", "2026-04-02"), ("2026.01", "2026-03-06"), ("2025.12", "2026-02-03"),
        ("2025.11", "2026-01-16"), ("2025.10", "2025-12-19"), ("2025.09", "2025-10-30"), ("2025.08", "2025-09-29"),
        ("2025.07", "2025-08-15"), ("2025.06", "2025-07-31"), ("2025.05", "2025-07-02"), ("2025.04", "2025-06-03"),
        ("2025.03", "2025-04-30"), ("2025.02", "2025-03-27"), ("2025.01", "2025-02-27"), ("5.26", "2028-06-06"),
        ("5.25", "2024-12-06"), ("5.24", "2024-10-31"), ("5.23", "2024-09-27"), ("5.22", "2024-08-22"), ("5.21", "2024-07-24"),
        ("5.20", "2024-06-28"), ("5.19", "2024-05-23"), ("5.18", "2024-04-12"), ("5.17", "2024-03-13"), ("5.16", "2024-02-23"),
        ("5.15", "2024-01-22"), ("5.14", "2023-12-15"), ("5.13", "2023-11-24"), ("5.12", "2023-10-23"), ("5.11", "2023-09-14"),
        ("5.10", "2023-08-15"), ("5.9", "2023-07-19"), ("5.8", "2023-06-15"), ("5.7", "2023-05-16"), ("5.6", "2023-04-20"),
        ("5.5", "2023-03-24"), ("5.4", "2023-02-16"), ("5.3", "2023-01-26"), ("5.2", "2022-12-15"), ("5.1", "2022-11-21"),
        ("4.4", "2025-11-30"), ("4.3", "2022-12-16"), ("4.2", "2022-05-16"), ("4.1", "2021-12-22"), ("4.0", "2021-07-14"),
        ("3.5", "2022-05-27"), ("3.4", "2020-03-31"), ("3.3", "2019-04-28"), ("3.2", "2018-11-30"), ("3.1", "2018-06-13"),
        ("3.0", "2017-10-31"),
    ),
    "consul": (
        ("2.0", None), ("1.22", None), ("1.21", None), ("1.20", "2026-05-24"), ("1.19", "2025-10-27"), ("1.18", "2025-05-06"),
        ("1.17", "2024-10-14"), ("1.16", "2024-06-12"), ("1.15", "2024-02-27"), ("1.14", "2023-11-03"), ("1.13", "2023-06-26"),
        ("1.12", "2023-02-23"), ("1.11", "2022-11-15"), ("1.10", "2022-08-09"), ("1.9", "2022-04-19"), ("1.8", "2021-12-14"),
        ("1.7", "2021-06-22"), ("1.6", "2020-11-24"),
    ),
    "prometheus": (
        ("3.14", "2026-09-30"), ("3.13", "2027-07-31"), ("3.12", "2026-07-09"), ("3.11", "2026-05-14"), ("3.10", "2026-04-08"),
        ("3.9", "2026-02-17"), ("3.8", "2026-01-09"), ("3.7", "2025-11-26"), ("3.6", "2025-11-02"), ("3.5", "2026-07-31"),
        ("3.4", "2025-06-28"), ("3.3", "2025-05-27"), ("3.2", "2025-03-31"), ("3.1", "2025-02-13"), ("3.0", "2024-12-26"),
        ("2.55", "2024-12-03"), ("2.54", "2024-09-20"), ("2.53", "2025-07-31"), ("2.52", "2024-06-19"), ("2.51", "2024-04-30"),
        ("2.50", "2024-04-04"), ("2.49", "2024-02-26"), ("2.48", "2023-12-28"), ("2.47", "2023-10-18"), ("2.46", "2023-09-05"),
        ("2.45", "2024-07-31"), ("2.44", "2023-08-06"), ("2.43", "2023-05-02"), ("2.42", "2023-03-14"), ("2.41", "2023-01-31"),
        ("2.40", "2022-12-19"), ("2.39", "2022-11-16"), ("2.38", "2022-09-27"), ("2.37", "2023-07-31"), ("2.36", "2022-07-11"),
    ),
    "grafana": (
        ("13.2", "2027-05-18"), ("13.1", "2027-03-20"), ("13.0", "2027-01-09"), ("12.4", "2027-05-24"), ("12.3", "2026-08-19"),
        ("12.2", "2026-06-23"), ("12.1", "2026-04-22"), ("12.0", "2026-02-05"), ("11.6", "2026-06-25"), ("11.5", "2025-10-28"),
        ("11.4", "2025-09-05"), ("11.3", "2025-07-22"), ("11.2", "2025-05-27"), ("11.1", "2025-04-23"), ("11.0", "2025-02-14"),
        ("10.4", "2025-06-05"), ("10.3", "2024-10-23"), ("10.2", "2024-07-24"), ("10.1", "2024-01-23"), ("10.0", "2023-10-24"),
        ("9.5", "2024-05-14"), ("9.4", "2023-06-09"), ("9.3", "2023-04-06"), ("9.2", "2023-02-27"), ("9.1", "2022-11-29"),
        ("9.0", "2022-10-11"), ("8", "2023-06-09"), ("7", "2022-06-14"), ("6", "2021-06-08"),
    ),
    "alertmanager": (
        ("0.34", None), ("0.33", None), ("0.32", "2026-08-16"), ("0.31", "2026-06-12"), ("0.30", "2026-04-08"),
        ("0.29", "2026-02-02"), ("0.28", "2025-12-15"), ("0.27", "2025-11-01"), ("0.26", "2025-01-15"), ("0.25", "2024-02-28"),
        ("0.24", "2023-08-23"), ("0.23", "2022-12-22"), ("0.22", "2022-03-24"),
    ),
}
NAMES = {"rabbitmq": "RabbitMQ", "redis": "Redis", "mongodb": "MongoDB", "neo4j": "Neo4j", "consul": "Consul",
         "prometheus": "Prometheus", "grafana": "Grafana", "alertmanager": "Alertmanager"}


def _key(line):
    return tuple(int(part) for part in line.split("."))


def end_of_life(service, version):
    """(release line, end-of-life date) of a version whose line's support has a known end;
    (line, None) while it is supported; None when the table cannot tell."""
    match = re.fullmatch(r"([0-9]{1,9})\.([0-9]{1,9})(\.[0-9]{1,9})?", version or "")
    table = END_OF_LIFE.get(service)
    if not match or not table:
        return None
    major, minor = int(match.group(1)), int(match.group(2))
    lines = dict(table)
    # "3.12", a calendar line such as Neo4j's "2025.01", or a major line such as Grafana's "8".
    for line in ("%d.%d" % (major, minor), "%d.%02d" % (major, minor), "%d" % major):
        if line in lines:
            return line, _date(lines[line])
    oldest, date = table[-1]
    if (major, minor) < _key(oldest) and date:
        return "%d.%d" % (major, minor), _date(date)
    return None


def _date(text):
    return datetime.date(*[int(part) for part in text.split("-")]) if text else None


def check_lifecycle(cleaned, findings, today=None):
    """Warn about each core service whose release line's upstream support has ended."""
    today = today or datetime.date.today()
    core = cleaned.get("core_services") or {}
    for phase in phase_order(core):
        for name, body in core[phase].items():
            found = end_of_life(name, body.get("version"))
            if not found or found[1] is None or found[1] >= today:
                continue
            line, date = found
            findings.warning(key_path("core_services.%s.%s" % (phase, name), "version"),
                             "%s %s belongs to the %s %s line, whose upstream support ended on %s: it gets no security "
                             "fixes; move to a supported line (module_utils/preflight/lifecycle.py lists them)" % (
                                 NAMES.get(name, name), body["version"], NAMES.get(name, name), line, date.isoformat()))
