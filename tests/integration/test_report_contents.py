"""What the reports and sign-off emails say, read from the PDFs and the sent messages: everything the agencies
wrote (summaries, learning), the register the actions cite, sign-off by person and in London time, audit-time
dates in a rehearsal, and a sign-off reminder to whoever holds the draft.

One audit is taken to the chair's analysis once for the module (real workbooks, the store on SQLite); each
test works on its own copy of the store and writes into its own output folder.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from openpyxl import load_workbook

from maa import config
from maa.audit.clock import AuditClock
from maa.audit.definitions import AuditDefinition, load_definition
from maa.audit.timetable import at_send_time
from maa.config import LONDON
from maa.meeting import chair_analysis, chair_briefing, practitioner_pack
from maa.meeting.registers import load_review_findings
from maa.outputs.mailer import Mailer
from maa.outputs.store import Store
from maa.pipeline import resources
from maa.preparation import case_list, notice
from maa.preparation.return_template import write_analysis_template
from maa.returns import receiving
from maa.signoff import drafts, final_report, reminder
from maa.signoff.decisions import APPROVE, REQUEST_CHANGES, Decision, record_decision
from tests.helpers.definitions import PROJECT
from tests.helpers.nominations import DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID, nominations_csv
from tests.helpers.outputs import pdf_text
from tests.helpers.workbooks import chair_analysis as analysis_workbook
from tests.helpers.workbooks import completed_return

REF = "MATA-2026-01"
CASES = ["C-01", "C-02"]
REGISTER = PROJECT / "include" / "sample" / "data" / "registers" / "review_findings.csv"
SUMMARIES = {
    "CSC": "Plans were made quickly; core groups lost pace after the first review.",
    "POL": "Notifications reached children's social care promptly; repeat incidents were not linked.",
    "ICB": "GP practices knew of the plans but were rarely invited to core groups.",
}
ICB_LEARNING = "Invite the registered GP practice to every initial core group."  # for C-01 in the first domain
THEMES = [(f"Theme {n}", f"What the chair found under theme {n}.", "", "") for n in range(1, 8)]
ACTIONS = [(f"A{n}", f"Agreed action number {n}", "CSC", "2026-12-18", "RR-2025-07", "Theme 1") for n in range(1, 8)]
ACTIONS.append(("A8", "Ask who lives in or visits the home", "POL", "2027-01-29", "LCSPR-2024-02;RR-2024-11", ""))


@pytest.fixture(scope="module")
def meeting(tmp_path_factory: pytest.TempPathFactory):
    """The sample audit after its findings meeting: three returns accepted (POL's late), the practitioner pack
    sent, and the chair's analysis (seven themes, eight actions citing the register) accepted."""
    base = tmp_path_factory.mktemp("reports")
    with pytest.MonkeyPatch.context() as environment:
        for name in ("audits", "data", "output"):
            (base / name).mkdir()
            environment.setenv(f"MAA_{name.upper()}_DIR", str(base / name))
        shutil.copy(PROJECT / "include" / "audits" / f"{REF}.yaml", base / "audits")
        definition = load_definition(base / "audits" / f"{REF}.yaml")
        (base / "data" / "registers").mkdir()
        shutil.copy(REGISTER, base / "data" / "registers")
        store = Store(f"sqlite:///{base / 'store.sqlite'}")
        store.save_audit(definition, f"{REF}.yaml")
        mailer = resources.mailer(store)
        notice.send_notice(definition, mailer)
        inbox = base / "data" / "inbox" / REF
        inbox.mkdir(parents=True)
        (inbox / "nominations.csv").write_text(nominations_csv())
        assert case_list.receive_nominations(definition, store, mailer, datetime(2026, 6, 5, 12, tzinfo=LONDON),
                                             key=resources.pseudonym_key).accepted
        (inbox / "returns").mkdir()
        for code, now in (("CSC", datetime(2026, 7, 10, 12, tzinfo=LONDON)),
                          ("ICB", datetime(2026, 7, 17, 12, tzinfo=LONDON)),
                          ("POL", datetime(2026, 7, 22, 12, tzinfo=LONDON))):
            cells = {"F2": ICB_LEARNING} if code == "ICB" else {}
            (inbox / "returns" / f"{code}.xlsx").write_bytes(completed_return(
                definition, code, CASES, base, overview={"summary": SUMMARIES[code]}, cells=cells))
            assert receiving.receive_return(definition, store, mailer, code, now).status.startswith("accepted")
        practitioner_pack.send_practitioner_pack(definition, store, mailer, definition.timetable["submission_deadline"])
        (inbox / "chair").mkdir()
        (inbox / "chair" / "analysis.xlsx").write_bytes(analysis_workbook(definition, base, THEMES, ACTIONS))
        assert chair_analysis.receive_analysis(definition, store, mailer, datetime(2026, 8, 10, 12, tzinfo=LONDON),
                                               chase=False).accepted_version == 1
        yield definition, base


@pytest.fixture
def audit(meeting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The module's audit on a copy of its store, writing reports and emails into this test's folder."""
    definition, base = meeting
    shutil.copy(base / "store.sqlite", tmp_path / "store.sqlite")
    monkeypatch.setenv("MAA_OUTPUT_DIR", str(tmp_path / "output"))
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    return definition, store, resources.mailer(store)


def sent(kind: str) -> dict[str, EmailMessage]:
    """This test's emails of `kind`, by recipient, as written to the outbox."""
    messages = [message_from_bytes(path.read_bytes(), policy=policy.default)
                for path in sorted(config.outbox_dir().glob(f"{REF}--{kind}--*.eml"))]
    return {m["To"]: m for m in messages}


def body(message: EmailMessage) -> str:
    return " ".join(message.get_body(("plain",)).get_content().split())


def decide(store: Store, round_number: int, stage: str, option: str, at: str, by: str, **person: str) -> None:
    """`at` as "YYYY-MM-DD HH:MM UTC", the moment Airflow recorded the answer."""
    moment = datetime.strptime(at, "%Y-%m-%d %H:%M UTC").replace(tzinfo=UTC)
    record_decision(store, REF, Decision(round=round_number, stage=stage, option=option, by=by, at=moment,
                                         comment="", **person))


def approve(store: Store, at: str = "2026-08-24 13:05 UTC") -> None:
    decide(store, 1, "bu_quality_assurance", APPROVE, "2026-08-20 08:30 UTC", "business-unit")
    decide(store, 1, "qiip_signoff", APPROVE, at, "qiip", name="Dana Reyes", role="Chair, QiiP subgroup")


def section(text: str, heading: str, next_heading: str | None = None) -> str:
    """The text from `heading` to `next_heading` (or the end)."""
    start = text.index(heading)
    return text[start:text.index(next_heading, start) if next_heading else None]


def draft_text(definition: AuditDefinition, store: Store, clock: AuditClock = receiving.WALL_CLOCK) -> str:
    return pdf_text(Path(drafts.build_draft(definition, store, 1, clock.now().date(), clock)["path"]))


# Part B: what the agencies wrote ---------------------------------------------------------------------------

def test_each_agencys_summary_is_stored_and_shown_in_the_pack_the_briefing_and_the_overview_report(audit) -> None:
    definition, store, mailer = audit
    assert {code: r["summary"] for code, r in store.returns(REF).items()} == SUMMARIES
    practitioner_pack.send_practitioner_pack(definition, store, mailer, definition.timetable["submission_deadline"])
    pack = config.audit_output(REF) / "practitioner-pack.pdf"
    briefing = chair_briefing.build_chair_briefing(definition, store, definition.timetable["review_end"])
    for text in (pdf_text(pack), pdf_text(briefing), draft_text(definition, store)):
        for summary in SUMMARIES.values():
            assert summary in text


def test_the_overview_report_gives_the_agencies_learning_under_each_domain(audit) -> None:
    definition, store, _ = audit
    first, second = definition.domains[:2]
    learning = section(draft_text(definition, store), "Agreed learning, by domain", "The chair's themes")
    assert ICB_LEARNING + " (ICB: C-01)" in section(learning, first, second)
    assert "Keep the joint chronology." in section(learning, second, definition.domains[2])
    assert ICB_LEARNING not in learning.split(second, 1)[1]


def test_the_review_findings_register_is_in_the_briefing_and_the_analysis_template_and_the_report_names_reviews(
        audit, tmp_path: Path) -> None:
    definition, store, _ = audit
    register = load_review_findings()
    briefing = pdf_text(chair_briefing.build_chair_briefing(definition, store, definition.timetable["review_end"]))
    listed = section(briefing, "Review findings register")
    template = load_workbook(write_analysis_template(definition, tmp_path / "analysis-template.xlsx"))
    rows = [tuple(row) for row in template["Reviews"].iter_rows(min_row=2, max_col=4, values_only=True)]
    for review in register.findings:
        assert f"{review.ref} {review.review_type} {review.title}." in listed
        assert " ".join(review.finding.split()) in listed
        assert (review.ref, review.review_type, review.title, review.finding) in rows
    assert template.sheetnames == ["Themes", "Actions", "Reviews"]

    answers = section(draft_text(definition, store), "Actions")
    assert ("LCSPR-2024-02 (LCSPR): Domestic abuse and the unseen adult; "
            "RR-2024-11 (Rapid Review): Professional challenge and escalation") in answers


def test_the_learning_briefing_counts_what_it_leaves_out_and_says_where_it_is(audit) -> None:
    definition, store, mailer = audit
    approve(store)
    published = final_report.publish_final(definition, store, mailer, datetime(2026, 8, 25).date())
    briefing = pdf_text(Path(published["briefing"]))
    assert [t for t, *_ in THEMES if f"{t}." in briefing] == [t for t, *_ in THEMES[:5]]
    assert "… and 2 more themes in the Audit Overview Report, section “The chair's themes”." in briefing
    assert "… and 2 more actions in the Audit Overview Report, section “Actions”." in briefing
    report = pdf_text(Path(published["report"]))
    for theme, finding, *_ in THEMES:
        assert f"{theme} {finding}" in section(report, "The chair's themes", "Actions")
    for _, action, *_ in ACTIONS:
        assert action in section(report, "Actions", "Sign-off")


# Part A: dates, times and people ---------------------------------------------------------------------------

def test_signoff_names_the_person_and_gives_london_time_with_its_zone(audit) -> None:
    definition, store, mailer = audit
    decide(store, 1, "bu_quality_assurance", REQUEST_CHANGES, "2026-01-15 10:00 UTC", "business-unit")
    decide(store, 2, "bu_quality_assurance", APPROVE, "2026-08-20 08:30 UTC", "business-unit",
           name="Robin Hale", role="Business Unit manager")
    decide(store, 2, "qiip_signoff", APPROVE, "2026-08-24 13:05 UTC", "qiip", name="Dana Reyes",
           role="Chair, QiiP subgroup")
    report = pdf_text(Path(final_report.publish_final(definition, store, mailer, datetime(2026, 8, 25).date())
                           ["report"]))
    assert ("Approved for QiiP by Dana Reyes (Chair, QiiP subgroup) on 24 Aug 2026, 14:05 BST (round 2)."
            in report)
    history = report[report.index("Round Stage Decision By When"):]
    assert "1 Business Unit QA Request changes Airflow user business-unit 15 Jan 2026, 10:00 GMT" in history
    assert "2 Business Unit QA Approve Robin Hale (Business Unit manager) 20 Aug 2026, 09:30 BST" in history
    assert "UTC" not in report
    (email, *_) = sent("final_report").values()
    assert ("has been approved for QiiP by Dana Reyes (Chair, QiiP subgroup) on 24 Aug 2026, 14:05 BST."
            in body(email))

    drafts.send_changes_to_chair(definition, store, mailer, 1)
    (changes,) = sent("changes_requested").values()
    assert "The Business Unit (Airflow user business-unit, 15 Jan 2026, 10:00 GMT):" in body(changes)


def test_in_a_rehearsal_the_overview_report_gives_audit_time_never_the_wall_clock(audit) -> None:
    """The events and the ledger are stamped by the wall clock; the report turns them into the rehearsal's days.
    A clock this slow puts everything that happened in this test's minutes at the notice date's 09:00."""
    definition, store, mailer = audit
    approve(store, at=f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC")
    first = min(e["occurred_at"] for e in store.events(REF)).replace(tzinfo=UTC)
    rehearsal = AuditClock(seconds_per_week=604_800_000, run_start=first - timedelta(minutes=2),
                           origin=at_send_time(definition.timetable["notice_issued"]))
    published = final_report.publish_final(definition, store, mailer, rehearsal.now().date(), rehearsal)
    report = pdf_text(Path(published["report"]))
    timetable = section(report, "Timetable", "Participation")
    for row in ("Notice issued 1 Jun 2026 1 Jun 2026 (notices sent)",
                "Agency returns due 20 Jul 2026 22 Jul 2026 (last accepted return arrived)",
                "Practitioner event (findings meeting) 27 Jul 2026 1 Jun 2026 (practitioner pack sent)",
                "Chair's report due 17 Aug 2026 1 Jun 2026 (chair's analysis accepted)",
                "QiiP sign-off due 24 Aug 2026 1 Jun 2026 (approved by QiiP)",
                "Rehearsal: the Actual column gives the day the rehearsal had reached"):
        assert row in timetable
    assert "Approved for QiiP by Dana Reyes (Chair, QiiP subgroup) on 1 Jun 2026, 09:00 BST (round 1)." in report
    today = datetime.now(LONDON)
    if f"{today.day} {today:%b %Y}" != "1 Jun 2026":
        assert f"{today.day} {today:%b %Y}" not in timetable + section(report, "Round Stage Decision By When")


# The sign-off reminder -------------------------------------------------------------------------------------

def _with_business_unit(definition: AuditDefinition, store: Store, mailer: Mailer) -> None:
    drafts.request_decision(definition, mailer, "bu_quality_assurance", 1, "http://airflow.example/required")


def _with_qiip(definition: AuditDefinition, store: Store, mailer: Mailer) -> None:
    _with_business_unit(definition, store, mailer)
    decide(store, 1, "bu_quality_assurance", APPROVE, "2026-08-20 08:30 UTC", "business-unit")
    drafts.request_decision(definition, mailer, "qiip_signoff", 1, "http://airflow.example/required")


def _sent_back_by_qiip(definition: AuditDefinition, store: Store, mailer: Mailer) -> None:
    _with_qiip(definition, store, mailer)
    decide(store, 1, "qiip_signoff", REQUEST_CHANGES, "2026-08-21 10:00 UTC", "qiip")


def _approved(definition: AuditDefinition, store: Store, mailer: Mailer) -> None:
    _with_qiip(definition, store, mailer)
    decide(store, 1, "qiip_signoff", APPROVE, "2026-08-21 10:00 UTC", "qiip")


REMINDERS = {  # where the draft is when sign-off falls due: who is reminded, and what the Business Unit reads
    "with the Business Unit": (_with_business_unit, "business_unit",
                               "is waiting for the Business Unit's quality assurance. The draft (round 1) is with "
                               "the Business Unit's quality assurance, and QiiP has not been asked for this round"),
    "with QiiP": (_with_qiip, "qiip", ""),
    "sent back by QiiP": (_sent_back_by_qiip, "business_unit",
                          "is waiting for the chair's revised analysis. Changes were requested to the draft in "
                          "round 1."),
    "approved": (_approved, "", ""),
}


@pytest.mark.parametrize("where", sorted(REMINDERS))
def test_the_signoff_reminder_goes_to_whoever_holds_the_draft(where: str, audit) -> None:
    """QiiP is reminded only of a draft it has been asked to decide; otherwise the Business Unit hears why
    sign-off is late."""
    definition, store, mailer = audit
    drafts.build_draft(definition, store, 1, definition.timetable["chair_report_due"])
    arrange, reminded, told = REMINDERS[where]
    arrange(definition, store, mailer)

    assert reminder.remind_of_signoff(definition, store, mailer) == reminded
    to_qiip, to_business_unit = sent("signoff_reminder"), sent("signoff_held_up")
    assert sorted(to_qiip) == (sorted(definition.qiip.emails) if reminded == "qiip" else [])
    assert sorted(to_business_unit) == ([definition.business_unit.email] if reminded == "business_unit" else [])
    if reminded == "qiip":
        assert "round 1, was due for QiiP's sign-off by the end of Monday 24 August 2026" in body(
            to_qiip[definition.qiip.emails[0]])
    if told:
        assert told in body(to_business_unit[definition.business_unit.email])


def test_no_report_or_email_here_names_a_child(audit) -> None:
    definition, store, mailer = audit
    approve(store)
    published = final_report.publish_final(definition, store, mailer, datetime(2026, 8, 25).date())
    briefing = chair_briefing.build_chair_briefing(definition, store, definition.timetable["review_end"])
    for path in (Path(published["report"]), Path(published["briefing"]), briefing):
        text = pdf_text(path)
        assert DISTINCTIVE_NAME not in text and DISTINCTIVE_SYSTEM_ID not in text


def test_each_round_compares_its_draft_with_what_the_previous_rounds_draft_last_held(
        audit, meeting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    definition, store, mailer = audit
    shutil.copytree(meeting[1] / "data", tmp_path / "data")  # the revised analysis goes into a copy of its own
    monkeypatch.setenv("MAA_DATA_DIR", str(tmp_path / "data"))
    day = definition.timetable["chair_report_due"]
    assert drafts.build_draft(definition, store, 1, day)["previous"] == "", "round 1 has nothing to compare with"
    (tmp_path / "data" / "inbox" / definition.ref / "chair" / "analysis.xlsx").write_bytes(
        analysis_workbook(definition, tmp_path, THEMES[:3], ACTIONS[:2]))
    assert chair_analysis.receive_analysis(definition, store, mailer, datetime(2026, 8, 20, 12, tzinfo=LONDON),
                                           after_version=1, chase=False).accepted_version == 2

    second = drafts.build_draft(definition, store, 2, day)
    again = drafts.build_draft(definition, store, 2, day)  # a retried task builds the same draft

    assert second["previous"] == again["previous"] == "analysis v1, 7 themes, 8 actions"
    assert second["contents"] == "analysis v2, 3 themes, 2 actions"
    assert [e["subject"] for e in store.events(definition.ref, "draft_built")] == [
        "round1 analysis v1", "round2 analysis v2"], "a rebuild of the same draft records nothing new"
    drafts.build_draft(definition, store, 1, day)  # round 1 cleared and rebuilt, now from version 2
    assert drafts.build_draft(definition, store, 2, day)["previous"] == "analysis v2, 3 themes, 2 actions"
