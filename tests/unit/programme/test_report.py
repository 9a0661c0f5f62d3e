"""The programme report's two files: owner-only, the PDF and the workbook saying what the records say, no
narrative from a return, and every text cell formula-safe."""

from __future__ import annotations

from datetime import date

from openpyxl import load_workbook

from maa.audit.definitions import definition_files, load_all
from maa.preparation.return_template import GRADES
from maa.programme.report import build_programme_report, good_share, period_from_text
from tests.helpers.definitions import AuditFolders
from tests.helpers.file_modes import created_openly, modes
from tests.helpers.outputs import pdf_text
from tests.helpers.programme_seed import YEAR, Programme
from tests.helpers.tracker_seed import REF_A, REF_B

TODAY = date(2027, 4, 20)


def build(programme: Programme):
    return build_programme_report(programme.store, list(load_all(definition_files()).definitions.values()), YEAR,
                                  TODAY)


def test_both_files_are_written_owner_only_under_output_programme(programme: Programme, folders: AuditFolders) -> None:
    with created_openly():  # umask 0: owner-only only if the files are made so
        pdf, xlsx, records = build(programme)
    folder = folders.output / "programme"
    assert (pdf, xlsx) == (folder / "programme-report-2026-04-01-2027-03-31.pdf",
                           folder / "programme-report-2026-04-01-2027-03-31.xlsx")
    assert modes(folders.output) == {"programme": "drwx------", f"programme/{pdf.name}": "-rw-------",
                                     f"programme/{xlsx.name}": "-rw-------"}
    assert records.as_of == YEAR.last, "a past period's statuses are as they stood at its end"


def test_the_pdf_says_what_the_records_say(programme: Programme) -> None:
    pdf, _, records = build(programme)
    text = pdf_text(pdf)
    assert "OFFICIAL Audit programme · Programme report" in text and "Multi-agency audit programme report" in text
    for audit in records.audits:
        assert f"{audit.ref} {audit.type}" in text
    for row in records.returns:
        assert (f"{row.code}: {row.name} {row.asked} {row.on_time} {row.late} {row.no_return} {row.awaiting} "
                f"{row.on_time_share}") in text
    for domain, grades in records.grades.items():
        assert f"{domain} {' '.join(str(grades[g]) for g in GRADES)} {good_share(grades)}" in text
    rags = records.action_rags()
    assert f"All {rags['red']} {rags['amber']} {rags['green']} {len(records.actions)}" in text
    for finding in records.unanswered:
        assert finding.ref in text
    assert f"Impact reviews reported to QiiP in the period: 1 ({REF_A} on 27 Jan 2027)." in text
    assert f"Panel decision: none recorded for {', '.join(records.no_panel)}." in text
    assert "Shared plan" not in text, "no return's narrative reaches the report"


def test_the_workbook_has_every_figure_as_a_sheet(programme: Programme) -> None:
    _, xlsx, records = build(programme)
    workbook = load_workbook(xlsx)
    assert workbook.sheetnames == ["About", "Audits", "Returns by agency", "Grades by domain", "Grades by year",
                                   "Recurring themes", "Actions", "Impact reviews", "Unanswered findings",
                                   "Panel decisions"]
    audits = [row for row in workbook["Audits"].iter_rows(min_row=2, values_only=True)]
    assert [(row[0], row[6]) for row in audits] == [(a.ref, a.phase) for a in records.audits]
    returns = {row[0]: row[2:7] for row in workbook["Returns by agency"].iter_rows(min_row=2, values_only=True)}
    assert returns == {r.code: (r.asked, r.on_time, r.late, r.no_return, r.awaiting) for r in records.returns}
    actions = [(row[0], row[1], row[5], row[6]) for row in workbook["Actions"].iter_rows(min_row=2, values_only=True)]
    assert actions == [(a.audit_ref, a.action_id, a.status, a.rag) for a in records.actions]
    panel = [row[:3] for row in workbook["Panel decisions"].iter_rows(min_row=2, values_only=True)]
    assert panel == [(ref, None, "none recorded") for ref in records.no_panel]


def test_a_theme_a_spreadsheet_would_run_is_stored_as_text(programme: Programme) -> None:
    actions = programme.store.table("actions")
    with programme.store.begin() as connection:
        connection.execute(actions.update().where(actions.c.audit_ref.in_((REF_A, REF_B)))
                           .values(theme='=HYPERLINK("http://evil.example","x")'))
    _, xlsx, _ = build(programme)
    themes = [row[1] for row in load_workbook(xlsx)["Recurring themes"].iter_rows(min_row=2, values_only=True)]
    assert "'=HYPERLINK(\"http://evil.example\",\"x\")" in themes


def test_a_period_typed_wrongly_is_refused_naming_the_day() -> None:
    for first, last, said in (("2026-13-01", "2027-03-31", "the period's first day, '2026-13-01', is not a date"),
                              ("2026-04-01", "31/03/2027", "the period's last day, '31/03/2027', is not a date")):
        try:
            period_from_text(first, last)
        except ValueError as refused:
            assert str(refused).startswith(said)
        else:
            raise AssertionError(f"{first} to {last} was accepted")
