"""Sign-off decisions: who decided what, when, in which round; kept in the store as events, each recorded
the first time it is seen so that a retried sign-off task takes the answer instead of asking again.

Light on purpose: the DAG factory imports the constants at parse time.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from maa.audit.clock import AuditClock
    from maa.outputs.store import Store

from maa.audit.roles import STAGE_ROLES

MAX_ROUNDS = 3
APPROVE, REQUEST_CHANGES = "Approve", "Request changes"
STAGES = {"bu_quality_assurance": "the Business Unit's quality assurance", "qiip_signoff": "QiiP's sign-off"}


@dataclass(frozen=True)
class Decision:
    round: int
    stage: str
    option: str
    by: str  # the Airflow login that answered
    at: datetime  # aware: when Airflow recorded the answer (the wall clock)
    comment: str
    name: str = ""  # the person's full name and role, where the answer recorded them
    role: str = ""

    @property
    def who(self) -> str:
        """The person as reports and emails name them, "Priya Nair (QiiP)"; by their login where no name was
        recorded."""
        if not self.name:
            return f"Airflow user {self.by}"
        return f"{self.name} ({self.role or STAGE_ROLES.get(self.stage, '')})".replace(" ()", "")

    def as_event(self) -> dict[str, Any]:
        """The decision as the human-in-the-loop task's completion event carries it."""
        return {"chosen_options": [self.option], "params_input": {"comment": self.comment},
                "responded_at": self.at, "responded_by_user": {"id": self.by, "name": self.by}}


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
    local = audit_clock.from_wall_clock(decision.at)
    when = f"{local.day} {local:%b %Y}, {local:%H:%M %Z}"
    return ShownDecision(decision.round, decision.stage, decision.option, decision.who, when, decision.comment)


def record_decision(store: Store, ref: str, decision: Decision) -> None:
    """Once per round and stage: a second recording of the same answer changes nothing."""
    store.record_event(ref, "signoff_decision", f"round{decision.round}/{decision.stage}",
                       json.dumps({**asdict(decision), "at": decision.at.isoformat()}))


def _at(text: str) -> datetime:
    """ISO text; records made before datetimes were kept read "YYYY-MM-DD HH:MM UTC"."""
    if text.endswith(" UTC"):
        return datetime.strptime(text, "%Y-%m-%d %H:%M UTC").replace(tzinfo=UTC)
    return datetime.fromisoformat(text)


def decisions(store: Store, ref: str) -> list[Decision]:
    found = []
    for event in store.events(ref, "signoff_decision"):
        fields = json.loads(event["detail"])
        found.append(Decision(**{**fields, "at": _at(fields["at"])}))
    return found


def recorded_decision(store: Store, ref: str, round_number: int, stage: str) -> Decision | None:
    return next((d for d in decisions(store, ref) if d.round == round_number and d.stage == stage), None)


def approval(store: Store, ref: str) -> Decision | None:
    return next((d for d in decisions(store, ref) if d.stage == "qiip_signoff" and d.option == APPROVE), None)
