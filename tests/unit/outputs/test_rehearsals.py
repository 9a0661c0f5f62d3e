"""A rehearsal's record is marked and kept apart: the tracker and the pages leave it out; a real run of the
audit removes it first (what retention and resolution logged stays); a rehearsal over a real record is refused."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from maa import config
from maa.outputs import rehearsals
from maa.outputs.store import Store
from maa.privacy.endings import Ending, record_ending
from maa.tracker.actions import tracked_actions
from maa.web.dashboard import summarise
from tests.helpers.definitions import AuditFolders
from tests.helpers.tracker_seed import ACTIONS_A, ACTIONS_B, REF_A, REF_B, seed_audit

TODAY = date(2026, 6, 1)  # before REF_A's notice: its timetable's deadlines are all ahead


@pytest.fixture
def store(folders: AuditFolders) -> Store:
    return Store(f"sqlite:///{folders.data / 'store.sqlite'}")


@pytest.fixture
def rehearsed(folders: AuditFolders, store: Store):
    """REF_A rehearsed (its actions approved in the rehearsal), REF_B a real audit."""
    rehearsals.start_run(store, REF_A, rehearsal=True)
    definition = seed_audit(folders, store, {}, ACTIONS_A)
    rehearsals.mark_run(store, REF_A, rehearsal=True)
    seed_audit(folders, store, {"ref": REF_B}, ACTIONS_B)
    return definition


def test_a_rehearsals_actions_are_not_tracked_and_its_page_row_says_rehearsal(rehearsed, store: Store) -> None:
    assert rehearsals.rehearsal_refs(store) == {REF_A}
    assert {a.audit_ref for a in tracked_actions(store)} == {REF_B}
    assert tracked_actions(store, REF_A) == []

    row = summarise(rehearsed, store, TODAY)
    assert row.rehearsal and row.next_deadline is None, "its milestones are not shown as the audit's deadlines"


def test_the_first_real_run_removes_the_rehearsals_record_and_keeps_what_was_logged(rehearsed, store: Store) -> None:
    store.record_event(REF_A, "signoff_decision", "round1/bu_quality_assurance", "{}")
    reports = config.audit_output(REF_A)
    reports.mkdir(parents=True, exist_ok=True)
    (reports / "audit-overview-report.pdf").write_bytes(b"%PDF- the rehearsal's final report")
    record_ending(store, REF_A, "manual__real", Ending.withdrawn, datetime(2026, 6, 1, tzinfo=UTC))

    rehearsals.start_run(store, REF_A, rehearsal=False)
    rehearsals.mark_run(store, REF_A, rehearsal=False)

    assert store.events(REF_A) == [] and store.actions(REF_A) == [], "no decision or action of the rehearsal stays"
    assert list(reports.iterdir()) == [], "the pages would serve its reports as the real audit's"
    assert store.actions(REF_B) != [] and rehearsals.rehearsal_refs(store) == set()
    assert rehearsals.recorded_as(store, REF_A) is False
    with store.connect() as connection:
        kept = connection.exec_driver_sql("SELECT COUNT(*) FROM audit_endings WHERE audit_ref = ?", (REF_A,))
        assert kept.scalar_one() == 1


def test_a_rehearsal_of_an_audit_with_a_real_record_is_refused(rehearsed, store: Store) -> None:
    rehearsals.start_run(store, REF_B, rehearsal=False)
    rehearsals.mark_run(store, REF_B, rehearsal=False)

    with pytest.raises(rehearsals.RehearsalRefused, match=f"{REF_B} has a real run's record"):
        rehearsals.start_run(store, REF_B, rehearsal=True)
    assert store.actions(REF_B) != []
    rehearsals.start_run(store, REF_A, rehearsal=True)  # rehearsing again what was rehearsed is fine


def test_a_rehearsals_approval_ends_nothing_so_starts_no_purge(rehearsed, store: Store) -> None:
    from maa.privacy.endings import audit_end
    from maa.signoff.decisions import APPROVE, Decision, record_decision

    record_decision(store, REF_A, Decision(1, "qiip_signoff", APPROVE, "qiip", datetime(2026, 6, 2, tzinfo=UTC), "",
                                           "Priya Nair", "QiiP"))
    assert audit_end(store, REF_A) is None


def test_a_rehearsals_meeting_and_briefing_ask_nothing_of_people_on_the_pages(rehearsed, folders: AuditFolders,
                                                                              store: Store) -> None:
    """No attendance form for a rehearsal's meeting, no sharing confirmation for its learning briefing."""
    from maa.meeting.practitioner_pack import PACK_SENT
    from maa.signoff.final_report import PUBLISHED
    from maa.web.attendance_view import meetings
    from maa.web.sharing_view import sharing_slots
    from tests.helpers.tracker_seed import seed_audit as seed

    real = seed(folders, store, {"ref": REF_B}, ACTIONS_B)
    for ref in (REF_A, REF_B):
        store.record_event(ref, PACK_SENT, "v1")
        store.record_event(ref, PUBLISHED, "final")
    assert [d.ref for d in meetings([rehearsed, real], store)] == [REF_B]
    code = real.agencies[0].code
    assert [s.definition.ref for s in sharing_slots([rehearsed, real], store, code)] == [REF_B]
