"""The action tracker DAG through dag.test() over three weeks of an impact review: three approved audits with
due, overdue and completed actions, owners' update files good and broken, a real SMTP server."""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, datetime

import pytest
from openpyxl import load_workbook

from maa.config import LONDON
from maa.outputs import rehearsals
from maa.outputs.store import Store
from maa.pipeline import resources
from maa.tracker.actions import tracked_actions, update_count
from tests.helpers.dags import dag_bag
from tests.helpers.definitions import AuditFolders
from tests.helpers.mail import MailCatcher
from tests.helpers.outputs import pdf_text
from tests.helpers.tracker_seed import (
    ACTIONS_A,
    ACTIONS_B,
    REF_A,
    REF_B,
    copy_sample_register,
    drop_update,
    seed_audit,
    update_workbook,
)

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("airflow_db")]

DAG_ID = "maa_action_tracker"
REHEARSED = "MATA-2026-07"  # only rehearsed: nothing of it is chased, reported or exported


@pytest.fixture
def seeded(folders: AuditFolders, smtp_server: MailCatcher) -> Store:
    store = resources.store()  # the store the DAG's tasks open: the SQLite default under MAA_DATA_DIR
    seed_audit(folders, store, {}, ACTIONS_A)
    seed_audit(folders, store, {"ref": REF_B, "type": "MACA", "start": "2026-09-07"}, ACTIONS_B)
    seed_audit(folders, store, {"ref": "MATA-2026-05", "start": "2026-10-05"},
               [("C1", "POL", date(2027, 9, 1), "LCSPR-2024-02")])
    rehearsals.start_run(store, REHEARSED, rehearsal=True)  # approved in a rehearsal, its action overdue
    seed_audit(folders, store, {"ref": REHEARSED}, [("R1", "POL", date(2026, 12, 1), "SCR-2019-01")])
    rehearsals.mark_run(store, REHEARSED, rehearsal=True)
    copy_sample_register(folders)
    return store


def run_as_of(day: date, **conf: object) -> tuple[str, float]:
    """One daily run whose logical date is 09:00 London on `day` (as the schedule makes it); its wall time."""
    dag = dag_bag().get_dag(DAG_ID)
    started = time.monotonic()
    state = dag.test(logical_date=datetime(day.year, day.month, day.day, 9, 0, tzinfo=LONDON), run_conf=conf)
    return str(state.state), time.monotonic() - started


def sent_kinds(catcher: MailCatcher, since: int = 0) -> Counter:
    return Counter(m["X-MAA-Key"].split("|")[1] for m in catcher.messages[since:])


def test_three_weeks_of_the_tracker(seeded: Store, folders: AuditFolders, smtp_server: MailCatcher,
                                    record_property) -> None:
    # Day 1, 27 January 2027: MATA-2026-01's impact review is due; EDU reports A4 complete, POL sends a mistake.
    drop_update(folders, "EDU", update_workbook([(REF_A, "A4", "Complete", "Attendance panel meets monthly.")]))
    drop_update(folders, "POL", update_workbook([(REF_A, "A1", "Started", "Training booked.")]))
    state, first_seconds = run_as_of(date(2027, 1, 27))
    assert state == "success"

    assert sent_kinds(smtp_server) == Counter({
        "update_accepted-EDU": 1, "update_refused-POL": 1,
        "action_due_soon-A1": 1, "action_overdue-A2": 1, "action_due_soon-B1": 1, "action_overdue-B2": 1,
        "impact_request-CSC": 1, "impact_request-EDU": 1, "impact_request-ICB": 1, "impact_request-POL": 1,
        "tracker_report": 2,  # QiiP's chair and deputy
    })
    assert list((folders.data / "inbox" / "tracker" / "updates").iterdir()) == []
    assert (folders.data / "archive" / "tracker" / "updates" / "EDU.v1.xlsx").exists()
    reasons = (folders.data / "quarantine" / "tracker" / "updates" / "POL.v1.xlsx.reasons.txt").read_text()
    assert "sheet Updates, row 2, column status, cell C2: not a status" in reasons
    report = folders.output / "tracker" / "action-tracker-2027-01-27.pdf"
    assert (folders.output / "tracker" / "action-tracker-2027-01-27.xlsx").exists()
    text = pdf_text(report)
    assert "MATA-2026-05: Neglect" in text and "LCSPR-2024-02 (LCSPR)" in text
    overdue = text[text.index("Overdue actions"):text.index("Actions by audit")]
    assert " A2 " in overdue and " B2 " in overdue and " A4 " not in overdue, "A4 was reported complete"
    assert REHEARSED not in text and " R1 " not in text, "a rehearsal's actions are not the programme's"
    export = load_workbook(folders.output / "tracker" / "action-tracker-2027-01-27.xlsx")["Actions"]
    assert REHEARSED not in {r[0].value for r in export.iter_rows(min_row=2)}

    # The same day again (an operator's rerun): nothing is sent or written twice.
    before, updates_before = len(smtp_server.messages), update_count(seeded)
    state, rerun_seconds = run_as_of(date(2027, 1, 27))
    assert state == "success"
    assert len(smtp_server.messages) == before and update_count(seeded) == updates_before

    # Day 2, 10 February: POL's corrected file; a week before replies are due CSC and ICB are reminded.
    drop_update(folders, "POL", update_workbook([(REF_A, "A1", "In progress", "Neglect toolkit: 40 staff trained."),
                                                 (REF_B, "B1", "In progress", "Protocol drafted.")]))
    before = len(smtp_server.messages)
    assert run_as_of(date(2027, 2, 10))[0] == "success"
    assert sent_kinds(smtp_server, before) == Counter({
        "update_accepted-POL": 1, "impact_reminder-CSC": 1, "impact_reminder-ICB": 1,
        "action_overdue-B1": 1, "tracker_report": 2,  # February's report
    })
    assert (folders.data / "archive" / "tracker" / "updates" / "POL.v2.xlsx").exists(), "v1 is in quarantine"

    # Day 3, 18 February: the three weeks are over; the impact update report goes to QiiP.
    before = len(smtp_server.messages)
    assert run_as_of(date(2027, 2, 18))[0] == "success"
    assert sent_kinds(smtp_server, before) == Counter({"impact_update_report": 2, "action_overdue-A1": 1})
    impact = pdf_text(folders.output / REF_A / "impact-update-report.pdf")
    assert "Neglect toolkit: 40 staff trained." in impact and "Not started → Complete" in impact
    assert "CSC no reply" in impact and "ICB no reply" in impact and "POL replied" in impact

    keys = [m["X-MAA-Key"] for m in smtp_server.messages]
    assert len(keys) == len(set(keys)), "no email twice"
    (a1,) = [a for a in tracked_actions(seeded, REF_A) if a.action_id == "A1"]
    assert a1.status == "In progress" and a1.agreed_status == "Not started"
    february = load_workbook(folders.output / "tracker" / "action-tracker-2027-02-10.xlsx")["Actions"]
    assert {(r[1].value, r[6].value) for r in february.iter_rows(min_row=2)} >= {("A1", "amber"), ("B1", "red"),
                                                                                ("A4", "green")}
    record_property("run_seconds", f"first {first_seconds:.1f}, rerun {rerun_seconds:.1f}")
