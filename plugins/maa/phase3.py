"""Phase 3, the findings meeting: the practitioner pack, its addendum, the chair's briefing, and
the chair's analysis received and checked (with reminders and escalation).

Everything here uses case refs only: the reports go to practitioners, the chair and QiiP.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from maa import inbox, paa_data, reports, settings
from maa.analysis import AnalysisResult, check_analysis
from maa.charts import grade_bars
from maa.definitions import AuditDefinition
from maa.mailer import OFFICIAL, Email, Mailer
from maa.phase2 import ACCEPTED, NO_RETURN, audit_children
from maa.registers import load_review_findings
from maa.store import Store
from maa.timetable import at_send_time, end_of_day, working_days_before
from maa.workbook import GRADES

log = logging.getLogger(__name__)

AGENDA = (
    ("Part 1 (morning, 2.5 hours)", "Each nominated practitioner presents their agency's return and takes "
                                    "questions from the chair and the other agencies; first themes noted."),
    ("Break", ""),
    ("Part 2 (2 hours)", "Open discussion of the learning, the audit findings and the key questions; the "
                         "framework of the chair's analysis report and its key findings."),
)
STOP_WORDS = frozenset("""about after again agency agencies there their these those which while where would could
should other being between every through within without before because family child children when were have
with from that this into than then them they what your more most some such only also case cases""".split())


def _common(definition: AuditDefinition, rehearsal: bool, today: date, marking: str = OFFICIAL) -> dict[str, Any]:
    return {"audit": definition, "timetable": definition.timetable.dates, "units": definition.review_units,
            "marking": marking, "rehearsal": rehearsal, "generated_on": today}


@dataclass(frozen=True)
class AgencyReturn:
    """An agency's accepted return as the reports show it: case refs, grades and narrative only."""

    code: str
    name: str
    status: str
    practitioner: str
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
                                       stored.get("practitioner_name") or "", findings_by_agency[agency.code]))
    return result


def attendees(definition: AuditDefinition, store: Store) -> list[tuple[str, str, str]]:
    """(role, name, email) of everyone invited to the findings meeting."""
    people = [("Chair", definition.chair.name, definition.chair.email)]
    returns = store.returns(definition.ref)
    for agency in definition.agencies:
        people.append((f"{agency.code} coordinator", agency.coordinator.name, agency.coordinator.email))
        stored = returns.get(agency.code, {})
        if stored.get("status") in ACCEPTED and stored.get("practitioner_email"):
            people.append((f"{agency.code} practitioner", stored["practitioner_name"], stored["practitioner_email"]))
    return people


PACK_SENT = "practitioner_pack_sent"


def _pack(definition: AuditDefinition, store: Store, today: date, rehearsal: bool, returns: list[AgencyReturn],
          template: str, file_name: str) -> Path:
    stored = store.returns(definition.ref)
    html = reports.render(
        template, **_common(definition, rehearsal, today), agenda=AGENDA, attendees=attendees(definition, store),
        returns=returns,
        awaiting=[a for a in definition.agencies if stored.get(a.code, {}).get("status") not in ACCEPTED],
    )
    return reports.html_to_pdf(html, settings.audit_output(definition.ref) / file_name)


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
    for role, name, email in attendees(definition, store):
        body = reports.render(template, audit=definition, name=name, role=role,
                              timetable=definition.timetable.dates)
        sent += mailer.send(Email(ref=definition.ref, kind=kind, recipient=email, what=what, body=body,
                                  marking=OFFICIAL, attachments=(path,), reply_to=definition.business_unit.email))
    return sent


# The chair's briefing -----------------------------------------------------------------------

def grade_matrix(definition: AuditDefinition, store: Store) -> dict[str, Any]:
    """Grades by (case or area, domain) and agency, distributions per domain, and learning by domain."""
    findings = store.findings(definition.ref)
    domains = [""] if definition.type == "PAA" else definition.domains
    units = definition.review_units if definition.type == "PAA" else sorted({f["unit_ref"] for f in findings})
    grid: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    distribution: dict[str, Counter] = {d: Counter() for d in domains}
    for f in findings:
        grid[(f["unit_ref"], f["domain"])][f["agency_code"]] = f["grade"]
        distribution.setdefault(f["domain"], Counter())[f["grade"]] += 1
    learning = {domain: said["learning"] for domain, said in statements_by_domain(findings, ("learning",)).items()}
    return {"units": units, "domains": domains, "grid": grid, "distribution": distribution, "learning": learning}


def statements_by_domain(findings: list[dict[str, Any]], columns: tuple[str, ...]
                         ) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """Each domain's statements in `columns`, every text once with where it came from ("CSC: C-01, C-02").

    Agencies often write the same sentence for several cases; said once, the chair reads it once.
    """
    said: dict[tuple[str, str, str], dict[str, list[str]]] = {}
    for f in findings:
        for column in (c for c in columns if f[c]):
            said.setdefault((f["domain"], column, f[column]), {}).setdefault(f["agency_code"], []).append(f["unit_ref"])
    result: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for (domain, column, text), by_agency in said.items():
        where = "; ".join(f"{code}: {', '.join(units)}" for code, units in by_agency.items())
        result[domain][column].append((text, where))
    return result


def recurring_themes(definition: AuditDefinition, store: Store, limit: int = 8) -> dict[str, Any]:
    """Domains most agencies found wanting, and words several agencies use about what worked less well."""
    findings = store.findings(definition.ref)
    weak: dict[str, set[str]] = defaultdict(set)
    words: dict[str, set[str]] = defaultdict(set)
    for f in findings:
        if f["grade"] in ("Requires improvement", "Inadequate"):
            weak[f["domain"] or f["unit_ref"]].add(f["agency_code"])
        for word in {w.lower() for w in _words(f["worked_less_well"] or "")}:
            words[word].add(f["agency_code"])
    concerning = sorted(((d, sorted(a)) for d, a in weak.items() if len(a) >= 2), key=lambda x: -len(x[1]))
    shared = sorted(((w, sorted(a)) for w, a in words.items() if len(a) >= 2), key=lambda x: (-len(x[1]), x[0]))
    return {"weak_domains": concerning, "shared_words": shared[:limit]}


def _words(text: str) -> list[str]:
    return [w for w in "".join(c if c.isalpha() else " " for c in text).split()
            if len(w) >= 5 and w.lower() not in STOP_WORDS]


def build_chair_briefing(definition: AuditDefinition, store: Store, today: date, rehearsal: bool = False) -> Path:
    matrix = grade_matrix(definition, store)
    chart = grade_bars([(d or "All areas", matrix["distribution"].get(d, Counter())) for d in matrix["domains"]],
                       GRADES, "Grades given, by domain")
    returns = store.returns(definition.ref)
    html = reports.render(
        "reports/chair_briefing.html", **_common(definition, rehearsal, today), matrix=matrix, chart=chart,
        returns=agency_returns(definition, store), themes=recurring_themes(definition, store),
        no_return=[a for a in definition.agencies if returns.get(a.code, {}).get("status") == NO_RETURN],
        awaiting=[a for a in definition.agencies if returns.get(a.code, {}).get("status") is None],
        data_section=paa_data.section(definition, store),
    )
    return reports.html_to_pdf(html, settings.audit_output(definition.ref) / "chair-briefing.pdf")


def send_to_chair(definition: AuditDefinition, mailer: Mailer, kind: str, what: str, template: str,
                  attachments: tuple[Path, ...] = (), version: int = 1, **context: Any) -> bool:
    body = reports.render(template, audit=definition, timetable=definition.timetable.dates, **context)
    return mailer.send(Email(ref=definition.ref, kind=kind, recipient=definition.chair.email, what=what, body=body,
                             marking=OFFICIAL, attachments=attachments, version=version,
                             reply_to=definition.business_unit.email))


# The chair's analysis -----------------------------------------------------------------------

ANALYSIS = Path("chair") / "analysis.xlsx"
NARRATIVE = Path("chair") / "narrative.md"


@dataclass(frozen=True)
class AnalysisState:
    accepted_version: int | None
    inbox_file: str
    wake_at: datetime | None


def accepted_analyses(store: Store, ref: str) -> list[dict[str, Any]]:
    return [f for f in store.inbox_files(ref, "analysis") if f["outcome"] == "accepted"]


def read_accepted_analysis(definition: AuditDefinition, store: Store) -> tuple[AnalysisResult, int]:
    """The latest accepted analysis, read again from the archive (with its narrative, if one came)."""
    latest = accepted_analyses(store, definition.ref)[-1]
    archived = Path(latest["stored_as"])
    narrative_file = archived.with_name(f"narrative.v{latest['version']}.md")
    narrative = narrative_file.read_text(encoding="utf-8") if narrative_file.exists() else None
    _, children = audit_children(definition, store)
    result = check_analysis(definition, archived.read_bytes(), narrative, load_review_findings(), children)
    return result, latest["version"]


def receive_analysis(definition: AuditDefinition, store: Store, mailer: Mailer, now: datetime,
                     after_version: int = 0, chase: bool = True) -> AnalysisState:
    """One look at the chair's inbox: accept or refuse an analysis; remind and escalate when due."""
    path = inbox.inbox_path(definition.ref, *ANALYSIS.parts)
    accepted = [f["version"] for f in accepted_analyses(store, definition.ref) if f["version"] > after_version]
    if not accepted and inbox.is_settled(path):
        _process_analysis(definition, store, mailer, path)
        accepted = [f["version"] for f in accepted_analyses(store, definition.ref) if f["version"] > after_version]
    if accepted:
        return AnalysisState(accepted[-1], str(path), None)
    due = definition.timetable["chair_report_due"]
    reminder_at, late_at = at_send_time(working_days_before(due, 3)), end_of_day(due)
    if chase and now >= reminder_at:
        send_to_chair(definition, mailer, "analysis_reminder", "Reminder: the chair's analysis is due",
                      "email/analysis_reminder.txt", due=due)
    if chase and now >= late_at:
        body = reports.render("email/analysis_late.txt", audit=definition, due=due)
        mailer.send(Email(ref=definition.ref, kind="analysis_late", recipient=definition.business_unit.email,
                          what="Escalation: the chair's analysis is late", body=body, marking=OFFICIAL))
    upcoming = [t for t in (reminder_at, late_at) if t > now] if chase else []
    return AnalysisState(None, str(path), min(upcoming) if upcoming else None)


def _process_analysis(definition: AuditDefinition, store: Store, mailer: Mailer, path: Any) -> None:
    ref = definition.ref
    data = path.read_bytes()
    narrative_path = inbox.inbox_path(ref, *NARRATIVE.parts)
    narrative_bytes = narrative_path.read_bytes() if narrative_path.exists() else None
    narrative = narrative_bytes.decode("utf-8", "replace") if narrative_bytes is not None else None
    _, children = audit_children(definition, store)
    result = check_analysis(definition, data, narrative, load_review_findings(), children)
    if result.accepted:
        filed = inbox.archive(ref, path, data, ANALYSIS)
        if narrative_bytes is not None:
            (filed.path.parent / f"narrative.v{filed.version}.md").write_bytes(narrative_bytes)
            narrative_path.unlink()
        store.record_inbox_file(ref, "analysis", None, filed.version, "accepted", str(filed.path), filed.sha256)
        store.record_event(ref, "analysis_accepted", f"v{filed.version}",
                           f"{len(result.themes)} themes, {len(result.actions)} actions")
        send_to_chair(definition, mailer, "analysis_accepted", f"Analysis accepted (version {filed.version})",
                      "email/analysis_accepted.txt", version=filed.version, result=result, version_number=filed.version)
        return
    reasons = result.reasons()
    filed = inbox.quarantine(ref, path, data, ANALYSIS, reasons)
    if narrative_bytes is not None:
        (filed.path.parent / f"narrative.v{filed.version}.md").write_bytes(narrative_bytes)
        narrative_path.unlink()
    store.record_inbox_file(ref, "analysis", None, filed.version, "refused", str(filed.path), filed.sha256,
                            "\n".join(reasons))
    store.record_event(ref, "analysis_refused", f"v{filed.version}", "\n".join(reasons))
    log.warning("%s: the chair's analysis version %s refused: %s", ref, filed.version, "; ".join(reasons))
    send_to_chair(definition, mailer, "analysis_refused", f"Analysis refused (version {filed.version})",
                  "email/analysis_refused.txt", version=filed.version, reasons=reasons, kept_as=filed.path.name)
