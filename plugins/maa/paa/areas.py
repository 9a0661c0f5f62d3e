"""A Partnership Arrangements Audit's areas: the questions each one asks agencies, and area 1 (the outputs from
audit) filled from the programme's own records for the audited period.

The questions follow the 2023 procedure's description of each area; an area QiiP adds has the general ones.
Area 1 reads the same queries as QiiP's programme report (maa.programme.records), so the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from maa.audit.definitions import DEFAULT_AREAS, AuditDefinition, AuditType, definition_files, load_all
from maa.outputs.store import Store
from maa.programme.records import Period, ProgrammeRecords, programme_records
from maa.tracker.register import COMPLETE, RED

_QUESTIONS = (
    ("Which audits were undertaken in the period, and what did they find?",
     "How effective are the audit arrangements: timeliness, agencies' returns, the findings meetings?",
     "What learning came from audit, and how well has the partnership landed it in practice?"),
    ("How effective is the SIN decision process?",
     "How well do agencies engage with it?",
     "How sound and timely is its decision making?",
     "What themes and data does it show?"),
    ("How effective and timely are the safeguarding reviews (Rapid Reviews, LCSPRs)?",
     "How well do agencies engage with them?",
     "What themes do they show, and what impact has their learning had?"),
    ("What have the subgroups done in the period?",
     "How well do agencies engage with them: attendance and the quality of papers?"),
    ("How effective is the section 11 process?",
     "What progress has been made against the recommendations it identified?"),
    ("How effective are the section 175 arrangements?",
     "What progress has been made against the recommendations they identified?"),
    ("Does escalation follow the Working Together process?",
     "How are concerns escalated and resolved at partnership level?"),
    ("What internal audits did your agency carry out within the partnership's area of influence?",
     "What did inspections report, and how did your agency respond?",
     "What other single-agency activity bears on the partnership's work?"),
    ("How well do your agency's staff attend the multi-agency training curriculum?",
     "How well do they engage with it?"),
    ("What does the year's data show: MARF, MARAC, conferences and strategy discussions?",
     "What does it show about allegations management?"),
)
AREA_QUESTIONS = dict(zip((area.casefold() for area in DEFAULT_AREAS), _QUESTIONS, strict=True))
GENERAL_QUESTIONS = ("What has worked well in this area, and what less well?",
                     "What is the learning, and what should change?")


def questions(area: str) -> tuple[str, ...]:
    """The procedure's questions for one of its ten areas; the general ones for an area QiiP added."""
    return AREA_QUESTIONS.get(area.strip().casefold(), GENERAL_QUESTIONS)


@dataclass(frozen=True)
class AreaOne:
    """Area 1 as the programme's records give it, in sentences every report and the workbook share."""

    records: ProgrammeRecords

    def lines(self) -> list[str]:
        r = self.records
        by_type = ", ".join(f"{kind} {count}" for kind, count in sorted(r.by_type().items()))
        lines = [f"Audits run in the period (other than this one): {len(r.audits)}" + (f" ({by_type})." if by_type
                                                                                      else ".")]
        lines += [f"Returns from {a.code} ({a.name}): {a.on_time} on time, {a.late} late, {a.no_return} not "
                  f"returned, {a.awaiting} still awaited, of {a.asked} asked for; on time {a.on_time_share}."
                  for a in r.returns]
        lines.append(f"Actions agreed: {len(r.actions)}; completed: {r.count(status=COMPLETE)}; overdue: "
                     f"{r.count(colour=RED)} (as at {r.as_of:%d %B %Y}).")
        reviews = ", ".join(f"{ref} on {day:%d %B %Y}" for ref, day in r.impact_reviews)
        lines.append(f"Impact reviews done: {len(r.impact_reviews)}" + (f" ({reviews})." if reviews else "."))
        for p in r.panel:
            chosen = (f": {p.selected} of {p.nominated} nominated cases selected" if p.selected is not None
                      and p.nominated is not None else "")
            approved = f"approved {p.approved_on:%d %B %Y}" if p.approved_on else "approved"
            lines.append(f"Audit Panel decision for {p.ref}: {approved}, {p.minute}{chosen}.")
        if r.no_panel:
            lines.append(f"Audit Panel decisions: none recorded for {', '.join(r.no_panel)}.")
        return lines


def area_one(definition: AuditDefinition, store: Store, today: date) -> AreaOne | None:
    """A PAA's area 1 from the records of its period, as they stand today or at the period's end if earlier;
    None for other audits. The audits folder's definitions give phases and Panel decisions."""
    if definition.type is not AuditType.PAA:
        return None
    audited = definition.audited_period
    definitions = load_all(definition_files()).definitions.values()
    return AreaOne(programme_records(store, definitions, Period(audited.from_, audited.to),
                                     min(today, audited.to), exclude=(definition.ref,)))
