"""The DAG's documentation in the Airflow UI: what the audit is and its timetable."""

from __future__ import annotations

from maa.audit.definitions import AuditDefinition
from maa.audit.timetable import MILESTONE_LABELS


def doc_md(definition: AuditDefinition, file_name: str) -> str:
    rows = "\n".join(f"| {MILESTONE_LABELS[name]} | `{name}` | {day:%a %d %b %Y} |"
                     for name, day in definition.timetable.dates.items())
    agencies = ", ".join(f"{a.name} ({a.code})" for a in definition.agencies)
    lines = [
        f"# {definition.ref}: {definition.title}",
        "",
        f"**Type** {definition.type} · **Theme** {definition.theme or '—'} · **Status** {definition.status}"
        f" · **Definition** `{file_name}`",
        "",
        f"**Agencies** {agencies}",
        "",
        "| Milestone | Name | Date |",
        "| --- | --- | --- |",
        rows,
        "",
        "Notices and reminders go out at 09:00 Europe/London on their date.",
    ]
    if definition.timescale_reason:
        lines += ["", f"**Timescale outside the usual bounds:** {definition.timescale_reason}"]
    if definition.panel:
        lines += ["", "**Audit Panel** " + " ".join(definition.panel.summary_lines())]
    if definition.extensions:
        lines += ["", "**Extensions** " + ", ".join(f"{c}: {d:%d %b %Y}" for c, d in definition.extensions.items())]
    lines += ["", "Trigger with **dry_run** on to write every email to `output/outbox/dry-run/` only."]
    return "\n".join(lines)
