"""Phase 4: a coordinator's confirmation that the learning briefing was shared, checked field by field (the text
never repeated when it names a child) and stored, a later one replacing the earlier."""

from __future__ import annotations

from datetime import date

import pytest

from maa.audit.definitions import AuditDefinition, load_definition
from maa.outputs.store import Store
from maa.signoff.sharing import PUBLISHED, SharingRefused, confirm_sharing, sharing_status
from tests.helpers.definitions import AuditFolders

TODAY = date(2026, 10, 20)


@pytest.fixture
def audit(folders: AuditFolders) -> tuple[AuditDefinition, Store]:
    definition = load_definition(folders.write_definition())
    return definition, Store(f"sqlite:///{folders.data}/store.sqlite")


def _refused(definition: AuditDefinition, store: Store, code: str = "POL", shared_on: str = "2026-10-19",
             how: str = "Team briefings") -> list[tuple[str, str]]:
    with pytest.raises(SharingRefused) as refused:
        confirm_sharing(definition, store, code, shared_on, how, "Ben Okafor", TODAY)
    return refused.value.problems


def test_nothing_is_confirmed_before_the_briefing_is_sent(audit) -> None:
    definition, store = audit
    assert _refused(definition, store) == [("audit", "the learning briefing for MATA-2026-01 has not been sent yet")]
    store.record_event(definition.ref, PUBLISHED, "final")
    assert _refused(definition, store, code="XYZ") == [("agency", "XYZ takes no part in MATA-2026-01")]


def test_each_field_is_checked_and_named(audit) -> None:
    definition, store = audit
    store.record_event(definition.ref, PUBLISHED, "final")
    assert _refused(definition, store, shared_on="20/10/2026", how="  ") == [
        ("shared_on", "not a date: give the day it was shared (YYYY-MM-DD)"),
        ("how", 'say how it was shared, such as "team briefings in each locality"')]
    assert _refused(definition, store, shared_on="2026-10-21", how="x" * 301) == [
        ("shared_on", "21 October 2026 is after today: confirm once it has been shared"),
        ("how", "longer than 300 characters: one line is enough")]
    assert _refused(definition, store, how="Briefed the team at GL1 2AB") == [
        ("how", "gives a postcode: write no address (name the area if it matters)")]


def test_a_confirmation_is_stored_and_a_later_one_replaces_it(audit) -> None:
    definition, store = audit
    store.record_event(definition.ref, PUBLISHED, "final")
    assert all(s.shared is None for s in sharing_status(definition, store))
    confirm_sharing(definition, store, "pol", "2026-10-12", "Locality\nbriefings", "Ben Okafor", TODAY)
    confirm_sharing(definition, store, "POL", "2026-10-19", "Team briefings and the intranet", "Ben Okafor", TODAY)
    statuses = {s.agency.code: s.shared for s in sharing_status(definition, store)}
    assert list(statuses) == [a.code for a in definition.agencies]
    shared = statuses["POL"]
    assert shared is not None and (shared.agency_code, shared.shared_on, shared.how, shared.confirmed_by) == (
        "POL", date(2026, 10, 19), "Team briefings and the intranet", "Ben Okafor")
    assert [code for code, s in statuses.items() if s is None] == [
        a.code for a in definition.agencies if a.code != "POL"]
