"""Sign-off decisions: who decided what, when, in which round; kept in the store as events.

Light on purpose: the DAG factory imports the constants at parse time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from maa.audit.roles import STAGE_ROLES

MAX_ROUNDS = 3
APPROVE, REQUEST_CHANGES = "Approve", "Request changes"
STAGES = {"bu_quality_assurance": "the Business Unit's quality assurance", "qiip_signoff": "QiiP's sign-off"}


@dataclass(frozen=True)
class Decision:
    round: int
    stage: str
    option: str
    by: str  # the person's full name (their login when the API server noted no name)
    at: str
    comment: str
    role: str = ""  # the role they answered as (recorded since roles; before, the stage's)
    login: str = ""

    @property
    def who(self) -> str:
        """The person and their role, as reports and emails name them: "Priya Nair (QiiP)"."""
        return f"{self.by} ({self.role or STAGE_ROLES[self.stage]})"


def record_decision(store: Any, ref: str, decision: Decision) -> None:
    store.record_event(ref, "signoff_decision", f"round{decision.round}/{decision.stage}",
                       json.dumps(decision.__dict__))


def decisions(store: Any, ref: str) -> list[Decision]:
    return [Decision(**json.loads(e["detail"])) for e in store.events(ref, "signoff_decision")]


def approval(store: Any, ref: str) -> Decision | None:
    return next((d for d in decisions(store, ref) if d.stage == "qiip_signoff" and d.option == APPROVE), None)
