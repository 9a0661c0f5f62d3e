"""The monthly tracker report: RAG by audit and by review finding, formula-safe, once a month."""

from __future__ import annotations

from datetime import date, datetime

from openpyxl import load_workbook

from maa.audit.definitions import load_definition
from maa.outputs.store import Store
from maa.signoff.sharing import PUBLISHED, confirm_sharing
from maa.tracker.register import AMBER, GREEN, RED, refresh_register
from maa.tracker.report import publish_monthly_report
from tests.helpers.definitions import AuditFolders
from tests.helpers.mail import MailCatcher
from tests.helpers.outputs import attachments, pdf_text
from tests.helpers.tracker_seed import (
    ACTIONS_A,
    IMPACT_DAY,
    REF_A,
    REF_B,
    seed_audit,
    tracker_on,
)


def test_the_monthly_report_shows_rag_by_audit_and_finding_and_is_formula_safe(
        store: Store, folders: AuditFolders, smtp_server: MailCatcher) -> None:
    seed_audit(folders, store, {"ref": "MATA-2026-05", "start": "2026-10-05"},
               [("=1+1", "POL", date(2027, 9, 1), "LCSPR-2024-02")])
    with store.engine.begin() as connection:  # an action whose text a spreadsheet would run
        connection.execute(store.table("actions").update().where(store.table("actions").c.action_id == "=1+1")
                           .values(action="=HYPERLINK(\"http://evil.example\",\"click\")"))
    store.record_event(REF_B, PUBLISHED, "final")
    confirm_sharing(load_definition(folders.audits / f"{REF_B}.yaml"), store, "POL", "2026-12-01", "=Team briefings",
                    "Ben Okafor", IMPACT_DAY)
    tracker = tracker_on(store, IMPACT_DAY)
    refresh_register(tracker)

    summary = publish_monthly_report(tracker)

    pdf = folders.output / "tracker" / "action-tracker-2027-01-27.pdf"
    xlsx = folders.output / "tracker" / "action-tracker-2027-01-27.xlsx"
    assert summary["pdf"] == str(pdf) and (summary[RED], summary[AMBER], summary[GREEN]) == (3, 2, 2)
    text = pdf_text(pdf)
    assert "OFFICIAL" in text and "Action tracker report" in text and "Page 1 of" in text
    assert f"{REF_A}: Neglect" in text and f"{REF_B}: Neglect" in text
    assert "SCR-2019-01 (SCR): Neglect: cumulative harm in a large sibling group" in text
    overdue = text[text.index("Overdue actions"):text.index("Actions by audit")]
    assert all(f" {a} " in overdue for a in ("A2", "A4", "B2")) and " A1 " not in overdue
    unanswered = text[text.index("Review findings no action answers"):]
    assert "RR-2024-11" in unanswered and "RR-2025-07" in unanswered and "SCR-2019-01" not in unanswered

    workbook = load_workbook(xlsx)
    assert workbook.sheetnames == ["About", "Actions", "By review finding", "Overdue", "Unanswered findings",
                                   "Learning shared"]
    shared = [[c.value for c in r] for r in workbook["Learning shared"].iter_rows(min_row=2)]
    assert [REF_B, "POL", datetime(2026, 12, 1), "'=Team briefings"] in shared
    assert [REF_A, "POL", None, "not yet confirmed"] in shared
    assert "Learning briefing shared in the agencies: 0 of 6 confirmed" in text
    assert "Learning briefing shared in the agencies: 1 of 6 confirmed" in text
    cells = [c.value for row in workbook["Actions"].iter_rows() for c in row]
    assert "'=1+1" in cells and "'=HYPERLINK(\"http://evil.example\",\"click\")" in cells
    assert not any(c.data_type == "f" for sheet in workbook for row in sheet.iter_rows() for c in row)
    assert {r[0].value for r in workbook["Unanswered findings"].iter_rows(min_row=2)} == {"RR-2024-11", "RR-2025-07"}
    by_finding = [(r[0].value, r[4].value) for r in workbook["By review finding"].iter_rows(min_row=2)]
    assert ("SCR-2019-01", "A4") in by_finding and ("LCSPR-2022-01", "A4") in by_finding

    assert sorted(m["To"] for m in smtp_server.messages) == ["qiip.chair@example.org", "qiip.deputy@example.org"]
    assert set(attachments(smtp_server.messages[0])) == {pdf.name, xlsx.name}
    assert publish_monthly_report(tracker_on(store, date(2027, 1, 28))) is None, "once a month"
    assert publish_monthly_report(tracker_on(store, date(2027, 2, 1))) is not None


def test_no_monthly_report_while_no_audit_has_actions(folders: AuditFolders, smtp_server: MailCatcher) -> None:
    store = Store(f"sqlite:///{folders.data / 'empty.sqlite'}")
    assert publish_monthly_report(tracker_on(store, IMPACT_DAY)) is None
    seed_audit(folders, store, {}, ACTIONS_A)
    assert publish_monthly_report(tracker_on(store, date(2027, 1, 28))) is not None, "the month's report, late"
