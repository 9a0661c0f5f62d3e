"""Sign-off decisions: who decided what, when, in which round; kept in the store as events.

Light on purpose: the DAG factory imports the constants at parse time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from maa.audit.clock import AuditClock

MAX_ROUNDS = 3
APPROVE, REQUEST_CHANGES = "Approve", "Request changes"
STAGES = {"bu_quality_assurance": "the Business Unit's quality assurance", "qiip_signoff": "QiiP's sign-off"}
RECORDED_AT = "%Y-%m-%d %H:%M UTC"  # how `Decision.at` is written (by maa.pipeline.signoff)


@dataclass(frozen=True)
class Decision:
    round: int
    stage: str
    option: str
    by: str  # the Airflow login that answered
    at: str
    comment: str
    name: str = ""  # the person's full name and role, where the answer recorded them
    role: str = ""

    @property
    def who(self) -> str:
        """The person as a report names them: by name and role where recorded, else by their login."""
        if not self.name:
            return f"Airflow user {self.by}"
        return f"{self.name} ({self.role})" if self.role else self.name

    def moment(self) -> datetime | None:
        """When the answer was given (UTC, the wall clock), or None where `at` is not in the recorded form."""
        try:
            return datetime.strptime(self.at, RECORDED_AT).replace(tzinfo=UTC)
        except ValueError:
            return None


@dataclass(frozen=True)
class ShownDecision:
    """A decision as reports and emails show it: the person, and the time in London with its zone."""

    round: int
    stage: str
    option: str
    who: str
    when: str
    comment: str


def shown(decision: Decision, audit_clock: AuditClock) -> ShownDecision:
    """`decision` for a reader: its time in audit time (a rehearsal's day, not the wall clock's), in London."""
    moment = decision.moment()
    if moment is None:
        when = decision.at
    else:
        local = audit_clock.from_wall_clock(moment)
        when = f"{local.day} {local:%b %Y}, {local:%H:%M %Z}"
    return ShownDecision(decision.round, decision.stage, decision.option, decision.who, when, decision.comment)


def record_decision(store: Any, ref: str, decision: Decision) -> None:
    store.record_event(ref, "signoff_decision", f"round{decision.round}/{decision.stage}",
                       json.dumps(decision.__dict__))


def decisions(store: Any, ref: str) -> list[Decision]:
    return [Decision(**json.loads(e["detail"])) for e in store.events(ref, "signoff_decision")]


def approval(store: Any, ref: str) -> Decision | None:
    return next((d for d in decisions(store, ref) if d.stage == "qiip_signoff" and d.option == APPROVE), None)
