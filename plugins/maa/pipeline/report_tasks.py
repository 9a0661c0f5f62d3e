"""Phase 3 and 4 steps: thin Airflow shells around `maa.meeting` and `maa.signoff`, run by
AuditStepOperator with the task's `AuditContext`.

They return only what is safe in XCom and the UI (counts, paths, a summary with no child's data).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # built by the operator at run time; importing it at parse time would cost every parse
    from maa.pipeline.context import AuditContext


def send_practitioner_pack(audit: AuditContext) -> int:
    """At the deadline: the pack (invitation, agenda, every return that landed by then) to practitioners,
    coordinators and the chair."""
    from maa.meeting import practitioner_pack

    audit.await_landed_returns("submission_deadline")
    return practitioner_pack.send_practitioner_pack(audit.definition, audit.store, audit.mailer, audit.today,
                                                    audit.rehearsal)


def send_late_returns_addendum(audit: AuditContext) -> int:
    """After the grace period: returns the pack did not carry follow it as an addendum."""
    from maa.meeting import practitioner_pack

    return practitioner_pack.send_late_returns_addendum(audit.definition, audit.store, audit.mailer, audit.today,
                                                        audit.rehearsal)


def send_chair_briefing(audit: AuditContext) -> str:
    """Every return aggregated for the chair: grade matrix, charts, learning by domain, recurring themes."""
    from maa import config
    from maa.meeting import chair_briefing
    from maa.preparation.return_template import write_analysis_template

    definition = audit.definition
    path = chair_briefing.build_chair_briefing(definition, audit.store, audit.today, audit.rehearsal)
    template = write_analysis_template(definition, config.audit_output(definition.ref) / "analysis-template.xlsx")
    chair_briefing.send_to_chair(definition, audit.mailer, "chair_briefing", "Chair's briefing",
                                 "email/chair_briefing.txt", attachments=(path, template))
    audit.store.record_event(definition.ref, "chair_briefing_sent", "v1", path.name)
    return str(path)


def build_draft_report(audit: AuditContext, round_number: int) -> str:
    """The draft Audit Overview Report (marked DRAFT); returns the summary shown in the sign-off form."""
    from airflow.providers.common.compat.sdk import conf

    from maa.signoff import drafts
    from maa.signoff.decisions import decisions

    summary = drafts.build_draft(audit.definition, audit.store, round_number, audit.today, audit.clock)
    base_url = conf.get("api", "base_url", fallback="http://localhost:8080").rstrip("/")
    draft_url = f"{base_url}/maa/reports/{audit.definition.ref}/audit-overview-report-draft.pdf"
    return drafts.draft_summary_markdown(audit.definition, summary, draft_url,
                                         decisions(audit.store, audit.definition.ref))


def send_changes_to_chair(audit: AuditContext, round_number: int) -> int:
    """The comment sent back, to the chair; the revision must follow the returned analysis version."""
    from maa.signoff import drafts

    return drafts.send_changes_to_chair(audit.definition, audit.store, audit.mailer, round_number, audit.clock)


def alert_rounds_exhausted(audit: AuditContext) -> None:
    """Three rounds of changes without sign-off: the Business Unit is told."""
    from maa.signoff import drafts

    drafts.alert_rounds_exhausted(audit.definition, audit.store, audit.mailer, audit.clock)


def remind_qiip_of_signoff(audit: AuditContext) -> str:
    """When sign-off is due unapproved: QiiP reminded if it has been asked, else the Business Unit told what
    the sign-off waits for (returns who was reminded)."""
    from maa.signoff import reminder

    return reminder.remind_of_signoff(audit.definition, audit.store, audit.mailer)


def publish_final_report(audit: AuditContext) -> dict[str, Any]:
    """Approved: any attendance record in the inbox taken in first, then the final report and learning briefing
    emailed to those in attendance; the actions into the tracker."""
    from maa.meeting.attendance import receive_attendance
    from maa.signoff import final_report

    receive_attendance(audit.definition, audit.store, audit.mailer, audit.inbox)
    return final_report.publish_final(audit.definition, audit.store, audit.mailer, audit.today, audit.clock)
