"""Sign-off decisions kept in the store as events: read back as recorded, once per round and stage, and
QiiP's approval found among them."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from maa.outputs.store import Store
from maa.signoff.decisions import APPROVE, REQUEST_CHANGES, Decision, approval, decisions, record_decision

REF = "MATA-2026-01"
BU_APPROVES = Decision(1, "bu_quality_assurance", APPROVE, "business-unit", datetime(2026, 8, 20, 9, 0, tzinfo=UTC),
                       "Ready.")
QIIP_ASKS = Decision(1, "qiip_signoff", REQUEST_CHANGES, "qiip", datetime(2026, 8, 21, 10, 0, tzinfo=UTC),
                     "Name the themes.")
QIIP_APPROVES = Decision(2, "qiip_signoff", APPROVE, "qiip", datetime(2026, 8, 24, 16, 30, tzinfo=UTC), "")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(f"sqlite:///{tmp_path / 'store.sqlite'}")


def test_decisions_read_back_as_recorded_in_order(store: Store) -> None:
    for decision in (BU_APPROVES, QIIP_ASKS):
        record_decision(store, REF, decision)
    assert decisions(store, REF) == [BU_APPROVES, QIIP_ASKS]
    assert decisions(store, "MATA-2026-02") == []


def test_a_round_and_stage_is_recorded_once(store: Store) -> None:
    record_decision(store, REF, QIIP_ASKS)
    record_decision(store, REF, Decision(1, "qiip_signoff", APPROVE, "qiip", datetime(2026, 8, 21, 11, 0, tzinfo=UTC),
                                         "again"))
    assert decisions(store, REF) == [QIIP_ASKS], "a retried task's answer does not count twice"


def test_the_approval_is_qiips_and_only_an_approve(store: Store) -> None:
    record_decision(store, REF, BU_APPROVES)
    record_decision(store, REF, QIIP_ASKS)
    assert approval(store, REF) is None, "the Business Unit's approval and QiiP's request for changes are not it"
    record_decision(store, REF, QIIP_APPROVES)
    assert approval(store, REF) == QIIP_APPROVES
