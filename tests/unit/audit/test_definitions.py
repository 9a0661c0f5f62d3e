"""Audit definitions (PRODUCT.md "Audit definition"): every field, the bounds, and errors naming file and field."""

from __future__ import annotations

import copy
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from maa.audit.definitions import DEFAULT_AREAS, DEFAULT_DOMAINS, DefinitionError, dag_id_for, load_all, load_definition
from tests.helpers.definitions import AuditFolders, assert_refused, problems, sample_definition

MATA_DEFAULTS = dict(notice=2, agency_audit=5, review=2, chair_report=2, signoff=1, impact_review_months=6)
MACA_DEFAULTS = dict(notice=1, agency_audit=2, review=1, chair_report=2, signoff=1, impact_review_months=6)
PERIOD = {"from": date(2026, 4, 1), "to": date(2027, 3, 31)}

FULL_MATA = """\
ref: MATA-2027-01
type: MATA
title: "Neglect: children subject to a child protection plan"
theme: Neglect
start: 2027-01-04
status: paused
chair: {name: "Jordan Ellery", email: "chair@example.org"}
business_unit: {email: "bu@example.org"}
concerns_to: {email: "mash@example.org"}
qiip: {emails: ["qiip.one@example.org", "qiip.two@example.org"]}
nominating_agency: CSC
agencies:
  - {code: CSC, name: "Children's Social Care", coordinator: {name: "Amira Shah", email: "amira@example.org"}}
  - {code: POL, name: "Police", coordinator: {name: "Ben Okafor", email: "ben@example.org"}}
domains: ["Voice of the child", "Information sharing"]
timescale: {notice: 2, agency_audit: 5, review: 2, chair_report: 2, signoff: 1, impact_review_months: 6}
timescale_reason: "Partners asked for the usual timescale"
extensions: {POL: 2027-03-05}
late_grace_days: 5
retention_days: 120
"""

FULL_PAA = """\
ref: PAA-2027-01
type: PAA
title: "Partnership arrangements 2026 to 2027"
start: 2027-04-05
chair: {name: "Jordan Ellery", email: "chair@example.org"}
business_unit: {email: "bu@example.org"}
qiip: {emails: ["qiip.one@example.org"]}
agencies:
  - {code: CSC, name: "Children's Social Care", coordinator: {name: "Amira Shah", email: "amira@example.org"}}
  - {code: POL, name: "Police", coordinator: {name: "Ben Okafor", email: "ben@example.org"}}
areas: ["Escalation process", "Data", "Early help"]
period: {from: 2026-04-01, to: 2027-03-31}
"""


def write(folders: AuditFolders, changes: dict[str, Any] | None = None, remove: tuple[str, ...] = (),
          name: str | None = None) -> Path:
    return folders.write_definition(changes, name=name, remove=remove)


def paa_changes(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"type": "PAA", "period": PERIOD, **(extra or {})}


# Every field ----------------------------------------------------------------------------------

def test_every_field_of_a_mata_definition(tmp_path: Path) -> None:
    path = tmp_path / "MATA-2027-01.yaml"
    path.write_text(FULL_MATA)
    definition = load_definition(path)
    assert definition.ref == "MATA-2027-01"
    assert definition.type == "MATA"
    assert definition.title == "Neglect: children subject to a child protection plan"
    assert definition.theme == "Neglect"
    assert definition.start == date(2027, 1, 4)
    assert definition.status == "paused"
    assert (definition.chair.name, definition.chair.email) == ("Jordan Ellery", "chair@example.org")
    assert definition.business_unit.email == "bu@example.org"
    assert definition.concerns_email == "mash@example.org"
    assert definition.qiip.emails == ["qiip.one@example.org", "qiip.two@example.org"]
    assert definition.nominating_agency == "CSC"
    assert definition.nominator.name == "Children's Social Care"
    with pytest.raises(ValueError, match="^MATA-2027-01 is a MATA: it audits no period$"):
        definition.audited_period  # noqa: B018
    assert [(a.code, a.name, a.coordinator.name, a.coordinator.email) for a in definition.agencies] == [
        ("CSC", "Children's Social Care", "Amira Shah", "amira@example.org"),
        ("POL", "Police", "Ben Okafor", "ben@example.org"),
    ]
    assert definition.domains == ["Voice of the child", "Information sharing"]
    assert definition.review_units == ["Voice of the child", "Information sharing"]
    assert definition.timescale.model_dump() == MATA_DEFAULTS
    assert definition.timescale_reason == "Partners asked for the usual timescale"
    assert definition.extensions == {"POL": date(2027, 3, 5)}
    assert definition.submission_deadline_for("POL") == date(2027, 3, 5)
    assert definition.submission_deadline_for("CSC") == definition.timetable["submission_deadline"]
    assert definition.late_grace_days == 5
    assert definition.retention_days == 120
    assert definition.dag_id == "maa_mata_2027_01"


def test_every_field_of_a_paa_definition(tmp_path: Path) -> None:
    path = tmp_path / "PAA-2027-01.yaml"
    path.write_text(FULL_PAA)
    definition = load_definition(path)
    assert definition.type == "PAA"
    assert definition.nominating_agency is None
    assert (definition.period.from_, definition.period.to) == (date(2026, 4, 1), date(2027, 3, 31))
    assert definition.audited_period == definition.period
    with pytest.raises(ValueError, match="^PAA-2027-01 is a PAA: it has no nominating agency$"):
        definition.nominator  # noqa: B018
    assert definition.review_units == ["Escalation process", "Data", "Early help"]
    assert definition.timescale.model_dump() == MATA_DEFAULTS


def test_optional_fields_take_their_documented_defaults(folders: AuditFolders) -> None:
    definition = load_definition(write(folders, remove=("status", "concerns_to", "domains", "extensions",
                                                        "late_grace_days", "retention_days", "timescale_reason")))
    assert definition.status == "active"
    assert definition.concerns_email == definition.business_unit.email == "business.unit@example.org"
    assert tuple(definition.domains) == DEFAULT_DOMAINS == (
        "Recognition of need and risk", "Information sharing", "Assessment and planning", "Voice of the child",
        "Multi-agency working", "Impact and outcomes for the child")
    assert definition.extensions == {}
    assert definition.late_grace_days == 3
    assert definition.retention_days == 90
    assert definition.timescale_reason is None


@pytest.mark.parametrize("status", ["active", "paused", "withdrawn"])
def test_each_status_is_accepted(folders: AuditFolders, status: str) -> None:
    assert load_definition(write(folders, {"status": status})).status == status


@pytest.mark.parametrize(("changes", "remove", "field"), [
    ({"ref": "MATA 2027 01"}, (), "ref"),
    ({"ref": "MATA_2027_01"}, (), "ref"),
    ({"ref": "MATA/2027/01"}, (), "ref"),
    ({"type": "SCR"}, (), "type"),
    ({"status": "closed"}, (), "status"),
    ({"start": "next Monday"}, (), "start"),
    ({}, ("start",), "start"),
    ({}, ("title",), "title"),
    ({"title": ""}, (), "title"),
    ({}, ("chair",), "chair"),
    ({}, ("qiip",), "qiip"),
    ({"qiip": {"emails": []}}, (), "qiip.emails"),
    ({"agencies": sample_definition()["agencies"][:1]}, (), "agencies"),
    ({"late_grace_days": -1}, (), "late_grace_days"),
    ({"retention_days": 0}, (), "retention_days"),
], ids=lambda value: str(value)[:40])
def test_a_missing_or_malformed_field_is_named(folders: AuditFolders, changes: dict, remove: tuple,
                                               field: str) -> None:
    assert_refused(write(folders, changes, remove, name="audit.yaml"), field)


# Timescales -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("audit_type", "defaults"), [("MATA", MATA_DEFAULTS), ("MACA", MACA_DEFAULTS),
                                                      ("PAA", MATA_DEFAULTS)])
def test_no_timescale_takes_the_type_defaults(folders: AuditFolders, audit_type: str, defaults: dict) -> None:
    changes = paa_changes() if audit_type == "PAA" else {"type": audit_type}
    remove = ("timescale", "nominating_agency") if audit_type == "PAA" else ("timescale",)
    assert load_definition(write(folders, changes, remove)).timescale.model_dump() == defaults


@pytest.mark.parametrize(("audit_type", "given", "expected"), [
    ("MATA", {"agency_audit": 4}, {**MATA_DEFAULTS, "agency_audit": 4}),
    ("MATA", {"signoff": 2, "impact_review_months": 9}, {**MATA_DEFAULTS, "signoff": 2, "impact_review_months": 9}),
    ("MACA", {"notice": 2}, {**MACA_DEFAULTS, "notice": 2}),
    ("MACA", {"chair_report": 3, "review": 1}, {**MACA_DEFAULTS, "chair_report": 3}),
    ("PAA", {"review": 3, "chair_report": 1}, {**MATA_DEFAULTS, "review": 3, "chair_report": 1}),
])
def test_a_partial_timescale_is_merged_with_the_type_defaults(folders: AuditFolders, audit_type: str,
                                                              given: dict, expected: dict) -> None:
    changes = paa_changes({"timescale": given}) if audit_type == "PAA" else {"type": audit_type, "timescale": given}
    remove = ("nominating_agency",) if audit_type == "PAA" else ()
    assert load_definition(write(folders, changes, remove)).timescale.model_dump() == expected


OUT_OF_BOUNDS = [
    pytest.param({"notice": 0, "agency_audit": 0}, "timescale", id="notice+agency_audit=0"),
    pytest.param({"review": 0}, "timescale.review", id="review=0"),
    pytest.param({"review": 1, "chair_report": 0}, "timescale.chair_report", id="after-meeting=0"),
    pytest.param({"review": 2, "chair_report": 3}, "timescale.chair_report", id="after-meeting=4"),
    pytest.param({"review": 4, "chair_report": 1}, "timescale", id="after-meeting=4-long-review"),
    pytest.param({"signoff": 0}, "timescale.signoff", id="signoff=0"),
    pytest.param({"signoff": 5}, "timescale.signoff", id="signoff=5"),
    pytest.param({"impact_review_months": 5}, "timescale.impact_review_months", id="impact=5"),
    pytest.param({"impact_review_months": 13}, "timescale.impact_review_months", id="impact=13"),
]


@pytest.mark.parametrize(("stages", "field"), OUT_OF_BOUNDS)
def test_a_stage_out_of_bounds_is_an_error_naming_the_field(folders: AuditFolders, stages: dict,
                                                            field: str) -> None:
    found = problems(write(folders, {"timescale": {**MATA_DEFAULTS, **stages}}, remove=("timescale_reason",)))
    assert any(name == field or name.startswith(field + ".") for name in found), found


@pytest.mark.parametrize(("stages", "field"), OUT_OF_BOUNDS)
def test_a_timescale_reason_allows_a_stage_out_of_bounds(folders: AuditFolders, stages: dict, field: str) -> None:
    reason = "Partners mandated a compressed audit after the inspection"
    definition = load_definition(write(folders, {"timescale": {**MATA_DEFAULTS, **stages},
                                                 "timescale_reason": reason}))
    assert definition.timescale_reason == reason
    assert definition.timescale.model_dump() == {**MATA_DEFAULTS, **stages}


@pytest.mark.parametrize("stages", [
    pytest.param({"notice": 0, "agency_audit": 1}, id="notice+agency_audit=1"),
    pytest.param({"notice": 3, "agency_audit": 5}, id="notice+agency_audit=8"),
    pytest.param({"review": 1, "chair_report": 1}, id="review=1,after-meeting=1"),
    pytest.param({"review": 1, "chair_report": 3}, id="after-meeting=3"),
    pytest.param({"review": 3, "chair_report": 1}, id="review=3,after-meeting=3"),
    pytest.param({"signoff": 1}, id="signoff=1"),
    pytest.param({"signoff": 4}, id="signoff=4"),
    pytest.param({"impact_review_months": 6}, id="impact=6"),
    pytest.param({"impact_review_months": 12}, id="impact=12"),
])
def test_stages_on_their_bounds_need_no_reason(folders: AuditFolders, stages: dict) -> None:
    definition = load_definition(write(folders, {"timescale": {**MATA_DEFAULTS, **stages}, "extensions": {}},
                                       remove=("timescale_reason",)))
    assert definition.timescale.model_dump() == {**MATA_DEFAULTS, **stages}


@pytest.mark.parametrize("reason", [None, "Partners mandated a longer audit"])
@pytest.mark.parametrize("stages", [{"notice": 3, "agency_audit": 6}, {"notice": 0, "agency_audit": 9},
                                    {"notice": 4, "agency_audit": 5}])
def test_the_eight_week_limit_holds_whatever_the_reason(folders: AuditFolders, stages: dict,
                                                        reason: str | None) -> None:
    changes: dict[str, Any] = {"timescale": {**MATA_DEFAULTS, **stages}}
    if reason:
        changes["timescale_reason"] = reason
    found = problems(write(folders, changes))
    limit = {name: problem for name, problem in found.items() if name.startswith("timescale")}
    assert limit, found
    assert any("8" in problem for problem in limit.values()), limit


# Rules by audit type --------------------------------------------------------------------------

def test_a_mata_needs_a_theme(folders: AuditFolders) -> None:
    assert_refused(write(folders, remove=("theme",)), "theme", "MATA")


def test_a_maca_needs_no_theme(folders: AuditFolders) -> None:
    assert load_definition(write(folders, {"type": "MACA"}, remove=("theme",))).theme is None


def test_a_maca_needs_a_nominating_agency(folders: AuditFolders) -> None:
    assert_refused(write(folders, {"type": "MACA"}, remove=("nominating_agency",)), "nominating_agency")


def test_a_mata_without_a_nominating_agency_needs_its_methods(folders: AuditFolders) -> None:
    assert_refused(write(folders, remove=("nominating_agency",)), "methods", "required")
    thematic = load_definition(write(folders, {"methods": ["focus groups", "policy review"]},
                                     remove=("nominating_agency",)))
    assert thematic.methods == ["focus groups", "policy review"] and not thematic.has_cases
    assert load_definition(write(folders)).has_cases


@pytest.mark.parametrize("audit_type", ["MACA", "PAA"])
def test_only_a_mata_lists_methods(folders: AuditFolders, audit_type: str) -> None:
    changes = paa_changes({"methods": ["focus groups"]}) if audit_type == "PAA" else {
        "type": audit_type, "methods": ["focus groups"]}
    remove = ("nominating_agency",) if audit_type == "PAA" else ()
    assert_refused(write(folders, changes, remove=remove), "methods", "only a MATA")


@pytest.mark.parametrize("audit_type", ["MACA", "MATA"])
def test_the_nominating_agency_must_be_one_of_the_agencies(folders: AuditFolders, audit_type: str) -> None:
    assert_refused(write(folders, {"type": audit_type, "nominating_agency": "LA"}), "nominating_agency", "LA")


def test_a_paa_needs_a_period(folders: AuditFolders) -> None:
    assert_refused(write(folders, {"type": "PAA"}, remove=("nominating_agency",)), "period")


def test_a_paa_period_ends_after_it_begins(folders: AuditFolders) -> None:
    changes = paa_changes({"period": {"from": date(2027, 3, 31), "to": date(2026, 4, 1)}})
    assert_refused(write(folders, changes, remove=("nominating_agency",)), "period")


def test_a_paa_has_no_nominating_agency(folders: AuditFolders) -> None:
    assert_refused(write(folders, paa_changes()), "nominating_agency")


def test_a_paa_has_the_procedures_ten_areas_by_default(folders: AuditFolders) -> None:
    definition = load_definition(write(folders, paa_changes(), remove=("nominating_agency",)))
    assert definition.areas is None
    assert definition.review_units == list(DEFAULT_AREAS)
    assert len(DEFAULT_AREAS) == 10
    joined = " | ".join(DEFAULT_AREAS).lower()
    for words in ("audit", "sin decision", "safeguarding reviews", "subgroups", "section 11", "section 175",
                  "escalation", "single agency", "training", "data"):
        assert words in joined, words


def test_a_paa_may_list_more_areas(folders: AuditFolders) -> None:
    areas = [*DEFAULT_AREAS, "Early help"]
    definition = load_definition(write(folders, paa_changes({"areas": areas}), remove=("nominating_agency",)))
    assert definition.review_units == areas


# Agencies, extensions, emails -----------------------------------------------------------------

def test_agency_codes_are_unique(folders: AuditFolders) -> None:
    agencies = sample_definition()["agencies"]
    twin = {**copy.deepcopy(agencies[1]), "name": "Police (second entry)"}
    assert_refused(write(folders, {"agencies": [*agencies, twin]}), "agencies", "POL")


def test_an_extension_for_an_unknown_agency(folders: AuditFolders) -> None:
    assert_refused(write(folders, {"extensions": {"FIRE": date(2026, 7, 24)}}), "extensions.FIRE")


def test_an_extension_before_the_deadline(folders: AuditFolders) -> None:
    # The sample's submission deadline is Mon 20 Jul 2026 (start 1 Jun 2026 + 7 weeks).
    message = assert_refused(write(folders, {"extensions": {"POL": date(2026, 7, 17)}}), "extensions.POL")
    assert "2026-07-17" in message and "2026-07-20" in message


def test_an_extension_on_or_after_the_deadline_moves_only_that_agency(folders: AuditFolders) -> None:
    definition = load_definition(write(folders, {"extensions": {"POL": date(2026, 7, 20),
                                                                "PROB": date(2026, 7, 31)}}))
    assert definition.submission_deadline_for("POL") == date(2026, 7, 20)
    assert definition.submission_deadline_for("PROB") == date(2026, 7, 31)
    assert definition.submission_deadline_for("CSC") == date(2026, 7, 20)


def _with_bad_coordinator_email() -> dict[str, Any]:
    agencies = sample_definition()["agencies"]
    agencies[2] = {**agencies[2], "coordinator": {"name": "Carys Lewis", "email": "carys.lewis at icb"}}
    return {"agencies": agencies}


@pytest.mark.parametrize(("changes", "field"), [
    ({"chair": {"name": "Jordan Ellery", "email": "chair.example.org"}}, "chair.email"),
    ({"business_unit": {"email": "bu@"}}, "business_unit.email"),
    ({"concerns_to": {"email": "mash team@example.org"}}, "concerns_to.email"),
    ({"qiip": {"emails": ["qiip@example.org", "qiip@example"]}}, "qiip.emails.1"),
    (_with_bad_coordinator_email(), "agencies.2.coordinator.email"),
], ids=["chair", "business_unit", "concerns_to", "qiip", "coordinator"])
def test_a_bad_email_is_named(folders: AuditFolders, changes: dict, field: str) -> None:
    assert_refused(write(folders, changes), field, "email")


@pytest.mark.parametrize(("changes", "field"), [
    ({"timescales": MATA_DEFAULTS}, "timescales"),
    ({"extension": {"POL": date(2026, 7, 24)}}, "extension"),
    ({"chair": {"name": "Jordan Ellery", "email": "chair@example.org", "phone": "01452 000000"}}, "chair.phone"),
    ({"timescale": {**MATA_DEFAULTS, "signof": 1}}, "timescale.signof"),
])
def test_a_misspelt_field_is_named(folders: AuditFolders, changes: dict, field: str) -> None:
    assert_refused(write(folders, changes), field, "misspelt")


# YAML and files -------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "line"), [
    ("ref: MATA-2027-01\ntype: MATA\ntitle: Neglect\n  theme: Neglect\nstart: 2027-01-04\n", 4),
    ("ref: MATA-2027-01\ntype: MATA\nagencies: [CSC, POL\nstart: 2027-01-04\nchair: x\n", 4),
    ("ref: MATA-2027-01\n\ttype: MATA\n", 2),
])
def test_invalid_yaml_reports_the_line(tmp_path: Path, text: str, line: int) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(text)
    with pytest.raises(DefinitionError) as raised:
        load_definition(path)
    described = raised.value.describe()
    assert str(path) in described
    assert f"line {line}" in described
    assert "Traceback" not in described


@pytest.mark.parametrize("text", ["", "just a sentence\n", "- a\n- list\n"])
def test_a_file_that_is_not_a_mapping_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "odd.yaml"
    path.write_text(text)
    with pytest.raises(DefinitionError) as raised:
        load_definition(path)
    assert str(path) in raised.value.describe()


def test_several_problems_in_one_file_are_all_reported(folders: AuditFolders) -> None:
    found = problems(write(folders, {"chair": {"name": "Jordan Ellery", "email": "nope"}, "status": "closed",
                                     "timescle": {}}))
    assert {"chair.email", "status", "timescle"} <= set(found)


ALL_AT_ONCE = {"ref": "MATA 2027 01", "timescale": {**MATA_DEFAULTS, "signoff": 9},
               "extensions": {"FIRE": "2026-08-01", "POL": "2026-07-01"}}


def test_the_rules_across_fields_run_even_when_another_field_is_invalid(folders: AuditFolders) -> None:
    """One pass shows everything: a bad ref hides neither the theme, the timescale nor the extensions."""
    assert problems(write(folders, ALL_AT_ONCE, remove=("theme",))) == {
        "ref": "a letter first, then letters, digits and single dashes (up to 40), such as MATA-2027-01",
        "theme": "required for a MATA",
        "timescale.signoff": "9 weeks; the bound is 1 to 4 (give timescale_reason if partners mandated it)",
        "extensions.FIRE": "not one of the agencies",
        "extensions.POL": "2026-07-01 is before the submission deadline 2026-07-20",
    }


def test_a_paas_rules_run_beside_a_bad_email(folders: AuditFolders) -> None:
    assert problems(write(folders, {"type": "PAA", "chair": {"name": "Jordan Ellery", "email": "nope"},
                                    "areas": ["Data", "data"]})) == {
        "chair.email": "not a valid email address",
        "nominating_agency": "a PAA has no cases to nominate",
        "areas": "listed twice: Data, data",
        "period": "required for a PAA: the period audited",
    }


def test_the_nominating_agency_is_looked_for_among_the_agencies_once_they_are_valid(folders: AuditFolders) -> None:
    agencies = sample_definition()["agencies"]
    assert problems(write(folders, {"nominating_agency": "FIRE", "agencies": [
        {**agencies[0], "name": ""}, *agencies[1:]]})) == {
        "agencies.0.name": "String should have at least 1 character",
    }
    assert problems(write(folders, {"nominating_agency": "FIRE", "status": "closed"})) == {
        "status": "Input should be 'active', 'paused' or 'withdrawn'",
        "nominating_agency": "'FIRE' is not one of the agencies",
    }


def test_load_all_keeps_each_error_against_its_own_file(folders: AuditFolders) -> None:
    good = write(folders, name="a-good.yaml")
    no_theme = write(folders, {"ref": "MATA-2027-02"}, remove=("theme",), name="b-no-theme.yaml")
    broken = folders.audits / "c-broken.yaml"
    broken.write_text("ref: MATA-2027-03\ntitle: Neglect\n  theme: Neglect\n")
    other = write(folders, {"ref": "MACA-2027-01", "type": "MACA"}, name="d-maca.yaml")
    bad_email = write(folders, {"ref": "MATA-2027-04", "business_unit": {"email": "x"}}, name="e-email.yaml")

    loaded = load_all()
    assert set(loaded.definitions) == {good, other}
    assert set(loaded.errors) == {no_theme, broken, bad_email}
    for path, error in loaded.errors.items():
        assert error.path == path
        described = error.describe()
        assert str(path) in described
        assert not any(str(p) in described for p in loaded.errors if p != path)
    assert "theme" in loaded.errors[no_theme].describe()
    assert "line 3" in loaded.errors[broken].describe()
    assert "business_unit.email" in loaded.errors[bad_email].describe()


@pytest.mark.parametrize("given_order", ["sorted", "reversed"])
def test_two_refs_equal_ignoring_case_refuse_the_later_file_naming_both(folders: AuditFolders,
                                                                         given_order: str) -> None:
    first = write(folders, {"ref": "MATA-2027-01"}, name="a.yaml")
    second = write(folders, {"ref": "mata-2027-01"}, name="b.yaml")
    paths = [first, second] if given_order == "sorted" else [second, first]
    loaded = load_all(paths)
    assert list(loaded.definitions) == [first]
    assert list(loaded.errors) == [second]
    described = loaded.errors[second].describe()
    assert str(first) in described and str(second) in described
    assert dict(loaded.errors[second].problems).keys() == {"ref"}


@pytest.mark.parametrize(("ref", "dag_id"), [
    ("MATA-2027-01", "maa_mata_2027_01"),
    ("MACA-2026-3", "maa_maca_2026_3"),
    ("paa-2027", "maa_paa_2027"),
    ("PAA2027", "maa_paa2027"),
    ("Mata-X-1", "maa_mata_x_1"),
])
def test_the_dag_id_is_maa_and_the_ref_lower_cased_with_underscores(folders: AuditFolders, ref: str,
                                                                    dag_id: str) -> None:
    assert dag_id_for(ref) == dag_id
    assert load_definition(write(folders, {"ref": ref})).dag_id == dag_id

