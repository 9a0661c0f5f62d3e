"""The 2023 procedure's rules across an audit definition's fields.

Each rule belongs to one field of AuditDefinition and reads it with fields declared before it, from `data`
(pydantic's ValidationInfo.data: the fields validated so far, a field that failed being absent). So a bad
field elsewhere hides no rule, and a rule whose fields are not all valid is left out. A rule gives the
(field, problem) pairs it finds.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from maa.audit.panel import panel_rule
from maa.audit.timetable import build_timetable

HARD_LIMIT_WEEKS = 8
CASE_AUDITS = ("MACA", "MATA")  # the audit types that have cases; a PAA has areas and a period instead

Problems = list[tuple[str, str]]


def _theme(theme: str | None, data: Mapping[str, Any]) -> Problems:
    return [("theme", "required for a MATA")] if data.get("type") == "MATA" and not theme else []


def _nominating_agency(code: str | None, data: Mapping[str, Any]) -> Problems:
    audit_type = data.get("type")
    if audit_type == "PAA" and code is not None:
        return [("nominating_agency", "a PAA has no cases to nominate")]
    if audit_type == "MACA" and code is None:
        return [("nominating_agency", "required for a MACA")]
    return []


def _methods(methods: list[str] | None, data: Mapping[str, Any]) -> Problems:
    """A MATA without nominated cases says how it gathers its evidence; only a MATA lists methods."""
    audit_type = data.get("type")
    if methods is not None and audit_type in ("MACA", "PAA"):
        return [("methods", "only a MATA lists its methods")]
    if audit_type == "MATA" and "nominating_agency" in data and data["nominating_agency"] is None and not methods:
        return [("methods", "required for a MATA without a nominating_agency (a thematic audit without nominated "
                            "cases): how its evidence is gathered, e.g. [focus groups, policy review]")]
    return []


def _agencies(agencies: list[Any], data: Mapping[str, Any]) -> Problems:
    code = data.get("nominating_agency")
    if code is not None and code not in {a.code for a in agencies}:
        return [("nominating_agency", f"{code!r} is not one of the agencies")]
    return []


def _areas(areas: list[str] | None, data: Mapping[str, Any]) -> Problems:
    return [("areas", "only a PAA has areas")] if areas is not None and data.get("type") in CASE_AUDITS else []


def _period(period: Any, data: Mapping[str, Any]) -> Problems:
    audit_type = data.get("type")
    if audit_type == "PAA" and period is None:
        return [("period", "required for a PAA: the period audited")]
    if audit_type in CASE_AUDITS and period is not None:
        return [("period", "only a PAA has a period")]
    return []


def _timescale_reason(reason: str | None, data: Mapping[str, Any]) -> Problems:
    timescale = data.get("timescale")
    if timescale is None:
        return []
    problems = []
    to_deadline = timescale.notice + timescale.agency_audit
    if to_deadline > HARD_LIMIT_WEEKS:
        problems.append(("timescale", f"notice + agency_audit is {to_deadline} weeks; the 2023 procedure allows "
                                      "no more than 8, whatever the reason"))
    if not reason:
        problems += [(f, p + " (give timescale_reason if partners mandated it)") for f, p in timescale.out_of_bounds()]
    return problems


def _extensions(extensions: dict[str, Any], data: Mapping[str, Any]) -> Problems:
    agencies, start, timescale = data.get("agencies"), data.get("start"), data.get("timescale")
    deadline = build_timetable(start, timescale)["submission_deadline"] if start and timescale else None
    problems = []
    for code, extended in extensions.items():
        if agencies is not None and code not in {a.code for a in agencies}:
            problems.append((f"extensions.{code}", "not one of the agencies"))
        elif deadline is not None and extended < deadline:
            problems.append((f"extensions.{code}", f"{extended} is before the submission deadline {deadline}"))
    return problems


# field -> its rule
RULES: dict[str, Callable[[Any, Mapping[str, Any]], Problems]] = {
    "theme": _theme, "nominating_agency": _nominating_agency, "methods": _methods, "agencies": _agencies,
    "areas": _areas, "period": _period, "panel": panel_rule, "timescale_reason": _timescale_reason,
    "extensions": _extensions,
}
