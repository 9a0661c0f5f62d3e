"""A whole audit from notice to sign-off through dag.test(), as a rehearsal, with a real SMTP server:
the approve path and the request-changes path, sign-offs answered through the REST route's function as
people holding the roles (FAB user records), each decision naming the person."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from maa.pipeline import resources
from maa.signoff.decisions import decisions
from tests.helpers.decision_screen import DecisionScreen, emailed_link
from tests.helpers.definitions import AuditFolders
from tests.helpers.mail import MailCatcher
from tests.helpers.nominations import DISTINCTIVE_DOB, DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID
from tests.helpers.outputs import message_text, pdf_text, readable_bytes
from tests.helpers.rehearsal import (
    SAMPLE_DAG_ID,
    SAMPLE_REF,
    SAMPLE_RETURNING,
    kinds,
    kinds_of,
    practitioner,
    run_rehearsal,
    sample_inbox,
)
from tests.helpers.signoff import ANSWER_PATIENCE, APPROVE, REQUEST_CHANGES, Answer, Answerer
from tests.helpers.workbooks import ACTIONS, THEMES, chair_analysis

# A rehearsal lasts its weeks of idle time on top of the run's own work (no longer overlapping it): on a loaded
# 2-core machine the approve path took 495 s.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200), pytest.mark.usefixtures("airflow_db", "fab_auth_manager")]

REF, DAG_ID = SAMPLE_REF, SAMPLE_DAG_ID
RETURNING = SAMPLE_RETURNING
MEETING = {"link": "https://meet.example.org/j/mata-2026-01", "recorded": True, "part1": "10:00-12:30"}
MANAGER = "sam.patel@csc.example.org"  # a further attendee CSC's return lists


@pytest.fixture
def audit(folders: AuditFolders, smtp_server: MailCatcher, tmp_path: Path):
    """The sample audit with every file its people send, dropped before the rehearsal starts: the attendance
    record too (taken in when the final report goes out): POL's practitioner and CSC's manager came, ICB's
    practitioner did not."""
    definition = sample_inbox(folders, tmp_path, changes={"meeting": MEETING},
                              further={"CSC": {"attendee_1": f"Sam Patel; Team manager; {MANAGER}"}})
    (folders.inbox(REF) / "attendance.csv").write_text(f"email,attended\n{practitioner('POL')},yes\n{MANAGER},YES\n"
                                                       f"{practitioner('ICB')},no\n")
    return definition


class Walk(threading.Thread):
    """A person's walk through the screens, beside the rehearsal. What fails in it fails the test: the run's
    waiting sign-offs are marked failed so that the rehearsal ends, and the error is raised by `finish`."""

    def __init__(self, steps: Callable[[], None], answerer: Answerer):
        super().__init__(target=self._steps, args=(steps,), daemon=True)
        self.answerer = answerer
        self.error: BaseException | None = None

    def _steps(self, steps: Callable[[], None]) -> None:
        try:
            steps()
        except BaseException as error:  # noqa: BLE001 (handed to the test's thread)
            self.error = error
            self.answerer.give_up()

    def finish(self, state: str) -> None:
        """After the rehearsal ended in `state`: the walk's own failure, else the run's, else nothing."""
        self.answerer.stopped.set()  # the run is over: nothing is left to wait for
        self.join(timeout=120)
        assert not self.is_alive(), "the walk finished"
        if self.error is not None:
            raise AssertionError(f"the walk failed (the rehearsal ended {state})") from self.error
        assert state == "success"


@pytest.fixture
def decision_screens(monkeypatch: pytest.MonkeyPatch):
    """Airflow's API server and UI, in this process beside dag.test(); the request emails link here."""
    from airflow.api_fastapi.app import create_app

    from maa.ops.services import free_port
    from tests.helpers.browser import serving

    port = free_port()
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "full-audit-test-secret-of-enough-length-for-hs512-keys")
    with serving(create_app(), port) as url:
        yield url


def test_approved_first_time_the_final_report_goes_out_and_the_actions_are_tracked(
        audit, folders: AuditFolders, smtp_server: MailCatcher, decision_screens: str) -> None:
    from tests.helpers.browser import chromium, screenshot

    answerer = Answerer(DAG_ID, [Answer("round_1.qiip_signoff", "qiip", APPROVE)]).start()
    seen: dict = {}

    def business_unit_approves() -> None:
        """QiiP may not answer the Business Unit's stage; the Business Unit follows the emailed link to the
        decision screen, opens the draft from there, and approves with no comment."""
        task_id = "round_1.bu_quality_assurance"
        assert answerer.wait_until_asks(task_id)
        with chromium() as browser:
            qiip = DecisionScreen.from_email(browser, decision_screens, smtp_server, "qiip", task_id)
            seen["qiip answered"] = qiip.answer(APPROVE)
            qiip.page.get_by_text("Access Denied").wait_for()
            seen["still asks"] = answerer.state_of(task_id)
            screen = DecisionScreen.from_email(browser, decision_screens, smtp_server, "business-unit", task_id)
            seen["draft"] = screen.draft_link()
            seen["pdf"] = screen.open_the_draft()
            screenshot(screen.page, "decision-screen")
            seen["status"] = screen.answer(APPROVE)

    walk = Walk(business_unit_approves, answerer)
    walk.start()
    walk.finish(run_rehearsal())
    answerer.thread.join(timeout=10)

    assert seen["draft"].endswith(f"/maa/reports/{REF}/audit-overview-report-draft.pdf"), \
        "the draft is one click away on the decision screen"
    assert seen["pdf"].startswith(b"%PDF")
    assert seen["qiip answered"] == 403 and seen["still asks"] == "awaiting_input", "QiiP's click changed nothing"
    assert seen["status"] == 200, "approved on the decision screen, with no comment"
    assert answerer.refused == []
    assert [(d.round, d.stage, d.option, d.name, d.role, d.comment) for d in decisions(resources.store(), REF)] == [
        (1, "bu_quality_assurance", APPROVE, "Dana Jones", "Business Unit", ""),
        (1, "qiip_signoff", APPROVE, "Priya Nair", "QiiP", "")]
    output = folders.output / REF
    for name in ("practitioner-pack.pdf", "chair-briefing.pdf", "audit-overview-report-draft.pdf",
                 "audit-overview-report.pdf", "learning-briefing.pdf"):
        assert (output / name).exists(), name
    final = pdf_text(output / "audit-overview-report.pdf")
    assert "Approved for QiiP by Priya Nair (QiiP)" in final and "DRAFT" not in final
    assert THEMES[0][0] in final and "A1" in final and "RR-2025-07 (Rapid Review)" in final
    assert "Probation Service (PROB) no return" in final
    assert "Page 1 of" in final and "REHEARSAL" in final
    assert "DRAFT" in pdf_text(output / "audit-overview-report-draft.pdf")
    briefing = pdf_text(output / "chair-briefing.pdf")
    assert "Grades by domain" in briefing and "<svg" not in briefing and "Recognition of need and risk" in briefing
    assert "No return: Probation Service" in briefing
    assert len(PdfReader(output / "learning-briefing.pdf").pages) == 1

    tracked = resources.store().actions(REF)
    assert [(a["action_id"], a["owner_agency"], a["status"]) for a in tracked] == [
        (a[0], a[2], "Not started") for a in ACTIONS]

    sent = kinds(smtp_server)
    # Every return landed in time; whether the pack or an addendum carried it, everyone gets every return.
    pack_to = {m["To"] for m in smtp_server.messages if kinds_of(m) == "practitioner_pack"}
    assert {audit.chair.email, *(a.coordinator.email for a in audit.agencies)} <= pack_to
    carried_to = pack_to | {m["To"] for m in smtp_server.messages if kinds_of(m) == "practitioner_pack_addendum"}
    assert {practitioner(code) for code in RETURNING} | {MANAGER} <= carried_to
    invitation = next(message_text(m) for m in smtp_server.messages if m["To"] == MANAGER
                      and kinds_of(m).startswith("practitioner_pack"))
    assert MEETING["link"] in invitation and "The meeting is recorded" in invitation
    assert "10:00 to 12:30: Part 1 (2.5 hours)" in invitation and "13:00 to 15:00: Part 2 (2 hours)" in invitation
    assert "5 of 6 agencies returned" in briefing
    assert sent["chair_briefing"] == 1
    assert sent["bu_quality_assurance_request"] == 1 and sent["qiip_signoff_request"] == 2
    finals = [m for m in smtp_server.messages if "final_report" in m["X-MAA-Key"]]
    assert {"qiip.chair@example.org", "chair.ellery@example.org", "business.unit@example.org",
            "ben.okafor@police.example.org", practitioner("POL"), MANAGER, practitioner("CSC")} <= {
        m["To"] for m in finals}
    assert practitioner("ICB") not in {m["To"] for m in finals}, "recorded as absent"
    assert sent["attendance_recorded"] == 1 and not (folders.inbox(REF) / "attendance.csv").exists()
    keys = [m["X-MAA-Key"] for m in smtp_server.messages]
    assert len(keys) == len(set(keys)), "no email twice"
    request = next(m for m in smtp_server.messages if "qiip_signoff_request" in m["X-MAA-Key"])
    link = request.get_body(("plain",)).get_content()
    assert "/tasks/round_1.qiip_signoff/required_actions" in link

    identifiers = (DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_DOB)
    for path in output.glob("*.pdf"):
        if not path.name.startswith("audit-pack-"):
            assert not any(i in pdf_text(path) for i in identifiers), path
    for message in smtp_server.messages:  # only the audit packs carry a child's details, to coordinators
        if kinds_of(message) != "audit_pack":
            assert not any(i in message_text(message) for i in identifiers), message["Subject"]
    assert not any(i in str(resources.store().events(REF)) + str(resources.store().actions(REF)) for i in identifiers)


def test_changes_requested_go_to_the_chair_and_the_revised_draft_is_signed_off(
        audit, folders: AuditFolders, smtp_server: MailCatcher, tmp_path: Path, decision_screens: str) -> None:
    """In Chromium: whoever else follows QiiP's link is refused; QiiP asks for changes with a comment; the
    Business Unit sees that comment and what changed on round 2's screen, opens the revised draft from there
    and approves it, and QiiP approves it with no comment."""
    definition = audit
    comment = "Please draw out the cumulative picture of neglect."
    answerer = Answerer(DAG_ID, [
        Answer("round_1.bu_quality_assurance", "business-unit", APPROVE),
    ]).start()
    revised = THEMES + [("Neglect recognised late", "Agencies saw each concern on its own.", "", "")]
    seen: dict = {}

    def chair_revises() -> None:
        deadline = time.monotonic() + ANSWER_PATIENCE
        while time.monotonic() < deadline:
            if any("Changes requested" in s for s in smtp_server.subjects()):
                (folders.inbox(REF) / "chair" / "analysis.xlsx").write_bytes(
                    chair_analysis(definition, tmp_path, themes=revised))
                return
            time.sleep(0.3)

    def qiip_asks_for_changes_and_the_business_unit_sees_them() -> None:
        from tests.helpers.browser import chromium, screenshot

        signoff, round_2 = "round_1.qiip_signoff", "round_2.bu_quality_assurance"
        assert answerer.wait_until_asks(signoff)
        link = emailed_link(smtp_server, "qiip_signoff", 1)
        with chromium() as browser:
            for login in ("operator", "coordinator-pol", "business-unit", "admin"):
                wrong = DecisionScreen.open(browser, decision_screens, login, link, signoff)
                seen[f"{login} opened"] = wrong.question_status
                if wrong.question_status == 200:  # may see the question: told whose it is, refused an answer
                    wrong.wait_for_question()
                    seen[f"{login} told"] = wrong.text()
                    seen[f"{login} answered"] = wrong.answer(APPROVE)
                    wrong.page.get_by_text("Access Denied").wait_for()
                    if login == "business-unit":
                        screenshot(wrong.page, "decision-screen-refused")
                wrong.page.context.close()
            seen["still asks"] = answerer.state_of(signoff)
            qiip = DecisionScreen.open(browser, decision_screens, "qiip", link, signoff)
            qiip.wait_for_buttons()
            seen["qiip answered"] = qiip.answer(REQUEST_CHANGES, comment)
            assert answerer.wait_until_asks(signoff, asking=False)
            assert answerer.wait_until_asks(round_2)
            business_unit = DecisionScreen.from_email(browser, decision_screens, smtp_server, "business-unit",
                                                      round_2)
            seen["round 2 shows"] = business_unit.text()
            seen["round 2 draft"] = business_unit.open_the_draft()
            screenshot(business_unit.page, "decision-screen-round-2")
            seen["round 2 approved"] = business_unit.answer(APPROVE)
            assert answerer.wait_until_asks(round_2, asking=False)
            signoff_2 = "round_2.qiip_signoff"
            assert answerer.wait_until_asks(signoff_2)
            qiip = DecisionScreen.from_email(browser, decision_screens, smtp_server, "qiip", signoff_2)
            seen["qiip approved"] = qiip.answer(APPROVE)
            assert answerer.wait_until_asks(signoff_2, asking=False)

    chair = threading.Thread(target=chair_revises, daemon=True)
    chair.start()
    walk = Walk(qiip_asks_for_changes_and_the_business_unit_sees_them, answerer)
    walk.start()
    walk.finish(run_rehearsal())
    answerer.thread.join(timeout=10)
    assert answerer.refused == []

    assert seen["operator opened"] == seen["coordinator-pol opened"] == 403, "neither may even see the question"
    for login in ("business-unit", "admin"):  # may edit the audit's DAG, so Airflow shows them the form
        assert "Only the QiiP role may answer" in seen[f"{login} told"], "the screen says whose answer it is"
        assert seen[f"{login} answered"] == 403, f"{login} is refused by Airflow"
    assert seen["still asks"] == "awaiting_input", "nobody else's answer counted"
    assert seen["qiip answered"] == seen["round 2 approved"] == seen["qiip approved"] == 200
    assert f"Round 1, QiiP's sign-off, by Priya Nair (QiiP): “{comment}”" in seen["round 2 shows"], \
        "round 2 shows what round 1 asked"
    assert "Compared with round 1's draft (analysis v1, 2 themes, 2 actions), this one has analysis v2, 3 themes" \
        in seen["round 2 shows"], "and how the draft changed"
    assert [(d.round, d.stage, d.option, d.name, d.comment) for d in decisions(resources.store(), REF)] == [
        (1, "bu_quality_assurance", APPROVE, "Dana Jones", ""),
        (1, "qiip_signoff", REQUEST_CHANGES, "Priya Nair", comment),
        (2, "bu_quality_assurance", APPROVE, "Dana Jones", ""),
        (2, "qiip_signoff", APPROVE, "Priya Nair", "")]
    assert "Neglect recognised late" in " ".join(readable_bytes("draft.pdf", seen["round 2 draft"]).split()), \
        "the revised draft opens from round 2's screen"
    (to_chair,) = [m for m in smtp_server.messages if "Changes requested" in m["Subject"]]
    assert to_chair["To"] == definition.chair.email and comment in to_chair.get_body(("plain",)).get_content()
    final = pdf_text(folders.output / REF / "audit-overview-report.pdf")
    assert "Neglect recognised late" in final and "(round 2)" in final
    assert "Request changes" in final, "the sign-off history is in the report"
    assert "Dana Jones (Business Unit)" in final and "Priya Nair (QiiP)" in final, "each decision names the person"
    assert "Priya Nair (QiiP), " in to_chair.get_body(("plain",)).get_content()
    sent = kinds(smtp_server)
    assert sent["bu_quality_assurance_request"] == 2, "a new draft, a new request (version 2)"
    assert sent["final_report"] >= 1
    assert sorted(f["version"] for f in resources.store().inbox_files(REF, "analysis")) == [1, 2]
