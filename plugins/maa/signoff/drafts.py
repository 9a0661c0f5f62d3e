"""The draft Audit Overview Report and the sign-off in the procedure's order.

The Business Unit's quality assurance comes first, then QiiP's decision, each in the Airflow UI
(human-in-the-loop tasks). A request for changes goes to the chair; the revised analysis makes a new
draft; after three rounds the Business Unit is alerted. Decisions are kept in the store.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

from maa import config
from maa.audit.clock import AuditClock
from maa.audit.definitions import AuditDefinition
from maa.meeting.analysis import AnalysisResult, split_refs
from maa.meeting.chair_analysis import read_accepted_analysis
from maa.meeting.chair_briefing import grade_matrix, statements_by_domain
from maa.meeting.practitioner_pack import PACK_SENT, agency_returns
from maa.meeting.registers import ReviewFinding, ReviewRegister, load_review_findings
from maa.outputs import rendering
from maa.outputs.charts import grade_bars
from maa.outputs.mailer import OFFICIAL, Email, Mailer
from maa.outputs.store import Store
from maa.paa import figures
from maa.preparation.return_template import GRADES
from maa.returns.receiving import ACCEPTED, NO_RETURN, WALL_CLOCK
from maa.signoff.decisions import MAX_ROUNDS, REQUEST_CHANGES, STAGES, Decision, approval, decisions, shown

log = logging.getLogger(__name__)


def _actual_dates(store: Store, ref: str, audit_clock: AuditClock) -> dict[str, tuple[date, str]]:
    """What really happened at each milestone, and when, in audit time (the ledger and the events are stamped
    by the wall clock, in UTC; an accepted return's arrival is already audit time)."""
    def audit_day(wall_clock_utc: datetime) -> date:
        return audit_clock.from_wall_clock(wall_clock_utc.replace(tzinfo=UTC)).date()

    actual: dict[str, tuple[date, str]] = {}
    notices = [e["created_at"] for e in store.emails(ref) if e["kind"] == "notice"]
    if notices:
        actual["notice_issued"] = (audit_day(min(notices)), "notices sent")
    arrivals = [r["received_at"] for r in store.returns(ref).values()
                if r["status"] in ACCEPTED and r["received_at"] is not None]
    if arrivals:
        last = max(arrivals).replace(tzinfo=UTC).astimezone(config.LONDON).date()
        actual["submission_deadline"] = (last, "last accepted return arrived")
    firsts: dict[str, datetime] = {}
    for event in store.events(ref):
        firsts.setdefault(event["kind"], event["occurred_at"])
    for milestone, kind, what in (("practitioner_event", PACK_SENT, "practitioner pack sent"),
                                  ("chair_report_due", "analysis_accepted", "chair's analysis accepted")):
        if kind in firsts:
            actual[milestone] = (audit_day(firsts[kind]), what)
    approved = approval(store, ref)
    if approved is not None:
        actual["signoff_due"] = (audit_clock.from_wall_clock(approved.at).date(), "approved by QiiP")
    return actual


def _action_reviews(action: dict[str, Any], register: ReviewRegister) -> list[tuple[str, ReviewFinding | None]]:
    """Each review an action cites, with its register entry (None when the register no longer has it)."""
    return [(ref, register.get(ref)) for ref in split_refs(action["review_refs"])]


def report_context(definition: AuditDefinition, store: Store, analysis: AnalysisResult, today: date,
                   audit_clock: AuditClock) -> dict[str, Any]:
    """Everything the draft and final reports show; case refs and grades only, no child's identifiers.
    `today` is the audit's day; every date shown is audit time, in London."""
    matrix = grade_matrix(definition, store)
    stored = store.returns(definition.ref)
    register = load_review_findings()
    returns = agency_returns(definition, store)
    accepted = [f for agency_return in returns for f in agency_return.summary_rows]
    by_domain = statements_by_domain(accepted, ("worked_well", "worked_less_well"))
    actions = [{**a, "reviews": _action_reviews(a, register)} for a in analysis.actions]
    return {
        "audit": definition, "timetable": definition.timetable.dates, "units": definition.review_units,
        "marking": OFFICIAL, "rehearsal": audit_clock.rehearsal, "generated_on": today,
        "actual": _actual_dates(store, definition.ref, audit_clock),
        "participation": [(a, stored.get(a.code, {}).get("status", "awaiting")) for a in definition.agencies],
        "no_return": [a for a in definition.agencies if stored.get(a.code, {}).get("status") == NO_RETURN],
        "accepted_count": len(returns), "returns": returns,
        "case_count": len(store.cases(definition.ref)),
        "matrix": matrix,
        "chart": grade_bars([(d or "All areas", matrix["distribution"].get(d, Counter()))
                             for d in matrix["domains"]], GRADES, "Grades given, by domain"),
        "worked": {domain: by_domain[domain] for domain in matrix["domains"] if domain in by_domain},
        "analysis": analysis, "actions": actions,
        "decisions": [shown(d, audit_clock) for d in decisions(store, definition.ref)],
        "data_section": figures.section(definition, store, today),  # PAA only: the year's data (procedure area 10)
    }


def build_draft(definition: AuditDefinition, store: Store, round_number: int, today: date,
                audit_clock: AuditClock = WALL_CLOCK) -> dict[str, Any]:
    """The round's draft PDF from the latest accepted analysis, and what the decision screen says of it.

    Each build is an event named by its round and analysis version: a rebuild of the same draft records
    nothing new, a round rebuilt from a newer analysis records that one, so the next round compares itself
    with what the previous round's draft last held."""
    analysis, version = read_accepted_analysis(definition, store)
    context = report_context(definition, store, analysis, today, audit_clock)
    html = rendering.render("reports/audit_overview_report.html", **context, draft=True, round=round_number,
                            approved=None)
    path = rendering.html_to_pdf(html, config.audit_output(definition.ref) / "audit-overview-report-draft.pdf")
    contents = f"analysis v{version}, {len(analysis.themes)} themes, {len(analysis.actions)} actions"
    previous = [e["detail"] for e in store.events(definition.ref, "draft_built")
                if e["subject"].startswith(f"round{round_number - 1} ")]
    store.record_event(definition.ref, "draft_built", f"round{round_number} analysis v{version}", contents)
    return {"round": round_number, "analysis_version": version, "themes": len(analysis.themes),
            "actions": len(analysis.actions), "path": str(path),
            "previous": previous[-1] if previous else "", "contents": contents}


def _as_text(text: str) -> str:
    """Someone's words inside the screen's Markdown, on one line and read as text, never as Markdown: a
    comment cannot make a link, a heading or a line of its own."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~])", r"\\\1", " ".join(text.split()))


def draft_summary_markdown(definition: AuditDefinition, summary: dict[str, Any], draft_url: str,
                           earlier: list[Decision]) -> str:
    """What the person answering sees in the Airflow UI: the draft one click away, what earlier rounds asked
    and who asked it, how this draft compares in size with the previous round's (the analysis version and its
    counts of themes and actions, not its wording), and what the buttons do; no child's data."""
    lines = [f"**{definition.ref}: {definition.title}** — draft Audit Overview Report, round {summary['round']} "
             f"(chair's analysis version {summary['analysis_version']}): {summary['themes']} themes, "
             f"{summary['actions']} actions.", "", f"[Open the draft report (PDF)]({draft_url})", ""]
    asked = [d for d in earlier if d.option == REQUEST_CHANGES and d.round < summary["round"]]
    if asked:
        lines.append("Asked for in earlier rounds:")
        lines += [f"- Round {d.round}, {STAGES[d.stage]}, by {_as_text(d.who)}: "
                  f"{'“' + _as_text(d.comment) + '”' if d.comment else 'no comment given'}" for d in asked]
        lines.append("")
    if summary.get("previous"):
        lines += [f"Compared with round {summary['round'] - 1}'s draft ({summary['previous']}), this one has "
                  f"{summary['contents']}.", ""]
    lines.append("Choose **Approve** (a comment is optional) or **Request changes** (the comment goes to the "
                 "chair with the request).")
    return "\n".join(lines)


def request_decision(definition: AuditDefinition, mailer: Mailer, stage: str, round_number: int, link: str) -> int:
    """The draft to whoever decides at `stage` (the Business Unit, then QiiP), with where to answer."""
    recipients = [definition.business_unit.email] if stage == "bu_quality_assurance" else definition.qiip.emails
    draft = config.audit_output(definition.ref) / "audit-overview-report-draft.pdf"
    body = rendering.render("email/signoff_request.txt", audit=definition, stage=STAGES[stage], link=link,
                          round=round_number, timetable=definition.timetable.dates)
    sent = 0
    for recipient in recipients:
        sent += mailer.send(Email(
            ref=definition.ref, kind=f"{stage}_request", recipient=recipient, version=round_number, body=body,
            what=f"Please review the draft Audit Overview Report (round {round_number})", attachments=(draft,),
            marking=OFFICIAL))
    return sent


def send_changes_to_chair(definition: AuditDefinition, store: Store, mailer: Mailer, round_number: int,
                         audit_clock: AuditClock = WALL_CLOCK) -> int:
    """The comment of whoever asked for changes in `round_number`, and the version the revision must follow."""
    asked = [shown(d, audit_clock) for d in decisions(store, definition.ref)
             if d.round == round_number and d.option == REQUEST_CHANGES]
    _, version = read_accepted_analysis(definition, store)
    store.record_event(definition.ref, "changes_requested", f"round{round_number + 1}", str(version))
    body = rendering.render("email/changes_requested.txt", audit=definition, decisions=asked, round=round_number,
                          version=version)
    mailer.send(Email(ref=definition.ref, kind="changes_requested", recipient=definition.chair.email,
                      version=round_number, what=f"Changes requested to the draft report (round {round_number})",
                      body=body, marking=OFFICIAL, reply_to=definition.business_unit.email))
    return version


def revision_follows_version(store: Store, ref: str, round_number: int) -> int:
    event = next(e for e in store.events(ref, "changes_requested") if e["subject"] == f"round{round_number}")
    return int(event["detail"])


def alert_rounds_exhausted(definition: AuditDefinition, store: Store, mailer: Mailer,
                           audit_clock: AuditClock = WALL_CLOCK) -> None:
    body = rendering.render("email/rounds_exhausted.txt", audit=definition, rounds=MAX_ROUNDS,
                            decisions=[shown(d, audit_clock) for d in decisions(store, definition.ref)])
    mailer.send(Email(ref=definition.ref, kind="rounds_exhausted", recipient=definition.business_unit.email,
                      what=f"Sign-off not reached after {MAX_ROUNDS} rounds of changes", body=body, marking=OFFICIAL))
