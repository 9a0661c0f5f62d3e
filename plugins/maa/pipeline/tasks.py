"""Phase 1 and 2 steps: thin Airflow shells around `maa.phase1` and `maa.phase2`, run by AuditStepOperator.

They return only what is safe in XCom (counts, agency codes), never a child's data.
"""

from __future__ import annotations

from airflow.sdk import get_current_context
from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

from maa.audit.definitions import AuditDefinition, Status
from maa.audit.definitions import load_current as _load_definition


def load_current(definition_file: str) -> AuditDefinition:
    """The definition now; a withdrawn audit skips whatever is left of its run."""
    definition = _load_definition(definition_file)
    if definition.status is Status.withdrawn:
        raise AirflowSkipException(f"{definition.ref} is withdrawn")
    return definition


def mailer_for(store, definition: AuditDefinition):
    from maa.pipeline.operators import make_mailer

    return make_mailer(get_current_context(), definition, store)


def prepare_audit(definition_file: str) -> str:
    """Apply store migrations, check the pseudonym key, record the audit and its timetable."""
    from maa.audit.pseudonym import MissingPseudonymKey
    from maa.outputs.store import Store
    from maa.preparation import notice

    definition = load_current(definition_file)
    try:
        notice.prepare(definition, definition_file, Store())
    except MissingPseudonymKey as missing:  # configuration: no retry will mend it, so the operator hears now
        raise AirflowFailException(str(missing)) from missing
    return definition.ref


def send_notice(definition_file: str) -> int:
    """The notice of audit to every agency's coordinator (once each)."""
    from maa.outputs.store import Store
    from maa.preparation import notice

    definition, store = load_current(definition_file), Store()
    return notice.send_notice(definition, mailer_for(store, definition))


def build_audit_packs(definition_file: str) -> list[str]:
    """Each agency's audit pack PDF and pre-filled return workbook."""
    from maa.outputs.store import Store
    from maa.pipeline.operators import audit_clock
    from maa.preparation import audit_packs

    definition = load_current(definition_file)
    audit = audit_clock(get_current_context(), definition)
    return audit_packs.build_audit_packs(definition, Store(), audit.now().date(), rehearsal=audit.rehearsal)


def send_audit_packs(definition_file: str) -> int:
    """The audit pack and return workbook to every coordinator (OFFICIAL-SENSITIVE, once each)."""
    from maa.outputs.store import Store
    from maa.preparation import audit_packs

    definition, store = load_current(definition_file), Store()
    return audit_packs.send_audit_packs(definition, mailer_for(store, definition))


def escalate_missing_returns(definition_file: str) -> list[dict[str, str]]:
    """At the deadline: the return-status summary to the Business Unit (also this task's XCom, for the UI)."""
    from maa.outputs.store import Store
    from maa.returns import at_deadline

    definition, store = load_current(definition_file), Store()
    return at_deadline.escalate_at_deadline(definition, store, mailer_for(store, definition))


def report_no_returns(definition_file: str) -> list[str]:
    """After every agency's grace period: QiiP and the Business Unit told of agencies with no return."""
    from maa.outputs.store import Store
    from maa.returns import at_deadline

    definition, store = load_current(definition_file), Store()
    return at_deadline.report_no_returns(definition, store, mailer_for(store, definition))
