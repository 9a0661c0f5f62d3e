"""When sign-off falls due unapproved: a reminder to whoever holds the draft up, said truly.

The reminder goes once, when sign-off falls due. QiiP is reminded only while QiiP has been asked (the ledger
holds its request for the latest round) and has not answered; otherwise the Business Unit hears what the
sign-off is waiting for: its own quality assurance, the chair's revision after a request for changes, or
QiiP's request going out. Nothing waits for a later request: the Business Unit, which runs the audit, then
knows where the draft is stuck, and QiiP is asked (with the due date) as soon as the draft reaches it.
"""

from __future__ import annotations

from dataclasses import dataclass

from maa.audit.definitions import AuditDefinition
from maa.outputs import rendering
from maa.outputs.mailer import OFFICIAL, Email, Mailer
from maa.outputs.store import Store
from maa.signoff.decisions import REQUEST_CHANGES, STAGES, approval, decisions

BU, QIIP = tuple(STAGES)
REQUESTS = {f"{stage}_request": position for position, stage in enumerate(STAGES)}  # ledger kinds, in order
WAITING_FOR = {"draft": "a draft", BU: "the Business Unit's quality assurance", QIIP: "QiiP's decision",
               "qiip_request": "QiiP to be asked", "chair": "the chair's revised analysis"}


@dataclass(frozen=True)
class Holdup:
    """What an unapproved sign-off waits for (a key of WAITING_FOR), in which round."""

    waiting_for: str
    round: int

    @property
    def described(self) -> str:
        return WAITING_FOR[self.waiting_for]


def holdup(store: Store, ref: str) -> Holdup | None:
    """What the sign-off waits for now, from the latest request in the email ledger and the decision
    answering it; None once QiiP has approved."""
    if approval(store, ref) is not None:
        return None
    asked = [(e["version"], REQUESTS[e["kind"]]) for e in store.emails(ref) if e["kind"] in REQUESTS]
    if not asked:
        return Holdup("draft", 0)
    round_number, position = max(asked)
    stage = list(STAGES)[position]
    decided = next((d for d in decisions(store, ref) if d.round == round_number and d.stage == stage), None)
    if decided is None:
        return Holdup(stage, round_number)
    if decided.option == REQUEST_CHANGES:
        return Holdup("chair", round_number)
    return Holdup("qiip_request", round_number)  # the Business Unit approved; QiiP's request is not out yet


def remind_of_signoff(definition: AuditDefinition, store: Store, mailer: Mailer) -> str:
    """Sign-off is due and not approved: QiiP reminded if it holds the draft, else the Business Unit told what
    the sign-off waits for. Returns who was reminded ("qiip", "business_unit"), or "" once approved."""
    waiting = holdup(store, definition.ref)
    if waiting is None:
        return ""
    due = definition.timetable.dates["signoff_due"]
    if waiting.waiting_for == QIIP:
        body = rendering.render("email/signoff_reminder.txt", audit=definition, due=due, round=waiting.round)
        for recipient in definition.qiip.emails:
            mailer.send(Email(ref=definition.ref, kind="signoff_reminder", recipient=recipient, body=body,
                              what="Reminder: the Audit Overview Report awaits QiiP's sign-off", marking=OFFICIAL))
        return "qiip"
    body = rendering.render("email/signoff_held_up.txt", audit=definition, due=due, waiting=waiting)
    mailer.send(Email(ref=definition.ref, kind="signoff_held_up", recipient=definition.business_unit.email,
                      body=body, marking=OFFICIAL,
                      what=f"Sign-off is due and waiting for {waiting.described}"))
    return "business_unit"
