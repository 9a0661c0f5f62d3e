"""Sign-off in the Airflow UI: human-in-the-loop branches, the Business Unit's first, then QiiP's.

Each stage is assigned to a role, not to accounts: only holders of "Business Unit" may answer the quality
assurance and only holders of "QiiP" the sign-off (Airflow checks `assigned_users` on the REST route the UI
uses, through maa.web.auth_manager; Admin is no exception). There is no parameter, option or default that
skips an approval.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from airflow.providers.standard.operators.hitl import HITLBranchOperator
from airflow.sdk import Param

from maa.audit.roles import STAGE_ROLES, assignee
from maa.signoff.decisions import APPROVE, REQUEST_CHANGES, STAGES

if TYPE_CHECKING:
    from airflow.sdk import Context


def comment_param() -> dict[str, Param]:
    """The form's one field. Passed by the caller, so Airflow marks it a task param and keeps the
    DAG's own params (dry run, rehearsal) out of the form."""
    return {"comment": Param(None, type=["null", "string"], title="Comment (optional to approve)",
                             description="Sent to the chair with a request for changes")}


class SignoffOperator(HITLBranchOperator):
    """Approve or Request changes, with a comment; the decision is recorded before the run branches.

    Before it parks, it emails whoever decides the draft and the link to this task in the UI (once:
    a retry asks again in Airflow but never emails twice).
    """

    def __init__(self, *, stage: str, round_number: int, definition_file: str, approve_to: str, changes_to: str,
                 summary_task_id: str, **kwargs: Any):
        super().__init__(
            subject=f"Round {round_number}: {STAGES[stage]} of the draft Audit Overview Report "
                    f"(answered by {STAGE_ROLES[stage]})",
            # Airflow's form shows its buttons to whoever may read the task; the text says whose answer it is.
            body=f"Only the {STAGE_ROLES[stage]} role may answer; Airflow refuses anyone else.\n\n"
                 "{{ ti.xcom_pull(task_ids='" + summary_task_id + "') }}",
            options=[APPROVE, REQUEST_CHANGES],
            options_mapping={APPROVE: approve_to, REQUEST_CHANGES: changes_to},
            assigned_users=[assignee(STAGE_ROLES[stage])],
            **kwargs,
        )
        self.stage = stage
        self.round_number = round_number
        self.definition_file = definition_file

    def execute(self, context: Context) -> Any:
        from airflow.providers.common.compat.sdk import conf

        from maa.pipeline.context import AuditContext
        from maa.signoff import drafts
        from maa.signoff.decisions import recorded_decision

        audit = AuditContext.for_task(context, self.definition_file)
        earlier = recorded_decision(audit.store, audit.definition.ref, self.round_number, self.stage)
        if earlier is not None:  # answered in an earlier try that then failed: never ask the person again
            self.log.info("%s was answered already (%s by %s): taking that answer", self.task_id, earlier.option,
                          earlier.by)
            return self.execute_complete(context, earlier.as_event())
        base_url = conf.get("api", "base_url", fallback="http://localhost:8080").rstrip("/")
        link = f"{base_url}/dags/{self.dag_id}/runs/{context['run_id']}/tasks/{self.task_id}/required_actions"
        with audit.busy():  # the request is work of the run; the person's time to answer is not
            drafts.request_decision(audit.definition, audit.mailer, self.stage, self.round_number, link)
        return super().execute(context)

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Any:
        from maa.audit.definitions import load_current
        from maa.pipeline.context import task_store
        from maa.signoff.decisions import Decision, record_decision
        from maa.signoff.people import respondent

        if "error" not in event:  # recorded the moment it is first seen, before anything else can fail
            user = event.get("responded_by_user") or {}
            login = str(user.get("name") or user.get("id") or "unknown")
            store = task_store()
            noted = respondent(store, login)  # noted by the API server as it let them answer
            record_decision(store, load_current(self.definition_file).ref, Decision(
                round=self.round_number, stage=self.stage, option=event["chosen_options"][0], by=login,
                name=noted.full_name if noted else "", role=STAGE_ROLES[self.stage],
                at=_moment(event["responded_at"]),
                comment=str((event.get("params_input") or {}).get("comment") or ""),
            ))
        return super().execute_complete(context, event)


def _moment(responded_at: Any) -> datetime:
    """The answer's time as an aware datetime (the event carries a datetime, or its ISO text)."""
    moment = responded_at if isinstance(responded_at, datetime) else datetime.fromisoformat(str(responded_at))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
