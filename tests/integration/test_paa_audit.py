"""A Partnership Arrangements Audit from notice to sign-off through dag.test(), as a rehearsal with a real SMTP
server: returns per area, no nominations, the year's data extracts taken in, and the final report's data section
checked against figures counted here from the rows the test wrote; its area 1 against the audits of its period
that the store holds, counted here with plain SQL."""

from __future__ import annotations

from collections import Counter
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from maa.audit.definitions import load_definition
from maa.outputs.store import Store
from maa.pipeline import resources
from tests.helpers.definitions import AuditFolders
from tests.helpers.mail import MailCatcher
from tests.helpers.nominations import DISTINCTIVE_NAME
from tests.helpers.outputs import pdf_text
from tests.helpers.paa_data import PERIOD, PREVIOUS, events, extract_csv, paa_definition_changes, rate, within
from tests.helpers.rehearsal import (
    copy_review_register,
    drop_returns,
    kinds,
    rehearse_approved_first_time,
)
from tests.helpers.tracker_seed import seed_audit
from tests.helpers.workbooks import THEMES, chair_analysis

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("airflow_db", "fab_auth_manager")]

REF, DAG_ID = "PAA-2026-01", "maa_paa_2026_01"
RETURNING = ["CSC", "POL", "ICB", "GHC", "EDU", "PROB"]
CHILDREN = {2024: 119_400, 2025: 121_250}
# The period's other audits, already in the store when the PAA runs: (changes, actions, returns, approved)
EARLIER = [({"ref": "MATA-2025-05", "start": "2025-06-02"},
            [("M1", "POL", date(2026, 1, 15), ""), ("M2", "CSC", date(2026, 9, 1), "")], {"POL": "accepted"}, True),
           ({"ref": "MACA-2025-11", "type": "MACA", "start": "2025-11-03"}, [],
            {"CSC": "accepted", "POL": "no_return"}, False)]
EXTRACTS = {"contacts": events("contacts", 21, 700), "marac": events("marac", 22, 120),
            "conferences": events("conferences", 23, 160)}


@pytest.fixture
def paa(folders: AuditFolders, smtp_server: MailCatcher, tmp_path: Path):
    """The PAA with every file its people send, dropped before the rehearsal starts: returns per area, three
    good extracts, one extract carrying a child's name (refused), and no strategy discussions extract at all."""
    for changes, actions, returned, approved in EARLIER:
        audit = seed_audit(folders, resources.store(), changes, actions, approved=approved)
        for code, status in returned.items():
            resources.store().save_return(audit.ref, code, status=status, version=1)
    changes, remove = paa_definition_changes(REF)
    definition = load_definition(folders.write_definition(changes, remove=remove))
    inbox = folders.inbox(REF)
    drop_returns(inbox, definition, RETURNING, [], tmp_path)
    (inbox / "data").mkdir()
    for measure, rows in EXTRACTS.items():
        (inbox / "data" / f"{measure}.csv").write_bytes(extract_csv(rows))
    identifying = f"date,category,child_name\n2025-06-02,Physical,{DISTINCTIVE_NAME}\n"
    (inbox / "data" / "allegations.csv").write_text(identifying)
    (inbox / "chair").mkdir()
    (inbox / "chair" / "analysis.xlsx").write_bytes(chair_analysis(definition, tmp_path))
    copy_review_register(folders.data)
    (folders.data / "registers" / "population.csv").write_text("year,children_0_17\n" + "".join(
        f"{year},{children}\n" for year, children in CHILDREN.items()))
    return definition


def expected_sentence(label: str, rows) -> str:
    """The report's sentence for a measure, from the rows as written: plain counting, no pandas, no SQL."""
    now = sum(1 for day, _, _ in rows if within(day, PERIOD))
    before = sum(1 for day, _, _ in rows if within(day, PREVIOUS))
    percent = f" ({(now - before) * 100 / before:+.1f}%)" if before else ""
    said = (f"{label}: {now:,} events in the period, against {before:,} in the previous period; change "
            f"{now - before:+,}{percent}; ")
    if label == "MARAC":  # adult victims: never a rate per 10,000 children
        return said + "no rate per 10,000 children, as MARAC's cases are adult victims of domestic abuse."
    return (said + f"{rate(now, CHILDREN[2025]):,.1f} per 10,000 children "
            f"({rate(before, CHILDREN[2024]):,.1f} in the previous period).")


def area_one_in_the_store(store: Store) -> list[str]:
    """Area 1's sentences from the store's rows by plain SQL: the audits overlapping the period (not the PAA),
    their actions (none has an update, so overdue is due before the period's end) and the Police's returns."""
    start, end = PERIOD
    with store.engine.connect() as connection:
        def rows(sql: str, **params: object) -> list:
            return connection.execute(sa.text(sql), params).all()
        audits = rows("SELECT a.ref, a.audit_type FROM audits a JOIN milestones n ON n.audit_ref = a.ref AND "
                      "n.name = 'notice_issued' JOIN milestones s ON s.audit_ref = a.ref AND s.name = 'signoff_due' "
                      "WHERE n.due_date <= :end AND s.due_date >= :start AND a.ref != :ref",
                      end=end, start=start, ref=REF)
        refs = [ref for ref, _ in audits]
        due = [day for (day,) in rows("SELECT due_date FROM actions WHERE audit_ref != :ref", ref=REF)]
        police = Counter(status or "waiting" for (status,) in rows(
            "SELECT r.status FROM agencies g LEFT JOIN returns r ON r.audit_ref = g.audit_ref AND "
            "r.agency_code = g.code WHERE g.code = 'POL' AND g.audit_ref != :ref", ref=REF))
    by_type = Counter(kind for _, kind in audits)
    overdue = sum(1 for day in due if date.fromisoformat(str(day)) < end)
    settled = police["accepted"] + police["accepted_late"] + police["no_return"]
    return [f"Audits run in the period (other than this one): {len(refs)} ("
            + ", ".join(f"{kind} {count}" for kind, count in sorted(by_type.items())) + ").",
            f"Returns from POL (Police): {police['accepted']} on time, {police['accepted_late']} late, "
            f"{police['no_return']} not returned, {police['waiting']} still awaited, of {police.total()} asked for; "
            f"on time {police['accepted'] * 100 / settled:.0f}%.",
            f"Actions agreed: {len(due)}; completed: 0; overdue: {overdue} (as at {end:%d %B %Y}).",
            "Impact reviews done: 0.",
            f"Audit Panel decisions: none recorded for {', '.join(refs)}."]


def test_a_paa_runs_to_sign_off_with_the_years_data_in_its_report(
        paa, folders: AuditFolders, smtp_server: MailCatcher) -> None:
    rehearse_approved_first_time(DAG_ID)

    output = folders.output / REF
    final = pdf_text(output / "audit-overview-report.pdf")
    assert "Approved for QiiP by Priya Nair (QiiP)" in final and THEMES[0][0] in final
    labels = {"contacts": "Multi-agency referral forms (MARF)", "marac": "MARAC",
              "conferences": "Child protection conferences"}
    for measure, rows in EXTRACTS.items():
        assert expected_sentence(labels[measure], rows) in final, measure
    conferences_april = Counter(c for d, c, _ in EXTRACTS["conferences"] if (d.year, d.month) == (2025, 4))
    assert (f"Apr 2025 {conferences_april['Initial']} {conferences_april['Review']} "
            f"{conferences_april.total()}") in final
    marac_outcomes = Counter(o for d, _, o in EXTRACTS["marac"] if within(d, PERIOD))
    share = marac_outcomes["Referred"] * 100 / marac_outcomes.total()
    assert f"Referred {marac_outcomes['Referred']} {share:.1f}%" in final
    assert "No extract was received for Strategy discussions (strategy_discussions.csv)" in final
    assert "No extract was received for Allegations management (allegations.csv)" in final, "the refused one"
    assert "121,250 children in 2025" in final
    for line in area_one_in_the_store(resources.store()):
        assert line in final.replace("- ", "-"), line
    briefing = pdf_text(output / "chair-briefing.pdf")
    assert expected_sentence("MARAC", EXTRACTS["marac"]) in briefing

    assert list((folders.inbox(REF) / "data").iterdir()) == [], "every extract left the inbox"
    archive, quarantine = folders.data / "archive" / REF / "data", folders.data / "quarantine" / REF / "data"
    assert sorted(p.name for p in archive.iterdir()) == ["conferences.v1.csv", "contacts.v1.csv", "marac.v1.csv"]
    assert "column child_name: looks like it carries a child's name" in (
        quarantine / "allegations.v1.csv.reasons.txt").read_text()
    sent = kinds(smtp_server)
    assert sent["data_refused_allegations"] == 1 and sent["final_report"] >= 1
    assert sent["audit_pack"] == len(RETURNING) and "nominations_refused" not in sent
    keys = [m["X-MAA-Key"] for m in smtp_server.messages]
    assert len(keys) == len(set(keys)), "no email twice"
    for message in smtp_server.messages:
        assert DISTINCTIVE_NAME not in message.as_string(), message["Subject"]
    assert not any(DISTINCTIVE_NAME in pdf_text(path) for path in output.glob("*.pdf"))
    assert DISTINCTIVE_NAME not in str(resources.store().events(REF))
