"""Reports in two small steps: Jinja2 renders HTML, WeasyPrint turns it into PDF.

One environment for everything the pipeline writes (autoescape for HTML,
StrictUndefined everywhere): a missing value is an error, never a blank.
While a PDF is rendered it may load the templates' own files and nothing else:
no other file on the machine, no address on the network, no data: URL.
"""

from __future__ import annotations

import mimetypes
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname

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


def _template_asset(url: str, folder: Path) -> Path:
    """The file a URL names when it is a file under `folder` (by resolved path, so neither `..` nor a
    symbolic link leads out of it); ValueError for anything else."""
    parts = urlsplit(url)
    if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
        raise ValueError(f"a report may load only its templates' own files, not {parts.scheme or 'this'}: URLs")
    path = Path(url2pathname(unquote(parts.path))).resolve()
    if not (path.is_relative_to(folder.resolve()) and path.is_file()):
        raise ValueError("a report may load only its templates' own files")
    return path


def _asset_fetcher(folder: Path) -> Any:
    """A WeasyPrint URL fetcher (WeasyPrint 70: a URLFetcher whose `fetch` returns a URLFetcherResponse)
    serving `_template_asset` files only. A refusal is WeasyPrint's warning, and the resource is left out."""
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class TemplateAssets(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> URLFetcherResponse:
            path = _template_asset(url, folder)
            kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": kind})

    return TemplateAssets()


def html_to_pdf(html: str, target: Path) -> Path:
    """Write the PDF whole and owner-only (an audit pack names children), so a rerun overwrites its own
    output and nothing half-written remains."""
    from weasyprint import HTML

    folder = config.templates_dir()
    with private_file(target) as handle:
        HTML(string=html, base_url=str(folder), url_fetcher=_asset_fetcher(folder)).write_pdf(handle)
    return target
