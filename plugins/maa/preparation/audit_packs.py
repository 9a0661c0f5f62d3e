"""Each agency's audit pack (the only PDF that names children, OFFICIAL-SENSITIVE) and pre-filled return
workbook, built and sent once to its coordinator.
"""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

from maa import config
from maa.audit.definitions import Agency, AuditDefinition
from maa.outputs import rendering
from maa.outputs.mailer import OFFICIAL_SENSITIVE, Email, Mailer
from maa.outputs.store import Store
from maa.paa.areas import AreaOne, area_one, questions
from maa.preparation.case_list import accepted_nominations
from maa.preparation.nominations import Nominee, read_accepted
from maa.preparation.notice import template_context
from maa.preparation.return_template import write_return_template

log = logging.getLogger(__name__)


def pack_paths(definition: AuditDefinition, code: str) -> tuple[Path, Path]:
    folder = config.audit_output(definition.ref)
    return folder / f"audit-pack-{code}.pdf", folder / f"return-template-{code}.xlsx"


def build_audit_packs(definition: AuditDefinition, store: Store, today: date, rehearsal: bool = False) -> list[str]:
    """Each agency's pack (PDF) and pre-filled return workbook; returns the agency codes."""
    nominees = []
    if definition.has_cases:
        archived = accepted_nominations(store, definition.ref)
        if archived is None:
            raise RuntimeError(f"{definition.ref}: no accepted nominations in the store")
        nominees = read_accepted(archived)
    case_refs = [n.case_ref for n in nominees]
    outputs = area_one(definition, store, today)  # a PAA's area 1, from the programme's records
    for agency in definition.agencies:
        pdf, workbook = pack_paths(definition, agency.code)
        rendering.html_to_pdf(pack_html(definition, agency, nominees, today, rehearsal, outputs), pdf)
        write_return_template(definition, agency.code, case_refs, workbook, outputs)
    return [a.code for a in definition.agencies]


def pack_html(definition: AuditDefinition, agency: Agency, nominees: list[Nominee], today: date, rehearsal: bool,
              outputs: AreaOne | None) -> str:
    """One agency's pack as HTML: the audit, its cases (the only report naming children) and, for a PAA, each
    area's questions and area 1's records."""
    return rendering.render("reports/audit_pack.html", **template_context(definition), agency=agency,
                            nominees=nominees, marking=OFFICIAL_SENSITIVE, generated_on=today, rehearsal=rehearsal,
                            deadline=definition.submission_deadline_for(agency.code), area_one=outputs,
                            area_questions=questions)


def send_audit_packs(definition: AuditDefinition, mailer: Mailer) -> int:
    sent = 0
    for agency in definition.agencies:
        pdf, workbook = pack_paths(definition, agency.code)
        body = rendering.render("email/audit_pack.txt", **template_context(definition), agency=agency,
                              deadline=definition.submission_deadline_for(agency.code))
        sent += mailer.send(Email(
            ref=definition.ref, kind="audit_pack", recipient=agency.coordinator.email,
            what=f"Audit pack and return workbook for {agency.name}", body=body,
            marking=OFFICIAL_SENSITIVE, attachments=(pdf, workbook), reply_to=definition.business_unit.email,
        ))
    return sent
