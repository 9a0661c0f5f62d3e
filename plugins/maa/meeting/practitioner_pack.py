"""The practitioner pack at the deadline (invitation, agenda, every accepted return by case ref) and
its addendum for returns accepted late. Case refs only: it goes to practitioners and the chair.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from maa import config
from maa.audit.definitions import AuditDefinition
from maa.audit.findings_meeting import FindingsMeeting, MeetingPart
from maa.meeting.invitees import invitees
from maa.outputs import rendering
from maa.outputs.mailer import OFFICIAL, Email, Mailer
from maa.outputs.store import Store
from maa.returns.receiving import ACCEPTED

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AgendaItem:
    part: str
    when: MeetingPart
    what: str


def agenda(meeting: FindingsMeeting) -> list[AgendaItem]:
    """The day as the definition's `meeting:` holds it (the 2021 process's by default)."""
    items = [AgendaItem(f"Part 1 ({_hours(meeting.part1)})", meeting.part1,
                        "Each agency's nominated practitioner presents the agency's return and takes questions from "
                        "the chair and the other agencies; first themes and areas of focus noted.")]
    if meeting.break_time is not None:
        items.append(AgendaItem("Break", meeting.break_time, ""))
    items.append(AgendaItem(f"Part 2 ({_hours(meeting.part2)})", meeting.part2,
                            "Open discussion of the learning, the audit findings and the key questions; the "
                            "framework of the chair's analysis report and its key findings."))
    return items


def _hours(part: MeetingPart) -> str:
    return f"{part.hours:g} hour{'' if part.hours == 1 else 's'}"


def report_basics(definition: AuditDefinition, rehearsal: bool, today: date, marking: str = OFFICIAL) -> dict[str, Any]:
    return {"audit": definition, "timetable": definition.timetable.dates, "units": definition.review_units,
            "marking": marking, "rehearsal": rehearsal, "generated_on": today}


@dataclass(frozen=True)
class AgencyReturn:
    """An agency's accepted return as the reports show it: its summary, case refs, grades and narrative only."""

    code: str
    name: str
    status: str
    practitioner: str
    summary: str  # the agency's own summary (Overview sheet); empty for a return taken before it was stored
    summary_rows: list[dict[str, Any]]


def agency_returns(definition: AuditDefinition, store: Store) -> list[AgencyReturn]:
    """Every accepted return, on time or late, in the definition's agency order."""
    returns = store.returns(definition.ref)
    findings_by_agency: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for finding in store.findings(definition.ref):
        findings_by_agency[finding["agency_code"]].append(finding)
    result = []
    for agency in definition.agencies:
        stored = returns.get(agency.code)
        if stored and stored["status"] in ACCEPTED:
            result.append(AgencyReturn(agency.code, agency.name, stored["status"],
                                       stored.get("practitioner_name") or "", stored.get("summary") or "",
                                       findings_by_agency[agency.code]))
    return result


PACK_SENT = "practitioner_pack_sent"


def _pack(definition: AuditDefinition, store: Store, today: date, rehearsal: bool, returns: list[AgencyReturn],
          template: str, file_name: str) -> Path:
    stored = store.returns(definition.ref)
    html = rendering.render(
        template, **report_basics(definition, rehearsal, today), agenda=agenda(definition.meeting),
        attendees=invitees(definition, store), returns=returns,
        awaiting=[a for a in definition.agencies if stored.get(a.code, {}).get("status") not in ACCEPTED],
    )
    return rendering.html_to_pdf(html, config.audit_output(definition.ref) / file_name)


def send_practitioner_pack(definition: AuditDefinition, store: Store, mailer: Mailer, today: date,
                           rehearsal: bool = False) -> int:
    """At the deadline: every return accepted so far, to the chair, coordinators and practitioners.

    Which agencies' returns the pack carried is recorded once, so that the addendum carries every
    other accepted return, however late the pipeline got to it.
    """
    returns = agency_returns(definition, store)
    path = _pack(definition, store, today, rehearsal, returns, "reports/practitioner_pack.html",
                 "practitioner-pack.pdf")
    sent = send_pack(definition, store, mailer, path, "practitioner_pack", "Practitioner pack for the findings meeting",
                     "email/practitioner_pack.txt")
    store.record_event(definition.ref, PACK_SENT, "v1", ",".join(r.code for r in returns))
    return sent


def send_late_returns_addendum(definition: AuditDefinition, store: Store, mailer: Mailer, today: date,
                               rehearsal: bool = False) -> int:
    """After the grace period: the accepted returns the pack did not carry, as an addendum (none: nothing sent)."""
    packed = {code for event in store.events(definition.ref, PACK_SENT) for code in event["detail"].split(",")}
    late = [r for r in agency_returns(definition, store) if r.code not in packed]
    if not late:
        return 0
    path = _pack(definition, store, today, rehearsal, late, "reports/practitioner_pack_addendum.html",
                 "practitioner-pack-addendum.pdf")
    return send_pack(definition, store, mailer, path, "practitioner_pack_addendum",
                     "Addendum to the practitioner pack: late returns", "email/practitioner_pack_addendum.txt")


def send_pack(definition: AuditDefinition, store: Store, mailer: Mailer, path: Path, kind: str, what: str,
              template: str) -> int:
    """The pack to every practitioner, coordinator and the chair (once each)."""
    sent = 0
    for role, name, email in invitees(definition, store):
        body = rendering.render(template, audit=definition, name=name, role=role,
                                timetable=definition.timetable.dates, agenda=agenda(definition.meeting))
        sent += mailer.send(Email(ref=definition.ref, kind=kind, recipient=email, what=what, body=body,
                                  marking=OFFICIAL, attachments=(path,), reply_to=definition.business_unit.email))
    return sent
