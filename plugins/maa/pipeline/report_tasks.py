"""Phase 3 and 4 steps: thin Airflow shells around `maa.phase3` and `maa.phase4`, run by AuditStepOperator.

They return only what is safe in XCom and the UI (counts, paths, a summary with no child's data).
"""

from __future__ import annotations

from typing import Any

from airflow.sdk import get_current_context

from maa.pipeline.tasks import load_current, mailer_for


def _today_and_rehearsal(definition) -> tuple[Any, bool]:
    from maa.pipeline.operators import audit_clock

    audit = audit_clock(get_current_context(), definition)
    return audit.now().date(), audit.rehearsal


def send_practitioner_pack(definition_file: str) -> int:
    """At the deadline: the pack (invitation, agenda, accepted returns) to practitioners, coordinators, chair."""
    from maa.meeting import practitioner_pack
    from maa.outputs.store import Store

    definition, store = load_current(definition_file), Store()
    return practitioner_pack.send_practitioner_pack(definition, store, mailer_for(store, definition),
                                         *_today_and_rehearsal(definition))


def send_late_returns_addendum(definition_file: str) -> int:
    """After the grace period: returns the pack did not carry follow it as an addendum."""
    from maa.meeting import practitioner_pack
    from maa.outputs.store import Store

    definition, store = load_current(definition_file), Store()
    return practitioner_pack.send_late_returns_addendum(definition, store, mailer_for(store, definition),
                                             *_today_and_rehearsal(definition))


def send_chair_briefing(definition_file: str) -> str:
    """Every return aggregated for the chair: grade matrix, charts, learning by domain, recurring themes."""
    from maa import config
    from maa.meeting import chair_briefing
    from maa.outputs.store import Store
    from maa.preparation.return_template import write_analysis_template

    definition, store = load_current(definition_file), Store()
    path = chair_briefing.build_chair_briefing(definition, store, *_today_and_rehearsal(definition))
    template = write_analysis_template(definition, config.audit_output(definition.ref) / "analysis-template.xlsx")
    chair_briefing.send_to_chair(definition, mailer_for(store, definition), "chair_briefing", "Chair's briefing",
                         "email/chair_briefing.txt", attachments=(path, template))
    store.record_event(definition.ref, "chair_briefing_sent", "v1", path.name)
    return str(path)


def build_draft_report(definition_file: str, round_number: int) -> str:
    """The draft Audit Overview Report (marked DRAFT); returns the summary shown in the sign-off form."""
    from maa.outputs.store import Store
    from maa.signoff import drafts

    definition = load_current(definition_file)
    summary = drafts.build_draft(definition, Store(), round_number, *_today_and_rehearsal(definition))
    return drafts.draft_summary_markdown(definition, summary)


def send_changes_to_chair(definition_file: str, round_number: int) -> int:
    """The comment sent back, to the chair; the revision must follow the returned analysis version."""
    from maa.outputs.store import Store
    from maa.signoff import drafts

    definition, store = load_current(definition_file), Store()
    return drafts.send_changes_to_chair(definition, store, mailer_for(store, definition), round_number)


def alert_rounds_exhausted(definition_file: str) -> None:
    """Three rounds of changes without sign-off: the Business Unit is told."""
    from maa.outputs.store import Store
    from maa.signoff import drafts

    definition, store = load_current(definition_file), Store()
    drafts.alert_rounds_exhausted(definition, store, mailer_for(store, definition))


def remind_qiip_of_signoff(definition_file: str) -> bool:
    """When sign-off is due and QiiP has not approved, QiiP is reminded."""
    from maa.outputs.store import Store
    from maa.signoff import drafts

    definition, store = load_current(definition_file), Store()
    return drafts.remind_qiip(definition, store, mailer_for(store, definition))


def publish_final_report(definition_file: str) -> dict[str, Any]:
    """Approved: the final report and learning briefing emailed; the actions into the tracker."""
    from maa.outputs.store import Store
    from maa.signoff import final_report

    definition, store = load_current(definition_file), Store()
    mailer = mailer_for(store, definition)
    return final_report.publish_final(definition, store, mailer, *_today_and_rehearsal(definition))
