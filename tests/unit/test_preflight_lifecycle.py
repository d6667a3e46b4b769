"""Core service versions past their upstream end of life warn, naming the line and the date
(module_utils/preflight/lifecycle.py, dated table of 2026-08-22; today is 2026-12-07)."""

import datetime

import pytest

from ansible_collections.mas.platform.plugins.module_utils.preflight.lifecycle import check_lifecycle, end_of_life, END_OF_LIFE
from ansible_collections.mas.platform.plugins.module_utils.preflight.run import run_preflight
from ansible_collections.mas.platform.plugins.module_utils.spec.schema import Findings

TODAY = datetime.date(2026, 12, 7)
PHASE = {"consul": "1_infrastructure", "rabbitmq": "1_infrastructure", "prometheus": "1_infrastructure",
         "alertmanager": "1_infrastructure", "grafana": "1_infrastructure", "mongodb": "2_databases", "neo4j": "2_databases",
         "redis": "2_databases"}


def _warnings(spec, today=TODAY):
    findings = Findings()
    check_lifecycle({"core_services": spec["core_services"]}, findings, today=today)
    return findings.warnings


@pytest.mark.parametrize("service, version, line, date", [
    # The seed's versions: every one of them is past its line's end of life.
    ("consul", "1.9.0", "1.9", "2022-04-19"),
    ("rabbitmq", "3.12.0", "3.12", "2024-02-21"),
    ("prometheus", "2.45.0", "2.45", "2024-07-31"),
    ("grafana", "10.0.0", "10.0", "2023-10-24"),
    ("mongodb", "6.0.0", "6.0", "2025-07-31"),
    ("neo4j", "5.11.0", "5.11", "2023-09-14"),
    ("redis", "7.0.0", "7.0", "2024-07-29"),
    ("alertmanager", "0.26.0", "0.26", "2025-01-15"),
    # Recent lines whose support has ended by now.
    ("redis", "8.0.2", "8.0", "2026-12-01"),
    ("prometheus", "3.14.0", "3.14", "2026-09-30"),
    ("neo4j", "2025.01.0", "2025.01", "2025-02-27"),
    ("grafana", "8.5.27", "8", "2023-06-09"),
    ("consul", "1.2.0", "1.2", "2020-11-24"),  # older than the table: at least since its oldest line
    # Supported lines, and lines the table does not know: no warning.
    ("rabbitmq", "4.3.5", None, None), ("redis", "7.2.16", None, None), ("redis", "9.0.0", None, None),
    ("mongodb", "8.0.29", None, None), ("neo4j", "5.26.29", None, None), ("neo4j", "2026.07.1", None, None),
    ("consul", "1.22.7", None, None), ("consul", "2.1.0", None, None), ("prometheus", "3.13.2", None, None),
    ("grafana", "12.4.9", None, None), ("alertmanager", "0.34.0", None, None), ("mongodb", "4.1.13", None, None),
])
def test_a_version_past_its_end_of_life_warns(production_spec, service, version, line, date):
    production_spec["core_services"][PHASE[service]][service]["version"] = version
    warnings = _warnings(production_spec)
    if line is None:
        assert warnings == []
        return
    assert len(warnings) == 1, warnings
    assert warnings[0]["path"] == "core_services.%s.%s.version" % (PHASE[service], service)
    assert "%s line, whose upstream support ended on %s" % (line, date) in warnings[0]["message"]


def test_support_ends_after_the_end_of_life_day(production_spec):
    production_spec["core_services"]["2_databases"]["redis"]["version"] = "8.0.1"
    assert _warnings(production_spec, today=datetime.date(2026, 12, 1)) == []
    assert len(_warnings(production_spec, today=datetime.date(2026, 12, 2))) == 1


def test_the_shipped_versions_are_supported_today(production_spec):
    assert _warnings(production_spec, today=datetime.date.today()) == []
    assert run_preflight(production_spec)["warnings"] == []


def test_the_table_is_well_formed():
    for service, lines in END_OF_LIFE.items():
        names = [line for line, _date in lines]
        assert len(names) == len(set(names)), service
        for line, date in lines:
            assert end_of_life(service, line + ".0")[0] == line
            if date is not None:
                datetime.date.fromisoformat(date)
