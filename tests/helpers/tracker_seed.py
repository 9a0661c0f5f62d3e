"""The action tracker's test data: approved audits with actions written straight into the store, and real
update workbooks built with openpyxl, as an owner agency would send them."""

from __future__ import annotations

import io
import shutil
from datetime import UTC, date, datetime
from typing import Any

from openpyxl import Workbook

from maa.audit.definitions import AuditDefinition, load_definition
from maa.outputs.store import Store
from maa.pipeline import resources
from maa.signoff.decisions import APPROVE, Decision, record_decision
from maa.tracker.register import Tracker
from maa.tracker.updates import UPDATE_COLUMNS
from tests.helpers.definitions import PROJECT, AuditFolders
from tests.helpers.mail import MailCatcher

SAMPLE_REGISTER = PROJECT / "include" / "sample" / "data" / "registers" / "review_findings.csv"

# Two approved audits and their agreed actions: (action_id, owner_agency, due_date, review_refs).
REF_A, REF_B = "MATA-2026-01", "MACA-2026-09"
IMPACT_DAY = date(2027, 1, 27)  # MATA-2026-01's impact_review_due: 27 Jul 2026 + 6 months
ACTIONS_A = [("A1", "POL", date(2027, 2, 10), "SCR-2019-01"),
             ("A2", "CSC", date(2027, 1, 15), "RR-2023-04"),
             ("A3", "ICB", date(2027, 6, 30), ""),
             ("A4", "EDU", date(2027, 1, 20), "scr-2019-01;LCSPR-2022-01")]
ACTIONS_B = [("B1", "POL", date(2027, 2, 5), "RR-2023-04"),
             ("B2", "GHC", date(2026, 12, 1), "")]


def seed_audit(folders: AuditFolders, store: Store, changes: dict[str, Any],
               actions: list[tuple[str, str, date, str]], approved: bool = True) -> AuditDefinition:
    """An audit (a variant of the sample definition) whose actions are in the tracker as agreed at sign-off.

    `actions` are (action_id, owner_agency, due_date, review_refs).
    """
    path = folders.write_definition(changes, remove=("extensions",))
    definition = load_definition(path)
    store.save_audit(definition, path.name)
    store.save_actions(definition.ref, [
        {"action_id": action_id, "action": f"{owner} to act on {action_id} across the partnership",
         "owner_agency": owner, "due_date": due, "theme": "Drift", "review_refs": refs, "status": "Not started"}
        for action_id, owner, due, refs in actions])
    if approved:
        record_decision(store, definition.ref, Decision(round=1, stage="qiip_signoff", option=APPROVE, by="qiip",
                                                        at=datetime(2026, 9, 30, 10, tzinfo=UTC), comment=""))
    return definition


def action(action_id: str, owner: str, due: date, text: str, refs: str = "", status: str = "Not started"
           ) -> dict[str, Any]:
    """One agreed action as the chair's analysis gives it, for `Store.save_actions`."""
    return {"action_id": action_id, "action": text, "owner_agency": owner, "due_date": due, "theme": "Drift",
            "review_refs": refs, "status": status}


def copy_sample_register(folders: AuditFolders) -> None:
    registers = folders.data / "registers"
    registers.mkdir(exist_ok=True)
    shutil.copy(SAMPLE_REGISTER, registers / "review_findings.csv")


def update_workbook(rows: list[tuple[Any, ...]], header: tuple[str, ...] = UPDATE_COLUMNS,
                    sheet: str = "Updates") -> bytes:
    workbook = Workbook()
    worksheet = workbook.active
    worksheet.title = sheet
    worksheet.append(list(header))
    for row in rows:
        worksheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def drop_update(folders: AuditFolders, code: str, data: bytes) -> None:
    drop_update_as(folders, f"{code}.xlsx", data)


def drop_update_as(folders: AuditFolders, name: str, data: bytes) -> None:
    """A file in the tracker's updates inbox under whatever name its sender gave it."""
    folder = folders.data / "inbox" / "tracker" / "updates"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)


def tracker_on(store: Store, today: date) -> Tracker:
    return Tracker.open(store, resources.mailer(store), today)


def keys(catcher: MailCatcher) -> list[str]:
    """The ledger key of every message the mail server accepted, in order."""
    return [m["X-MAA-Key"] for m in catcher.messages]
