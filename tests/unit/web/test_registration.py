"""The registration form: blanks left to the type's defaults, and a definition's problems mapped back to the
field and line where they were typed."""

from __future__ import annotations

import pytest

from maa.web.registration import Registration, definition_from, register
from tests.helpers.definitions import AuditFolders


def test_the_form_leaves_blanks_to_the_types_defaults_and_names_a_bad_agency_line() -> None:
    registration = Registration({"ref": "MATA-2027-09", "type": "MATA", "agency_audit": "6", "notice": "",
                                 "agencies": "CSC | Children's Social Care | Amira Shah | amira@csc.example.org\n\n"
                                             "POL | Police | Ben Okafor"})
    data = definition_from(registration)
    assert data["timescale"] == {"agency_audit": 6}
    assert [a["code"] for a in data["agencies"]] == ["CSC"]
    assert registration.problems == {"agencies": [
        "line 3: one agency a line: CODE | Agency name | Coordinator's name | coordinator's email"]}


def test_a_refused_form_names_the_line_and_the_field_where_it_was_typed(folders: AuditFolders) -> None:
    registration = Registration({
        "ref": "PAA-2027-01", "type": "PAA", "title": "Partnership arrangements", "start": "2027-01-04",
        "chair_name": "Robin Vale", "chair_email": "robin.vale@example.org", "business_unit": "bu@example.org",
        "qiip": "qiip@example.org", "notice": "²", "period_from": "2027-04-01", "period_to": "2026-04-01",
        "agencies": "CSC | Children's Social Care | Amira Shah | amira@csc.example.org\n\n"
                    "POL | Police | Ben Okafor | not-an-address"})

    assert register(registration, "business-unit", folders.audits) is None
    assert registration.problems["notice"] == ["'²' is not a whole number"]
    assert registration.problems["agencies"] == ["line 3: coordinator email: not a valid email address"]
    assert "period_from" in registration.problems or "period_to" in registration.problems
    assert list(folders.audits.iterdir()) == [], "nothing written, no partial file left"


def _form(**changes: str) -> Registration:
    values = {"ref": "MACA-2027-02", "type": "MACA", "title": "Child exploitation", "theme": "Exploitation",
              "start": "2027-01-04", "chair_name": "Robin Vale", "chair_email": "robin.vale@example.org",
              "business_unit": "bu@example.org", "qiip": "qiip@example.org", "nominating_agency": "CSC",
              "agencies": "CSC | Children's Social Care | Amira Shah | amira@csc.example.org\n"
                          "POL | Police | Ben Okafor | ben.okafor@police.example.org"}
    return Registration(values | changes)


@pytest.mark.parametrize(("changes", "problems"), [
    ({"start": "9999-12-01"}, {"start": ["9999-12-01 is outside the years a definition may use (2000 to 2100)"]}),
    ({"start": "2027-02-30"}, {"start": ["2027-02-30 is not a real date"]}),
    ({"ref": "---"}, {"ref": ["a letter first, then letters, digits and single dashes (up to 40), such as "
                              "MATA-2027-01"]}),
], ids=["year 9999", "30 February", "dashes"])
def test_the_form_names_the_field_of_a_date_or_ref_it_cannot_use(folders: AuditFolders, changes: dict,
                                                                  problems: dict) -> None:
    registration = _form(**changes)
    assert register(registration, "business-unit", folders.audits) is None
    assert registration.problems == problems
    assert list(folders.audits.iterdir()) == []


def test_a_broken_definition_in_the_folder_does_not_stop_a_registration(folders: AuditFolders) -> None:
    (folders.audits / "brackets.yaml").write_text("[" * 25 + "]" * 25)
    folders.write_definition({"ref": "MATA-9999-01", "start": "9999-12-01"}, name="year-9999.yaml")
    registration = _form()
    assert register(registration, "business-unit", folders.audits) == folders.audits / "MACA-2027-02.yaml"
    assert registration.problems == {}


def test_every_problem_comes_in_one_pass_named_by_its_label_even_beside_a_ref_already_used(
        folders: AuditFolders) -> None:
    folders.write_definition({"ref": "MATA-2027-04"})
    registration = _form(ref="MATA-2027-04", type="MATA", theme="", notice="3", agency_audit="6")

    assert register(registration, "business-unit", folders.audits) is None
    assert registration.listed() == [
        ("ref", "Reference", ["MATA-2027-04 is already used by MATA-2027-04.yaml"]),
        ("theme", "Theme", ["required for a MATA"]),
        ("notice", "Notice (weeks)", ["the notice and the agencies' audit together is 9 weeks; the 2023 procedure "
                                      "allows no more than 8, whatever the reason"]),
    ]


def test_a_paa_is_not_refused_for_the_nominating_agency_the_form_started_with(folders: AuditFolders) -> None:
    registration = _form(ref="PAA-2027-02", type="PAA", theme="", nominating_agency="CSC",
                         period_from="2026-04-01", period_to="2027-03-31")
    assert register(registration, "business-unit", folders.audits) == folders.audits / "PAA-2027-02.yaml"
    assert "nominating_agency" not in definition_from(registration)
