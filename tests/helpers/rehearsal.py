"""A whole audit run through dag.test() as a rehearsal (weeks of the timetable shortened to seconds), and
reading which emails it sent."""

from __future__ import annotations

from collections import Counter

from tests.helpers.dags import dag_bag
from tests.helpers.mail import MailCatcher

SAMPLE_DAG_ID = "maa_mata_2026_01"
SECONDS_PER_WEEK = 5  # Phase 1 takes about 16 s here; the returns must still land before the deadline


def practitioner(code: str) -> str:
    return f"practitioner.{code.lower()}@agency.example.org"


def run_rehearsal(dag_id: str = SAMPLE_DAG_ID) -> str:
    dag = dag_bag().get_dag(dag_id)
    return str(dag.test(run_conf={"rehearsal_seconds_per_week": SECONDS_PER_WEEK}).state)


def kinds_of(message) -> str:
    return message["X-MAA-Key"].split("|")[1]


def kinds(catcher: MailCatcher) -> Counter:
    return Counter(kinds_of(m) for m in catcher.messages)
