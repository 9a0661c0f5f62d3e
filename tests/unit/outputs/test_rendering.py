"""Reports: Jinja2 with StrictUndefined and HTML autoescape, then WeasyPrint to PDF."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import jinja2
import pytest
from pypdf import PdfReader

from maa.audit.definitions import AuditDefinition
from maa.outputs import rendering
from maa.outputs.mailer import OFFICIAL_SENSITIVE
from maa.preparation.nominations import Nominee
from tests.helpers.definitions import sample_definition

SCRIPT = "<script>alert('x')</script>"


def audit_pack_context(definition: AuditDefinition | None = None, **changes: Any) -> dict[str, Any]:
    """What maa.preparation.audit_packs.build_audit_packs gives the audit pack template."""
    definition = definition or AuditDefinition.model_validate(sample_definition())
    agency = definition.agencies[1]
    context = {
        "audit": definition,
        "timetable": definition.timetable.dates,
        "units": definition.review_units,
        "agency": agency,
        "nominees": [Nominee("C-01", "QZX-11223344", "Fictional Child One", date(2016, 3, 1)),
                     Nominee("C-02", "QZX-55667788", "Fictional Child Two", date(2019, 5, 17))],
        "marking": OFFICIAL_SENSITIVE,
        "generated_on": date(2026, 6, 15),
        "rehearsal": False,
        "deadline": definition.submission_deadline_for(agency.code),
    }
    context.update(changes)
    return context


def test_a_complete_context_renders() -> None:
    html = rendering.render("reports/audit_pack.html", **audit_pack_context())
    assert "OFFICIAL-SENSITIVE" in html
    assert "Monday 20 July 2026" in html  # the submission deadline, long form
    assert "C-02" in html


@pytest.mark.parametrize("missing", ["audit", "timetable", "agency", "nominees", "marking", "generated_on",
                                     "deadline"])
def test_a_missing_variable_is_an_error_not_a_blank(missing: str) -> None:
    context = audit_pack_context()
    del context[missing]
    # A missing date reaches the long_date filter as StrictUndefined, which refuses to be formatted (TypeError).
    with pytest.raises((jinja2.UndefinedError, TypeError)):
        rendering.render("reports/audit_pack.html", **context)


def test_a_missing_attribute_is_an_error_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.txt").write_text("Dear {{ person.name }}, due {{ due }}")
    monkeypatch.setenv("MAA_INCLUDE_DIR", str(tmp_path))
    assert rendering.render("t.txt", person={"name": "Sam"}, due="Friday") == "Dear Sam, due Friday"
    with pytest.raises(jinja2.UndefinedError):
        rendering.render("t.txt", person={}, due="Friday")
    with pytest.raises(jinja2.UndefinedError):
        rendering.render("t.txt", person={"name": "Sam"})


def test_html_values_are_escaped() -> None:
    definition = AuditDefinition.model_validate(sample_definition({"title": f"Neglect {SCRIPT}",
                                                                   "theme": "<b>Neglect</b>"}))
    nominees = [Nominee("C-01", "QZX-1", f"Child {SCRIPT}", date(2016, 3, 1))]
    html = rendering.render("reports/audit_pack.html", **audit_pack_context(definition, nominees=nominees))
    assert SCRIPT not in html
    assert "<b>Neglect</b>" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html
    assert "&lt;b&gt;Neglect&lt;/b&gt;" in html


def test_the_audit_pack_pdf_is_marked_and_numbered(tmp_path: Path) -> None:
    html = rendering.render("reports/audit_pack.html", **audit_pack_context())
    target = tmp_path / "MATA-2026-01" / "audit-pack-POL.pdf"
    assert rendering.html_to_pdf(html, target) == target
    assert target.read_bytes().startswith(b"%PDF")
    reader = PdfReader(target)
    pages = [page.extract_text() for page in reader.pages]
    text = "\n".join(pages)
    assert "OFFICIAL-SENSITIVE" in text
    assert "Page 1 of" in text
    assert re.search(rf"Page 1 of\s*{len(reader.pages)}\b", text)
    for number, page in enumerate(pages, start=1):
        assert "OFFICIAL-SENSITIVE" in page, f"page {number} carries no marking"
        assert f"Page {number} of" in page
    assert "C-01" in text and "Police" in text
    assert [p.name for p in target.parent.iterdir()] == ["audit-pack-POL.pdf"]  # no temporary file left


def test_the_audit_pack_of_a_rehearsal_says_its_date_is_the_rehearsals_day(tmp_path: Path) -> None:
    """Audit packs are built on the audit's day (in a rehearsal, the day it has reached), and say so."""
    html = rendering.render("reports/audit_pack.html", **audit_pack_context(rehearsal=True))
    text = " ".join("\n".join(p.extract_text() for p in PdfReader(
        rendering.html_to_pdf(html, tmp_path / "audit-pack-POL.pdf")).pages).split())
    assert ("Generated Monday 15 June 2026, the day the rehearsal had reached on the timetable's calendar (not the "
            "day the training run took place).") in text


@pytest.fixture
def loopback_listener():
    """An HTTP server on loopback that records every request and answers each with a stylesheet whose text
    would show in the PDF."""
    import http.server
    import threading

    requests: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's API)
            requests.append(self.path)
            body = b'body::after { content: "FETCHED-FROM-THE-NETWORK" }'
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", requests
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


def test_a_pdf_loads_only_the_templates_own_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                  loopback_listener) -> None:
    from maa.meeting.narrative import markdown_to_safe_html

    listener, requests = loopback_listener
    templates, outside = tmp_path / "include" / "templates", tmp_path / "outside"
    templates.mkdir(parents=True)
    outside.mkdir()
    monkeypatch.setenv("MAA_INCLUDE_DIR", str(tmp_path / "include"))
    (templates / "inside.css").write_text('h1::after { content: " INSIDE-THE-TEMPLATES" }')
    (outside / "planted.css").write_text('p::after { content: " PLANTED-OUTSIDE-7731" }')
    (templates / "link.css").symlink_to(outside / "planted.css")
    planted_url = (outside / "planted.css").as_uri()
    html = f"""<html><head>
      <link rel="stylesheet" href="inside.css">
      <link rel="stylesheet" href="{planted_url}">
      <link rel="stylesheet" href="../../outside/planted.css">
      <link rel="stylesheet" href="link.css">
      <link rel="stylesheet" href="{listener}/remote.css">
      <link rel="stylesheet" href="data:text/css,p::before%7Bcontent:'FROM-A-DATA-URL'%7D">
      <style>@import url("{listener}/imported.css");</style>
    </head><body><h1>Report</h1><p>Text</p>
      <img src="{listener}/pixel.png"><img src="{planted_url}">
      {markdown_to_safe_html(f"![chart]({listener}/narrative.png)")}
    </body></html>"""
    text = "\n".join(page.extract_text() for page in PdfReader(rendering.html_to_pdf(html, tmp_path / "r.pdf")).pages)
    assert "INSIDE-THE-TEMPLATES" in text
    for trace in ("PLANTED-OUTSIDE-7731", "FETCHED-FROM-THE-NETWORK", "FROM-A-DATA-URL"):
        assert trace not in text
    assert requests == []
