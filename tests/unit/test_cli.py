"""The `maa` command as a coordinator or the Business Unit runs it: `maa.cli.main` called in this process with
what it prints captured, and the installed console script run once."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from maa import cli
from maa.intake import checks
from maa.pipeline import resources
from tests.helpers.case_lists import accept_case_list
from tests.helpers.definitions import SAMPLE_DEFINITION, THEMATIC_DEFINITION, AuditFolders
from tests.helpers.nominations import DISTINCTIVE_DOB, DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID, nominations_csv
from tests.helpers.paa_data import events, extract_csv
from tests.helpers.tracker_seed import ACTIONS_A, REF_A, seed_audit, update_workbook

MAA = Path(sys.executable).with_name("maa")
SEVEN_MILESTONES = {"notice_issued", "submission_deadline", "practitioner_event", "review_end", "chair_report_due",
                    "signoff_due", "impact_review_due"}
IDENTIFIERS = (DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_DOB, "Xanthippe", "Quorralind", "99887766",
               "29 Feb 2016", "29 February 2016", "29/02/2016")
CHILD = ("C-01", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, DISTINCTIVE_DOB)
OTHER = ("C-02", "QZX-11223344", "Fictional Child Two", "2019-05-17")


@dataclass(frozen=True)
class Printed:
    """What one `maa` command returned and printed, named as subprocess.CompletedProcess names them."""

    returncode: int
    stdout: str
    stderr: str


Maa = Callable[..., Printed]


@contextmanager
def airflow_console_logging() -> Iterator[None]:
    """Logging as in a `maa` process once Airflow is imported: Airflow's handler prints every record at INFO,
    from any library, on the stdout of the moment (here the one capsys captures). Put back afterwards."""
    from airflow.logging_config import configure_logging

    loggers = [logging.getLogger(), *(found for found in logging.Logger.manager.loggerDict.values()
                                      if isinstance(found, logging.Logger))]
    saved = [(logger, logger.handlers[:], logger.level, logger.propagate, logger.disabled) for logger in loggers]
    configure_logging()
    try:
        yield
    finally:
        for logger, handlers, level, propagate, disabled in saved:
            logger.handlers[:], logger.level, logger.propagate, logger.disabled = handlers, level, propagate, disabled


@pytest.fixture
def maa(capsys: pytest.CaptureFixture) -> Maa:
    """`maa ARGS...` as the console script runs it (`sys.exit(main())`), in this process, with Airflow's
    logging set up as the commands that open the store have it, so that a log line on stdout shows."""

    def run(*args: object) -> Printed:
        capsys.readouterr()  # what earlier steps printed is not this command's
        try:
            with airflow_console_logging():
                returncode = cli.main([str(arg) for arg in args])
        except SystemExit as exit_:  # argparse's --help and usage errors
            returncode = exit_.code
        out, err = capsys.readouterr()
        return Printed(returncode, out, err)

    return run


def assert_clean_failure(result: Printed) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout


def test_the_installed_console_script_checks_the_sample_definition() -> None:
    """The one run of the real entry point, in a new interpreter; every other test calls main() directly."""
    assert MAA.is_file()
    result = subprocess.run([str(MAA), "check", str(SAMPLE_DEFINITION)], capture_output=True, text=True,
                            env=dict(os.environ), timeout=240)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == f"{SAMPLE_DEFINITION}: ok (MATA MATA-2026-01, DAG maa_mata_2026_01)\n"


def test_help_names_the_commands(maa: Maa) -> None:
    result = maa("--help")
    assert result.returncode == 0
    for command in ("check", "timetable", "validate-nominations", "validate-return"):
        assert command in result.stdout


# maa check ----------------------------------------------------------------------------------------

def test_check_accepts_good_definitions(maa: Maa, folders: AuditFolders) -> None:
    first = folders.write_definition()
    second = folders.write_definition({"ref": "MACA-2026-02", "type": "MACA"})
    result = maa("check", first, second)
    assert result.returncode == 0, result.stderr
    assert str(first) in result.stdout and str(second) in result.stdout
    assert "maa_maca_2026_02" in result.stdout
    assert result.stderr.strip() == ""


@pytest.mark.parametrize(("changes", "remove", "field"), [
    ({}, ("theme",), "theme"),
    ({"chair": {"name": "Jordan Ellery", "email": "not-an-email"}}, (), "chair.email"),
    ({"timescale": {"notice": 2, "agency_audit": 5, "review": 2, "chair_report": 2, "signoff": 9}}, (),
     "timescale.signoff"),
    ({"extensions": {"FIRE": date(2026, 7, 24)}}, (), "extensions.FIRE"),
    ({"timescle": {"notice": 2}}, (), "timescle"),
    ({"panel": {"approved_on": "2026-05-01", "minute": "AP 4", "nominated": 2, "selected": 3}}, (), "panel.selected"),
    ({"panel": {"approved_on": "2026-06-08", "minute": "AP 4"}}, (), "panel.approved_on"),
    ({"methods": ["focus groups"], "type": "MACA"}, (), "methods"),
], ids=["no theme", "bad email", "signoff out of bounds", "unknown agency", "misspelt field",
        "Panel selects more than nominated", "Panel approves after the start", "methods of a MACA"])
def test_check_fails_naming_file_and_field(maa: Maa, folders: AuditFolders, changes: dict, remove: tuple,
                                          field: str) -> None:
    good = folders.write_definition({"ref": "MATA-2027-09"}, name="good.yaml")
    bad = folders.write_definition(changes, remove=remove, name="bad.yaml")
    result = maa("check", good, bad)
    assert_clean_failure(result)
    line = next(line for line in result.stderr.splitlines() if field in line)
    assert line.startswith(f"{bad}: {field}: ")
    assert str(good) not in result.stderr
    assert str(good) in result.stdout  # the good file is still checked and reported


def test_check_reports_the_line_of_invalid_yaml(maa: Maa, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("ref: MATA-2027-01\ntype: MATA\ntitle: Neglect\n  theme: Neglect\n")
    result = maa("check", broken)
    assert_clean_failure(result)
    assert f"{broken}: line 4" in result.stderr


def test_check_a_file_that_does_not_exist(maa: Maa, tmp_path: Path) -> None:
    result = maa("check", tmp_path / "missing.yaml")
    assert_clean_failure(result)
    assert "missing.yaml" in result.stderr


def test_check_refuses_two_refs_equal_ignoring_case(maa: Maa, folders: AuditFolders) -> None:
    first = folders.write_definition({"ref": "MATA-2027-01"}, name="a.yaml")
    second = folders.write_definition({"ref": "mata-2027-01"}, name="b.yaml")
    result = maa("check", first, second)
    assert_clean_failure(result)
    assert f"{second}: ref: " in result.stderr and str(first) in result.stderr


# maa timetable ------------------------------------------------------------------------------------

def test_timetable_json(maa: Maa, folders: AuditFolders) -> None:
    result = maa("timetable", folders.write_definition(), "--json")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert set(printed) == {"ref", "milestones"}
    assert printed["ref"] == "MATA-2026-01"
    assert set(printed["milestones"]) == SEVEN_MILESTONES
    # Start Mon 1 Jun 2026, MATA 2/5/2/2/1/6: W(0), W(7), W(8), W(9), W(11), W(12) are all Mondays and working
    # days; the impact review is 27 Jul 2026 + 6 months = Wed 27 Jan 2027.
    assert printed["milestones"] == {
        "notice_issued": "2026-06-01",
        "submission_deadline": "2026-07-20",
        "practitioner_event": "2026-07-27",
        "review_end": "2026-08-03",
        "chair_report_due": "2026-08-17",
        "signoff_due": "2026-08-24",
        "impact_review_due": "2027-01-27",
    }


def test_timetable_json_rolls_over_bank_holidays(maa: Maa, folders: AuditFolders) -> None:
    path = folders.write_definition({"ref": "MACA-2021-01", "type": "MACA", "start": date(2021, 11, 15),
                                     "extensions": {}, "timescale": {}})
    milestones = json.loads(maa("timetable", path, "--json").stdout)["milestones"]
    assert milestones["chair_report_due"] == "2021-12-29"  # W(6) = Mon 27 Dec 2021, a substitute bank holiday
    assert milestones["signoff_due"] == "2022-01-04"  # W(7) = Mon 3 Jan 2022, the New Year substitute


def test_timetable_text_prints_the_timescale_reason(maa: Maa, folders: AuditFolders) -> None:
    reason = "Partners mandated a compressed sign-off"
    path = folders.write_definition({"timescale_reason": reason,
                                     "timescale": {"notice": 2, "agency_audit": 5, "review": 2, "chair_report": 2,
                                                   "signoff": 6}})
    result = maa("timetable", path)
    assert result.returncode == 0, result.stderr
    assert reason in result.stdout
    assert "Mon 20 Jul 2026" in result.stdout


def test_timetable_shows_the_panels_decision(maa: Maa, folders: AuditFolders) -> None:
    panel = {"approved_on": "2026-05-14", "minute": "Audit Panel 2026-05 item 4", "nominated": 4, "selected": 2,
             "not_selected": [{"count": 2, "reason": "outside the theme"}]}
    path = folders.write_definition({"panel": panel})
    text = maa("timetable", path).stdout
    assert "Approved by the Audit Panel on Thu 14 May 2026 (Audit Panel 2026-05 item 4)." in text
    assert "Cases nominated 4, selected 2." in text and "Not selected: 2, outside the theme." in text
    printed = json.loads(maa("timetable", path, "--json").stdout)
    assert printed["panel"]["selected"] == 2 and printed["panel"]["approved_on"] == "2026-05-14"


def test_a_thematic_mata_without_cases_passes_check_and_has_a_timetable(maa: Maa, folders: AuditFolders) -> None:
    path = folders.write_definition({"methods": ["focus groups", "policy review"],
                                     "panel": {"approved_on": "2026-05-14", "minute": "AP 4"}},
                                    remove=("nominating_agency",))
    assert maa("check", path).returncode == 0
    assert json.loads(maa("timetable", path, "--json").stdout)["milestones"]["signoff_due"] == "2026-08-24"


def test_validate_return_of_a_mata_without_cases_needs_no_case_list(maa: Maa, folders: AuditFolders,
                                                                    tmp_path: Path) -> None:
    from maa.audit.definitions import load_definition
    from tests.helpers.workbooks import completed_return

    path = folders.write_definition(source=THEMATIC_DEFINITION)
    workbook = tmp_path / "POL.xlsx"
    workbook.write_bytes(completed_return(load_definition(path), "POL", [], tmp_path))
    result = maa("validate-return", path, workbook)
    assert result.returncode == 0, result.stderr
    assert "accepted (POL, 6 findings rows, 0 concerns)" in result.stdout


def test_timetable_of_a_bad_definition_fails_cleanly(maa: Maa, folders: AuditFolders) -> None:
    path = folders.write_definition(remove=("theme",))
    result = maa("timetable", path, "--json")
    assert_clean_failure(result)
    assert f"{path}: theme: " in result.stderr
    assert result.stdout.strip() == ""


# maa validate-nominations ---------------------------------------------------------------------------

def write_csv(folders: AuditFolders, data: bytes, name: str = "nominations.csv") -> Path:
    path = folders.inbox("MATA-2026-01") / name
    path.write_bytes(data)
    return path


def assert_no_identifiers(result: Printed) -> None:
    printed = (result.stdout + result.stderr).lower()
    for identifier in IDENTIFIERS:
        assert identifier.lower() not in printed, f"{identifier!r} printed"


def test_validate_nominations_accepts_a_good_list(maa: Maa, folders: AuditFolders) -> None:
    result = maa("validate-nominations", folders.write_definition(), write_csv(folders, nominations_csv().encode()))
    assert result.returncode == 0, result.stderr
    assert "accepted" in result.stdout and "2 cases" in result.stdout
    assert_no_identifiers(result)


BAD_LISTS = [
    pytest.param({}, [CHILD, ("C-02", DISTINCTIVE_SYSTEM_ID, "Fictional Child Two", "2019-05-17")],
                 ["row 3, column system_id"], id="duplicate system id"),
    pytest.param({"start": date(2015, 9, 7), "extensions": {}}, [CHILD, OTHER],
                 ["row 2, column date_of_birth"], id="born after the start"),
    pytest.param({}, [CHILD, ("C-02", "QZX-11223344", "Fictional Child Two", "2030-01-01")],
                 ["row 3, column date_of_birth"], id="date of birth in the future"),
    pytest.param({}, [("C-01", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_DOB, DISTINCTIVE_NAME), OTHER],
                 ["row 2, column date_of_birth"], id="name and date swapped"),
    pytest.param({}, [CHILD, ("C-01", "QZX-11223344", "", "2019-05-17")],
                 ["row 3, column case_ref", "row 3, column child_name"], id="two problems on one row"),
    pytest.param({"type": "MACA"}, [CHILD, OTHER], ["2 cases"], id="two cases for a MACA"),
    pytest.param({}, [CHILD], ["1 case"], id="one case for a MATA"),
]


@pytest.mark.parametrize(("changes", "rows", "reasons"), BAD_LISTS)
def test_validate_nominations_gives_every_reason_without_identifiers(maa: Maa, folders: AuditFolders, changes: dict,
                                                                    rows: list, reasons: list[str]) -> None:
    path = write_csv(folders, nominations_csv(rows).encode())
    result = maa("validate-nominations", folders.write_definition(changes), path)
    assert_clean_failure(result)
    for reason in reasons:
        assert any(line.startswith(f"{path}: ") and reason in line for line in result.stderr.splitlines()), (
            reason, result.stderr)
    assert_no_identifiers(result)


@pytest.mark.parametrize(("data", "words"), [
    (b"case_ref,system_id,child_name\n" + ",".join(CHILD[:3]).encode() + b"\n", "row 1, column date_of_birth"),
    (b"PK\x03\x04" + b"\x00" * 64 + DISTINCTIVE_NAME.encode(), "CSV"),
    (b"", "empty"),
    (",".join(CHILD).encode() + b"\n" + ",".join(OTHER).encode() + b"\n", "header"),
], ids=["missing column", "a spreadsheet", "empty", "no header row"])
def test_validate_nominations_refuses_a_file_that_is_not_a_case_list(maa: Maa, folders: AuditFolders,
                                                                     data: bytes, words: str) -> None:
    result = maa("validate-nominations", folders.write_definition(), write_csv(folders, data))
    assert_clean_failure(result)
    assert words in result.stderr
    assert_no_identifiers(result)


def test_validate_nominations_for_a_missing_file(maa: Maa, folders: AuditFolders) -> None:
    result = maa("validate-nominations", folders.write_definition(), folders.data / "nowhere.csv")
    assert_clean_failure(result)
    assert "nowhere.csv" in result.stderr


def test_validate_nominations_for_a_paa(maa: Maa, folders: AuditFolders) -> None:
    definition = folders.write_definition({"type": "PAA", "period": {"from": date(2025, 4, 1),
                                                                     "to": date(2026, 3, 31)}},
                                          remove=("nominating_agency",))
    result = maa("validate-nominations", definition, write_csv(folders, nominations_csv().encode()))
    assert_clean_failure(result)
    assert "PAA" in result.stderr
    assert_no_identifiers(result)


# maa validate-update ------------------------------------------------------------------------------

def test_maa_validate_update_gives_the_tracker_s_own_reasons(maa: Maa, folders: AuditFolders, tmp_path: Path) -> None:
    seed_audit(folders, resources.store(), {}, ACTIONS_A)  # the store the command opens: the default under MAA_DATA_DIR
    good = tmp_path / "POL.xlsx"
    good.write_bytes(update_workbook([(REF_A, "A1", "In progress", "Staff trained.")]))
    result = maa("validate-update", good)
    assert result.returncode == 0 and "accepted (POL, 1 updates)" in result.stdout
    draft = tmp_path / "police-draft.xlsx"
    draft.write_bytes(update_workbook([(REF_A, "A2", "Complete", "Done.")]))
    result = maa("validate-update", draft, "--agency", "pol")
    assert result.returncode == 1
    assert "sheet Updates, row 2, column action_id, cell B2: this action is owned by another agency" in result.stderr


# maa validate-data --------------------------------------------------------------------------------

def test_maa_validate_data_runs_the_pipelines_checks_and_never_prints_a_cell(maa: Maa, tmp_path: Path) -> None:
    good, bad = tmp_path / "marac.csv", tmp_path / "contacts.csv"
    good.write_bytes(extract_csv(events("marac", 11, 25)))
    bad.write_text(f"date,category,dob\n2025-04-01,Police,{DISTINCTIVE_NAME}\n")

    accepted = maa("validate-data", good)
    refused = maa("validate-data", good, bad)

    assert accepted.returncode == 0 and f"{good}: accepted (marac, 25 events)" in accepted.stdout
    assert refused.returncode == 1
    assert "contacts.csv: row 1, column dob: looks like it carries a child's name" in refused.stderr
    assert DISTINCTIVE_NAME not in refused.stdout + refused.stderr


# What every command prints: its result, each line once, and no library's logging -------------------------

@pytest.fixture
def accepted_audit(folders: AuditFolders) -> Path:
    """The sample audit approved by QiiP, its case list accepted and archived; the archived file's path."""
    return accept_case_list(folders, resources.store(), seed_audit(folders, resources.store(), {}, ACTIONS_A))


def test_validate_update_prints_its_result_and_no_library_logging(maa: Maa, folders: AuditFolders, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checks, "_contexts", {})  # as in a new process: GX makes its context, logging at INFO
    seed_audit(folders, resources.store(), {}, ACTIONS_A)
    good, draft = tmp_path / "POL.xlsx", tmp_path / "CSC.xlsx"
    good.write_bytes(update_workbook([(REF_A, "A1", "In progress", "Staff trained.")]))
    draft.write_bytes(update_workbook([(REF_A, "A1", "Done", "Staff trained.")]))

    assert maa("validate-update", good) == Printed(0, f"{good}: accepted (POL, 1 updates)\n", "")
    assert maa("validate-update", draft) == Printed(1, "", (
        f"{draft}: sheet Updates, row 2, column action_id, cell B2: this action is owned by another agency: "
        "CSC.xlsx may update only CSC's actions\n"
        f"{draft}: sheet Updates, row 2, column status, cell C2: not a status: use Not started, In progress, "
        "Complete\n"))


def test_purge_prints_each_line_once(maa: Maa, accepted_audit: Path) -> None:
    size = accepted_audit.stat().st_size
    assert maa("purge", "--dry-run", "--today", "2027-01-10") == Printed(0, (
        f"{REF_A}: approved 2026-09-30, retention 90 days, purge from 2026-12-30; 1 identifying file(s), "
        f"{size} bytes\n"
        f"  would remove data:archive/{REF_A}/{accepted_audit.name} ({size} bytes)\n"
        f"Retention on 2027-01-10: 1 audit(s) past retention, 1 identifying file(s) ({size} bytes) would be "
        "removed (dry run: nothing removed); 0 within retention, 0 not ended, 0 held\n"), "")


@pytest.mark.usefixtures("fab_logins")
def test_resolve_case_prints_each_line_once(maa: Maa, accepted_audit: Path) -> None:
    assert maa("resolve-case", REF_A, "c-01", "--as", "business-unit") == Printed(0, (
        f"{REF_A} C-01: {DISTINCTIVE_NAME}, born {DISTINCTIVE_DOB}, system id {DISTINCTIVE_SYSTEM_ID}\n"), "")
    assert maa("resolve-case", REF_A, "C-09", "--as", "business-unit") == Printed(1, "", (
        f"{REF_A}: that is not one of its case refs (what was typed is not repeated: it may be a name); "
        "its cases: C-01, C-02\n"))


def test_db_upgrade_prints_one_line(maa: Maa, folders: AuditFolders) -> None:
    assert maa("db", "upgrade") == Printed(
        0, f"audit store sqlite:///{folders.data / 'maa-store.sqlite'}: schema up to date\n", "")


def test_validate_data_gives_every_files_every_reason_in_one_run(maa: Maa, tmp_path: Path) -> None:
    contacts, marac, missing, good = (tmp_path / name for name in ("contacts.csv", "marac.csv", "none.csv",
                                                                   "allegations.csv"))
    contacts.write_text(f"date,category,dob\n2025-04-01,Police,{DISTINCTIVE_DOB}\n01/04/2025,,{DISTINCTIVE_DOB}\n")
    marac.write_text("date,category\n2025-04-01,High\n2025-02-30,\n2025-04-01,High,extra\n")
    good.write_text("date,category\n2025-04-01,Physical\n")
    iso = "not a date: write it as YYYY-MM-DD (ISO), for example 2025-04-01"

    assert maa("validate-data", contacts, missing, marac, good) == Printed(1, f"{good}: accepted (allegations, 1 "
                                                                              "events)\n", (
        "contacts.csv: row 1, column dob: looks like it carries a child's name, date of birth or id: event rows "
        "must carry only date, category and outcome; remove the column\n"
        "contacts.csv: row 3, column category: category is empty\n"
        f"contacts.csv: row 3, column date: {iso}\n"
        f"{missing}: no such file\n"
        "marac.csv: row 3, column category: category is empty\n"
        f"marac.csv: row 3, column date: {iso}\n"
        "marac.csv: row 4: has 3 cells; the header has 2\n"))


def test_check_shows_every_problem_of_a_definition_in_one_pass(maa: Maa, folders: AuditFolders) -> None:
    bad = folders.write_definition({"ref": "MATA 2027 01", "timescale": {"signoff": 9},
                                    "extensions": {"FIRE": "2026-08-01", "POL": "2026-07-01"}},
                                   remove=("theme",), name="bad.yaml")
    assert maa("check", bad) == Printed(1, "", (
        f"{bad}: ref: a letter first, then letters, digits and single dashes (up to 40), such as MATA-2027-01\n"
        f"{bad}: theme: required for a MATA\n"
        f"{bad}: timescale.signoff: 9 weeks; the bound is 1 to 4 (give timescale_reason if partners mandated it)\n"
        f"{bad}: extensions.FIRE: not one of the agencies\n"
        f"{bad}: extensions.POL: 2026-07-01 is before the submission deadline 2026-07-20\n"))


# maa validate-analysis, in-process ----------------------------------------------------------------------

ONE_ACTION = [("A1", "Circulate core group actions within two working days", "CSC", "2026-11-30", "", "")]


def chair_folder(folders: AuditFolders, themes: list, actions: list, narrative: bytes | None) -> Path:
    from maa.audit.definitions import load_definition
    from tests.helpers.workbooks import chair_analysis

    folder = folders.data / "from-the-chair"
    folder.mkdir()
    workbook = chair_analysis(load_definition(folders.write_definition()), folders.data, themes, actions)
    (folder / "analysis.xlsx").write_bytes(workbook)
    if narrative is not None:
        (folder / "narrative.md").write_bytes(narrative)
    return folder


def ours(printed, folder: Path) -> tuple[list[str], list[str]]:
    """The command's own lines on stdout and stderr (Great Expectations logs its start-up there too)."""
    return tuple([line for line in text.splitlines() if line.startswith(str(folder))]
                 for text in (printed.out, printed.err))


def test_validate_analysis_accepts_what_the_pipeline_accepts(folders: AuditFolders, capsys) -> None:
    from maa.cli import main
    from tests.helpers.workbooks import THEMES

    folder = chair_folder(folders, THEMES, ONE_ACTION, b"## Overview\n\nC-01 and C-02 drifted.\n")
    assert main(["validate-analysis", str(folders.audits / "MATA-2026-01.yaml"), str(folder)]) == 0
    assert ours(capsys.readouterr(), folder) == ([f"{folder}: accepted (2 themes, 1 actions, with narrative)"], [])


def test_validate_analysis_gives_every_reason_and_never_a_childs_name(folders: AuditFolders, capsys) -> None:
    from maa.audit.clock import now
    from maa.audit.definitions import load_definition
    from maa.cli import main
    from maa.preparation import case_list

    store = resources.store()
    (folders.inbox("MATA-2026-01") / "nominations.csv").write_text(nominations_csv())
    definition = load_definition(folders.write_definition())
    assert case_list.receive_nominations(definition, store, resources.mailer(store, dry_run=True), now(),
                                         key=resources.pseudonym_key).accepted
    themes = [("Drift", f"{DISTINCTIVE_NAME} waited too long.", "", "")]
    actions = [("A1", "Owner not in the audit", "FIRE", "2026-11-30", "", "")]
    narrative = f"Intro\n\nAbout {DISTINCTIVE_NAME.split()[1]}.\n\n![chart](https://example.org/c.png)\n".encode()
    folder = chair_folder(folders, themes, actions, narrative)
    assert main(["validate-analysis", str(folders.audits / "MATA-2026-01.yaml"), str(folder)]) == 1
    printed = capsys.readouterr()
    assert ours(printed, folder) == ([], [f"{folder}: {reason}" for reason in (
        "line 3: narrative.md names a nominated child: refer to children by case ref only",
        "line 5: narrative.md has an image: the report carries text only (describe it, or send it to the Business "
        "Unit)",
        "sheet Actions, row 2, column owner_agency, cell C2: not one of this audit's agencies "
        "(CSC, EDU, GHC, ICB, POL, PROB)",
        "sheet Themes, row 2, column finding, cell B2: names a nominated child: refer to children by case ref only",
    )])
    for identifier in IDENTIFIERS:
        assert identifier.lower() not in (printed.out + printed.err).lower()


def test_validate_analysis_needs_the_workbook(folders: AuditFolders, capsys) -> None:
    from maa.cli import main

    assert main(["validate-analysis", str(folders.write_definition()), str(folders.data)]) == 1
    assert ours(capsys.readouterr(), folders.data) == ([], [
        f"{folders.data / 'analysis.xlsx'}: no such file (the narrative comes with the workbook, not alone)"])


# maa programme-report --------------------------------------------------------------------------------

def test_programme_report_writes_the_pdf_and_workbook_for_the_period(maa: Maa, folders: AuditFolders) -> None:
    from openpyxl import load_workbook

    from tests.helpers.outputs import pdf_text
    from tests.helpers.programme_seed import seed_programme

    programme = seed_programme(folders, resources.store())  # the store the command opens
    result = maa("programme-report", "--from", "2026-04-01", "--to", "2027-03-31")
    assert result.returncode == 0, result.stderr
    pdf, xlsx = (folders.output / "programme" / f"programme-report-2026-04-01-2027-03-31.{kind}" for kind in
                 ("pdf", "xlsx"))
    assert result.stdout.splitlines()[:2] == [str(pdf), str(xlsx)]
    audits = [row[0] for row in load_workbook(xlsx)["Audits"].iter_rows(min_row=2, values_only=True)]
    assert audits == list(programme.in_year)
    text = pdf_text(pdf)
    assert all(ref in text for ref in programme.in_year) and "Returns on time, by agency" in text
    assert maa("programme-report", "--from", "2027-04-01", "--to", "2027-03-31").stderr.startswith(
        "the period ends (2027-03-31) before it starts")
