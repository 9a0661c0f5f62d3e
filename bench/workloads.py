"""The inputs each benchmark parses or runs, written into temporary folders.

Everything is derived from the project's sample definition, so the benchmark
follows the sample when it changes: our audits are copies of it, the
dag-factory DAGs mirror the DAG our factory builds from it, and the audit the
tasks run for is the sample with its agencies renamed A01..An. Later phases add what people
send in: agency returns completed in the pipeline's own template, the review
findings register, and the chair's analysis. All people are fictional.
"""

from __future__ import annotations

import csv
import re
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml
from openpyxl import load_workbook

from maa.audit.definitions import AuditDefinition, dag_id_for, load_definition
from maa.audit.timetable import at_send_time
from maa.preparation.return_template import write_analysis_template, write_return_template

PROJECT = Path(__file__).resolve().parents[1]
SAMPLE = PROJECT / "include" / "audits" / "MATA-2026-01.yaml"
BENCH = Path(__file__).resolve().parent

PYTHON_OPERATOR = "airflow.providers.standard.operators.python.PythonOperator"
PYTHON_SENSOR = "airflow.providers.standard.sensors.python.PythonSensor"
DATE_TIME_SENSOR = "airflow.providers.standard.sensors.date_time.DateTimeSensorAsync"


def bench_ref(number: int) -> str:
    """Distinct refs well away from real audits' years."""
    return f"MATA-2030-{number:03d}"


# Our audit definitions ----------------------------------------------------------------------

def write_audit_copies(folder: Path, count: int) -> Path:
    """`count` copies of the sample, only the ref changed, so each file parses exactly like the sample."""
    text = SAMPLE.read_text(encoding="utf-8")
    folder.mkdir(parents=True, exist_ok=True)
    for number in range(1, count + 1):
        ref = bench_ref(number)
        copy, replaced = re.subn(r"^ref:.*$", f"ref: {ref}", text, count=1, flags=re.MULTILINE)
        if replaced != 1:
            raise ValueError(f"{SAMPLE}: no top-level 'ref:' line to replace")
        (folder / f"{ref}.yaml").write_text(copy, encoding="utf-8")
    return folder


# dag-factory's equivalent -------------------------------------------------------------------

def _task_for(task: Any, notice_at: str) -> dict[str, Any]:
    """One of our tasks as dag-factory would have it: waits as sensors, everything else a PythonOperator.

    A task group's "round_1.x" becomes "round_1__x": dag-factory's flat task list has no groups.
    """
    task_id = task.task_id.replace(".", "__")
    if task.task_id.startswith("wait_for_"):
        entry = {"operator": DATE_TIME_SENSOR, "target_time": notice_at}
    elif task.task_id.startswith("receive_"):
        entry = {"operator": PYTHON_SENSOR, "python_callable": "bench_tasks.nominations_received",
                 "mode": "reschedule", "poke_interval": 300}
    else:
        entry = {"operator": PYTHON_OPERATOR, "python_callable": "bench_tasks.noop"}
    upstream = sorted(u.replace(".", "__") for u in task.upstream_task_ids)
    return {"task_id": task_id, **entry, **({"dependencies": upstream} if upstream else {})}


def dagfactory_tasks(definition: AuditDefinition) -> list[dict[str, Any]]:
    """The tasks our factory builds for the sample, one for one, in dag-factory's list form; the agencies'
    mapped wait is one sensor, as it is one task in ours until the run expands it."""
    from maa.pipeline.factory import build_dag

    notice_at = at_send_time(definition.timetable["notice_issued"]).isoformat()
    return [_task_for(task, notice_at) for task in build_dag(definition, SAMPLE).tasks]


def dagfactory_dag(definition: AuditDefinition, ref: str, tasks: list[dict[str, Any]]) -> dict[str, Any]:
    """Our DAG for the sample as dag-factory YAML: the same tasks, dependencies, defaults, tags and params."""
    return {dag_id_for(ref): {
        "description": f"{definition.type} {ref}: {definition.title}",
        "schedule": None,
        "catchup": False,
        "max_active_runs": 1,
        "tags": ["multi-agency-audit", str(definition.type), str(definition.status)],
        "default_args": {
            "owner": "business-unit",
            "retries": 3,
            "retry_delay": {"__type__": "datetime.timedelta", "minutes": 1},
            "retry_exponential_backoff": True,
            "max_retry_delay": {"__type__": "datetime.timedelta", "minutes": 30},
        },
        "params": {"dry_run": {"__type__": "airflow.sdk.Param", "default": False, "type": "boolean",
                               "title": "Dry run"},
                   "rehearsal_seconds_per_week": {"__type__": "airflow.sdk.Param", "default": 0, "type": "number",
                                                  "minimum": 0, "title": "Rehearsal: seconds per week"}},
        "tasks": tasks,
    }}


def write_dagfactory_folder(folder: Path, count: int) -> Path:
    """A dags folder holding dag-factory's loader and one YAML DAG per audit."""
    definition = load_definition(SAMPLE)
    tasks = dagfactory_tasks(definition)
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(BENCH / "dagfactory_loader.py", folder / "dagfactory_loader.py")
    for number in range(1, count + 1):
        ref = bench_ref(number)
        (folder / f"{ref}.yaml").write_text(yaml.safe_dump(dagfactory_dag(definition, ref, tasks), sort_keys=False))
    return folder


# Phase 1 ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditWorkspace:
    definition: Path
    audits: Path
    data: Path
    output: Path

    @property
    def case_list(self) -> Path:
        """The nominating agency's case list, as it lands in the inbox."""
        return self.data / "inbox" / PHASE1_REF / "nominations.csv"


PHASE1_REF = "MATA-2030-P1"


def phase1_definition(agencies: int) -> dict[str, Any]:
    """The sample with agencies A01..An (A01 nominates); its extensions named the sample's agencies."""
    definition = yaml.safe_load(SAMPLE.read_text(encoding="utf-8"))
    definition.pop("extensions", None)
    codes = [f"A{n:02d}" for n in range(1, agencies + 1)]
    definition.update(ref=PHASE1_REF, nominating_agency=codes[0], agencies=[
        {"code": code, "name": f"Agency {code}",
         "coordinator": {"name": f"Coordinator {code}", "email": f"coordinator.{code.lower()}@example.org"}}
        for code in codes
    ])
    return definition


def case_refs(cases: int) -> list[str]:
    """The nominated cases' refs, as the case list gives them."""
    return [f"C-{n:02d}" for n in range(1, cases + 1)]


def nominations_csv(cases: int, start: date) -> str:
    """Fictional children, all under 18 on the audit's start date (aged 1 to 16), with distinct system ids."""
    rows = ["case_ref,system_id,child_name,date_of_birth"]
    for n, case_ref in enumerate(case_refs(cases), start=1):
        born = date(start.year - 1 - (n - 1) % 16, (n % 12) + 1, 10)
        rows.append(f"{case_ref},SYS-9{n:03d}-{n * 37:04d},Bench Child-{n:02d} Fictional,{born.isoformat()}")
    return "\n".join(rows) + "\n"


def write_phase1_workspace(root: Path, agencies: int, cases: int) -> AuditWorkspace:
    """Audits, data and output folders for one Phase 1 run, the case list already in the inbox."""
    workspace = AuditWorkspace(root / "audits" / f"{PHASE1_REF}.yaml", root / "audits", root / "data",
                                root / "output")
    definition = phase1_definition(agencies)
    workspace.audits.mkdir(parents=True, exist_ok=True)
    workspace.definition.write_text(yaml.safe_dump(definition, sort_keys=False), encoding="utf-8")
    workspace.case_list.parent.mkdir(parents=True, exist_ok=True)
    workspace.case_list.write_text(nominations_csv(cases, definition["start"]), encoding="utf-8")
    return workspace


# Agency returns -----------------------------------------------------------------------------

# Narrative as coordinators write it, by case ref only: no nominated child's name or system id (the case
# list's names include the word 'Child', so it is avoided here altogether, whatever the matcher's case rule).
WORKED_WELL = (
    "A strategy discussion was held within a day with every partner present; actions were clear and owned.",
    "Home visits were regular, and unannounced visits were used when the family stopped engaging.",
    "The health visitor recorded the baby's presentation carefully and shared it the same day.",
    "Attendance concerns were logged early and passed to the designated safeguarding lead.",
)
WORKED_LESS_WELL = (
    "Core group actions carried over between meetings without anyone checking progress against the plan.",
    "What the police knew about a new partner in the household was not shared with the other agencies.",
    "Missed health appointments were noted by each agency separately and never put together.",
    "Drift was discussed informally, but the partnership's escalation policy was not used.",
)
LEARNING = (
    "Circulate core group actions within two working days and review progress at every meeting.",
    "Ask routinely who lives in or visits the home, and share what is known.",
    "Keep a shared chronology whenever neglect is suspected.",
    "Treat escalation as normal practice and record its use.",
)
# A spread of grades, so that the briefing's distributions and recurring themes have something to show.
GRADE_CYCLE = ("Good", "Requires improvement", "Good", "Outstanding", "Inadequate", "Requires improvement",
               "Good", "Not involved")


def write_completed_return(definition: AuditDefinition, code: str, refs: list[str], target: Path,
                           variant: int = 0) -> Path:
    """A return as a careful coordinator completes it, in the pipeline's own template; `variant` varies it."""
    template = write_return_template(definition, code, refs, target.with_name(f"template-{target.name}"))
    workbook = load_workbook(template)
    lower = code.lower()
    answers = {
        "completed_by": f"Coordinator {code}", "completed_by_email": f"coordinator.{lower}@example.org",
        "nominated_practitioner": f"Practitioner {code}",
        "nominated_practitioner_email": f"practitioner.{lower}@example.org",
        "summary": "Partners shared information well at the start; plans drifted after the first review.",
    }
    for row in workbook["Overview"].iter_rows(min_row=2):
        if row[0].value in answers:
            row[1].value = answers[row[0].value]
    for number, row in enumerate(workbook["Findings"].iter_rows(min_row=2)):
        turn = number + variant
        row[2].value = GRADE_CYCLE[turn % len(GRADE_CYCLE)]
        if row[2].value != "Not involved":
            case_ref, domain = row[0].value, row[1].value
            row[3].value = f"{WORKED_WELL[turn % 4]} ({case_ref}, {domain.lower()})"
            row[4].value = WORKED_LESS_WELL[(turn + 1) % 4]
            row[5].value = LEARNING[(turn + 2) % 4]
    workbook.save(target)
    template.unlink()
    return target


@dataclass(frozen=True)
class ReturnsWorkload:
    workspace: AuditWorkspace
    returns: list[Path]  # named NN-CODE.xlsx: the agency each came from, as its inbox file name says


def write_returns_workload(root: Path, agencies: int, cases: int, count: int) -> ReturnsWorkload:
    """`count` completed returns for an audit of `agencies` agencies, taking the agencies in turn."""
    workspace = write_phase1_workspace(root, agencies, cases)
    definition = load_definition(workspace.definition)
    codes = [a.code for a in definition.agencies]
    folder = root / "returns"
    folder.mkdir(parents=True, exist_ok=True)
    returns = [write_completed_return(definition, codes[n % len(codes)], case_refs(cases),
                                      folder / f"{n + 1:02d}-{codes[n % len(codes)]}.xlsx", variant=n)
               for n in range(count)]
    return ReturnsWorkload(workspace, returns)


# The reports: returns, register and the chair's analysis ------------------------------------

REVIEW_REGISTER = (
    ("ref", "review_type", "title", "finding"),
    ("BENCH-SCR-01", "SCR", "Neglect: cumulative harm in a sibling group",
     "Each concern was seen on its own and no agency put them together."),
    ("BENCH-RR-02", "Rapid Review", "The voice of the young person in assessments",
     "Assessments recorded the adults' views in detail and little of what the young person said."),
    ("BENCH-LCSPR-03", "LCSPR", "The unseen adult",
     "A new partner known to the police was not identified as part of the household by other agencies."),
)
THEMES = (
    ("Drift after the first review", "Core groups lost pace once the first review conference passed.",
     "Strategy discussions within a day, with every partner present.",
     "Core group actions circulated within two working days."),
    ("The unseen adult", "New adults in the household were known to one agency only.",
     "Police checks were prompt.", "Ask routinely who lives in or visits the home."),
    ("Escalation when plans stall", "Practitioners noticed drift but did not escalate.",
     "Concerns were logged early.", "Treat escalation as normal practice, and track its use."),
)
# (action_id, action, owner as an index into the agencies, days due after the sign-off, review refs, theme)
ACTIONS = (
    ("A1", "Core group chairs circulate actions within two working days", 0, 60, "BENCH-SCR-01", 0),
    ("A2", "Share who lives in or visits the home at every core group", 1, 90, "BENCH-RR-02; BENCH-LCSPR-03", 1),
    ("A3", "Remind designated leads of the escalation policy each term", -1, 120, "", 2),
    ("A4", "Report the use of escalation to QiiP each quarter", 2, 150, "BENCH-RR-02", 2),
)
NARRATIVE = """# The chair's analysis

Partners met quickly and shared what they knew at the start; the plans then lost pace.
Three themes recur across the agencies' returns, each with an action below.
"""


@dataclass(frozen=True)
class ReportsWorkspace:
    audit: AuditWorkspace
    drops: Path  # what the coordinators and the chair send in: returns/CODE.xlsx, chair/analysis.xlsx


def write_review_register(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(REVIEW_REGISTER)
    return path


def write_chair_analysis(definition: AuditDefinition, folder: Path) -> Path:
    """Themes and actions in the pipeline's template: owners among the agencies, due after the sign-off."""
    target = folder / "analysis.xlsx"
    template = write_analysis_template(definition, folder / "analysis-template.xlsx")
    workbook = load_workbook(template)
    for theme in THEMES:
        workbook["Themes"].append(list(theme))
    codes = [a.code for a in definition.agencies]
    signoff_due = definition.timetable["signoff_due"]
    for action_id, action, owner, days, refs, theme in ACTIONS:
        due = (signoff_due + timedelta(days=days)).isoformat()
        workbook["Actions"].append([action_id, action, codes[owner % len(codes)], due, refs, THEMES[theme][0]])
    workbook.save(target)
    template.unlink()
    (folder / "narrative.md").write_text(NARRATIVE, encoding="utf-8")
    return target


def write_reports_workspace(root: Path, agencies: int, cases: int) -> ReportsWorkspace:
    """A Phase 1 workspace, the register under its data folder, and every return and the analysis to drop."""
    workspace = write_phase1_workspace(root, agencies, cases)
    definition = load_definition(workspace.definition)
    drops = root / "drops"
    (drops / "returns").mkdir(parents=True, exist_ok=True)
    for n, agency in enumerate(definition.agencies):
        write_completed_return(definition, agency.code, case_refs(cases), drops / "returns" / f"{agency.code}.xlsx",
                               variant=n)
    write_review_register(workspace.data / "registers" / "review_findings.csv")
    write_chair_analysis(definition, drops / "chair")
    return ReportsWorkspace(workspace, drops)
