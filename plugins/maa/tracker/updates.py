"""Progress updates from action owners: `inbox/tracker/updates/<AGENCY>.xlsx`, checked like a return.

Sheet `Updates`, columns audit_ref, action_id, status, progress_note. Hostile files are
refused before loading (`maa.intake.xlsx`), then Great Expectations checks every row against
the tracker: the action exists, the file's agency owns it, the status is one of three, a
note says what was done, and no note names a nominated child. One problem refuses the
whole file (half a file would leave owners unsure what was taken), and every reason
names sheet, row, column and cell without repeating the file's text.

Accepted rows join each action's history as new records; nothing is overwritten. The
file leaves the inbox either way: archived with a version suffix, or quarantined beside
its reasons, and the agency's coordinator is told which.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from maa.intake import inbox
from maa.intake.checks import ROW, Check, Problem, expect, run_checks
from maa.intake.inbox import InboxRoot
from maa.intake.path import Arrival, InboxKind, Taken, take
from maa.intake.xlsx import (
    MAX_FILE_BYTES,
    IdentifierMatcher,
    Refused,
    Table,
    narrative_checks,
    narrative_flags,
    open_workbook,
    read_required,
)
from maa.outputs import rendering
from maa.outputs.mailer import OFFICIAL, Email
from maa.preparation.case_list import audit_children
from maa.preparation.nominations import Nominee
from maa.preparation.return_template import safe_cell
from maa.tracker.actions import TrackedAction, record_updates, updates_in_file
from maa.tracker.register import NOT_STARTED, STATUSES, TRACKER_FOLDER, TRACKER_REF, Tracker

log = logging.getLogger(__name__)

UPDATES_SHEET = "Updates"
UPDATE_COLUMNS = ("audit_ref", "action_id", "status", "progress_note")
MAX_NOTE = 2000
UPDATE_FILE_KIND = InboxKind.ACTION_UPDATE  # in the store's record of files taken out of an inbox
_STATUS_BY_LOWER = {s.lower(): s for s in STATUSES}


@dataclass
class UpdateResult:
    agency_code: str
    problems: list[Problem] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)  # row, audit_ref, action_id, status, progress_note

    @property
    def accepted(self) -> bool:
        return not self.problems

    def reasons(self) -> list[str]:
        return [str(p) for p in self.problems]


def check_updates(data: bytes, agency_code: str, actions: list[TrackedAction],
                  children: dict[str, list[Nominee]] | None = None) -> UpdateResult:
    """Every reason the agency's update workbook cannot be taken, or its updates when it can.

    `actions` are the tracked actions (all audits); `children` the nominated children by audit ref,
    so a note naming one is refused wherever it appears.
    """
    result = UpdateResult(agency_code)
    problems: list[Problem] = []
    try:
        workbook = open_workbook(data)
        try:
            table = read_required(workbook, UPDATES_SHEET, problems)
        finally:
            workbook.close()
    except Refused as refused:
        result.problems = refused.problems
        return result
    by_key = {_key(a.audit_ref, a.action_id): a for a in actions}
    if table is not None:
        problems += table.missing_columns(UPDATE_COLUMNS) or _check_rows(table, agency_code, by_key, children or {})
    result.problems = sorted(problems, key=lambda p: (p.row or 0, p.column or "", p.message))
    if table is not None and not result.problems:
        result.updates = [_update(number, row, by_key) for number, row in table.rows]
    return result


def _key(audit_ref: str, action_id: str) -> tuple[str, str]:
    """Refs and action ids are matched ignoring letter case, as people type them."""
    return audit_ref.strip().casefold(), action_id.strip().casefold()


def _update(number: int, row: dict[str, str], by_key: dict[tuple[str, str], TrackedAction]) -> dict[str, Any]:
    """An accepted row, with the audit ref and action id spelt as the tracker spells them."""
    action = by_key[_key(row["audit_ref"], row["action_id"])]
    return {"row": number, "audit_ref": action.audit_ref, "action_id": action.action_id,
            "status": _STATUS_BY_LOWER[row["status"].lower()], "progress_note": row.get("progress_note", "")}


def _check_rows(table: Table, agency_code: str, by_key: dict[tuple[str, str], TrackedAction],
                children: dict[str, list[Nominee]]) -> list[Problem]:
    import pandas as pd

    if not table.rows:
        return [Problem(None, None, "no updates: add one row per action you report on", table.sheet)]
    audits = {a.audit_ref.casefold(): a.audit_ref for a in by_key.values()}
    matchers = {ref: IdentifierMatcher(children.get(ref, ())) for ref in audits.values()}
    nobody = IdentifierMatcher(())
    frame_rows = []
    for number, row in table.rows:
        key = _key(row.get("audit_ref", ""), row.get("action_id", ""))
        audit_ref = audits.get(key[0])  # None: not an audit with tracked actions
        action = by_key.get(key)
        status = _STATUS_BY_LOWER.get(row.get("status", "").lower(), row.get("status", ""))
        frame_rows.append({
            ROW: number,
            "audit_ref": audit_ref or row.get("audit_ref") or None,
            "action_id": action.action_id if action else row.get("action_id") or None,
            # null where an earlier check already explains the row, so one mistake gives one reason
            "action_known": (action is not None) if audit_ref and key[1] else None,
            "owned": (action.owner_agency == agency_code) if action else None,
            "status": status or None,
            # only "Not started" may come without a note; an unknown status is explained by its own check
            "note_given": (status == NOT_STARTED or bool(row.get("progress_note"))) if status in STATUSES else None,
            **narrative_flags(row, ("progress_note",), matchers.get(audit_ref or "", nobody)),
        })
    frame = pd.DataFrame(frame_rows)
    statuses = ", ".join(STATUSES)
    checks = [
        Check(expect("ExpectColumnValuesToNotBeNull", column="audit_ref"), "audit_ref is empty", "audit_ref"),
        Check(expect("ExpectColumnValuesToBeInSet", column="audit_ref", value_set=sorted(audits.values())),
              "not an audit with actions in the tracker (" + (", ".join(sorted(audits.values())) or "none yet") + ")",
              "audit_ref"),
        Check(expect("ExpectColumnValuesToNotBeNull", column="action_id"), "action_id is empty", "action_id"),
        Check(expect("ExpectColumnValuesToBeInSet", column="action_known", value_set=[True]),
              "no action with this action_id in that audit", "action_id"),
        Check(expect("ExpectColumnValuesToBeInSet", column="owned", value_set=[True]),
              f"this action is owned by another agency: {agency_code}.xlsx may update only {agency_code}'s "
              "actions", "action_id"),
        Check(expect("ExpectCompoundColumnsToBeUnique", column_list=["audit_ref", "action_id"]),
              "the same action appears on more than one row", "action_id"),
        Check(expect("ExpectColumnValuesToNotBeNull", column="status"), f"status is empty: use {statuses}",
              "status"),
        Check(expect("ExpectColumnValuesToBeInSet", column="status", value_set=list(STATUSES)),
              f"not a status: use {statuses}", "status"),
        Check(expect("ExpectColumnValuesToBeInSet", column="note_given", value_set=[True]),
              "say what has been done: a progress note is needed unless the action has not started",
              "progress_note"),
        *narrative_checks(("progress_note",), MAX_NOTE),
    ]
    return [Problem(p.row, p.column, p.message, table.sheet, table.cell(p.column or "", p.row))
            for p in run_checks(frame, checks, sheet=table.sheet)]


# The inbox ------------------------------------------------------------------------------------

def updates_inbox(inbox_root: InboxRoot | None = None) -> Any:
    return inbox.inbox_path(TRACKER_FOLDER, "updates", root=inbox_root)


def receive_updates(tracker: Tracker, inbox_root: InboxRoot | None = None) -> dict[str, list[str]]:
    """Take every settled `<AGENCY>.xlsx` out of the updates inbox: accepted or refused, never left there
    (except by a dry run, which only checks them)."""
    folder = updates_inbox(inbox_root)
    outcome: dict[str, list[str]] = {"accepted": [], "refused": []}
    known = {a.code.upper() for d in tracker.definitions.values() for a in d.agencies}
    for path in sorted(folder.iterdir() if folder.exists() else [], key=lambda p: p.name):
        code = path.name[:-len(".xlsx")].upper() if path.name.lower().endswith(".xlsx") else None
        if code not in known:  # its name may be anything, a child's included: never repeated, never a code
            digest = hashlib.sha256(path.name.encode()).hexdigest()[:12]
            log.warning("Left a file in the updates inbox (its name's digest: %s): only <AGENCY>.xlsx files are "
                        "taken, named by an agency code of an audit", digest)
            continue
        if not inbox.is_settled(path):  # still being copied in: the next run takes it
            continue
        if tracker.dry_run:  # checked and reported in the log, left in the inbox for the real run
            result = check_update_file(tracker, path.read_bytes(), code)
            log.info("Dry run: %s.xlsx would be %s: %s", code, "accepted" if result.accepted else "refused",
                     "; ".join(result.reasons()) or f"{len(result.updates)} updates")
            accepted = result.accepted
        else:
            accepted = receive_update_file(tracker, path, code)
        outcome["accepted" if accepted else "refused"].append(code)
    acknowledge_update_files(tracker)
    return outcome


def receive_update_file(tracker: Tracker, path: Any, code: str) -> bool:
    """Validate one agency's file; record it (and its rows), then archive it or quarantine it with its reasons.

    The sender hears from `acknowledge_update_files`, which goes by what the store recorded, so an
    acknowledgement the mail server held back is still owed after the file has left the inbox.
    """
    arrival = Arrival(TRACKER_FOLDER, InboxKind.ACTION_UPDATE, code, path, Path("updates") / f"{code}.xlsx",
                      "an action update workbook", MAX_FILE_BYTES, events_ref=TRACKER_REF)

    def record(taken: Taken[UpdateResult]) -> None:
        assert taken.result is not None
        record_updates(tracker.store, code, taken.kept_as.name, taken.sha256, tracker.today, taken.result.updates)

    def event(taken: Taken[UpdateResult]) -> tuple[str, str, str]:
        return f"update_{taken.outcome}", f"{code}/v{taken.version}", "\n".join(taken.reasons)

    taken = take(arrival, lambda data, _: check_update_file(tracker, data, code), tracker.store, record=record,
                 event=event, tell_sender=lambda _: None)
    return taken.accepted


def acknowledge_update_files(tracker: Tracker) -> int:
    """Tell the sender of every update file taken in whether it was accepted (and what) or why it was refused.

    Driven by what the store recorded, not by this run's files: when the mail server was down, the
    retry still owes the acknowledgement of a file that has already left the inbox. The ledger keeps
    each to one send. Returns the number sent.
    """
    sent = 0
    acknowledged = {e["subject"] for e in tracker.store.events(TRACKER_REF, "update_acknowledged")}
    for taken in tracker.store.inbox_files(TRACKER_FOLDER, UPDATE_FILE_KIND):
        code, version, kept_as = taken["agency_code"], taken["version"], Path(taken["stored_as"]).name
        if f"{code}/v{version}" in acknowledged:  # a coordinator replaced since is not sent old files' news
            continue
        accepted = taken["outcome"] == "accepted"
        kind = "update_accepted" if accepted else "update_refused"
        what = f"Action updates {taken['outcome']} (version {version})"
        for name, recipient in senders(tracker, code):
            email = Email(ref=TRACKER_REF, kind=f"{kind}-{code}", recipient=recipient, what=what, body="",
                          marking=OFFICIAL, version=version)
            if tracker.store.email_status(email.key) == "sent":
                continue
            context = ({"updates": updates_in_file(tracker.store, code, kept_as)} if accepted
                       else {"reasons": (taken["reasons"] or "").splitlines(), "kept_as": kept_as})
            body = rendering.render(f"email/{kind}.txt", name=name, code=code, version=version,
                                  business_units=tracker.business_units(), **context)
            sent += tracker.mailer.send(dataclasses.replace(email, body=body))
        tracker.record(TRACKER_REF, "update_acknowledged", f"{code}/v{version}")
    return sent


def check_update_file(tracker: Tracker, data: bytes, code: str) -> UpdateResult:
    """`check_updates` against the tracker now, with the nominated children of the audits where `code` owns
    actions (read into memory only), so that a note naming one is refused."""
    actions = tracker.actions()
    children = {}
    for ref in {a.audit_ref for a in actions if a.owner_agency == code}:
        definition = tracker.definitions.get(ref)
        if definition is not None:
            children[ref] = audit_children(definition, tracker.store)[1]
    return check_updates(data, code, actions, children)


def senders(tracker: Tracker, code: str) -> list[tuple[str, str]]:
    """(name, email) of whoever may have sent `code`'s file: the agency's coordinator in every audit where it
    owns tracked actions, else in any audit; the Business Unit when no audit knows the agency."""
    owning = {a.audit_ref for a in tracker.actions() if a.owner_agency == code}
    found: dict[str, str] = {}
    for ref in sorted(owning) or sorted(tracker.definitions):
        coordinator = tracker.coordinator(ref, code)
        if coordinator is not None:
            found.setdefault(coordinator.email.lower(), coordinator.name)
    if not found:
        return [("Business Unit", email) for email in tracker.business_units()]
    return [(name, email) for email, name in found.items()]


# The pre-filled workbook --------------------------------------------------------------------------

REFERENCE_COLUMNS = ("action (for reference)", "due_date (for reference)")


def write_update_workbook(actions: list[TrackedAction], target: Path) -> Path:
    """An `Updates` sheet with one row per action, its current status filled in and a status dropdown;
    the agreed action and due date beside it for reference (not read back). Cells are formula-safe."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = UPDATES_SHEET
    sheet.append([*UPDATE_COLUMNS, *REFERENCE_COLUMNS])
    for action in actions:
        sheet.append([safe_cell(v) for v in (action.audit_ref, action.action_id, action.status, None, action.action,
                                             action.due_date.isoformat())])
    statuses = DataValidation(type="list", formula1='"' + ",".join(STATUSES) + '"', allow_blank=False,
                              showErrorMessage=True, errorTitle="Status", error="Choose one of: " + ", ".join(STATUSES))
    sheet.add_data_validation(statuses)
    statuses.add(f"C2:C{max(2, sheet.max_row)}")
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEF", (16, 12, 14, 60, 60, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".xlsx.tmp")
    workbook.save(temporary)
    temporary.replace(target)
    return target
