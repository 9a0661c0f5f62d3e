"""Phase 1 and 2 steps: thin Airflow shells around `maa.preparation` and `maa.returns`, run by
AuditStepOperator with the task's `AuditContext`.

They return only what is safe in XCom (counts, agency codes), never a child's data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow.sdk.exceptions import AirflowFailException

if TYPE_CHECKING:  # built by the operator at run time; importing it at parse time would cost every parse
    from maa.pipeline.context import AuditContext


def prepare_audit(audit: AuditContext) -> str:
    """Apply store migrations, check the pseudonym key, record the audit and its timetable (a rehearsal's
    record marked as such; a real run first removes a rehearsal's)."""
    from maa.audit.pseudonym import MissingPseudonymKey
    from maa.outputs import rehearsals
    from maa.outputs.store import migrate
    from maa.pipeline.resources import pseudonym_key
    from maa.preparation import notice

    migrate(audit.store.engine)
    ref = audit.definition.ref
    try:
        rehearsals.start_run(audit.store, ref, rehearsal=audit.rehearsal)
        notice.prepare(audit.definition, audit.definition_file, audit.store, pseudonym_key)
    except (MissingPseudonymKey, rehearsals.RehearsalRefused) as refused:  # no retry mends it: tell the operator now
        raise AirflowFailException(str(refused)) from refused
    rehearsals.mark_run(audit.store, ref, rehearsal=audit.rehearsal)
    return ref


def send_notice(audit: AuditContext) -> int:
    """The notice of audit to every agency's coordinator (once each)."""
    from maa.preparation import notice

    return notice.send_notice(audit.definition, audit.mailer)


def build_audit_packs(audit: AuditContext) -> list[str]:
    """Each agency's audit pack PDF and pre-filled return workbook."""
    from maa.preparation import audit_packs

    return audit_packs.build_audit_packs(audit.definition, audit.store, audit.today, rehearsal=audit.rehearsal)


def send_audit_packs(audit: AuditContext) -> int:
    """The audit pack and return workbook to every coordinator (OFFICIAL-SENSITIVE, once each)."""
    from maa.preparation import audit_packs

    return audit_packs.send_audit_packs(audit.definition, audit.mailer)


def escalate_missing_returns(audit: AuditContext) -> list[dict[str, str]]:
    """At the deadline: the return-status summary to the Business Unit (also this task's XCom, for the UI),
    once every return that landed by the deadline has its outcome."""
    from maa.returns import at_deadline

    audit.await_landed_returns("submission_deadline")
    return at_deadline.escalate_at_deadline(audit.definition, audit.store, audit.mailer)


def report_no_returns(audit: AuditContext) -> list[str]:
    """After every agency's grace period: QiiP and the Business Unit told of agencies with no return."""
    from maa.returns import at_deadline

    return at_deadline.report_no_returns(audit.definition, audit.store, audit.mailer)


def receive_data_extracts(audit: AuditContext) -> dict[str, str]:
    """The Business Unit's data extracts (inbox/<REF>/data/<measure>.csv): each checked, then loaded and
    archived, or quarantined with its reasons emailed to the Business Unit. A measure with no extract is
    reported as such; an extract that comes later is taken in at the next look."""
    from maa.paa import extracts

    return extracts.receive_extracts(audit.definition, audit.store, audit.mailer, audit.inbox)
