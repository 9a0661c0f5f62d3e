"""Reports in two small steps: Jinja2 renders HTML, WeasyPrint turns it into PDF.

One environment for everything the pipeline writes (autoescape for HTML,
StrictUndefined everywhere): a missing value is an error, never a blank.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2

from maa import config
from maa.audit.timetable import MILESTONE_LABELS
from maa.outputs.private_files import private_file


def long_date(value: date | datetime) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"


def _short_date(value: date | datetime) -> str:
    return f"{value.day} {value:%b %Y}"


def _moment(value: datetime) -> str:
    """A moment as people in England read it: London time, the zone said (GMT or BST)."""
    local = value.astimezone(config.LONDON)
    return f"{local.day} {local:%B %Y}, {local:%H:%M %Z}"


@lru_cache(maxsize=4)
def _environment(folder: str) -> jinja2.Environment:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(folder),
        autoescape=jinja2.select_autoescape(["html"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.filters["long_date"] = long_date
    environment.filters["short_date"] = _short_date
    environment.filters["moment"] = _moment
    environment.globals["milestone_labels"] = MILESTONE_LABELS
    return environment


def environment() -> jinja2.Environment:
    return _environment(str(config.templates_dir()))


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def html_to_pdf(html: str, target: Path) -> Path:
    """Write the PDF whole and owner-only (an audit pack names children), so a rerun overwrites its own
    output and nothing half-written remains."""
    from weasyprint import HTML

    with private_file(target) as handle:
        HTML(string=html, base_url=str(config.templates_dir())).write_pdf(handle)
    return target
