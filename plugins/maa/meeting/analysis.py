"""The chair's analysis: a workbook of themes and actions, and an optional narrative in Markdown.

Validated like the agencies' returns (hostile files refused before loading,
Great Expectations on flags, no child's identifiers in any text): owner agencies
belong to the audit, review refs exist in the review findings register, and
actions fall due after the sign-off date.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from maa.audit.definitions import AuditDefinition
from maa.intake.checks import ROW, Check, Problem, expect, run_checks
from maa.intake.xlsx import (
    IdentifierMatcher,
    Refused,
    Table,
    narrative_checks,
    narrative_flags,
    open_workbook,
    read_required,
)
from maa.meeting.narrative import check_narrative, markdown_to_safe_html, narrative_text
from maa.meeting.registers import ReviewRegister
from maa.preparation.nominations import Nominee

THEMES_COLUMNS = ("theme", "finding", "strengths", "areas_for_development")
ACTIONS_COLUMNS = ("action_id", "action", "owner_agency", "due_date", "review_refs", "theme")
ACTION_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"
MAX_TEXT = 4000


@dataclass
class AnalysisResult:
    problems: list[Problem] = field(default_factory=list)
    themes: list[dict[str, str]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)
    narrative_html: str = ""

    @property
    def accepted(self) -> bool:
        return not self.problems

    def reasons(self) -> list[str]:
        return [str(p) for p in self.problems]


def split_refs(text: str) -> list[str]:
    return [ref.strip() for ref in text.split(";") if ref.strip()]


def check_analysis(definition: AuditDefinition, data: bytes, narrative: bytes | str | None,
                   register: ReviewRegister, children: list[Nominee]) -> AnalysisResult:
    """The workbook's bytes and the narrative's, checked as one analysis.

    The narrative should be the file's bytes (what is archived and rendered). Text is checked as its UTF-8:
    text decoded with replacement holds U+FFFD wherever the file was not UTF-8, which the check refuses.
    """
    if isinstance(narrative, str):
        narrative = narrative.encode("utf-8", "surrogatepass")
    result = AnalysisResult()
    try:
        workbook = open_workbook(data)
        problems: list[Problem] = []
        try:
            themes = read_required(workbook, "Themes", problems)
            actions = read_required(workbook, "Actions", problems)
        finally:
            workbook.close()
    except Refused as refused:
        result.problems = refused.problems
        return result
    matcher = IdentifierMatcher(children)
    if themes is not None:
        problems += themes.missing_columns(THEMES_COLUMNS) or _check_themes(themes, matcher)
    if actions is not None:
        problems += actions.missing_columns(ACTIONS_COLUMNS) or _check_actions(definition, actions, register, matcher)
    if narrative is not None:
        problems += check_narrative(narrative, matcher)
    result.problems = sorted(problems, key=lambda p: (p.sheet or "", p.row or 0, p.line or 0, p.column or "",
                                                      p.message))
    if not result.problems and themes is not None and actions is not None:  # a missing sheet is a problem
        result.themes = [{c: row.get(c, "") for c in THEMES_COLUMNS} for _, row in themes.rows]
        result.actions = [_action(row) for _, row in actions.rows]
        result.narrative_html = markdown_to_safe_html(narrative_text(narrative)) if narrative else ""
    return result


def _action(row: dict[str, str]) -> dict[str, Any]:
    return {"action_id": row["action_id"], "action": row["action"], "owner_agency": row["owner_agency"].upper(),
            "due_date": date.fromisoformat(row["due_date"][:10]),
            "review_refs": ";".join(split_refs(row["review_refs"])), "theme": row.get("theme", "")}


def _located(table: Table, problems: list[Problem]) -> list[Problem]:
    return [Problem(p.row, p.column, p.message, table.sheet, table.cell(p.column or "", p.row)) for p in problems]


def _check_themes(table: Table, matcher: IdentifierMatcher) -> list[Problem]:
    import pandas as pd

    if not table.rows:
        return [Problem(None, None, "no themes: at least one row is needed", table.sheet)]
    frame = pd.DataFrame([{ROW: n, "theme": row.get("theme") or None, "finding": row.get("finding") or None,
                           **narrative_flags(row, THEMES_COLUMNS, matcher)} for n, row in table.rows])
    checks = [
        Check(expect("ExpectColumnValuesToNotBeNull", column="theme"), "theme is empty", "theme"),
        Check(expect("ExpectColumnValuesToNotBeNull", column="finding"), "finding is empty", "finding"),
        *narrative_checks(THEMES_COLUMNS, MAX_TEXT),
    ]
    return _located(table, run_checks(frame, checks, sheet=table.sheet))


def _check_actions(definition: AuditDefinition, table: Table, register: ReviewRegister,
                   matcher: IdentifierMatcher) -> list[Problem]:
    import pandas as pd

    if not table.rows:
        return []
    signoff_due = definition.timetable["signoff_due"]
    codes = {a.code.upper() for a in definition.agencies}
    known = {ref.casefold() for ref in register.refs()}
    rows = []
    for number, row in table.rows:
        due = _date(row.get("due_date", ""))
        refs = split_refs(row.get("review_refs", ""))
        rows.append({
            ROW: number,
            "action_id": row.get("action_id") or None,
            "action": row.get("action") or None,
            "owner_agency": row.get("owner_agency", "").upper() or None,
            "due_date": due is not None,
            "due_after_signoff": due is None or due > signoff_due,
            "review_refs": all(ref.casefold() in known for ref in refs),
            **narrative_flags(row, ("action", "theme"), matcher),
        })
    frame = pd.DataFrame(rows)
    register_hint = "" if register.exists else f" (no register at {register.path})"
    checks = [
        Check(expect("ExpectColumnValuesToNotBeNull", column="action_id"), "action_id is empty", "action_id"),
        Check(expect("ExpectColumnValuesToMatchRegex", column="action_id", regex=ACTION_ID_PATTERN),
              "action_id must be letters, digits, '.', '_' or '-' (up to 40)", "action_id"),
        Check(expect("ExpectColumnValuesToBeUnique", column="action_id"), "the same action_id appears twice",
              "action_id"),
        Check(expect("ExpectColumnValuesToNotBeNull", column="action"), "action is empty", "action"),
        Check(expect("ExpectColumnValuesToBeInSet", column="owner_agency", value_set=sorted(codes)),
              "not one of this audit's agencies (" + ", ".join(sorted(codes)) + ")", "owner_agency"),
        Check(expect("ExpectColumnValuesToBeInSet", column="due_date", value_set=[True]),
              "not a date (YYYY-MM-DD)", "due_date"),
        Check(expect("ExpectColumnValuesToBeInSet", column="due_after_signoff", value_set=[True]),
              f"must fall after the sign-off date, {signoff_due:%d %B %Y}", "due_date"),
        Check(expect("ExpectColumnValuesToBeInSet", column="review_refs", value_set=[True]),
              "names a review not in the review findings register" + register_hint, "review_refs"),
        *narrative_checks(("action", "theme"), MAX_TEXT),
    ]
    return _located(table, run_checks(frame, checks, sheet=table.sheet))


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10]) if re.match(r"^\d{4}-\d{2}-\d{2}", text.strip()) else None
    except ValueError:
        return None
