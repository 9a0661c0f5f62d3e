"""Phase 1 tasks: thin Airflow shells around `maa.phase1`.

They return only what is safe in XCom (counts, agency codes), never a child's data.
"""

from __future__ import annotations

from airflow.sdk import get_current_context, task

from maa.definitions import load_current


def _mailer(store):
    from maa.mailer import Mailer
    from maa.pipeline.operators import is_dry_run

    return Mailer(store, dry_run=is_dry_run(get_current_context()))


@task
def prepare_audit(definition_file: str) -> str:
    """Apply store migrations, check the pseudonym key, record the audit and its timetable."""
    from maa import phase1
    from maa.store import Store

    definition = load_current(definition_file)
    phase1.prepare(definition, definition_file, Store())
    return definition.ref


@task
def send_notice(definition_file: str) -> int:
    """The notice of audit to every agency's coordinator (once each)."""
    from maa import phase1
    from maa.store import Store

    return phase1.send_notice(load_current(definition_file), _mailer(Store()))


@task
def build_audit_packs(definition_file: str) -> list[str]:
    """Each agency's audit pack PDF and pre-filled return workbook."""
    from maa import clock, phase1
    from maa.store import Store

    return phase1.build_audit_packs(load_current(definition_file), Store(), clock.now().date())


@task
def send_audit_packs(definition_file: str) -> int:
    """The audit pack and return workbook to every coordinator (OFFICIAL-SENSITIVE, once each)."""
    from maa import phase1
    from maa.store import Store

    return phase1.send_audit_packs(load_current(definition_file), _mailer(Store()))
