"""Further attendees of the findings meeting, named in the return's Overview sheet beside the nominated
practitioner: rows `attendee_1` ... `attendee_9`, each `name; role; email` (practitioners, managers,
subject-matter experts, strategic leads). They are invited with the practitioners and, when they attend,
receive the final report. A name or role that names a nominated child is refused like narrative.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from maa.audit.definitions import EMAIL_PATTERN
from maa.intake.checks import ROW, Check, Problem, expect, run_checks
from maa.intake.xlsx import IdentifierMatcher, Table, narrative_checks, narrative_flag_columns, narrative_flags
from maa.outputs.store import Store
from maa.preparation.return_template import ATTENDEE_FIELDS

MAX_NAME = 300
MAX_ROLE = 100
SHAPE = 'write "name; role; email": three parts separated by ";", such as "Sam Patel; Team manager; sam@example.org"'


@dataclass(frozen=True)
class Attendee:
    position: int  # n of attendee_n
    name: str
    role: str
    email: str


def check_attendees(table: Table, practitioner_email: str,
                    matcher: IdentifierMatcher) -> tuple[list[Problem], list[Attendee]]:
    """Every problem with the attendee rows (sheet, row and cell named), or the attendees they list."""
    import pandas as pd

    problems: list[Problem] = []
    attendees: list[Attendee] = []
    frame_rows = []
    for number, row in table.rows:
        field = row.get("field", "").strip().lower()
        value = row.get("value", "").strip()
        if field not in ATTENDEE_FIELDS or not value:
            continue
        parts = [p.strip() for p in value.split(";")]
        if len(parts) != 3:
            problems.append(Problem(number, field, SHAPE, "Overview", table.cell("value", number)))
            continue
        name, role, email = parts
        attendees.append(Attendee(int(field.removeprefix("attendee_")), name, role, email))
        frame_rows.append({
            ROW: number, "field": field, "name": name or None, "role": role or None, "email": email or None,
            "email_key": email.casefold(), **narrative_flags({"name": name, "role": role}, ("name", "role"), matcher),
        })
    if not frame_rows:
        return problems, [] if problems else attendees
    frame = pd.DataFrame(frame_rows, columns=[ROW, "field", "name", "role", "email", "email_key"]
                         + narrative_flag_columns(("name", "role")))
    checks = [
        Check(expect("ExpectColumnValuesToNotBeNull", column="name"), "the attendee's name is empty", "name"),
        Check(expect("ExpectColumnValuesToNotBeNull", column="role"),
              "the attendee's role is empty (practitioner, manager, subject-matter expert, strategic lead, ...)",
              "role"),
        Check(expect("ExpectColumnValuesToNotBeNull", column="email"), "the attendee's email is empty", "email"),
        Check(expect("ExpectColumnValuesToMatchRegex", column="email", regex=EMAIL_PATTERN),
              "the attendee's email is not a valid email address", "email"),
        Check(expect("ExpectColumnValuesToBeUnique", column="email_key"),
              "the same email is given for more than one attendee", "email"),
        Check(expect("ExpectColumnValuesToNotBeInSet", column="email_key", value_set=[practitioner_email.casefold()]),
              "this is the nominated practitioner's email: list each person once", "email"),
        *narrative_checks(("name",), MAX_NAME),
        *narrative_checks(("role",), MAX_ROLE),
    ]
    fields = {r[ROW]: r["field"] for r in frame_rows}
    for problem in run_checks(frame, checks):
        message = problem.message if problem.message.startswith(("the ", "this ")) else (
            f"the attendee's {problem.column}: {problem.message}")
        problems.append(Problem(problem.row, fields.get(problem.row or 0), message, "Overview",
                                table.cell("value", problem.row)))
    return problems, [] if problems else attendees


def save_return_attendees(store: Store, ref: str, agency_code: str, attendees: Sequence[Attendee]) -> None:
    """The attendees an accepted return lists, replacing those of the agency's earlier return."""
    table = store.table("meeting_attendees")
    with store.begin() as connection:
        connection.execute(sa.delete(table).where(table.c.audit_ref == ref, table.c.agency_code == agency_code))
        if attendees:
            connection.execute(sa.insert(table), [
                {"audit_ref": ref, "agency_code": agency_code, "position": a.position, "name": a.name,
                 "role": a.role, "email": a.email} for a in attendees])


def return_attendees(store: Store, ref: str) -> dict[str, list[Attendee]]:
    """Each agency's listed attendees, in the order of their rows."""
    table = store.table("meeting_attendees")
    query = sa.select(table).where(table.c.audit_ref == ref).order_by(table.c.agency_code, table.c.position)
    found: dict[str, list[Attendee]] = defaultdict(list)
    with store.connect() as connection:
        for row in connection.execute(query):
            found[row.agency_code].append(Attendee(row.position, row.name, row.role, row.email))
    return found
