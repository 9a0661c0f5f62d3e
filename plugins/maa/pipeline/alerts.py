"""Telling the operator when a task has failed for good (its retries used up), with a link to its log.

The email names the audit, the task and the kind of error, never the error's text:
a library's message can quote the data it choked on, and the data may be a child's.
The log it links to follows the same rule, and whoever reads it is already trusted.
"""

from __future__ import annotations

import logging
import os
from typing import Any

log = logging.getLogger(__name__)

OPERATOR_EMAIL = "MAA_OPERATOR_EMAIL"


def notify_operator(context: Any) -> None:
    """on_failure_callback: one email per failed try, to the address in MAA_OPERATOR_EMAIL."""
    from maa import reports
    from maa.definitions import load_current
    from maa.mailer import OFFICIAL, Email
    from maa.pipeline.operators import make_mailer
    from maa.store import Store

    ti, task = context["ti"], context["task"]
    recipient = os.environ.get(OPERATOR_EMAIL)
    if not recipient:
        log.warning("%s.%s failed; set %s to have the operator emailed", ti.dag_id, ti.task_id, OPERATOR_EMAIL)
        return
    definition = load_current(task.definition_file)
    exception = context.get("exception")
    error = type(exception.__cause__ or exception).__name__ if exception else "unknown error"
    where = ti.task_id + (f"[{ti.map_index}]" if (ti.map_index or -1) >= 0 else "")
    body = reports.render("email/task_failed.txt", audit=definition, dag_id=ti.dag_id, run_id=ti.run_id,
                          task=where, try_number=ti.try_number, error=error, log_url=ti.log_url)
    make_mailer(context, definition, Store(), resume=False).send(Email(  # the task's retry resumes its own
        ref=definition.ref, kind=f"task_failed-{where}-{ti.run_id}", recipient=recipient, version=ti.try_number,
        what=f"Task failed: {where} ({error})", body=body, marking=OFFICIAL))
