"""The real `maa` console script, run as a coordinator or the Business Unit would run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import (
    DISTINCTIVE_DOB,
    DISTINCTIVE_NAME,
    DISTINCTIVE_SYSTEM_ID,
    AuditFolders,
    nominations_csv,
)

MAA = Path(sys.executable).with_name("maa")
SEVEN_MILESTONES = {"notice_issued", "submission_deadline", "practitioner_event", "review_end", "chair_report_due",
                    "signoff_due", "impact_review_due"}
IDENTIFIERS = (DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_DOB, "Xanthippe", "Quorralind", "99887766",
               "29 Feb 2016", "29 February 2016", "29/02/2016")
CHILD = ("C-01", DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_NAME, DISTINCTIVE_DOB)
OTHER = ("C-02", "QZX-11223344", "Fictional Child Two", "2019-05-17")


def maa(*args: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(MAA), *map(str, args)], capture_output=True, text=True, env=dict(os.environ),
                          timeout=240)


def assert_clean_failure(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr + result.stdout


def test_the_console_script_is_installed() -> None:
    assert MAA.is_file()
    result = maa("--help")
    assert result.returncode == 0
    for command in ("check", "timetable", "validate-nominations", "validate-return"):
        assert command in result.stdout


# maa check ----------------------------------------------------------------------------------------

def test_check_accepts_good_definitions(folders: AuditFolders) -> None:
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
], ids=["no theme", "bad email", "signoff out of bounds", "unknown agency", "misspelt field"])
def test_check_fails_naming_file_and_field(folders: AuditFolders, changes: dict, remove: tuple, field: str) -> None:
    good = folders.write_definition({"ref": "MATA-2027-09"}, name="good.yaml")
    bad = folders.write_definition(changes, remove=remove, name="bad.yaml")
    result = maa("check", good, bad)
    assert_clean_failure(result)
    line = next(line for line in result.stderr.splitlines() if field in line)
    assert line.startswith(f"{bad}: {field}: ")
    assert str(good) not in result.stderr
    assert str(good) in result.stdout  # the good file is still checked and reported


def test_check_reports_the_line_of_invalid_yaml(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("ref: MATA-2027-01\ntype: MATA\ntitle: Neglect\n  theme: Neglect\n")
    result = maa("check", broken)
    assert_clean_failure(result)
    assert f"{broken}: line 4" in result.stderr


def test_check_a_file_that_does_not_exist(tmp_path: Path) -> None:
    result = maa("check", tmp_path / "missing.yaml")
    assert_clean_failure(result)
    assert "missing.yaml" in result.stderr


def test_check_refuses_two_refs_equal_ignoring_case(folders: AuditFolders) -> None:
    first = folders.write_definition({"ref": "MATA-2027-01"}, name="a.yaml")
    second = folders.write_definition({"ref": "mata-2027-01"}, name="b.yaml")
    result = maa("check", first, second)
    assert_clean_failure(result)
    assert f"{second}: ref: " in result.stderr and str(first) in result.stderr


# maa timetable ------------------------------------------------------------------------------------

def test_timetable_json(folders: AuditFolders) -> None:
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


def test_timetable_json_rolls_over_bank_holidays(folders: AuditFolders) -> None:
    path = folders.write_definition({"ref": "MACA-2021-01", "type": "MACA", "start": date(2021, 11, 15),
                                     "extensions": {}, "timescale": {}})
    milestones = json.loads(maa("timetable", path, "--json").stdout)["milestones"]
    assert milestones["chair_report_due"] == "2021-12-29"  # W(6) = Mon 27 Dec 2021, a substitute bank holiday
    assert milestones["signoff_due"] == "2022-01-04"  # W(7) = Mon 3 Jan 2022, the New Year substitute


def test_timetable_text_prints_the_timescale_reason(folders: AuditFolders) -> None:
    reason = "Partners mandated a compressed sign-off"
    path = folders.write_definition({"timescale_reason": reason,
                                     "timescale": {"notice": 2, "agency_audit": 5, "review": 2, "chair_report": 2,
                                                   "signoff": 6}})
    result = maa("timetable", path)
    assert result.returncode == 0, result.stderr
    assert reason in result.stdout
    assert "Mon 20 Jul 2026" in result.stdout


def test_timetable_of_a_bad_definition_fails_cleanly(folders: AuditFolders) -> None:
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


def assert_no_identifiers(result: subprocess.CompletedProcess[str]) -> None:
    printed = (result.stdout + result.stderr).lower()
    for identifier in IDENTIFIERS:
        assert identifier.lower() not in printed, f"{identifier!r} printed"


def test_validate_nominations_accepts_a_good_list(folders: AuditFolders) -> None:
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
def test_validate_nominations_gives_every_reason_without_identifiers(folders: AuditFolders, changes: dict,
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
def test_validate_nominations_refuses_a_file_that_is_not_a_case_list(folders: AuditFolders, data: bytes,
                                                                     words: str) -> None:
    result = maa("validate-nominations", folders.write_definition(), write_csv(folders, data))
    assert_clean_failure(result)
    assert words in result.stderr
    assert_no_identifiers(result)


def test_validate_nominations_for_a_missing_file(folders: AuditFolders) -> None:
    result = maa("validate-nominations", folders.write_definition(), folders.data / "nowhere.csv")
    assert_clean_failure(result)
    assert "nowhere.csv" in result.stderr


def test_validate_nominations_for_a_paa(folders: AuditFolders) -> None:
    definition = folders.write_definition({"type": "PAA", "period": {"from": date(2025, 4, 1),
                                                                     "to": date(2026, 3, 31)}},
                                          remove=("nominating_agency",))
    result = maa("validate-nominations", definition, write_csv(folders, nominations_csv().encode()))
    assert_clean_failure(result)
    assert "PAA" in result.stderr
    assert_no_identifiers(result)


# maa validate-analysis, in-process ----------------------------------------------------------------------

ONE_ACTION = [("A1", "Circulate core group actions within two working days", "CSC", "2026-11-30", "", "")]


def chair_folder(folders: AuditFolders, themes: list, actions: list, narrative: bytes | None) -> Path:
    from maa.audit.definitions import load_definition
    from tests.workbooks import chair_analysis

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
    from tests.workbooks import THEMES

    folder = chair_folder(folders, THEMES, ONE_ACTION, b"## Overview\n\nC-01 and C-02 drifted.\n")
    assert main(["validate-analysis", str(folders.audits / "MATA-2026-01.yaml"), str(folder)]) == 0
    assert ours(capsys.readouterr(), folder) == ([f"{folder}: accepted (2 themes, 1 actions, with narrative)"], [])


def test_validate_analysis_gives_every_reason_and_never_a_childs_name(folders: AuditFolders, capsys) -> None:
    from maa.audit.clock import now
    from maa.audit.definitions import load_definition
    from maa.cli import main
    from maa.outputs.mailer import Mailer
    from maa.outputs.store import Store
    from maa.preparation import case_list

    store = Store()
    (folders.inbox("MATA-2026-01") / "nominations.csv").write_text(nominations_csv())
    definition = load_definition(folders.write_definition())
    assert case_list.receive_nominations(definition, store, Mailer(store, dry_run=True), now()).accepted
    themes = [("Drift", f"{DISTINCTIVE_NAME} waited too long.", "", "")]
    actions = [("A1", "Owner not in the audit", "FIRE", "2026-11-30", "", "")]
    narrative = f"Intro\n\nAbout {DISTINCTIVE_NAME.split()[1]}.\n\n![chart](https://example.org/c.png)\n".encode()
    folder = chair_folder(folders, themes, actions, narrative)
    assert main(["validate-analysis", str(folders.audits / "MATA-2026-01.yaml"), str(folder)]) == 1
    printed = capsys.readouterr()
    assert ours(printed, folder) == ([], [f"{folder}: {reason}" for reason in (
        "line 3: narrative.md names a nominated child: use case refs only",
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
