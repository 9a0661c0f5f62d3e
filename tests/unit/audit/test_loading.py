"""Hostile and damaged definitions: each is refused with a reason naming the field or the line, never a crash,
a stall or a value taken for another; and one bad file never takes another audit with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from maa.audit.definitions import DefinitionError, load_all, load_definition
from maa.audit.loading import MAX_BYTES, MAX_DEPTH
from tests.helpers.definitions import SAMPLE_DEFINITION, AuditFolders

MAA = Path(sys.executable).with_name("maa")
SAMPLE = SAMPLE_DEFINITION.read_text()


def edited(*replacements: tuple[str, str]) -> str:
    """The sample definition's text with lines replaced as written, so YAML sees exactly what a person typed."""
    text = SAMPLE
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return text


def problems_of(tmp_path: Path, text: str, name: str = "audit.yaml") -> dict[str, str]:
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(DefinitionError) as raised:
        load_definition(path)
    assert all(line.startswith(f"{path}: ") for line in raised.value.describe().splitlines())
    return dict(raised.value.problems)


# Dates ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("old", "new", "field", "problem"), [
    ("start: 2026-06-01", "start: 2027-02-30", "start", "2027-02-30 is not a real date"),
    ("extensions: {PROB: 2026-07-24}", "extensions: {PROB: 2027-02-30}", "extensions.PROB",
     "2027-02-30 is not a real date"),
    ("start: 2026-06-01", "start: 9999-12-01", "start",
     "9999-12-01 is outside the years a definition may use (2000 to 2100)"),
    ("start: 2026-06-01", "start: 1999-12-31", "start",
     "1999-12-31 is outside the years a definition may use (2000 to 2100)"),
    ("extensions: {PROB: 2026-07-24}", "extensions: {PROB: 2101-01-01}", "extensions.PROB",
     "2101-01-01 is outside the years a definition may use (2000 to 2100)"),
    ("start: 2026-06-01", "start: 1780000000", "start", "not a date: write it as YYYY-MM-DD"),
    ("start: 2026-06-01", "start: 2026-06-01 09:00:00", "start", "not a date: write it as YYYY-MM-DD"),
], ids=["30 February", "30 February extension", "year 9999", "year 1999", "extension in 2101", "a number",
        "a time"])
def test_a_date_is_a_real_day_in_the_years_an_audit_can_mean(tmp_path: Path, old: str, new: str, field: str,
                                                              problem: str) -> None:
    assert problems_of(tmp_path, edited((old, new))) == {field: problem}


def test_a_period_date_is_checked_the_same_way(tmp_path: Path) -> None:
    text = edited(("type: MATA", "type: PAA"), ("nominating_agency: CSC\n", ""), ("theme: Neglect\n", ""),
                  ("extensions: {PROB: 2026-07-24}", "period: {from: 2025-02-29, to: 9999-03-31}"))
    assert problems_of(tmp_path, text) == {
        "period.from": "2025-02-29 is not a real date",
        "period.to": "9999-03-31 is outside the years a definition may use (2000 to 2100)",
    }


def test_a_date_in_quotes_is_the_same_date(tmp_path: Path) -> None:
    path = tmp_path / "quoted.yaml"
    path.write_text(edited(("start: 2026-06-01", 'start: "2026-06-01"')))
    assert load_definition(path).start == load_definition(SAMPLE_DEFINITION).start


# Size and nesting ---------------------------------------------------------------------------------------

def test_a_definition_may_be_256_kib_and_no_more(tmp_path: Path) -> None:
    padding = MAX_BYTES - len(SAMPLE.encode()) - 2  # "#" and the newline
    at_limit = tmp_path / "at-limit.yaml"
    at_limit.write_text(SAMPLE + "#" + "x" * padding + "\n")
    assert at_limit.stat().st_size == MAX_BYTES
    assert load_definition(at_limit).ref == "MATA-2026-01"
    assert problems_of(tmp_path, SAMPLE + "#" + "x" * (padding + 1) + "\n") == {
        "(file)": "larger than 256 KiB, the most a definition may be"}


def nested_flow(levels: int) -> str:
    return SAMPLE + "extra: " + "[" * levels + "]" * levels + "\n"


def nested_blocks(levels: int) -> str:
    return SAMPLE + "".join(f"{'  ' * level}level{level}:\n" for level in range(levels)) + "  " * levels + "x: 1\n"


@pytest.mark.parametrize(("nested", "lines_after_the_sample"), [(nested_flow, 1), (nested_blocks, 1 + MAX_DEPTH)],
                         ids=["brackets", "indentation"])
def test_nesting_is_refused_past_twenty_levels_before_the_loader_sees_it(tmp_path: Path, nested,
                                                                         lines_after_the_sample: int) -> None:
    """The root mapping is the first level; the line named is where the twenty-first begins."""
    assert problems_of(tmp_path, nested(MAX_DEPTH - 1)).keys() == {"extra" if nested is nested_flow else "level0"}
    deepest = SAMPLE.count("\n") + lines_after_the_sample
    assert problems_of(tmp_path, nested(MAX_DEPTH)) == {f"line {deepest}": "nested more than 20 levels deep"}


def test_sixty_kilobytes_of_brackets_are_refused_and_the_other_files_still_checked(folders: AuditFolders) -> None:
    """libyaml's loader overflows the C stack on this (a segfault, which would take the DAG processor with it):
    run in a process of its own, as `maa check` over a good file and the hostile one."""
    good = folders.write_definition()
    hostile = folders.audits / "brackets.yaml"
    hostile.write_text("[" * 60_000)
    result = subprocess.run([str(MAA), "check", str(good), str(hostile)], capture_output=True, text=True,
                            timeout=120)
    assert (result.returncode, result.stderr) == (1, f"{hostile}: line 1: nested more than 20 levels deep\n")
    assert result.stdout == f"{good}: ok (MATA MATA-2026-01, DAG maa_mata_2026_01)\n"


# What YAML would otherwise read as something else --------------------------------------------------------

@pytest.mark.parametrize(("text", "problems"), [
    (edited(("start: 2026-06-01\n", "start: 2026-06-01\nstart: 2026-06-08\n")),
     {"line 9": "'start' is given twice in the same mapping (first on line 8)"}),
    (edited(("{code: POL, name: \"Police\"", "{code: POL, name: \"Police\", code: POLICE")),
     {"line 16": "'code' is given twice in the same mapping (first on line 16)"}),
    (edited(("late_grace_days: 3", "late_grace_days: 3\nchair: {name: X, email: x@example.org}")),
     {"line 24": "'chair' is given twice in the same mapping (first on line 10)"}),
], ids=["a field", "a key on the same line", "a mapping"])
def test_a_key_given_twice_is_named_with_its_line(tmp_path: Path, text: str, problems: dict) -> None:
    assert problems_of(tmp_path, text) == problems


NOT_A_NUMBER = "a whole number is expected (true, false and text are not numbers)"


@pytest.mark.parametrize(("old", "new", "field"), [
    ("{notice: 2,", "{notice: true,", "timescale.notice"),
    ("{notice: 2,", "{notice: '2',", "timescale.notice"),
    ("signoff: 1,", "signoff: 1.0,", "timescale.signoff"),
    ("late_grace_days: 3", "late_grace_days: yes", "late_grace_days"),
    ("retention_days: 90", "retention_days: \"90\"", "retention_days"),
])
def test_a_boolean_or_text_is_not_a_number(tmp_path: Path, old: str, new: str, field: str) -> None:
    assert problems_of(tmp_path, edited((old, new))) == {field: NOT_A_NUMBER}


BAD_REF = "a letter first, then letters, digits and single dashes (up to 40), such as MATA-2027-01"


@pytest.mark.parametrize("ref", ["'---'", "-MATA-1", "MATA-1-", "MATA--1", "2026-MATA", "MATA_1", "'MATA 1'"])
def test_a_ref_starts_with_a_letter_and_has_single_dashes(tmp_path: Path, ref: str) -> None:
    assert problems_of(tmp_path, edited(("ref: MATA-2026-01", f"ref: {ref}"))) == {"ref": BAD_REF}


def test_a_ref_is_at_most_forty_characters(tmp_path: Path) -> None:
    path = tmp_path / "forty.yaml"
    path.write_text(edited(("ref: MATA-2026-01", "ref: M" + "-1" * 19 + "9")))
    assert load_definition(path).dag_id == "maa_m" + "_1" * 19 + "9"
    assert problems_of(tmp_path, edited(("ref: MATA-2026-01", "ref: M" + "-1" * 20))) == {
        "ref": "String should have at most 40 characters"}


@pytest.mark.parametrize(("ref", "dag_id"), [("action-tracker", "maa_action_tracker"), ("Retention", "maa_retention")])
def test_a_ref_cannot_take_a_programme_dags_id(tmp_path: Path, ref: str, dag_id: str) -> None:
    assert problems_of(tmp_path, edited(("ref: MATA-2026-01", f"ref: {ref}"))) == {
        "ref": f"{ref} would take the DAG id {dag_id}, which a programme DAG has"}


def test_the_programme_dag_ids_are_the_ones_the_pipeline_uses() -> None:
    from maa.audit.definitions import PROGRAMME_DAG_IDS
    from maa.pipeline import retention_dag, tracker_dag

    assert {retention_dag.DAG_ID, tracker_dag.DAG_ID} == PROGRAMME_DAG_IDS


@pytest.mark.parametrize(("text", "problems"), [
    (SAMPLE + "domains: &d [Voice of the child]\nareas: *d\n",
     {"line 26": "aliases (*name) are not allowed in a definition: write the value out"}),
    ("laughs: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"l{n}: &l{n} [{', '.join([f'*{previous}'] * 10)}]\n" for n, previous in enumerate(["a", *[f"l{n}" for n in
                                                                                               range(8)]])),
     {"line 2": "aliases (*name) are not allowed in a definition: write the value out"}),
    (edited(("{notice: 2,", "{notice: !!int abc,")), {"line 21": "YAML tags (tag:yaml.org,2002:int) are not allowed "
                                                                 "in a definition"}),
    (edited(("late_grace_days: 3", "late_grace_days: !!bool maybe")),
     {"line 23": "YAML tags (tag:yaml.org,2002:bool) are not allowed in a definition"}),
    (edited(("start: 2026-06-01", "start: !!timestamp 2027-02-30")),
     {"line 8": "YAML tags (tag:yaml.org,2002:timestamp) are not allowed in a definition"}),
    (edited(("{notice: 2,", "{notice: 0x_,")), {"(file)": "not valid YAML: a number that cannot be read"}),
], ids=["an alias", "a billion laughs", "an int tag", "a bool tag", "a timestamp tag", "a number with no digits"])
def test_what_the_yaml_constructor_would_trip_on_is_refused_first(tmp_path: Path, text: str, problems: dict) -> None:
    assert problems_of(tmp_path, text) == problems


# One bad file hides nothing ---------------------------------------------------------------------------------

HOSTILE_FILES = {
    "a-year-9999.yaml": edited(("ref: MATA-2026-01", "ref: MATA-9999-01"), ("start: 2026-06-01", "start: 9999-12-01")),
    "b-brackets.yaml": "[" * 25 + "]" * 25,  # sixty thousand would crash this process before the fix
    "c-twice.yaml": edited(("ref: MATA-2026-01", "ref: MATA-2026-03"), ("type: MATA", "type: MATA\ntype: MACA")),
    "d-not-utf8.yaml": "ref: MATA-2026-04\ntitle: caf\xe9\n",
}


def test_load_all_keeps_every_good_definition_beside_hostile_files(folders: AuditFolders) -> None:
    good = folders.write_definition()
    for name, text in HOSTILE_FILES.items():
        (folders.audits / name).write_bytes(text.encode("cp1252"))
    loaded = load_all()
    assert list(loaded.definitions) == [good]
    assert {path.name: dict(error.problems) for path, error in loaded.errors.items()} == {
        "a-year-9999.yaml": {"start": "9999-12-01 is outside the years a definition may use (2000 to 2100)"},
        "b-brackets.yaml": {"line 1": "nested more than 20 levels deep"},
        "c-twice.yaml": {"line 6": "'type' is given twice in the same mapping (first on line 5)"},
        "d-not-utf8.yaml": {"line 2": "not UTF-8 text: save the file as UTF-8"},
    }
