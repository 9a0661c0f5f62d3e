"""The action tracker DAG: one daily run across every approved audit's actions, at 09:00 London time.

`dags/maa_action_tracker.py` only calls `build_tracker_dag()`. Each task runs one plain
function of a `maa.tracker.register.Tracker` (store, mailer, the run's date, the audits' current
definitions). "Today" is the run's own date, never the wall clock: the `today` param when
given, else the run's logical date (09:00 London on a scheduled run), so a rerun of a day's
run decides exactly what it decided before, and tests choose their day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from airflow.sdk import DAG, BaseOperator, CronTriggerTimetable, Param

from maa.audit.clock import run_day
from maa.config import LONDON, TRACKER_REF
from maa.pipeline.alerts import programme_alert
from maa.pipeline.factory import DEFAULT_ARGS
from maa.pipeline.permissions import PROGRAMME_ACCESS_CONTROL, access_control_unwarned, when_applied

if TYPE_CHECKING:
    from airflow.sdk import Context

DAG_ID = "maa_action_tracker"
TRACKER_CONSEQUENCE = ("Tomorrow's run tries again; clearing the task reruns today's now. Every task is safe to "
                       "rerun: nothing already sent is sent again and no update is recorded twice.")
OWNER = "qiip"  # QiiP owns the tracker (PRODUCT.md); the audits' DAGs belong to the Business Unit

DOC_MD = """
# Action tracker (every approved audit)

QiiP's tracker of the actions agreed at sign-off, run daily at 09:00 Europe/London:

1. **load_review_findings_register**: `registers/review_findings.csv` validated and loaded; actions linked
   to the findings they answer. A register with problems is not loaded (the last good one stays) and the
   Business Unit is emailed the reasons.
2. **receive_action_updates**: each `inbox/tracker/updates/<AGENCY>.xlsx` (sheet `Updates`: audit_ref,
   action_id, status, progress_note) validated; accepted files archived with a version suffix and every
   row kept as its own history record; refused files quarantined beside their reasons, which go to the
   agency's coordinator.
3. **remind_action_owners**: the owner agency's coordinator, 14 days before an action is due and once it
   is overdue (once per action and stage).
4. **ask_owners_for_impact_progress** (Phase 5): when an approved audit's `impact_review_due` arrives,
   owners are sent their actions in a pre-filled workbook, three weeks to reply, one reminder a week before.
5. **send_impact_update_reports**: `output/<REF>/impact-update-report.pdf` to QiiP once every owner has
   replied or the three weeks are over.
6. **send_monthly_tracker_report**: the first run of each month writes
   `output/tracker/action-tracker-<YYYY-MM-DD>.pdf` and `.xlsx` (RAG, overdue list, unanswered review
   findings) and emails them to QiiP.

Every task is safe to rerun: no email goes twice and no row is written twice. Trigger with **today**
(YYYY-MM-DD) to run as of another day, or **dry_run** to write emails to `output/outbox/dry-run/` and
files to `output/dry-run/` only, loading and recording nothing.
"""


FIRST_TASK = "load_review_findings_register"


class TrackerStepOperator(BaseOperator):
    """Runs one tracker step, a plain function of a `Tracker`; its return value (counts, refs, paths: no
    child's data) is the task's XCom. The AuditStepOperator pattern, over the whole programme."""

    ui_color = "#e8f4ea"

    def __init__(self, *, step: Callable[[Any], Any], **kwargs: Any):
        kwargs.setdefault("task_id", step.__name__)
        kwargs.setdefault("doc_md", step.__doc__)
        super().__init__(**kwargs)
        self.step = step

    def execute(self, context: Context) -> Any:
        from maa.outputs.store import migrate
        from maa.pipeline.context import task_mailer, task_store
        from maa.tracker.register import Tracker

        store = task_store()
        if self.task_id == FIRST_TASK:  # the run's first task brings the schema up to date
            migrate(store.engine)
        tracker = Tracker.open(store, task_mailer(context, store), run_day(context))
        self.log.info("Action tracker as of %s", tracker.today.isoformat())
        return self.step(tracker)


# The steps ---------------------------------------------------------------------------------------

def load_review_findings_register(tracker: Any) -> dict[str, Any]:
    """The review findings register validated and loaded; every action linked to the findings it answers."""
    from maa.tracker.register import refresh_register

    return refresh_register(tracker)


def receive_action_updates(tracker: Any) -> dict[str, list[str]]:
    """Owners' update workbooks from inbox/tracker/updates: accepted into the history, or quarantined."""
    from maa.pipeline.resources import inbox_root
    from maa.tracker.updates import receive_updates

    return receive_updates(tracker, inbox_root())


def remind_action_owners(tracker: Any) -> list[str]:
    """Owners reminded 14 days before an action is due and once it is overdue (once per action and stage)."""
    from maa.tracker.register import remind_owners

    return remind_owners(tracker)


def ask_owners_for_impact_progress(tracker: Any) -> dict[str, list[str]]:
    """Phase 5: at impact_review_due, owners asked for progress (three weeks to reply, one reminder)."""
    from maa.tracker.impact import ask_for_progress

    return ask_for_progress(tracker)


def send_impact_update_reports(tracker: Any) -> list[str]:
    """Phase 5: the impact update report to QiiP once every owner replied or the three weeks are over."""
    from maa.tracker.impact import send_reports

    return send_reports(tracker)


def send_monthly_tracker_report(tracker: Any) -> dict[str, Any] | None:
    """The first run of each month: the tracker report PDF and xlsx to QiiP."""
    from maa.tracker.report import publish_monthly_report

    return publish_monthly_report(tracker)


def build_tracker_dag() -> DAG:
    with access_control_unwarned(), DAG(
        dag_id=DAG_ID,
        dag_display_name="Programme: action tracker",
        description="QiiP's action tracker: reminders, owners' updates, impact reviews, the monthly report",
        doc_md=DOC_MD,
        schedule=CronTriggerTimetable("0 9 * * *", timezone="Europe/London"),
        start_date=datetime(2026, 1, 1, tzinfo=LONDON),
        catchup=False,
        max_active_runs=1,
        default_args={**DEFAULT_ARGS, "owner": OWNER, "on_failure_callback": programme_alert(
            TRACKER_REF, "the action tracker", TRACKER_CONSEQUENCE)},
        access_control=when_applied(PROGRAMME_ACCESS_CONTROL),
        tags=["multi-agency-audit", "action-tracker"],
        params={
            "today": Param(None, type=["null", "string"], format="date", title="Run as of (YYYY-MM-DD)",
                           description="Empty for the run's own date. A date makes the tracker act as of that "
                                       "day: reminders, impact reviews and the month's report."),
            "dry_run": Param(False, type="boolean", title="Dry run",
                             description="Emails to output/outbox/dry-run, files to output/dry-run; nothing recorded."),
        },
    ) as dag:
        register = TrackerStepOperator(step=load_review_findings_register)
        updates = TrackerStepOperator(step=receive_action_updates)
        reminders = TrackerStepOperator(step=remind_action_owners)
        asked = TrackerStepOperator(step=ask_owners_for_impact_progress)
        reported = TrackerStepOperator(step=send_impact_update_reports)
        monthly = TrackerStepOperator(step=send_monthly_tracker_report)
        # updates first, so an action just reported complete is neither chased nor shown late
        register >> updates >> [reminders, asked, monthly]
        asked >> reported
    return dag
