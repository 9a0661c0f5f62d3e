"""The Business Unit registers an audit on a form: the form becomes a definition file in the audits folder,
validated exactly as `maa check` validates one, and the audit's DAG appears at the next parse. Every problem is
found in one pass and named by the label its field has on the form."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from maa import config
from maa.audit.clock import now
from maa.audit.definitions import (
    AuditDefinition,
    AuditType,
    DefinitionError,
    definition_files,
    load_all,
    parse_definition,
)
from maa.audit.timetable import MILESTONE_LABELS

TIMESCALE_FIELDS = ("notice", "agency_audit", "review", "chair_report", "signoff", "impact_review_months")
AGENCY_LINE_HELP = "one agency a line: CODE | Agency name | Coordinator's name | coordinator's email"
# Each form field's label, as the form shows it and as its problems are listed.
FIELD_LABELS = {
    "ref": "Reference", "type": "Type", "title": "Title", "theme": "Theme", "start": "Start (the notice date)",
    "period_from": "PAA only: period audited, from", "period_to": "PAA only: period audited, to",
    "chair_name": "Chair's name", "chair_email": "Chair's email", "business_unit": "Business Unit mailbox",
    "concerns_to": "Safeguarding concerns to", "qiip": "QiiP's emails",
    "nominating_agency": "Nominating agency (MACA and MATA)", "agencies": "Agencies",
    "notice": "Notice (weeks)", "agency_audit": "Agencies' audit (weeks)", "review": "Review (weeks)",
    "chair_report": "Chair's report (weeks)", "signoff": "Sign-off (weeks)",
    "impact_review_months": "Impact review after (months)",
    "timescale_reason": "Reason for a timescale outside the procedure's bounds",
    "late_grace_days": "Working days a late return is still accepted",
    "retention_days": "Days after the audit ended (approved, withdrawn or its run over) before files are purged",
}
# A definition's problem names its fields by their keys; on the form they read as the form words them.
_KEYS_IN_WORDS = {"notice + agency_audit": "the notice and the agencies' audit together",
                  "agency_audit": "the agencies' audit", "timescale_reason": "a reason for the timescale"}
_KEY = re.compile("|".join(re.escape(key) for key in _KEYS_IN_WORDS))


@dataclass
class Registration:
    """What the form posted, as text, so a refused form comes back as it was typed."""

    values: dict[str, str]
    problems: dict[str, list[str]] = field(default_factory=dict)  # form field -> what is wrong
    agency_lines: list[int] = field(default_factory=list)  # the form's line of each agency read

    def refuse(self, form_field: str, problem: str) -> None:
        self.problems.setdefault(form_field, []).append(problem)

    def value(self, name: str) -> str:
        return self.values.get(name, "").strip()

    def listed(self) -> list[tuple[str, str, list[str]]]:
        """(field, its label, its problems) in the form's order, for the list above the form."""
        order = list(FIELD_LABELS)
        return [(name, FIELD_LABELS.get(name, name), self.problems[name])
                for name in sorted(self.problems, key=lambda n: order.index(n) if n in order else len(order))]


def form_defaults(definitions: list[AuditDefinition], today: date) -> dict[str, str]:
    """A new form starts from the latest audit's mailboxes and agencies: the same partnership, mostly."""
    values = {"type": "MATA", "start": today.isoformat()}
    if definitions:
        latest = max(definitions, key=lambda d: d.start)
        values |= {
            "business_unit": latest.business_unit.email,
            "qiip": "\n".join(latest.qiip.emails),
            # The form registers audits with cases (a thematic one without is written as a file, with its
            # methods): the nominating agency comes from the latest audit that had one.
            "nominating_agency": next((d.nominating_agency for d in sorted(definitions, key=lambda d: d.start,
                                                                           reverse=True) if d.nominating_agency), ""),
            "agencies": "\n".join(f"{a.code} | {a.name} | {a.coordinator.name} | {a.coordinator.email}"
                                  for a in latest.agencies),
        }
    return values


def milestones(definition: AuditDefinition) -> list[tuple[str, date]]:
    """The new audit's dates, said on the page that registered it."""
    return [(MILESTONE_LABELS[name], day) for name, day in definition.timetable.dates.items()]


def _agencies(registration: Registration) -> list[dict[str, Any]]:
    agencies = []
    for number, line in enumerate(registration.value("agencies").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) != 4 or not all(parts):
            registration.refuse("agencies", f"line {number}: {AGENCY_LINE_HELP}")
            continue
        code, name, person, email = parts
        agencies.append({"code": code, "name": name, "coordinator": {"name": person, "email": email}})
        registration.agency_lines.append(number)
    return agencies


def _whole_number(registration: Registration, name: str) -> int | None:
    text = registration.value(name)
    if not text:
        return None
    if not (text.isascii() and text.isdecimal()):
        registration.refuse(name, f"{text!r} is not a whole number")
        return None
    return int(text)


def definition_from(registration: Registration) -> dict[str, Any]:
    """The definition's fields, leaving out what was left blank (the type's defaults apply)."""
    value = registration.value
    data: dict[str, Any] = {
        "ref": value("ref"), "type": value("type"), "title": value("title"), "theme": value("theme") or None,
        "start": value("start"), "status": "active",
        "chair": {"name": value("chair_name"), "email": value("chair_email")},
        "business_unit": {"email": value("business_unit")},
        "qiip": {"emails": [e.strip() for e in value("qiip").replace(",", "\n").splitlines() if e.strip()]},
        # A PAA has no cases: the field, filled for the last case audit, is not held against it.
        "nominating_agency": (value("nominating_agency") or None) if value("type") != AuditType.PAA else None,
        "agencies": _agencies(registration),
        "timescale": {name: number for name in TIMESCALE_FIELDS
                      if (number := _whole_number(registration, name)) is not None},
        "timescale_reason": value("timescale_reason") or None,
    }
    if value("concerns_to"):
        data["concerns_to"] = {"email": value("concerns_to")}
    if value("period_from") or value("period_to"):
        data["period"] = {"from": value("period_from"), "to": value("period_to")}
    for name in ("late_grace_days", "retention_days"):
        if (number := _whole_number(registration, name)) is not None:
            data[name] = number
    return {k: v for k, v in data.items() if v not in (None, {}, [])}


def _form_field(definition_field: str) -> str:
    """Where on the form a definition's field was typed ('agencies.2.coordinator.email' -> agencies)."""
    first = definition_field.split(".")[0]
    if first == "chair":
        return f"chair_{definition_field.split('.')[1]}" if "." in definition_field else "chair_name"
    if first == "period":
        return "period_to" if definition_field.endswith(".to") else "period_from"
    if first in TIMESCALE_FIELDS or first == "timescale":
        return definition_field.split(".")[-1] if "." in definition_field else "notice"
    return first  # qiip, business_unit, concerns_to, agencies, ... are the form's own names


def _describe(registration: Registration, definition_field: str, problem: str) -> str:
    parts = definition_field.split(".")
    if parts[0] == "agencies" and len(parts) > 1 and parts[1].isdigit() \
            and int(parts[1]) < len(registration.agency_lines):
        problem = f"line {registration.agency_lines[int(parts[1])]}: {' '.join(parts[2:]) or 'agency'}: {problem}"
    return _KEY.sub(lambda key: _KEYS_IN_WORDS[key.group()], problem)


def register(registration: Registration, author: str, audits_folder: Path | None = None,
             before_writing: Callable[[AuditDefinition], None] | None = None) -> Path | None:
    """Write `<REF>.yaml` when the form is a valid definition whose ref is new; else None, with the
    problems recorded against the form's fields. `before_writing` gets the definition first (the pages
    make its coordinators' roles there)."""
    folder = audits_folder or config.audits_dir()
    data = definition_from(registration)
    ref = data.get("ref", "")
    target = folder / f"{ref}.yaml"
    text = (f"# Registered on the audit pages by {author} on {now():%d %B %Y}.\n"
            + yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    try:
        definition = parse_definition(target, text)
    except DefinitionError as error:
        for definition_field, problem in error.problems:
            registration.refuse(_form_field(definition_field), _describe(registration, definition_field, problem))
    taken = {d.ref.casefold(): path for path, d in load_all(definition_files(folder)).definitions.items()} | \
        {p.stem.casefold(): p for p in folder.glob("*.y*ml")}
    if ref and ref.casefold() in taken:  # said beside the form's other problems, not after they are put right
        registration.refuse("ref", f"{ref} is already used by {taken[ref.casefold()].name}")
    if registration.problems:
        return None
    if before_writing is not None:
        before_writing(definition)
    folder.mkdir(parents=True, exist_ok=True)
    descriptor, partial = tempfile.mkstemp(dir=folder, prefix=f".{ref}.", suffix=".partial")
    with os.fdopen(descriptor, "w", encoding="utf-8") as written:
        written.write(text)
    os.chmod(partial, 0o644)  # a definition holds no personal data; every Airflow service reads it
    try:
        os.link(partial, target)  # fails rather than replace a file registered meanwhile
    except FileExistsError:
        registration.refuse("ref", f"{ref} was registered a moment ago by someone else")
        return None
    finally:
        os.unlink(partial)
    return target
