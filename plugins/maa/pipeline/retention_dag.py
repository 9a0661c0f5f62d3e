"""The daily retention DAG, `maa_retention`: identifying files removed once an audit's retention has passed.

Two tasks over `maa.privacy.retention`: the first lists what is due (every run, so each day's log shows what will go),
the second removes it, unless the run is a dry run. Both decide afresh from the store and the disk rather than
passing file lists through XCom, which carries counts only.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow.sdk import DAG, BaseOperator, Param

from maa.audit.clock import run_day
from maa.config import LONDON
from maa.pipeline.alerts import programme_alert
from maa.pipeline.factory import DEFAULT_ARGS
from maa.pipeline.permissions import PROGRAMME_ACCESS_CONTROL, access_control_unwarned, when_applied

if TYPE_CHECKING:
    from airflow.sdk import Context

DAG_ID = "maa_retention"
RETENTION_CONSEQUENCE = ("Identifying files due for removal stay on disk until it succeeds. Every run is safe "
                         "to repeat.")

DOC_MD = """
# Retention of identifying data

Every day, for each audit that ended more than its definition's `retention_days` (default 90) ago, this DAG
removes the files that identify children (PRODUCT.md, "Personal data"). Approved on 14 September with 90 days:
kept to 13 December, removed from 14 December. An audit ends when QiiP approves it, when its run applies its
withdrawal (`status: withdrawn`), or when its run ends without QiiP's approval (at the run's end as Airflow
recorded it); a rehearsal ends nothing. A withdrawn audit no run has seen is kept until its DAG is triggered
once (the run records the withdrawal and skips the rest).

- `data/inbox/<REF>/` (and the audit's folder under `MAA_INBOX_URL` when set), `data/archive/<REF>/` and
  `data/quarantine/<REF>/`, all of them;
- the audit packs `output/<REF>/audit-pack-*.pdf`;
- the emails that carried them: audit packs to coordinators and safeguarding concerns, in `output/outbox/`,
  its dry-run copies in `output/outbox/dry-run/`, and any still spooled under `data/spool/`.

It keeps everything pseudonymised: the audit store, the other reports, the return templates and every other
email. Each removed file is recorded in the store's `purged_files` (path, size, sha256, when; never its
contents), and the audit in `purges`. After that `maa resolve-case` answers "purged on <date>".
A rerun removes nothing more and records nothing twice.

**list_identifying_files_due** lists what is due in its log; **purge_identifying_files** removes it.

**Params.** `dry_run` (default **off**): on, the second task is skipped and nothing is removed; the first task's
log and XCom show what would go. Off is the default because the scheduled daily run can only use the
defaults: a default of on would make the schedule a silent no-op, and children's data kept past its retention
period is itself a breach of the partnership's data protection duties. The safety lies elsewhere: only audits
whose ending is recorded and past their own `retention_days` are ever touched, every removal is logged first, and
anyone can preview with `dry_run` on, or `maa purge --dry-run`. `today` (YYYY-MM-DD, default empty): decide as
of that day instead of the run's date (the end of its data interval, in London).

An ended audit whose definition is no longer in the audits folder is **held**, not purged with a guessed
period, and the task then fails (after purging the others) so that the operator is told.

Like every new DAG it starts paused: trigger it once with `dry_run` on, read the list, then unpause it.
"""


class RetentionOperator(BaseOperator):
    """Runs `maa.privacy.retention.run_retention` for the run's day; `remove=False` only lists.

    Its XCom holds counts per audit, never paths: a person's dropped file may be named after a child, and the
    log, where such names are replaced by digests, is where the list belongs.
    """

    ui_color = "#f3e6e6"

    def __init__(self, *, remove: bool, **kwargs: Any):
        super().__init__(**kwargs)
        self.remove = remove

    def execute(self, context: Context) -> dict[str, Any]:
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        from maa.outputs.store import migrate
        from maa.pipeline.context import task_store
        from maa.pipeline.resources import inbox_root
        from maa.privacy.retention import DUE, HELD, run_retention

        dry_run = bool((context.get("params") or {}).get("dry_run"))
        if self.remove and dry_run:
            raise AirflowSkipException("dry run: nothing removed (the listing task shows what would go)")
        store = task_store()
        migrate(store.engine)
        report = run_retention(store, run_day(context), dry_run=not self.remove, inbox_root=inbox_root())
        held = report.in_state(HELD)
        if held and self.remove:  # after the others are purged; a retry will not find it, so fail at once
            raise AirflowFailException("; ".join(a.describe() for a in held))
        return {"today": report.today.isoformat(),
                "audits": {a.ref: {"files": len(a.files), "bytes": a.size} for a in report.in_state(DUE)}}


def retention_dag() -> DAG:
    with access_control_unwarned(), DAG(
        dag_id=DAG_ID,
        dag_display_name="Programme: retention of ended audits' files",
        description="Identifying files removed retention_days after the audit ended, and logged",
        doc_md=DOC_MD,
        schedule="@daily",
        start_date=datetime(2026, 1, 1, tzinfo=LONDON),
        catchup=False,
        max_active_runs=1,
        default_args={**DEFAULT_ARGS, "on_failure_callback": programme_alert(
            "RETENTION", "retention", RETENTION_CONSEQUENCE)},
        access_control=when_applied(PROGRAMME_ACCESS_CONTROL),
        tags=["multi-agency-audit", "retention"],
        params={
            "dry_run": Param(False, type="boolean", title="Dry run",
                             description="List what would be removed and remove nothing."),
            "today": Param("", type="string", title="Decide as of (YYYY-MM-DD)",
                           description="Empty: the run's own date. A date: decide retention as of that day."),
        },
    ) as dag:
        listed = RetentionOperator(task_id="list_identifying_files_due", remove=False,
                                   doc_md="What is due today, in the log; counts per audit in XCom.")
        purged = RetentionOperator(task_id="purge_identifying_files", remove=True,
                                   doc_md="Remove what is due and record it (skipped in a dry run).")
        listed >> purged
    return dag
