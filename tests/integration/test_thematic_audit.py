"""A thematic MATA without nominated cases (the sample include/audits/MATA-2026-02.yaml) from notice to sign-off
through dag.test(), as a rehearsal with a real SMTP server: no case list is awaited (and no pseudonym key is
needed), each agency grades each domain once, and the Panel's decision, the methods and the basis for sharing
information are in what the agencies and QiiP receive."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from maa.audit.definitions import load_definition
from maa.pipeline import resources
from tests.helpers.definitions import THEMATIC_DEFINITION, AuditFolders
from tests.helpers.mail import MailCatcher
from tests.helpers.outputs import message_text, pdf_text
from tests.helpers.rehearsal import copy_review_register, drop_returns, kinds, kinds_of, rehearse_approved_first_time
from tests.helpers.workbooks import THEMES, chair_analysis

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("airflow_db", "fab_auth_manager")]

REF, DAG_ID = "MATA-2026-02", "maa_mata_2026_02"
RETURNING = ["CSC", "POL", "ICB"]  # EDU never returns
ACTIONS = [("A1", "Share every return interview with the child's school within three days", "CSC", "2027-03-31",
            "RR-2025-07", THEMES[0][0]),
           ("A2", "Add missing episodes to the exploitation screening tool", "POL", "2027-04-30", "", THEMES[1][0])]


def one_line(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture
def thematic(folders: AuditFolders, smtp_server: MailCatcher, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """The thematic sample with its returns and the chair's analysis dropped before the rehearsal starts, and no
    pseudonym key anywhere: an audit without cases stores no child's identifier, so needs none."""
    monkeypatch.delenv("AIRFLOW_VAR_MAA_PSEUDONYM_KEY")
    definition = load_definition(folders.write_definition(source=THEMATIC_DEFINITION))
    inbox = folders.inbox(REF)
    drop_returns(inbox, definition, RETURNING, [], tmp_path)
    (inbox / "chair").mkdir()
    (inbox / "chair" / "analysis.xlsx").write_bytes(chair_analysis(definition, tmp_path, actions=ACTIONS))
    copy_review_register(folders.data)
    return definition


def test_a_thematic_mata_without_cases_runs_to_sign_off(thematic, folders: AuditFolders,
                                                        smtp_server: MailCatcher) -> None:
    rehearse_approved_first_time(DAG_ID)

    store = resources.store()
    assert store.cases(REF) == [] and store.inbox_files(REF, "nominations") == []
    findings = store.findings(REF)
    assert sorted((f["agency_code"], f["unit_ref"], f["domain"]) for f in findings) == sorted(
        (code, "", domain) for code in RETURNING for domain in thematic.domains), "each domain graded once"
    assert [(a["action_id"], a["owner_agency"], a["status"]) for a in store.actions(REF)] == [
        ("A1", "CSC", "Not started"), ("A2", "POL", "Not started")]

    sent = kinds(smtp_server)
    assert not {kind for kind in sent if kind.startswith("nominations")}, "no case list is chased"
    assert sent["notice"] == sent["audit_pack"] == len(thematic.agencies)
    notice = one_line(message_text(next(m for m in smtp_server.messages if kinds_of(m) == "notice")))
    assert "a thematic audit without nominated cases; each agency grades each of 6 domains once" in notice
    assert "Methods: Focus groups with practitioners from each agency;" in notice
    assert "Approved by the Audit Panel on Thu 16 Jul 2026 (Audit Panel 2026-07 item 3)" in notice
    assert "section 11 of the Children Act 2004" in notice and "not a forum for making decisions" in notice
    keys = [m["X-MAA-Key"] for m in smtp_server.messages]
    assert len(keys) == len(set(keys)), "no email twice"

    output = folders.output / REF
    pack = one_line(pdf_text(output / "audit-pack-POL.pdf"))
    assert "A thematic audit without nominated cases" in pack and "Review of the missing-from-home protocol" in pack
    assert "section 11 of the Children Act 2004" in pack and "This pack identifies children" not in pack
    template = load_workbook(output / "return-template-POL.xlsx")["Findings"]
    assert [row[0] for row in template.iter_rows(min_row=2, values_only=True)] == thematic.domains

    briefing = one_line(pdf_text(output / "chair-briefing.pdf"))
    assert "3 of 4 agencies returned" in briefing and "No return: Education" in briefing
    assert f"Domain {' '.join(RETURNING)}" in briefing, "the grade matrix: a row per domain, no case column"
    for name in ("audit-overview-report-draft.pdf", "audit-overview-report.pdf"):
        report = one_line(pdf_text(output / name))
        assert "The Audit Panel's decision" in report and "Audit Panel 2026-07 item 3" in report, name
        assert "6 domains, without nominated cases, by Focus groups with practitioners" in report, name
    final = one_line(pdf_text(output / "audit-overview-report.pdf"))
    assert "Approved for QiiP by Priya Nair (QiiP)" in final and THEMES[0][0] in final
    learning = one_line(pdf_text(output / "learning-briefing.pdf"))
    assert len(PdfReader(output / "learning-briefing.pdf").pages) == 1
    assert "agencies examined how they worked together, by Focus groups with practitioners" in learning
