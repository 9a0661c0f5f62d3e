"""The programme's records for a period, from a store holding several audits: each figure against the seed."""

from __future__ import annotations

from collections import Counter
from datetime import date
from types import SimpleNamespace

from maa.audit.definitions import AuditDefinition, definition_files, load_all
from maa.programme.phase import IMPACT, SHARING
from maa.programme.records import Period, programme_records
from maa.tracker.actions import stored_register
from maa.tracker.register import rag
from tests.helpers.programme_seed import (
    GRADES,
    IMPACT_REPORTS,
    REF_EARLIER,
    REF_LATER,
    UPDATES,
    YEAR,
    Programme,
    returns_of,
)
from tests.helpers.tracker_seed import REF_A, REF_B


def definitions() -> list[AuditDefinition]:
    return list(load_all(definition_files()).definitions.values())


def year_records(programme: Programme, *, known: list[AuditDefinition] | None = None, exclude: tuple[str, ...] = ()):
    return programme_records(programme.store, definitions() if known is None else known, YEAR, YEAR.last, exclude)


def test_the_audits_are_those_whose_run_overlaps_the_period_by_type_and_phase(programme: Programme) -> None:
    records = year_records(programme)
    assert [a.ref for a in records.audits] == [REF_A, REF_B, REF_LATER]
    assert records.by_type() == Counter({"MATA": 2, "MACA": 1})
    phases = {a.ref: a.phase for a in records.audits}
    by_ref = {d.ref: d for d in definitions()}
    assert by_ref[REF_A].timetable["impact_review_due"] <= YEAR.last < by_ref[REF_B].timetable["impact_review_due"]
    assert (phases[REF_A], phases[REF_B]) == (IMPACT, SHARING)
    assert not next(a for a in records.audits if a.ref == REF_LATER).approved_on


def test_an_audit_approved_after_the_as_of_day_is_not_approved_yet(programme: Programme) -> None:
    records = programme_records(programme.store, definitions(), YEAR, date(2026, 9, 29))
    assert all(a.approved_on is None for a in records.audits)
    assert all(a.phase not in (IMPACT, SHARING) for a in records.audits)


def test_returns_are_counted_per_agency_across_the_periods_audits(programme: Programme) -> None:
    records = year_records(programme)
    in_year = (REF_A, REF_B, REF_LATER)
    assert {r.code for r in records.returns} == {"CSC", "POL", "ICB", "GHC", "EDU", "PROB"}
    for row in records.returns:
        expected = returns_of(row.code, in_year)
        assert (row.on_time, row.late, row.no_return, row.awaiting) == (
            expected["accepted"], expected["accepted_late"], expected["no_return"], expected["waiting"]), row.code
        assert row.asked == len(in_year)
    police = next(r for r in records.returns if r.code == "POL")
    assert police.on_time_share == "50%", "one on time, one late; the running audit's is not counted"


def test_grades_per_domain_count_the_periods_case_audits_and_every_year_up_to_its_end(programme: Programme) -> None:
    records = year_records(programme)
    expected: dict[str, Counter] = {}
    for (ref, _), grades in GRADES.items():
        if ref in (REF_A, REF_B):
            for domain, grade in grades.items():
                expected.setdefault(domain, Counter())[grade] += 1
    assert records.grades == expected
    assert sorted(records.grades_by_year) == [2025, 2026]
    assert records.grades_by_year[2026] == expected
    assert records.grades_by_year[2025]["Information sharing"] == Counter({"Requires improvement": 1})


def test_recurring_themes_and_weak_domains_need_two_audits(programme: Programme) -> None:
    records = year_records(programme)
    both_approved = tuple(sorted((REF_A, REF_B)))
    themes = {t.label.casefold(): t.audits for t in records.themes}
    assert themes == {"drift": both_approved, "neglect": (REF_A, REF_LATER)}
    assert [(w.label, w.audits) for w in records.weak_domains] == [("Voice of the child", both_approved)]


def test_actions_stand_as_they_were_on_the_as_of_day(programme: Programme) -> None:
    records = year_records(programme)
    assert {a.audit_ref for a in records.actions} == {REF_A, REF_B}
    assert len(records.actions) == len(programme.actions[REF_A]) + len(programme.actions[REF_B])
    reported = {(ref, action): status for ref, action, status, day in UPDATES if day <= YEAR.last}
    for action in records.actions:
        status = reported.get((action.audit_ref, action.action_id), "Not started")
        assert (action.status, action.rag) == (status, rag(status, action.due_date, YEAR.last)), action.action_id
    assert records.count(status="Complete") == 1
    assert records.action_statuses().total() == len(records.actions)
    assert sum(records.action_rags().values()) == len(records.actions)


def test_impact_reviews_and_unanswered_findings(programme: Programme) -> None:
    records = year_records(programme)
    assert records.impact_reviews == [(REF_A, IMPACT_REPORTS[REF_A])]
    cited = {refs.casefold() for actions in programme.actions.values() for *_, text in actions
             for refs in text.split(";") if refs}
    unanswered = [f.ref for f in stored_register(programme.store) if f.ref.casefold() not in cited]
    assert [f.ref for f in records.unanswered] == unanswered
    assert "RR-2024-11" not in unanswered, "answered by an action agreed before the period"


def test_panel_decisions_are_read_from_the_definition_when_it_has_them(programme: Programme) -> None:
    assert year_records(programme).no_panel == [REF_A, REF_B, REF_LATER]
    decided = SimpleNamespace(approved_on=date(2026, 5, 20), minute="Audit Panel 2026-05 item 3",
                              sources=["SIN Decision Team"], nominated=7, selected=3,
                              not_selected=[SimpleNamespace(count=4, reason="outside the theme")])
    known = [d.model_copy(update={"panel": decided}) if d.ref == REF_A else d for d in definitions()]
    records = year_records(programme, known=known)
    assert [(p.ref, p.minute, p.nominated, p.selected, p.not_selected) for p in records.panel] == [
        (REF_A, "Audit Panel 2026-05 item 3", 7, 3, ((4, "outside the theme"),))]
    assert records.no_panel == [REF_B, REF_LATER]


def test_an_excluded_audit_and_one_without_a_definition(programme: Programme) -> None:
    records = year_records(programme, known=[d for d in definitions() if d.ref != REF_B], exclude=(REF_LATER,))
    assert [(a.ref, a.phase.startswith("Not known")) for a in records.audits] == [(REF_A, False), (REF_B, True)]
    assert REF_EARLIER not in {a.audit_ref for a in records.actions}


def test_a_period_that_ends_before_it_starts_is_refused() -> None:
    try:
        Period(date(2027, 1, 2), date(2027, 1, 1))
    except ValueError as refused:
        assert "ends" in str(refused)
    else:
        raise AssertionError("a backwards period was accepted")
