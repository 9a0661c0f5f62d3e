"""The draft Audit Overview Report and the sign-off in the procedure's order.

The Business Unit's quality assurance comes first, then QiiP's decision, each in the Airflow UI
(human-in-the-loop tasks). A request for changes goes to the chair; the revised analysis makes a new
draft; after three rounds the Business Unit is alerted. Decisions are kept in the store.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import date
from typing import Any

from maa import config
from maa.audit.definitions import AuditDefinition
from maa.meeting.analysis import AnalysisResult, split_refs
from maa.meeting.chair_analysis import read_accepted_analysis
from maa.meeting.chair_briefing import grade_matrix, statements_by_domain
from maa.meeting.practitioner_pack import agency_returns
from maa.meeting.registers import load_review_findings
from maa.outputs import rendering
from maa.outputs.charts import grade_bars
from maa.outputs.mailer import OFFICIAL, Email, Mailer
from maa.outputs.store import Store
from maa.paa import figures
from maa.preparation.return_template import GRADES
from maa.returns.receiving import ACCEPTED, NO_RETURN
from maa.signoff.decisions import MAX_ROUNDS, REQUEST_CHANGES, STAGES, Decision, approval, decisions

log = logging.getLogger(__name__)


def _actual_dates(store: Store, ref: str) -> dict[str, str]:
    """When things really happened, from the store's events: the first of each kind, except that the
    returns were in when the last one was accepted."""
    firsts: dict[str, str] = {}
    last_return = ""
    for event in store.events(ref):
        day = f"{event['occurred_at']:%d %b %Y}"
        firsts.setdefault(event["kind"], day)
        if event["kind"] in ("return_accepted", "return_accepted_late"):
            last_return = day
    return {
        "notice_issued": firsts.get("run_prepared", ""),
        "submission_deadline": last_return,
        "practitioner_event": firsts.get("practitioner_pack_sent", ""),
        "chair_report_due": firsts.get("analysis_accepted", ""),
        "signoff_due": firsts.get("signoff_decision", ""),
    }


def report_context(definition: AuditDefinition, store: Store, analysis: AnalysisResult, today: date,
                   rehearsal: bool) -> dict[str, Any]:
    """Everything the draft and final reports show; case refs and grades only, no child's identifiers."""
    matrix = grade_matrix(definition, store)
    returns = store.returns(definition.ref)
    register = load_review_findings()
    accepted = [f for agency_return in agency_returns(definition, store) for f in agency_return.summary_rows]
    by_domain = statements_by_domain(accepted, ("worked_well", "worked_less_well"))
    actions = [{**a, "reviews": [register.get(r) for r in split_refs(a["review_refs"])]} for a in analysis.actions]
    return {
        "audit": definition, "timetable": definition.timetable.dates, "units": definition.review_units,
        "marking": OFFICIAL, "rehearsal": rehearsal, "generated_on": today,
        "actual": _actual_dates(store, definition.ref),
        "participation": [(a, returns.get(a.code, {}).get("status", "awaiting")) for a in definition.agencies],
        "no_return": [a for a in definition.agencies if returns.get(a.code, {}).get("status") == NO_RETURN],
        "accepted_count": sum(1 for r in returns.values() if r["status"] in ACCEPTED),
        "case_count": len(store.cases(definition.ref)),
        "matrix": matrix,
        "chart": grade_bars([(d or "All areas", matrix["distribution"].get(d, Counter()))
                             for d in matrix["domains"]], GRADES, "Grades given, by domain"),
        "worked": {domain: by_domain[domain] for domain in matrix["domains"] if domain in by_domain},
        "analysis": analysis, "actions": actions,
        "data_section": figures.section(definition, store),  # PAA only: the year's data (procedure area 10)
    }


def build_draft(definition: AuditDefinition, store: Store, round_number: int, today: date,
                rehearsal: bool = False) -> dict[str, Any]:
    analysis, version = read_accepted_analysis(definition, store)
    context = report_context(definition, store, analysis, today, rehearsal)
    html = rendering.render("reports/audit_overview_report.html", **context, draft=True, round=round_number,
                          approved=None, decisions=decisions(store, definition.ref))
    path = rendering.html_to_pdf(html, config.audit_output(definition.ref) / "audit-overview-report-draft.pdf")
    store.record_event(definition.ref, "draft_built", f"round{round_number}", f"analysis v{version}")
    return {"round": round_number, "analysis_version": version, "themes": len(analysis.themes),
            "actions": len(analysis.actions), "path": str(path)}


def draft_summary_markdown(definition: AuditDefinition, summary: dict[str, Any], draft_url: str,
                           earlier: list[Decision]) -> str:
    """What the person answering sees in the Airflow UI: the draft one click away, what earlier rounds asked,
    and what the buttons do; no child's data."""
    lines = [f"**{definition.ref}: {definition.title}** — draft Audit Overview Report, round {summary['round']} "
             f"(chair's analysis version {summary['analysis_version']}): {summary['themes']} themes, "
             f"{summary['actions']} actions.", "", f"[Open the draft report (PDF)]({draft_url})", ""]
    asked = [d for d in earlier if d.option == REQUEST_CHANGES and d.round < summary["round"]]
    if asked:
        lines.append("Asked for in earlier rounds:")
        lines += [f"- Round {d.round}, {STAGES[d.stage]} ({d.by}): {d.comment or 'no comment given'}" for d in asked]
        lines.append("")
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


def send_changes_to_chair(definition: AuditDefinition, store: Store, mailer: Mailer, round_number: int) -> int:
    """The comment of whoever asked for changes in `round_number`, and the version the revision must follow."""
    asked = [d for d in decisions(store, definition.ref) if d.round == round_number and d.option == REQUEST_CHANGES]
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


def alert_rounds_exhausted(definition: AuditDefinition, store: Store, mailer: Mailer) -> None:
    body = rendering.render("email/rounds_exhausted.txt", audit=definition, rounds=MAX_ROUNDS,
                          decisions=decisions(store, definition.ref))
    mailer.send(Email(ref=definition.ref, kind="rounds_exhausted", recipient=definition.business_unit.email,
                      what=f"Sign-off not reached after {MAX_ROUNDS} rounds of changes", body=body, marking=OFFICIAL))


def remind_qiip(definition: AuditDefinition, store: Store, mailer: Mailer) -> bool:
    if approval(store, definition.ref) is not None:
        return False
    body = rendering.render("email/signoff_reminder.txt", audit=definition, timetable=definition.timetable.dates)
    for recipient in definition.qiip.emails:
        mailer.send(Email(ref=definition.ref, kind="signoff_reminder", recipient=recipient, body=body,
                          what="Reminder: the Audit Overview Report awaits QiiP's sign-off", marking=OFFICIAL))
    return True
