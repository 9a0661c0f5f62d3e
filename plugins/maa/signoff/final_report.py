"""Once QiiP approves: the final Audit Overview Report and the one-page learning briefing, emailed to QiiP,
the chair, the Business Unit, the coordinators and everyone invited to the findings meeting but those recorded
as absent; the agreed actions into the tracker.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from maa import config
from maa.audit.clock import AuditClock
from maa.audit.definitions import AuditDefinition
from maa.meeting.attendance import in_attendance
from maa.meeting.chair_analysis import read_accepted_analysis
from maa.outputs import rendering
from maa.outputs.mailer import OFFICIAL, Email, Mailer
from maa.outputs.store import Store
from maa.returns.receiving import WALL_CLOCK
from maa.signoff.decisions import approval, shown
from maa.signoff.drafts import report_context
from maa.signoff.sharing import PUBLISHED

log = logging.getLogger(__name__)



def publish_final(definition: AuditDefinition, store: Store, mailer: Mailer, today: date,
                  audit_clock: AuditClock = WALL_CLOCK) -> dict[str, Any]:
    """The final report and learning briefing, emailed; the agreed actions into the tracker. `today` is the
    audit's day and `audit_clock` the run's, so that every date the reports show is audit time."""
    approved = approval(store, definition.ref)
    if approved is None:
        raise RuntimeError(f"{definition.ref}: no QiiP approval is recorded; the final report cannot be published")
    analysis, version = read_accepted_analysis(definition, store)
    context = report_context(definition, store, analysis, today, audit_clock)
    output = config.audit_output(definition.ref)
    report = rendering.html_to_pdf(
        rendering.render("reports/audit_overview_report.html", **context, draft=False, round=approved.round,
                         approved=shown(approved, audit_clock)),
        output / "audit-overview-report.pdf")
    briefing = rendering.html_to_pdf(rendering.render("reports/learning_briefing.html", **context),
                                   output / "learning-briefing.pdf")
    store.save_actions(definition.ref, [{**a, "status": "Not started"} for a in analysis.actions])
    store.record_event(definition.ref, PUBLISHED, "final", f"analysis v{version}, approved by {approved.who}")
    recipients = dict.fromkeys([*definition.qiip.emails, definition.chair.email, definition.business_unit.email,
                                *(a.coordinator.email for a in definition.agencies),
                                *(email for _, _, email in in_attendance(definition, store))])
    body = rendering.render("email/final_report.txt", audit=definition, approved=shown(approved, audit_clock),
                          actions=len(analysis.actions))
    sent = sum(mailer.send(Email(ref=definition.ref, kind="final_report", recipient=r, body=body, marking=OFFICIAL,
                                 what="Audit Overview Report (final) and learning briefing",
                                 attachments=(report, briefing))) for r in recipients)
    return {"report": str(report), "briefing": str(briefing), "actions": len(analysis.actions), "emails": sent,
            "approved_by": approved.who}
