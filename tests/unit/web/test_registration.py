"""The registration form: blanks left to the type's defaults, and a definition's problems mapped back to the
field and line where they were typed."""

from __future__ import annotations

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
