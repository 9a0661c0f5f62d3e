"""The programme's own records for a period, read from the audit store: what QiiP's programme report shows
and what a Partnership Arrangements Audit's first area (the outputs from audit) is filled with. One set of
queries for both, so the two never disagree.

Counts, codes, dates, grades and theme labels only: no narrative from a return, an analysis or an update,
so nothing here can name a child. An audit belongs to a period when its run overlaps it (notice issued on
or before the period's last day, sign-off due on or after its first); actions' statuses and RAG, and
approvals, are as they stood on the `as_of` day; an audit's phase is its dates on that day beside its record
as the store holds it now (packs sent, returns open, the chair's briefing sent).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa

from maa.audit.definitions import AuditDefinition, AuditType
from maa.config import LONDON
from maa.meeting.registers import ReviewFinding
from maa.outputs.store import Store
from maa.programme.phase import phase_of, progress_of
from maa.returns.receiving import ReturnStatus
from maa.signoff.decisions import approval
from maa.tracker.actions import TrackedAction, stored_register, tracked_actions
from maa.tracker.impact import IMPACT
from maa.tracker.register import STATUSES, rag
from maa.tracker.report import RAG_ORDER


@dataclass(frozen=True)
class Period:
    """The days a report covers, both ends included."""

    first: date
    last: date

    def __post_init__(self) -> None:
        if self.last < self.first:
            raise ValueError(f"the period ends ({self.last}) before it starts ({self.first})")

    def covers(self, day: date) -> bool:
        return self.first <= day <= self.last


WEAK_GRADES = ("Requires improvement", "Inadequate")
GOOD_GRADES = ("Outstanding", "Good")
NO_DEFINITION = "Not known: its definition is no longer in the audits folder"


@dataclass(frozen=True)
class AuditRecord:
    ref: str
    type: str
    title: str
    theme: str
    start: date
    signoff_due: date
    phase: str
    approved_on: date | None  # QiiP's approval, when it came on or before the as-of day


@dataclass(frozen=True)
class AgencyReturns:
    """One agency's returns across the period's audits: asked for, on time, late, never, not yet due or in."""

    code: str
    name: str
    asked: int
    on_time: int
    late: int
    no_return: int
    awaiting: int

    @property
    def on_time_share(self) -> str:
        """On time as a share of the returns the agency has settled (received or closed as no return)."""
        settled = self.on_time + self.late + self.no_return
        return f"{self.on_time * 100 / settled:.0f}%" if settled else "n/a"


@dataclass(frozen=True)
class ActionRecord:
    audit_ref: str
    action_id: str
    owner_agency: str
    due_date: date
    theme: str
    status: str
    rag: str


@dataclass(frozen=True)
class Recurring:
    """A theme or weak domain, and the audits it appears in (two or more)."""

    label: str
    audits: tuple[str, ...]


@dataclass(frozen=True)
class PanelRecord:
    """The Audit Panel's decision as the definition's `panel:` block gives it (never a child's details)."""

    ref: str
    approved_on: date | None
    minute: str
    sources: tuple[str, ...]
    nominated: int | None
    selected: int | None
    not_selected: tuple[tuple[int, str], ...]


@dataclass
class ProgrammeRecords:
    period: Period
    as_of: date
    audits: list[AuditRecord]
    returns: list[AgencyReturns]
    grades: dict[str, Counter]  # domain -> grade -> findings, the period's case audits
    grades_by_year: dict[int, dict[str, Counter]]  # audit start year -> domain -> grade, up to the period's end
    themes: list[Recurring]
    weak_domains: list[Recurring]
    actions: list[ActionRecord]
    impact_reviews: list[tuple[str, date]]  # (audit, day its impact update report went to QiiP)
    unanswered: list[ReviewFinding]
    panel: list[PanelRecord]
    no_panel: list[str]  # the period's audits with no Panel decision recorded, in the order of `audits`

    def by_type_and_phase(self) -> Counter:
        return Counter((a.type, a.phase) for a in self.audits)

    def by_type(self) -> Counter:
        return Counter(a.type for a in self.audits)

    def action_statuses(self) -> Counter:
        return Counter({status: 0 for status in STATUSES}) + Counter(a.status for a in self.actions)

    def action_rags(self) -> Counter:
        return Counter({colour: 0 for colour in RAG_ORDER}) + Counter(a.rag for a in self.actions)

    def count(self, *, status: str | None = None, colour: str | None = None) -> int:
        return sum(1 for a in self.actions if (status is None or a.status == status)
                   and (colour is None or a.rag == colour))


def programme_records(store: Store, definitions: Iterable[AuditDefinition], period: Period, as_of: date,
                      exclude: Iterable[str] = ()) -> ProgrammeRecords:
    """Everything the programme's records say about `period`; `exclude` leaves audits out (a PAA, itself)."""
    known = {d.ref: d for d in definitions}
    audits = [a for a in _audits(store, period, known, as_of) if a.ref not in set(exclude)]
    refs = {a.ref for a in audits}
    case_refs = {a.ref for a in audits if a.type != AuditType.PAA}
    actions = [_as_of(a, as_of) for a in tracked_actions(store) if a.audit_ref in refs]
    panels = [p for p in (_panel(known[a.ref]) for a in audits if a.ref in known) if p is not None]
    return ProgrammeRecords(
        period=period, as_of=as_of, audits=audits, returns=_returns(store, refs),
        grades=_grades(store, case_refs), grades_by_year=_grades_by_year(store, period.last),
        themes=_recurring_themes(store, audits), weak_domains=_weak_domains(store, case_refs),
        actions=actions, impact_reviews=_impact_reviews(store, period, refs),
        unanswered=_unanswered(store), panel=panels,
        no_panel=[a.ref for a in audits if a.ref not in {p.ref for p in panels}],
    )


def _audits(store: Store, period: Period, known: Mapping[str, AuditDefinition], as_of: date) -> list[AuditRecord]:
    audits, milestones = store.table("audits"), store.table("milestones")
    notice, signoff = milestones.alias("notice"), milestones.alias("signoff")
    query = (sa.select(audits, signoff.c.due_date.label("signoff_due"))
             .join(notice, sa.and_(notice.c.audit_ref == audits.c.ref, notice.c.name == "notice_issued"))
             .join(signoff, sa.and_(signoff.c.audit_ref == audits.c.ref, signoff.c.name == "signoff_due"))
             .where(notice.c.due_date <= period.last, signoff.c.due_date >= period.first,
                    audits.c.rehearsal.isnot(True))  # a rehearsal is never the programme's record
             .order_by(audits.c.start_date, audits.c.ref))
    with store.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(query)]
    found = []
    for row in rows:
        approved = approval(store, row["ref"])
        approved_on = approved.at.astimezone(LONDON).date() if approved else None
        approved_on = approved_on if approved_on and approved_on <= as_of else None
        definition = known.get(row["ref"])
        phase = NO_DEFINITION if definition is None else phase_of(
            definition, as_of, progress_of(definition, store, approved=approved_on is not None))
        found.append(AuditRecord(row["ref"], row["audit_type"], row["title"], row["theme"] or "", row["start_date"],
                                 row["signoff_due"], phase, approved_on))
    return found


def _returns(store: Store, refs: set[str]) -> list[AgencyReturns]:
    agencies, returns = store.table("agencies"), store.table("returns")
    query = (sa.select(agencies.c.code, agencies.c.name, returns.c.status)
             .select_from(agencies.outerjoin(returns, sa.and_(returns.c.audit_ref == agencies.c.audit_ref,
                                                              returns.c.agency_code == agencies.c.code)))
             .where(agencies.c.audit_ref.in_(refs)).order_by(agencies.c.code, agencies.c.audit_ref))
    tally: dict[str, Counter] = defaultdict(Counter)
    names: dict[str, str] = {}
    with store.connect() as connection:
        for row in connection.execute(query):
            names[row.code] = row.name
            tally[row.code][row.status or ReturnStatus.WAITING.value] += 1
    return [AgencyReturns(code, names[code], counts.total(), counts[ReturnStatus.ACCEPTED.value],
                          counts[ReturnStatus.ACCEPTED_LATE.value], counts[ReturnStatus.NO_RETURN.value],
                          counts[ReturnStatus.WAITING.value]) for code, counts in sorted(tally.items())]


def _findings(store: Store, where: Any) -> list[dict[str, Any]]:
    """Each case audit's findings: the audit, its start, the domain and the grade (never the narrative)."""
    audits, findings = store.table("audits"), store.table("findings")
    query = (sa.select(findings.c.audit_ref, findings.c.domain, findings.c.grade, audits.c.start_date)
             .join(audits, audits.c.ref == findings.c.audit_ref)
             .where(audits.c.audit_type != AuditType.PAA.value, audits.c.rehearsal.isnot(True), where))
    with store.connect() as connection:
        return [dict(r._mapping) for r in connection.execute(query)]


def _grades(store: Store, refs: set[str]) -> dict[str, Counter]:
    by_domain: dict[str, Counter] = defaultdict(Counter)
    for row in _findings(store, store.table("findings").c.audit_ref.in_(refs)):
        by_domain[row["domain"]][row["grade"]] += 1
    return dict(sorted(by_domain.items()))


def _grades_by_year(store: Store, last: date) -> dict[int, dict[str, Counter]]:
    """Every case audit's grades by the year it started, up to the period's end, for the year-on-year view."""
    years: dict[int, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for row in _findings(store, store.table("audits").c.start_date <= last):
        years[row["start_date"].year][row["domain"]][row["grade"]] += 1
    return {year: dict(domains) for year, domains in sorted(years.items())}


def _recurring_themes(store: Store, audits: list[AuditRecord]) -> list[Recurring]:
    """Labels the audits share: an audit's own theme and the themes its agreed actions are filed under,
    compared ignoring letter case and spacing, kept when two or more audits have them."""
    actions = store.table("actions")
    refs = [a.ref for a in audits]
    with store.connect() as connection:
        action_themes = connection.execute(sa.select(actions.c.audit_ref, actions.c.theme)
                                           .where(actions.c.audit_ref.in_(refs))).all()
    seen: dict[str, set[str]] = defaultdict(set)
    spelling: dict[str, str] = {}
    for ref, theme in [(a.ref, a.theme) for a in audits] + [(r.audit_ref, r.theme) for r in action_themes]:
        key = " ".join((theme or "").split()).casefold()
        if key:
            seen[key].add(ref)
            spelling.setdefault(key, " ".join(theme.split()))
    return _shared(spelling, seen)


def _weak_domains(store: Store, refs: set[str]) -> list[Recurring]:
    """Domains graded Requires improvement or Inadequate in two or more of the period's audits."""
    seen: dict[str, set[str]] = defaultdict(set)
    for row in _findings(store, store.table("findings").c.audit_ref.in_(refs)):
        if row["grade"] in WEAK_GRADES:
            seen[row["domain"]].add(row["audit_ref"])
    return _shared({domain: domain for domain in seen}, seen)


def _shared(labels: Mapping[str, str], seen: Mapping[str, set[str]]) -> list[Recurring]:
    shared = [Recurring(labels[key], tuple(sorted(refs))) for key, refs in seen.items() if len(refs) >= 2]
    return sorted(shared, key=lambda r: (-len(r.audits), r.label.casefold()))


def _as_of(action: TrackedAction, as_of: date) -> ActionRecord:
    """The action as it stood on `as_of`: its latest update reported by then, else its agreed status."""
    reported = [u for u in action.history if u.reported_on <= as_of]
    status = reported[-1].status if reported else action.agreed_status
    return ActionRecord(action.audit_ref, action.action_id, action.owner_agency, action.due_date, action.theme,
                        status, rag(status, action.due_date, as_of))


def _impact_reviews(store: Store, period: Period, refs: set[str]) -> list[tuple[str, date]]:
    """Impact update reports sent to QiiP in the period for the period's audits (`refs`)."""
    events, audits = store.table("events"), store.table("audits")
    query = (sa.select(events.c.audit_ref, events.c.detail)
             .join(audits, audits.c.ref == events.c.audit_ref)
             .where(events.c.kind == IMPACT, events.c.subject == "reported", audits.c.rehearsal.isnot(True)))
    with store.connect() as connection:
        done = [(row.audit_ref, date.fromisoformat(row.detail)) for row in connection.execute(query)]
    return sorted((ref, day) for ref, day in done if ref in refs and period.covers(day))


def _unanswered(store: Store) -> list[ReviewFinding]:
    """Review findings in the register that no audit's action cites, whenever the action was agreed."""
    cited = {ref.casefold() for action in tracked_actions(store) for ref in action.review_refs}
    return [f for f in stored_register(store) if f.ref.casefold() not in cited]


def _panel(definition: AuditDefinition) -> PanelRecord | None:
    """The definition's `panel:` block, when it has one."""
    panel = definition.panel
    if panel is None:
        return None
    return PanelRecord(
        ref=definition.ref, approved_on=panel.approved_on, minute=panel.minute, sources=tuple(panel.sources),
        nominated=panel.nominated, selected=panel.selected,
        not_selected=tuple((item.count, item.reason) for item in panel.not_selected))
