"""Phase 5, the impact review: owners asked for progress with a pre-filled workbook, reminded once, and the
report of progress against what was agreed."""

from __future__ import annotations

from datetime import date

from openpyxl import load_workbook

from maa.audit.definitions import load_definition
from maa.outputs.store import Store
from maa.signoff.sharing import PUBLISHED, confirm_sharing
from maa.tracker.actions import tracked_actions
from maa.tracker.impact import ask_for_progress, send_reports
from maa.tracker.updates import check_updates, receive_updates
from tests.helpers.definitions import AuditFolders
from tests.helpers.mail import MailCatcher
from tests.helpers.nominations import DISTINCTIVE_NAME
from tests.helpers.outputs import attachments, pdf_text
from tests.helpers.tracker_seed import (
    IMPACT_DAY,
    REF_A,
    drop_update,
    keys,
    tracker_on,
    update_workbook,
)


def test_impact_review_asks_owners_reminds_once_and_reports_progress_against_what_was_agreed(
        store: Store, folders: AuditFolders, smtp_server: MailCatcher) -> None:
    assert ask_for_progress(tracker_on(store, date(2027, 1, 26))) == {}, "not yet due"
    asked = ask_for_progress(tracker_on(store, IMPACT_DAY))
    assert asked == {REF_A: ["requested CSC", "requested EDU", "requested ICB", "requested POL"]}
    request = next(m for m in smtp_server.to("ben.okafor@police.example.org"))
    workbook_bytes = attachments(request)["POL.xlsx"][1]
    result = check_updates(workbook_bytes, "POL", tracked_actions(store))
    assert result.accepted and [u["action_id"] for u in result.updates] == ["A1"], "the pre-filled workbook is valid"
    assert "by the end of Wednesday 17 February 2027" in request.get_body(("plain",)).get_content()

    drop_update(folders, "POL", update_workbook([(REF_A, "A1", "In progress", "Neglect toolkit training: 40 staff "
                                                                            "trained; C-01's school now included.")]))
    drop_update(folders, "EDU", update_workbook([(REF_A, "A4", "Complete", "Attendance panel meets monthly.")]))
    receive_updates(tracker_on(store, date(2027, 2, 3)))
    assert send_reports(tracker_on(store, date(2027, 2, 3))) == [], "CSC and ICB have three weeks"
    assert ask_for_progress(tracker_on(store, date(2027, 2, 9))) == {}
    assert ask_for_progress(tracker_on(store, date(2027, 2, 10))) == {REF_A: ["reminded CSC", "reminded ICB"]}
    assert ask_for_progress(tracker_on(store, date(2027, 2, 12))) == {}, "one reminder"
    assert send_reports(tracker_on(store, date(2027, 2, 17))) == [], "replies are on time all of the last day"

    store.record_event(REF_A, PUBLISHED, "final")
    confirm_sharing(load_definition(folders.audits / f"{REF_A}.yaml"), store, "EDU", "2026-10-14",
                    "Assemblies for designated safeguarding leads", "Lena Fox", date(2027, 2, 18))
    assert send_reports(tracker_on(store, date(2027, 2, 18))) == [REF_A]
    assert send_reports(tracker_on(store, date(2027, 2, 19))) == []

    report = folders.output / REF_A / "impact-update-report.pdf"
    text = pdf_text(report)
    assert "OFFICIAL-SENSITIVE" in text and "Impact update report: Neglect" in text
    assert "Impact review due Wednesday 27 January 2027" in text
    assert "Not started → In progress" in text and "Not started → Complete" in text
    assert "Neglect toolkit training: 40 staff trained; C-01's school now included." in text
    assert "CSC no reply" in text and "EDU replied" in text and "POL replied" in text
    assert "A3" in text and "No update reported." in text
    assert "Learning briefing shared in the agencies: 1 of 6 confirmed" in text
    assert "(EDU) 14 Oct 2026 Assemblies for designated safeguarding leads" in text
    assert "Police (POL) — not yet confirmed" in text
    assert DISTINCTIVE_NAME not in text
    to_qiip = [m for m in smtp_server.messages if "impact_update_report" in m["X-MAA-Key"]]
    assert sorted(m["To"] for m in to_qiip) == ["qiip.chair@example.org", "qiip.deputy@example.org"]
    assert to_qiip[0]["Subject"] == f"OFFICIAL-SENSITIVE [{REF_A}] Impact review: progress on the agreed actions"
    assert "No reply by Wednesday 17 February 2027 from: CSC, ICB." in to_qiip[0].get_body(("plain",)).get_content()
    sent = keys(smtp_server)
    assert len(sent) == len(set(sent))


def test_the_pre_filled_workbook_is_formula_safe(store: Store, folders: AuditFolders,
                                                 smtp_server: MailCatcher) -> None:
    with store.engine.begin() as connection:
        connection.execute(store.table("actions").update().where(store.table("actions").c.action_id == "A1")
                           .values(action="=cmd|' /C calc'!A0"))
    ask_for_progress(tracker_on(store, IMPACT_DAY))
    path = folders.output / REF_A / "impact-review" / "POL.xlsx"
    cell = load_workbook(path)["Updates"]["E2"]
    assert cell.value == "'=cmd|' /C calc'!A0" and cell.data_type == "s"
    (message,) = smtp_server.to("ben.okafor@police.example.org")
    assert path.name in attachments(message)
