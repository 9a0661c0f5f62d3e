"""Telling the operator when a task has failed for good (its retries used up), with a link to its log.

The email names the task and the kind of error, never the error's text: a library's
message can quote the data it choked on, and the data may be a child's. The log it
links to follows the same rule, and whoever reads it is already trusted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any

from maa import config

if TYPE_CHECKING:
    from maa.outputs.mailer import Mailer

log = logging.getLogger(__name__)

AUDIT_CONSEQUENCE = ("Nothing later in the audit runs until the task is cleared and succeeds. Every task is safe "
                     "to rerun: nothing already sent is sent again.")


def notify_operator(context: Mapping[str, Any]) -> None:
    """on_failure_callback of an audit's DAG: the audit named, its rehearsal and dry-run settings kept."""
    from maa.audit.definitions import load_current
    from maa.pipeline.context import audit_clock, task_mailer, task_store

    definition = load_current(context["task"].definition_file)
    store = task_store()
    rehearsal = audit_clock(context, definition, store).rehearsal
    _alert(context, definition.ref, f"the audit {definition.ref} ({definition.title})", AUDIT_CONSEQUENCE,
           lambda: task_mailer(context, store, rehearsal=rehearsal, resume=False))  # a retry resumes its own


def programme_alert(ref: str, about: str, consequence: str) -> Callable[[Mapping[str, Any]], None]:
    """on_failure_callback for a programme-wide DAG (no one audit's definition): `ref` keys its emails."""
    return partial(_programme_alert, ref=ref, about=about, consequence=consequence)


def _programme_alert(context: Mapping[str, Any], *, ref: str, about: str, consequence: str) -> None:
    from maa.pipeline import resources
    from maa.pipeline.context import task_store

    _alert(context, ref, about, consequence, lambda: resources.mailer(task_store()))


def _alert(context: Mapping[str, Any], ref: str, about: str, consequence: str, mailer: Callable[[], Mailer]) -> None:
    """One email per failed task instance and try, to the address in MAA_OPERATOR_EMAIL."""
    from maa.outputs import rendering
    from maa.outputs.mailer import OFFICIAL, Email

    ti = context["ti"]
    recipient = config.settings().operator_email
    if not recipient:
        log.warning("%s.%s failed; set MAA_OPERATOR_EMAIL to have the operator emailed", ti.dag_id, ti.task_id)
        return
    exception = context.get("exception")
    error = type(exception.__cause__ or exception).__name__ if exception else "unknown error"
    where = ti.task_id + (f"[{ti.map_index}]" if ti.map_index is not None and ti.map_index >= 0 else "")
    body = rendering.render("email/task_failed.txt", about=about, dag_id=ti.dag_id, run_id=ti.run_id, task=where,
                          try_number=ti.try_number, error=error, log_url=ti.log_url, consequence=consequence)
    mailer().send(Email(ref=ref, kind=f"task_failed-{where}-{ti.run_id}", recipient=recipient,
                        version=ti.try_number, what=f"Task failed: {where} ({error})", body=body, marking=OFFICIAL))
