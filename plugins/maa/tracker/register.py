"""The action tracker across every audit: RAG status, and reminders to owners before and after due dates.

QiiP owns one tracker for all approved audits' actions. "Today" is always handed in
(the tracker DAG takes it from its run, never the wall clock), so every decision here
is the same on a rerun. Each reminder goes once per action and stage: the store
records the stage as an event, and the email ledger stops a resend after a crash.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from maa import config
from maa.audit.definitions import AuditDefinition, Person, Status, definition_files, load_all
from maa.config import TRACKER_REF  # the [ref] of emails about the whole tracker rather than one audit
from maa.meeting.registers import load_review_findings
from maa.outputs import rendering
from maa.outputs.mailer import OFFICIAL, Email, Mailer
from maa.outputs.store import Store
from maa.tracker.actions import (
    TrackedAction,
    link_actions_to_register,
    load_register,
    stored_register,
    tracked_actions,
)

log = logging.getLogger(__name__)

TRACKER_FOLDER = "tracker"  # inbox/tracker/, archive/tracker/, quarantine/tracker/, output/tracker/
NOT_STARTED, IN_PROGRESS, COMPLETE = "Not started", "In progress", "Complete"
STATUSES = (NOT_STARTED, IN_PROGRESS, COMPLETE)
DUE_SOON = timedelta(days=14)
GREEN, AMBER, RED = "green", "amber", "red"
REMINDER_STAGES = {AMBER: "due_soon", RED: "overdue"}  # what an owner is reminded of, by RAG status


def rag(status: str, due: date, today: date) -> str:
    """PRODUCT.md's rule: green when complete or due more than 14 days ahead, amber when due within
    14 days, red when overdue. Due today is amber: something due on a date is on time until its end."""
    if status == COMPLETE or due - today > DUE_SOON:
        return GREEN
    return RED if due < today else AMBER


@dataclass
class Tracker:
    """One tracker run: the store, the mailer, the run's date and the audits' current definitions."""

    store: Store
    mailer: Mailer
    today: date
    definitions: dict[str, AuditDefinition]

    @classmethod
    def open(cls, store: Store, mailer: Mailer, today: date, audits_folder: Path | None = None) -> Tracker:
        loaded = load_all(definition_files(audits_folder)).definitions.values()
        return cls(store, mailer, today, {d.ref: d for d in loaded})

    def definition(self, ref: str) -> AuditDefinition | None:
        """The audit's definition now; None when it is gone or withdrawn (its actions are then not chased)."""
        definition = self.definitions.get(ref)
        if definition is None:
            log.warning("%s has tracked actions but no definition in the audits folder: its owners are not "
                        "emailed", ref)
            return None
        return None if definition.status is Status.withdrawn else definition

    def actions(self, audit_ref: str | None = None) -> list[TrackedAction]:
        return tracked_actions(self.store, audit_ref)

    def coordinator(self, ref: str, code: str) -> Person | None:
        definition = self.definition(ref)
        agency = next((a for a in definition.agencies if a.code == code), None) if definition else None
        return agency.coordinator if agency else None

    def business_units(self) -> list[str]:
        return sorted({d.business_unit.email for d in self.definitions.values()})

    def qiip(self) -> list[str]:
        return sorted({email for d in self.definitions.values() for email in d.qiip.emails})

    def rag(self, action: TrackedAction) -> str:
        return rag(action.status, action.due_date, self.today)

    @property
    def dry_run(self) -> bool:
        return self.mailer.dry_run

    def output_path(self, *parts: str) -> Path:
        """Where a file the tracker writes goes: under the output folder, or its `dry-run/` in a dry run, so a
        dry run never replaces a report or workbook people were sent."""
        root = config.output_dir() / "dry-run" if self.dry_run else config.output_dir()
        return root.joinpath(*parts)

    def happened(self, ref: str, kind: str, subject: str) -> bool:
        return any(e["subject"] == subject for e in self.store.events(ref, kind))

    def record(self, ref: str, kind: str, subject: str, detail: str = "") -> None:
        """Record that a step was done, so it is not done again; a dry run records nothing, so the real
        run still does everything (its emails went to the dry-run outbox only)."""
        if not self.dry_run:
            self.store.record_event(ref, kind, subject, detail)


def remind_owners(tracker: Tracker) -> list[str]:
    """Each open action's owner, 14 days before it is due and again once it is overdue; once per stage.

    An action already overdue when first seen gets the overdue reminder only: "due soon" would be wrong.
    Returns what was sent, as "REF/action_id/stage" (safe for XCom: no child's data).
    """
    sent = []
    for action in tracker.actions():
        stage = REMINDER_STAGES.get(tracker.rag(action))
        definition = tracker.definition(action.audit_ref)
        if stage is None or definition is None:
            continue
        subject = f"{action.action_id}/{stage}"
        if tracker.happened(action.audit_ref, "action_reminder", subject):
            continue
        coordinator = tracker.coordinator(action.audit_ref, action.owner_agency)
        if coordinator is None:
            log.warning("%s %s: owner %s is not among the audit's agencies now; nobody to remind",
                        action.audit_ref, action.action_id, action.owner_agency)
            continue
        what = (f"Action {action.action_id} is overdue (due {action.due_date:%d %B %Y})" if stage == "overdue"
                else f"Action {action.action_id} is due on {action.due_date:%d %B %Y}")
        body = rendering.render("email/action_reminder.txt", audit=definition, action=action, stage=stage,
                              coordinator=coordinator, today=tracker.today)
        tracker.mailer.send(Email(ref=action.audit_ref, kind=f"action_{stage}-{action.action_id}",
                                  recipient=coordinator.email, what=what, body=body, marking=OFFICIAL,
                                  reply_to=definition.business_unit.email))
        tracker.record(action.audit_ref, "action_reminder", subject, f"to {action.owner_agency}")
        sent.append(f"{action.audit_ref}/{subject}")
    return sent


def refresh_register(tracker: Tracker) -> dict[str, Any]:
    """Load the review findings register if it is valid, then link every action to the findings it cites.

    A register with any problem is not loaded (the last good one stays, so no link is lost) and the
    Business Unit is emailed the reasons, once per version of the file.
    """
    register = load_review_findings()
    if register.problems:
        reasons = [str(p) for p in register.problems]
        fingerprint = hashlib.sha256(register.path.read_bytes()).hexdigest()[:12]
        body = rendering.render("email/register_refused.txt", path=register.path, reasons=reasons,
                              business_units=tracker.business_units())
        for recipient in tracker.business_units():
            tracker.mailer.send(Email(ref=TRACKER_REF, kind=f"register_refused-{fingerprint}", recipient=recipient,
                                      what="The review findings register was not loaded", body=body,
                                      marking=OFFICIAL))
        tracker.record(TRACKER_REF, "register_refused", fingerprint, "\n".join(reasons))
        log.warning("Review findings register not loaded: %s", "; ".join(reasons))
    elif register.exists and not tracker.dry_run:
        load_register(tracker.store, register.findings)
    if tracker.dry_run:  # what the real run would load; the store is left as it is
        return {"register": "refused" if register.problems else "would load" if register.exists else "absent",
                "findings": len(register.findings), "links": None}
    return {"register": "refused" if register.problems else "loaded" if register.exists else "absent",
            "findings": len(stored_register(tracker.store)), "links": link_actions_to_register(tracker.store)}
