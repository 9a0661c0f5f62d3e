"""A whole audit from notice to sign-off through dag.test(), as a rehearsal, with a real SMTP server:
the approve path and the request-changes path, sign-offs answered through the REST route's function as
people holding the roles (FAB user records), each decision naming the person."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

from maa.pipeline import resources
from tests.helpers.definitions import AuditFolders
from tests.helpers.mail import MailCatcher
from tests.helpers.nominations import DISTINCTIVE_DOB, DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID
from tests.helpers.outputs import message_text, pdf_text
from tests.helpers.people import password_of
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


def _business_unit_approves_in_chromium(url: str, waiting: Answerer, smtp_server: MailCatcher, seen: dict) -> None:
    """The Business Unit follows the emailed link to Airflow's decision screen, finds the draft there, and
    approves without a comment, in Chromium."""
    from tests.helpers.browser import chromium, log_in, screenshot

    task_id = "round_1.bu_quality_assurance"
    deadline = time.monotonic() + ANSWER_PATIENCE
    while not waiting._awaiting(task_id) and time.monotonic() < deadline:
        time.sleep(0.5)
    request = next(m for m in smtp_server.messages if "bu_quality_assurance_request" in m["X-MAA-Key"])
    link = re.search(r"https?://\S+/required_actions", request.get_body(("plain",)).get_content()).group()
    with chromium() as browser:
        page = log_in(browser, url, "business-unit", password_of("business-unit"))
        page.goto(link)
        approve = page.get_by_role("button", name="Approve")
        approve.wait_for()
        draft = page.locator("a[href*='audit-overview-report-draft.pdf']")
        seen["draft"] = draft.first.get_attribute("href") if draft.count() else None
        screenshot(page, "decision-screen")
        approve.click()
        while waiting._awaiting(task_id) and time.monotonic() < deadline:
            time.sleep(0.5)
        seen["answered"] = not waiting._awaiting(task_id)


def test_approved_first_time_the_final_report_goes_out_and_the_actions_are_tracked(
        audit, folders: AuditFolders, smtp_server: MailCatcher, monkeypatch: pytest.MonkeyPatch) -> None:
    from airflow.api_fastapi.app import create_app

    from maa.ops.services import free_port
    from tests.helpers.browser import serving

    port = free_port()
    monkeypatch.setenv("AIRFLOW__API__BASE_URL", f"http://127.0.0.1:{port}")  # the emailed links point here
    monkeypatch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "full-audit-test-secret-of-enough-length-for-hs512-keys")
    answerer = Answerer(DAG_ID, [
        Answer("round_1.bu_quality_assurance", "qiip", APPROVE),  # QiiP may not answer the BU's stage
        Answer("round_1.qiip_signoff", "qiip", APPROVE),
    ]).start()
    seen: dict = {}
    with serving(create_app(), port) as url:
        browser = threading.Thread(target=_business_unit_approves_in_chromium,
                                   args=(url, answerer, smtp_server, seen), daemon=True)
        browser.start()
        assert run_rehearsal() == "success"
        browser.join(timeout=60)
    answerer.thread.join(timeout=10)

    assert seen["answered"], "the Business Unit approved on the decision screen, with no comment"
    assert seen["draft"] and seen["draft"].endswith(f"/maa/reports/{REF}/audit-overview-report-draft.pdf"), \
        "the draft is one click away on the decision screen"
    assert answerer.refused == ["qiip: 403"]
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
        audit, folders: AuditFolders, smtp_server: MailCatcher, tmp_path: Path) -> None:
    definition = audit
    comment = "Please draw out the cumulative picture of neglect."
    answerer = Answerer(DAG_ID, [
        Answer("round_1.bu_quality_assurance", "business-unit", APPROVE),
        Answer("round_1.qiip_signoff", "qiip", REQUEST_CHANGES, comment),
        Answer("round_2.bu_quality_assurance", "business-unit", APPROVE),
        Answer("round_2.qiip_signoff", "qiip", APPROVE),
    ]).start()
    revised = THEMES + [("Neglect recognised late", "Agencies saw each concern on its own.", "", "")]

    def chair_revises() -> None:
        deadline = time.monotonic() + ANSWER_PATIENCE
        while time.monotonic() < deadline:
            if any("Changes requested" in s for s in smtp_server.subjects()):
                (folders.inbox(REF) / "chair" / "analysis.xlsx").write_bytes(
                    chair_analysis(definition, tmp_path, themes=revised))
                return
            time.sleep(0.3)

    chair = threading.Thread(target=chair_revises, daemon=True)
    chair.start()
    assert run_rehearsal() == "success"
    answerer.thread.join(timeout=10)
    assert answerer.refused == []

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
