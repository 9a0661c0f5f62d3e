"""A Partnership Arrangements Audit from notice to sign-off through dag.test(), as a rehearsal with a real SMTP
server: returns per area, no nominations, the year's data extracts taken in, and the final report's data section
checked against figures counted here from the rows the test wrote."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from maa.audit.definitions import load_definition
from maa.pipeline import resources
from tests.helpers.definitions import AuditFolders
from tests.helpers.mail import MailCatcher
from tests.helpers.nominations import DISTINCTIVE_NAME
from tests.helpers.outputs import pdf_text
from tests.helpers.paa_data import PERIOD, PREVIOUS, events, extract_csv, paa_definition_changes, rate, within
from tests.helpers.rehearsal import copy_review_register, drop_returns, kinds, rehearse_approved_first_time
from tests.helpers.workbooks import THEMES, chair_analysis

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("airflow_db", "fab_auth_manager")]

REF, DAG_ID = "PAA-2026-01", "maa_paa_2026_01"
RETURNING = ["CSC", "POL", "ICB", "GHC", "EDU", "PROB"]
CHILDREN = {2024: 119_400, 2025: 121_250}
EXTRACTS = {"contacts": events("contacts", 21, 700), "marac": events("marac", 22, 120),
            "conferences": events("conferences", 23, 160)}


@pytest.fixture
def paa(folders: AuditFolders, smtp_server: MailCatcher, tmp_path: Path):
    """The PAA with every file its people send, dropped before the rehearsal starts: returns per area, three
    good extracts, one extract carrying a child's name (refused), and no strategy discussions extract at all."""
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
    return (f"{label}: {now:,} events in the period, against {before:,} in the previous period; change "
            f"{now - before:+,}{percent}; {rate(now, CHILDREN[2025]):,.1f} per 10,000 children "
            f"({rate(before, CHILDREN[2024]):,.1f} in the previous period).")


def test_a_paa_runs_to_sign_off_with_the_years_data_in_its_report(
        paa, folders: AuditFolders, smtp_server: MailCatcher) -> None:
    rehearse_approved_first_time(DAG_ID)

    output = folders.output / REF
    final = pdf_text(output / "audit-overview-report.pdf")
    assert "Approved for QiiP by Priya Nair (QiiP)" in final and THEMES[0][0] in final
    labels = {"contacts": "Contacts (MARF)", "marac": "MARAC", "conferences": "Child protection conferences"}
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
