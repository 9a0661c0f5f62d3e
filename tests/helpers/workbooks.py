"""Real agency return workbooks for tests, built with openpyxl from the pipeline's own template."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from maa.audit.definitions import AuditDefinition
from maa.preparation.return_template import write_return_template

OVERVIEW = {
    "completed_by": "Sam Officer",
    "completed_by_email": "sam.officer@agency.example.org",
    "nominated_practitioner": "Pat Practitioner",
    "nominated_practitioner_email": "pat.practitioner@agency.example.org",
    "summary": "Agencies shared information well; planning drifted after the first review.",
}


def completed_return(definition: AuditDefinition, code: str, case_refs: list[str], tmp: Path, *,
                     overview: dict[str, str] | None = None, cells: dict[str, object] | None = None,
                     concerns: list[tuple[str, str]] = (), extra_sheet: bool = False) -> bytes:
    """A return as a careful coordinator completes it; `cells` then overwrites Findings cells (e.g. {"D5": ...})."""
    template = write_return_template(definition, code, case_refs, tmp / f"template-{code}.xlsx")
    workbook = load_workbook(template)
    sheet = workbook["Overview"]
    values = {**OVERVIEW, **(overview or {})}
    for row in sheet.iter_rows(min_row=2):
        if row[0].value in values:
            row[1].value = values[row[0].value]
    findings = workbook["Findings"]
    grade_column = 2 if findings["A1"].value in ("area", "domain") else 3
    for number, row in enumerate(findings.iter_rows(min_row=2), start=2):
        row[grade_column - 1].value = "Good" if number % 4 else "not involved"
        if number % 4:
            row[grade_column].value = f"Timely joint visits (row {number})."
            row[grade_column + 2].value = "Keep the joint chronology."
    for reference, value in (cells or {}).items():
        findings[reference] = value
    if concerns:
        sheet = workbook.create_sheet("Concerns")
        sheet.append(["case_ref", "concern"])
        for concern in concerns:
            sheet.append(list(concern))
    if extra_sheet:
        workbook.create_sheet("Our notes").append(["anything", "the agency kept for itself"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def with_macros(data: bytes) -> bytes:
    return _add_member(data, "xl/vbaProject.bin", b"\x00" * 64)


def zip_bomb(data: bytes) -> bytes:
    """A valid workbook carrying a member that expands to 200 MiB from a few hundred KiB."""
    return _add_member(data, "xl/media/padding.bin", b"\x00" * (200 * 1024 * 1024))


def _add_member(data: bytes, name: str, content: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            target.writestr(member, source.read(member))
        target.writestr(name, content)
    return buffer.getvalue()


ENCRYPTED = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 1024  # what Excel writes for a password-protected file


THEMES = [
    ("Drift after the first review", "Core groups lost pace once the first review passed.",
     "Timely strategy discussions.", "Circulate core group actions within two days."),
    ("Escalation when plans stall", "Practitioners noticed drift but did not escalate.",
     "Concerns were logged early.", "Treat escalation as normal practice."),
]
ACTIONS = [
    ("A1", "Circulate core group actions within two working days", "CSC", "2026-11-30", "RR-2025-07",
     "Drift after the first review"),
    ("A2", "Remind designated leads of the escalation policy each term", "EDU", "2027-01-29", "RR-2024-11",
     "Escalation when plans stall"),
]


def chair_analysis(definition: AuditDefinition, tmp: Path, themes=THEMES, actions=ACTIONS) -> bytes:
    """The chair's analysis, written into the template the pipeline sends with the briefing."""
    from maa.preparation.return_template import write_analysis_template

    workbook = load_workbook(write_analysis_template(definition, tmp / "analysis-template.xlsx"))
    for theme in themes:
        workbook["Themes"].append(list(theme))
    for action in actions:
        workbook["Actions"].append(list(action))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
