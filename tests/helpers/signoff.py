"""Answering the sign-off tasks in tests: by calling the function behind Airflow's REST route (under
dag.test(), which has no API server), from another thread, as the named user: their FAB user record,
checked by the project's auth manager (the test runs under it: the `fab_auth_manager` fixture)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

APPROVE, REQUEST_CHANGES = "Approve", "Request changes"
ANSWER_PATIENCE = 900.0  # seconds an answerer waits for its task to ask


@dataclass
class Answer:
    task_id: str  # e.g. "round_1.bu_quality_assurance"
    user: str
    option: str
    comment: str = ""


def answer_through_route(dag_id: str, run_id: str, answer: Answer) -> None:
    """What PATCH .../taskInstances/{task_id}/-1/hitlDetails does, including its check of assigned users."""
    import sqlalchemy as sa
    from airflow.api_fastapi.app import create_auth_manager
    from airflow.api_fastapi.core_api.datamodels.hitl import UpdateHITLDetailPayload
    from airflow.api_fastapi.core_api.routes.public.hitl import update_hitl_detail
    from airflow.providers.fab.auth_manager.models import User
    from airflow.utils.session import create_session

    create_auth_manager()
    with create_session() as session:
        user = session.scalar(sa.select(User).where(User.username == answer.user))
        update_hitl_detail(
            dag_id=dag_id, dag_run_id=run_id, task_id=answer.task_id, map_index=-1, session=session,
            update_hitl_detail_payload=UpdateHITLDetailPayload(chosen_options=[answer.option],
                                                               params_input={"comment": answer.comment}),
            user=user,
        )


@dataclass
class Answerer:
    """Waits for each sign-off task to ask, then answers it; records refusals of the wrong users."""

    dag_id: str
    answers: list[Answer]
    refused: list[str] = field(default_factory=list)
    thread: threading.Thread | None = None
    stopped: threading.Event = field(default_factory=threading.Event)  # the test gave up: answer nothing more
    since: datetime = field(default_factory=lambda: datetime.now(UTC))
    run_id: str | None = None  # the run it answers, once it has seen it start

    def _states(self) -> dict[str, str]:
        """The task states of this answerer's run: the first run of its DAG started since it was made (so an
        answerer that outlives its test never answers a later test's run); none before that run starts."""
        from airflow.models import DagRun, TaskInstance
        from airflow.utils.session import create_session

        with create_session() as session:
            if self.run_id is None:
                run = session.query(DagRun).filter(DagRun.dag_id == self.dag_id, DagRun.start_date >= self.since
                                                   ).order_by(DagRun.id).first()
                if run is None:
                    return {}
                self.run_id = run.run_id
            return {ti.task_id: str(getattr(ti.state, "value", ti.state)) for ti in session.query(TaskInstance)
                    .filter(TaskInstance.dag_id == self.dag_id, TaskInstance.run_id == self.run_id)}

    def state_of(self, task_id: str) -> str | None:
        return self._states().get(task_id)

    def asks(self, task_id: str) -> bool:
        """The task asks, and dag.test() runs no other task meanwhile. An answer looks up the store's
        connection, which in this process goes through the task runner's one in-process supervisor channel
        while a task holds it: answering then would take the channel from under that task."""
        states = self._states()
        return states.get(task_id) == "awaiting_input" and not any(
            state in ("scheduled", "queued", "running") for state in states.values())

    def wait_until_asks(self, task_id: str, asking: bool = True) -> bool:
        """Waits until `task_id` asks (`asking` False: no longer asks) with nothing else of the run working,
        the moment a person at the screen would act; polls Airflow's task states. A rehearsal's weeks are its
        idle time: on a loaded machine the work before a sign-off takes long."""
        deadline = time.monotonic() + ANSWER_PATIENCE
        while self.asks(task_id) != asking and time.monotonic() < deadline:
            if self.stopped.wait(0.5):
                return False
        return self.asks(task_id) == asking

    def give_up(self) -> None:
        """Marks every sign-off task of the run that is waiting or yet to start failed, as "Mark failed" in the
        UI does: dag.test() then ends instead of waiting for answers nobody will give (a person's walk in the
        test failed). This answerer answers nothing more."""
        from airflow.models import TaskInstance
        from airflow.utils.session import create_session
        from airflow.utils.state import TaskInstanceState

        self.stopped.set()
        self._states()  # finds the run, if it has started
        with create_session() as session:
            for ti in session.query(TaskInstance).filter(TaskInstance.dag_id == self.dag_id,
                                                         TaskInstance.run_id == self.run_id):
                signoff = ti.task_id.endswith((".bu_quality_assurance", ".qiip_signoff"))
                if signoff and ti.state in (None, TaskInstanceState.AWAITING_INPUT, TaskInstanceState.SCHEDULED):
                    ti.state = TaskInstanceState.FAILED

    def run(self) -> None:
        from fastapi import HTTPException

        for answer in self.answers:
            if not self.wait_until_asks(answer.task_id):
                return
            try:
                assert self.run_id is not None  # seen asking
                answer_through_route(self.dag_id, self.run_id, answer)
            except HTTPException as refusal:
                self.refused.append(f"{answer.user}: {refusal.status_code}")

    def start(self) -> Answerer:
        # Import on this thread first: two threads importing Airflow's models at once deadlock on module locks.
        import airflow.api_fastapi.core_api.routes.public.hitl  # noqa: F401
        from airflow.dag_processing.dagbag import DagBag  # noqa: F401
        from airflow.models import DagRun, TaskInstance  # noqa: F401

        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()
        return self
