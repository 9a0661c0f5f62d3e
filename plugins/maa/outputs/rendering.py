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


def long_date(value: date | datetime) -> str:
    return f"{value:%A} {value.day} {value:%B %Y}"


def _short_date(value: date | datetime) -> str:
    return f"{value.day} {value:%b %Y}"


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
    environment.globals["milestone_labels"] = MILESTONE_LABELS
    return environment


def environment() -> jinja2.Environment:
    return _environment(str(config.templates_dir()))


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def html_to_pdf(html: str, target: Path) -> Path:
    """Write the PDF atomically, so a rerun overwrites its own output and nothing half-written remains."""
    from weasyprint import HTML

    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_suffix(".pdf.tmp")
    HTML(string=html, base_url=str(config.templates_dir())).write_pdf(temporary)
    temporary.replace(target)
    return target
