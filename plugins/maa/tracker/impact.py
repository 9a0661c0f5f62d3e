"""Phase 5, the impact review, run by the tracker: progress asked for, then reported to QiiP.

When an approved audit's `impact_review_due` arrives, each owner agency's coordinator
is sent that audit's actions in a pre-filled update workbook, with three weeks to send
it back through the tracker's updates inbox; a week before replies are due, owners who
have not reported on every action are reminded, once. When every owner has replied, or
the three weeks are over, `output/<REF>/impact-update-report.pdf` (progress against what
was agreed) goes to QiiP. Each step is recorded as an event, so reruns repeat nothing.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from maa.audit.clock import AuditClock
from maa.audit.definitions import AuditDefinition
from maa.outputs import rendering
from maa.outputs.mailer import OFFICIAL, OFFICIAL_SENSITIVE, Email
from maa.signoff.decisions import approval, shown
from maa.signoff.sharing import sharing_status
from maa.tracker.actions import TrackedAction
from maa.tracker.register import STATUSES, Tracker
from maa.tracker.report import RAG_ORDER, action_row
from maa.tracker.updates import write_update_workbook

log = logging.getLogger(__name__)

IMPACT = "impact_review"  # event kind; subjects "requested", "reminded/<AGENCY>", "reported"
REPLY_TIME = timedelta(weeks=3)
REMIND_BEFORE_REPLY_DUE = timedelta(weeks=1)


@dataclass(frozen=True)
class ImpactRequest:
    requested_on: date

    @property
    def reply_by(self) -> date:
        """Replies are on time until the end of this day."""
        return self.requested_on + REPLY_TIME

    @property
    def remind_on(self) -> date:
        return self.reply_by - REMIND_BEFORE_REPLY_DUE


def due_reviews(tracker: Tracker) -> list[AuditDefinition]:
    """Approved audits with tracked actions whose impact review date has come (and that are not withdrawn)."""
    due = []
    for ref in sorted({a.audit_ref for a in tracker.actions()}):
        definition = tracker.definition(ref)
        if (definition is not None and definition.timetable["impact_review_due"] <= tracker.today
                and approval(tracker.store, ref) is not None):
            due.append(definition)
    return due


def request_of(tracker: Tracker, ref: str) -> ImpactRequest | None:
    event = next((e for e in tracker.store.events(ref, IMPACT) if e["subject"] == "requested"), None)
    return ImpactRequest(date.fromisoformat(event["detail"])) if event else None


def owners(actions: list[TrackedAction]) -> list[str]:
    return sorted({a.owner_agency for a in actions})


def has_replied(actions: list[TrackedAction], code: str, request: ImpactRequest) -> bool:
    """The agency has reported on every one of its actions since it was asked."""
    return all(any(u.reported_on >= request.requested_on for u in a.history)
               for a in actions if a.owner_agency == code)


def ask_for_progress(tracker: Tracker) -> dict[str, list[str]]:
    """Requests for audits whose review has come; the one reminder where replies are due in a week.

    Returns, by audit ref, what was sent ("requested POL", "reminded POL"): safe for XCom.
    """
    done: dict[str, list[str]] = {}
    for definition in due_reviews(tracker):
        ref, actions = definition.ref, tracker.actions(definition.ref)
        request = request_of(tracker, ref)
        if request is None:
            request = ImpactRequest(tracker.today)
            for code in owners(actions):
                if _email_owner(tracker, definition, actions, code, "impact_request", request):
                    done.setdefault(ref, []).append(f"requested {code}")
            tracker.record(ref, IMPACT, "requested", tracker.today.isoformat())
        elif tracker.today >= request.remind_on and not tracker.happened(ref, IMPACT, "reported"):
            for code in owners(actions):
                if has_replied(actions, code, request) or tracker.happened(ref, IMPACT, f"reminded/{code}"):
                    continue
                if _email_owner(tracker, definition, actions, code, "impact_reminder", request):
                    done.setdefault(ref, []).append(f"reminded {code}")
                tracker.record(ref, IMPACT, f"reminded/{code}", tracker.today.isoformat())
    return done


def _email_owner(tracker: Tracker, definition: AuditDefinition, actions: list[TrackedAction], code: str,
                 kind: str, request: ImpactRequest) -> bool:
    """The agency's actions in a pre-filled workbook (saved as `<AGENCY>.xlsx`, the name to send back)."""
    coordinator = tracker.coordinator(definition.ref, code)
    if coordinator is None:
        log.warning("%s: owner agency %s is not among the audit's agencies now; nobody to ask", definition.ref, code)
        return False
    own = [a for a in actions if a.owner_agency == code]
    workbook = write_update_workbook(own, tracker.output_path(definition.ref, "impact-review", f"{code}.xlsx"))
    body = rendering.render(f"email/{kind}.txt", audit=definition, coordinator=coordinator, code=code, actions=own,
                          request=request)
    what = ("Impact review: please report progress on your agency's actions" if kind == "impact_request"
            else f"Reminder: impact review progress due by {request.reply_by:%d %B %Y}")
    return tracker.mailer.send(Email(ref=definition.ref, kind=f"{kind}-{code}", recipient=coordinator.email,
                                     what=what, body=body, marking=OFFICIAL, attachments=(workbook,),
                                     reply_to=definition.business_unit.email))


def send_reports(tracker: Tracker) -> list[str]:
    """The impact update report to QiiP for each audit whose owners have all replied or whose three weeks are over."""
    sent = []
    for definition in due_reviews(tracker):
        ref, actions = definition.ref, tracker.actions(definition.ref)
        request = request_of(tracker, ref)
        if request is None or tracker.happened(ref, IMPACT, "reported"):
            continue
        if tracker.today <= request.reply_by and not all(has_replied(actions, c, request) for c in owners(actions)):
            continue
        context = impact_context(tracker, definition, actions, request)
        path = rendering.html_to_pdf(rendering.render("reports/impact_update_report.html", **context),
                                   tracker.output_path(ref, "impact-update-report.pdf"))
        body = rendering.render("email/impact_report.txt", **context)
        for recipient in definition.qiip.emails:
            tracker.mailer.send(Email(ref=ref, kind="impact_update_report", recipient=recipient, body=body,
                                      what="Impact review: progress on the agreed actions", attachments=(path,),
                                      marking=context["marking"]))
        tracker.record(ref, IMPACT, "reported", tracker.today.isoformat())
        sent.append(ref)
    return sent


def impact_context(tracker: Tracker, definition: AuditDefinition, actions: list[TrackedAction],
                   request: ImpactRequest) -> dict[str, Any]:
    """Progress against what was agreed: each action as signed off beside its updates since.

    Owners' progress notes are free text from the agencies, unreviewed by the Business Unit and
    possibly describing casework (by case ref): a report quoting any is OFFICIAL-SENSITIVE.
    """
    rows = [{**action_row(a, tracker.today), "agreed_status": a.agreed_status, "history": a.history,
             "since_request": [u for u in a.history if u.reported_on >= request.requested_on]} for a in actions]
    replied = {code: has_replied(actions, code, request) for code in owners(actions)}
    quotes_notes = any(u.progress_note for a in actions for u in a.history)
    approved = approval(tracker.store, definition.ref)
    return {
        "audit": definition, "marking": OFFICIAL_SENSITIVE if quotes_notes else OFFICIAL, "rehearsal": False,
        "generated_on": tracker.today, "timetable": definition.timetable.dates, "request": request,
        "approved": shown(approved, AuditClock()) if approved else None,  # the tracker runs on the wall clock
        "rows": rows, "replied": replied, "rag_order": RAG_ORDER,
        "rag_counts": Counter(r["rag"] for r in rows),
        "status_counts": [(s, sum(1 for r in rows if r["status"] == s)) for s in STATUSES],
        "sharing": sharing_status(definition, tracker.store),
    }
