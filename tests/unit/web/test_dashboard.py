"""The dashboard's phase of an audit follows its record; its timeline says where today is in words; its
reports are listed by title, the draft no longer once the final report exists."""

from __future__ import annotations

from datetime import timedelta

from maa.audit.definitions import AuditDefinition, Status
from maa.programme.phase import (
    AUDIT_COMPLETION,
    FINDINGS,
    IMPACT,
    NOT_STARTED,
    PREPARATION,
    REPORT,
    SHARING,
    Progress,
    phase_of,
)
from maa.web.dashboard import Milestone, reports_of, where_today_is
from tests.helpers.definitions import AuditFolders, sample_definition


def test_an_audits_phase_follows_its_record_not_only_its_dates() -> None:
    definition = AuditDefinition.model_validate(sample_definition())
    dates = definition.timetable.dates

    def phase(day, packs_sent=True, returns_open=False, briefing_sent=False, approved=False):
        return phase_of(definition, day, Progress(packs_sent, returns_open, briefing_sent, approved))

    assert phase(dates["notice_issued"] - timedelta(days=1), packs_sent=False) == NOT_STARTED
    assert phase(dates["notice_issued"], packs_sent=False) == PREPARATION
    assert phase(dates["submission_deadline"], returns_open=True) == AUDIT_COMPLETION
    assert phase(dates["chair_report_due"], returns_open=True) == AUDIT_COMPLETION, \
        "returns still being taken is Phase 2, whatever the date"
    assert phase(dates["practitioner_event"]) == FINDINGS
    assert phase(dates["chair_report_due"]) == FINDINGS, "no chair's report before the chair has the briefing"
    assert phase(dates["review_end"], briefing_sent=True) == REPORT
    assert phase(dates["signoff_due"], approved=True) == SHARING
    assert phase(dates["impact_review_due"], approved=True) == IMPACT
    for status in (Status.paused, Status.withdrawn):
        halted = definition.model_copy(update={"status": status})
        assert phase_of(halted, dates["notice_issued"], Progress(True, True, False, False)) == \
            status.value.capitalize()


def test_the_timeline_says_where_today_is_also_outside_its_twelve_weeks() -> None:
    definition = AuditDefinition.model_validate(sample_definition())
    dates = definition.timetable.dates
    names = ("notice_issued", "submission_deadline", "practitioner_event", "review_end", "chair_report_due",
             "signoff_due")
    bar = tuple(Milestone(name, dates[name], False) for name in names)

    assert where_today_is(bar, dates["signoff_due"] + timedelta(weeks=3)) == (
        None, "Today is 3 weeks after the sign-off was due.")
    assert where_today_is(bar, dates["notice_issued"] - timedelta(days=1)) == (
        None, "Today is 1 day before the notice is issued.")
    assert where_today_is(bar, dates["submission_deadline"] + timedelta(days=1)) == (
        2, "Today comes after “submission_deadline” and before “practitioner_event”.")
    assert where_today_is(bar, dates["review_end"]) == (3, "Today is the day of “review_end”.")


def test_reports_are_listed_by_title_and_the_draft_goes_once_the_final_exists(folders: AuditFolders) -> None:
    output = folders.output / "MATA-2026-01"
    output.mkdir()
    for name in ("chair-briefing.pdf", "audit-overview-report-draft.pdf", "audit-pack-CSC.pdf"):
        (output / name).write_bytes(b"%PDF-1.7")
    assert reports_of("MATA-2026-01") == (("chair-briefing.pdf", "Chair's briefing"),
                                          ("audit-overview-report-draft.pdf", "Audit Overview Report: latest draft"))
    (output / "audit-overview-report.pdf").write_bytes(b"%PDF-1.7")
    assert [title for _, title in reports_of("MATA-2026-01")] == ["Chair's briefing", "Audit Overview Report (final)"]
