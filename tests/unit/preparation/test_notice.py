"""The notice of audit each coordinator receives: what it says about the Panel's decision and the audit."""

from __future__ import annotations

from maa.audit.definitions import AuditDefinition
from maa.outputs import rendering
from maa.preparation.notice import template_context
from tests.helpers.definitions import sample_definition

PANEL = {"approved_on": "2026-05-14", "minute": "Audit Panel 2026-05 item 4", "sources": ["SIN Decision Team"],
         "nominated": 5, "selected": 2, "not_selected": [{"count": 3, "reason": "outside the theme"}]}


def notice_text(definition: AuditDefinition) -> str:
    return rendering.render("email/notice.txt", **template_context(definition), agency=definition.agencies[1],
                            deadline=definition.timetable["submission_deadline"])


def test_the_notice_gives_the_panels_decision_in_counts_and_reasons() -> None:
    text = notice_text(AuditDefinition.model_validate(sample_definition({"panel": PANEL})))
    assert "- Approved by the Audit Panel on Thu 14 May 2026 (Audit Panel 2026-05 item 4)." in text
    assert "- Cases nominated by: SIN Decision Team." in text
    assert "- Cases nominated 5, selected 2." in text and "- Not selected: 3, outside the theme." in text


def test_a_notice_without_a_panel_block_says_nothing_of_one() -> None:
    assert "Audit Panel's decision" not in notice_text(AuditDefinition.model_validate(sample_definition()))


def test_the_notice_says_on_what_basis_information_is_shared_and_what_an_audit_is_not() -> None:
    text = " ".join(notice_text(AuditDefinition.model_validate(sample_definition())).split())
    assert "public task (UK GDPR Article 6(1)(e))" in text and "section 11 of the Children Act 2004" in text
    assert "not a forum for making decisions about a child's case or for settling disagreements between " \
           "professionals" in text
