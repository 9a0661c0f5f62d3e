"""How an audit ended, from its record: a run's first record stays, the latest run's end counts, a withdrawal
applied again by later runs counts from the first, and QiiP's approval takes the place of any other end."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from maa.outputs.store import Store
from maa.privacy.endings import Ending, audit_end, record_ending, refs_with_endings, reopen_run
from maa.signoff.decisions import APPROVE, Decision, record_decision
from tests.helpers.definitions import AuditFolders

REF = "MATA-2026-01"
FIRST, SECOND, THIRD = (datetime(2026, 10, day, 23, 30, tzinfo=UTC) for day in (5, 12, 19))


@pytest.fixture
def store(folders: AuditFolders) -> Store:
    return Store(f"sqlite:///{folders.data / 'store.sqlite'}")


def test_no_record_no_end(store: Store) -> None:
    assert audit_end(store, REF) is None and refs_with_endings(store) == []


def test_a_runs_first_record_stays_and_its_day_is_londons(store: Store) -> None:
    assert record_ending(store, REF, "run-1", Ending.withdrawn, FIRST, "withdrawn")
    assert not record_ending(store, REF, "run-1", Ending.without_approval, THIRD, "the same run's end, later")

    ended = audit_end(store, REF)

    assert ended is not None and (ended.ending, ended.at) == (Ending.withdrawn, FIRST)
    assert ended.day == date(2026, 10, 6), "23:30 UTC in October is 00:30 the next day in London"
    assert ended.describe() == "withdrawn 2026-10-06" and refs_with_endings(store) == [REF]


def test_a_later_run_that_ends_later_moves_the_end_on(store: Store) -> None:
    record_ending(store, REF, "run-1", Ending.without_approval, FIRST)
    record_ending(store, REF, "run-2", Ending.without_approval, SECOND)

    assert audit_end(store, REF).at == SECOND


def test_a_withdrawal_applied_again_by_later_runs_counts_from_the_first(store: Store) -> None:
    record_ending(store, REF, "run-1", Ending.without_approval, FIRST)
    record_ending(store, REF, "run-2", Ending.withdrawn, SECOND)
    record_ending(store, REF, "run-3", Ending.withdrawn, THIRD)

    assert (audit_end(store, REF).ending, audit_end(store, REF).at) == (Ending.withdrawn, SECOND)


def test_qiips_approval_is_the_end_whatever_else_is_recorded(store: Store) -> None:
    record_ending(store, REF, "run-1", Ending.without_approval, THIRD)
    record_decision(store, REF, Decision(1, "qiip_signoff", APPROVE, "qiip", SECOND, "", "Priya Nair", "QiiP"))

    ended = audit_end(store, REF)

    assert (ended.ending, ended.at, ended.detail) == (Ending.approved, SECOND, "approved by Priya Nair (QiiP)")


def test_a_failed_run_that_goes_on_has_not_ended(store: Store) -> None:
    """An operator clears the failed task and the same run carries on: retention must not count from the failure."""
    record_ending(store, REF, "run-1", Ending.without_approval, FIRST)
    assert reopen_run(store, REF, "run-1") and audit_end(store, REF) is None
    assert not reopen_run(store, REF, "run-1"), "nothing left to reopen"
    record_ending(store, REF, "run-2", Ending.withdrawn, SECOND)
    assert not reopen_run(store, REF, "run-2"), "a withdrawal stays: the audit was withdrawn"
    assert record_ending(store, REF, "run-1", Ending.without_approval, THIRD), "its next end is recorded afresh"
