"""What every audit pack and the email carrying it say, whatever the audit: the basis for sharing information."""

from __future__ import annotations

import pytest

from maa.audit.definitions import AuditDefinition
from maa.outputs import rendering
from maa.preparation.audit_packs import pack_html
from maa.preparation.notice import template_context
from tests.helpers.definitions import sample_definition
from tests.helpers.paa_data import paa_definition_changes

BASIS = ("public task (UK GDPR Article 6(1)(e))", "section 11 of the Children Act 2004",
         "not a forum for making decisions about a child's case or for settling disagreements between professionals")


def definitions() -> list[AuditDefinition]:
    changes, remove = paa_definition_changes()
    return [AuditDefinition.model_validate(sample_definition()),
            AuditDefinition.model_validate(sample_definition(changes, remove=remove))]


@pytest.mark.parametrize("template", ["reports/audit_pack.html", "email/audit_pack.txt"])
@pytest.mark.parametrize("definition", definitions(), ids=lambda d: d.type.value)
def test_the_pack_says_on_what_basis_information_is_shared(template: str, definition: AuditDefinition) -> None:
    agency = definition.agencies[0]
    if template.startswith("reports/"):
        rendered = pack_html(definition, agency, [], definition.start, rehearsal=False, outputs=None)
    else:
        rendered = rendering.render(template, **template_context(definition), agency=agency,
                                    deadline=definition.submission_deadline_for(agency.code))
    text = " ".join(rendered.replace("&#39;", "'").split())
    for words in BASIS:
        assert words in text, words
