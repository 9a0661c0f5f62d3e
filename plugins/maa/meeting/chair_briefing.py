"""The chair's briefing: every accepted return aggregated (each agency's summary, grade matrix, charts per
domain, learning by domain, recurring themes, who made no return) and the review findings register the
chair's actions cite. Case refs only.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from maa import config
from maa.audit.definitions import AuditDefinition
from maa.meeting.practitioner_pack import agency_returns, report_basics
from maa.meeting.registers import load_review_findings
from maa.outputs import rendering
from maa.outputs.charts import grade_bars
from maa.outputs.mailer import OFFICIAL, Email, Mailer
from maa.outputs.store import Store
from maa.paa import figures
from maa.preparation.return_template import GRADES
from maa.returns.receiving import NO_RETURN

log = logging.getLogger(__name__)



STOP_WORDS = frozenset("""about after again agency agencies there their these those which while where would could
should other being between every through within without before because family child children when were have
with from that this into than then them they what your more most some such only also case cases""".split())


def grade_matrix(definition: AuditDefinition, store: Store) -> dict[str, Any]:
    """Grades by (case or area, domain) and agency, distributions per domain, and learning by domain."""
    findings = store.findings(definition.ref)
    domains = [""] if definition.type == "PAA" else definition.domains
    if definition.has_cases:
        units = sorted({f["unit_ref"] for f in findings})
    else:  # a PAA's areas, or the one empty unit of a MATA without cases (each domain graded once)
        units = definition.review_units if definition.type == "PAA" else [""]
    grid: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    distribution: dict[str, Counter] = {d: Counter() for d in domains}
    for f in findings:
        grid[(f["unit_ref"], f["domain"])][f["agency_code"]] = f["grade"]
        distribution.setdefault(f["domain"], Counter())[f["grade"]] += 1
    learning = {domain: said["learning"] for domain, said in statements_by_domain(findings, ("learning",)).items()}
    return {"units": units, "domains": domains, "grid": grid, "distribution": distribution, "learning": learning}


def statements_by_domain(findings: list[dict[str, Any]], columns: tuple[str, ...]
                         ) -> dict[str, dict[str, list[tuple[str, str]]]]:
    """Each domain's statements in `columns`, every text once with where it came from ("CSC: C-01, C-02").

    Agencies often write the same sentence for several cases; said once, the chair reads it once.
    """
    said: dict[tuple[str, str, str], dict[str, list[str]]] = {}
    for f in findings:
        for column in (c for c in columns if f[c]):
            said.setdefault((f["domain"], column, f[column]), {}).setdefault(f["agency_code"], []).append(f["unit_ref"])
    result: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
    for (domain, column, text), by_agency in said.items():
        # An agency's refs, where the audit has cases or areas; a MATA without cases has none to name.
        where = "; ".join(f"{code}: {', '.join(units)}" if any(units) else code for code, units in by_agency.items())
        result[domain][column].append((text, where))
    return result


def recurring_themes(definition: AuditDefinition, store: Store, limit: int = 8) -> dict[str, Any]:
    """Domains most agencies found wanting, and words several agencies use about what worked less well."""
    findings = store.findings(definition.ref)
    weak: dict[str, set[str]] = defaultdict(set)
    words: dict[str, set[str]] = defaultdict(set)
    for f in findings:
        if f["grade"] in ("Requires improvement", "Inadequate"):
            weak[f["domain"] or f["unit_ref"]].add(f["agency_code"])
        for word in {w.lower() for w in _words(f["worked_less_well"] or "")}:
            words[word].add(f["agency_code"])
    concerning = sorted(((d, sorted(a)) for d, a in weak.items() if len(a) >= 2), key=lambda x: -len(x[1]))
    shared = sorted(((w, sorted(a)) for w, a in words.items() if len(a) >= 2), key=lambda x: (-len(x[1]), x[0]))
    return {"weak_domains": concerning, "shared_words": shared[:limit]}


def _words(text: str) -> list[str]:
    return [w for w in "".join(c if c.isalpha() else " " for c in text).split()
            if len(w) >= 5 and w.lower() not in STOP_WORDS]


def build_chair_briefing(definition: AuditDefinition, store: Store, today: date, rehearsal: bool = False) -> Path:
    matrix = grade_matrix(definition, store)
    chart = grade_bars([(d or "All areas", matrix["distribution"].get(d, Counter())) for d in matrix["domains"]],
                       GRADES, "Grades given, by domain")
    returns = store.returns(definition.ref)
    html = rendering.render(
        "reports/chair_briefing.html", **report_basics(definition, rehearsal, today), matrix=matrix, chart=chart,
        returns=agency_returns(definition, store), themes=recurring_themes(definition, store),
        no_return=[a for a in definition.agencies if returns.get(a.code, {}).get("status") == NO_RETURN],
        awaiting=[a for a in definition.agencies if returns.get(a.code, {}).get("status") is None],
        data_section=figures.section(definition, store, today), register=load_review_findings(),
    )
    return rendering.html_to_pdf(html, config.audit_output(definition.ref) / "chair-briefing.pdf")


def send_to_chair(definition: AuditDefinition, mailer: Mailer, kind: str, what: str, template: str,
                  attachments: tuple[Path, ...] = (), version: int = 1, **context: Any) -> bool:
    body = rendering.render(template, audit=definition, timetable=definition.timetable.dates, **context)
    return mailer.send(Email(ref=definition.ref, kind=kind, recipient=definition.chair.email, what=what, body=body,
                             marking=OFFICIAL, attachments=attachments, version=version,
                             reply_to=definition.business_unit.email))
