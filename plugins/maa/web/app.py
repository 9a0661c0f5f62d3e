"""The audit pages' routes, mounted by Airflow's API server under /maa (plugins/maa_pages.py).

Every page goes through Airflow's own login: the user is the one Airflow's JWT cookie names, and
`maa.web.access` decides what that user may see. Pages are server-rendered Jinja2 (autoescaped, the
same environment as the reports), work without JavaScript and link with relative URLs, so they also
work behind a proxy that serves Airflow under a path.
"""

from __future__ import annotations

import asyncio
import logging
from functools import lru_cache
from typing import Annotated, Any
from urllib.parse import quote, urlsplit

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from maa import config
from maa.audit.clock import now
from maa.outputs import rendering
from maa.web.access import Forbidden, Visitor

log = logging.getLogger(__name__)

app = FastAPI(title="Multi-agency audit pages", docs_url=None, redoc_url=None, openapi_url=None)


@lru_cache(maxsize=4)
def _store_at(url: str) -> Any:
    from maa.outputs.store import Store

    return Store(url)


def _store() -> Any:
    """One store (and connection pool) per URL, not one per request: opening one checks its migrations."""
    from maa.pipeline.resources import store_url

    return _store_at(store_url())


def _loaded() -> Any:
    from maa.audit.definitions import definition_files, load_all

    return load_all(definition_files())


def _definitions() -> list[Any]:
    return list(_loaded().definitions.values())


def _latest_runs(dag_ids: list[str]) -> dict[str, str]:
    """Each audit DAG's latest run, from Airflow's metadata database (the API server's own session)."""
    import sqlalchemy as sa
    from airflow.models.dagrun import DagRun
    from airflow.utils.session import create_session

    with create_session() as session:
        rows = session.execute(sa.select(DagRun.dag_id, DagRun.run_id).where(DagRun.dag_id.in_(dag_ids))
                               .order_by(DagRun.run_after)).all()
    return {dag_id: run_id for dag_id, run_id in rows}


class _LoginNeeded(Exception):
    pass


async def _visitor(request: Request) -> Visitor:
    from airflow.api_fastapi.core_api.security import get_user

    try:
        user = await get_user(request, None, None)
    except HTTPException as refused:
        raise _LoginNeeded() from refused
    return Visitor.of(user)


CurrentVisitor = Annotated[Visitor, Depends(_visitor)]


@app.exception_handler(_LoginNeeded)
async def _to_login(request: Request, _: _LoginNeeded) -> Response:
    from airflow.api_fastapi.app import get_auth_manager

    return RedirectResponse(get_auth_manager().get_url_login(next_url=str(request.url)), status_code=303)


@app.exception_handler(Forbidden)
async def _forbidden(request: Request, refused: Forbidden) -> Response:
    return _page(request, "web/forbidden.html", None, status_code=403, reason=str(refused))


_UNSAID_ORIGIN = ("This form was not accepted: your browser did not say which page sent it, so it cannot be told "
                  "from a form on another site. Open the page again and send the form from there; if this keeps "
                  "happening, allow your browser to send the page's address (Referer).")
_OTHER_ORIGIN = ("This form was not accepted: it was sent from another site or page, not from these pages. Open "
                 "the page here and send the form from it.")


class _FormFromElsewhere(Exception):
    """A form post that does not show it came from these pages; the message says what to do."""


@app.exception_handler(_FormFromElsewhere)
async def _form_refused(request: Request, refused: _FormFromElsewhere) -> Response:
    return _page(request, "web/form_refused.html", None, status_code=403, reason=str(refused))


def _root(request: Request) -> str:
    """The relative way back to the app's root from this page ('./', '../', ...): links stay relative."""
    path, mounted = request.scope["path"], request.scope.get("root_path", "")
    inside = path[len(mounted):] if mounted and path.startswith(mounted) else path
    return "../" * (inside.count("/") - 1) or "./"


def _page(request: Request, template: str, visitor: Visitor | None, status_code: int = 200, **context: Any) -> Response:
    html = rendering.render(template, visitor=visitor, marking="OFFICIAL", today=now().date(), root=_root(request),
                          **context)
    return HTMLResponse(html, status_code=status_code)


def _same_origin(request: Request) -> None:
    """Forms post only from these pages, as the browser says: its Origin header or, where it sent none
    (an older browser, a privacy setting), its Referer must be this site (scheme and host as the request
    was made). A post saying neither is refused as well: the SameSite cookie alone is not relied on."""
    origin, referer = request.headers.get("origin"), request.headers.get("referer")
    if origin is None and referer is None:
        raise _FormFromElsewhere(_UNSAID_ORIGIN)
    sent = urlsplit(origin if origin is not None else referer)
    if origin == "null" or (sent.scheme, sent.netloc) != (request.url.scheme, request.url.netloc):
        raise _FormFromElsewhere(_OTHER_ORIGIN)


@app.get("/")
async def home(visitor: CurrentVisitor) -> Response:
    if visitor.programme:
        return RedirectResponse("dashboard", status_code=303)
    if visitor.agency:
        return RedirectResponse(f"upload/{quote(visitor.agency)}", status_code=303)
    raise Forbidden("These pages are for the Business Unit, QiiP and agency coordinators. If your work needs them, "
                    "ask the Business Unit for the right login.")


@app.get("/dashboard")
async def dashboard(request: Request, visitor: CurrentVisitor) -> Response:
    from maa.programme.report import financial_year
    from maa.web.dashboard import programme

    visitor.check_programme()
    loaded = await asyncio.to_thread(_loaded)
    definitions = list(loaded.definitions.values())
    runs = await asyncio.to_thread(_latest_runs, [d.dag_id for d in definitions])
    audits = await asyncio.to_thread(lambda: programme(definitions, _store(), now().date(), runs))
    broken = [(path.name, error.problems) for path, error in sorted(loaded.errors.items())]
    return _page(request, "web/dashboard.html", visitor, audits=audits, broken=broken,
                 report_period=financial_year(now().date()))


_REPORT_TYPES = {"pdf": "application/pdf", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@app.get("/programme-report")
async def programme_report(request: Request, visitor: CurrentVisitor, first: Annotated[str, Query(alias="from")] = "",
                           last: Annotated[str, Query(alias="to")] = "", kind: str = "pdf") -> Response:
    """QiiP's programme report for the period asked, built as `maa programme-report` builds it (the same files
    under output/programme/), and sent as the PDF or the workbook."""
    from maa.programme.report import build_programme_report, period_from_text

    visitor.check_programme()
    try:
        period = period_from_text(first, last)
    except ValueError as wrong:
        return _page(request, "web/report_refused.html", visitor, status_code=400, reason=str(wrong))
    definitions = await asyncio.to_thread(_definitions)
    pdf, xlsx, _ = await asyncio.to_thread(build_programme_report, _store(), definitions, period, now().date())
    chosen = xlsx if kind == "xlsx" else pdf
    return FileResponse(chosen, media_type=_REPORT_TYPES[chosen.suffix[1:]], filename=chosen.name)


@app.get("/reports/{ref}/{name}")
async def report(ref: str, name: str, visitor: CurrentVisitor) -> Response:
    from maa.web.dashboard import SHAREABLE_REPORTS

    visitor.check_programme()
    known = {d.ref for d in await asyncio.to_thread(_definitions)}
    path = config.audit_output(ref) / name
    if ref not in known or name not in SHAREABLE_REPORTS or not path.is_file():
        raise HTTPException(404, "No such report")
    # Inline: "Open the draft report" opens it in the browser to read beside the decision, not as a download.
    # Never cached: the draft keeps its address from round to round, and the reports are OFFICIAL.
    return FileResponse(path, media_type="application/pdf", filename=name, content_disposition_type="inline",
                        headers={"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


def _upload_page(request: Request, visitor: Visitor, code: str, **context: Any) -> Response:
    from maa.web.sharing_view import sharing_slots
    from maa.web.uploads import return_slots

    definitions, store = _definitions(), _store()
    slots = return_slots(definitions, store, code)
    agency_name = next((slot.definition.agency(slot.code).name for slot in slots), code)  # as its people say it
    return _page(request, "web/upload.html", visitor, code=code, slots=slots, agency_name=agency_name,
                 sharing=sharing_slots(definitions, store, code),
                 **{"result": None, "refused": None, "ref": None, "shared_refused": None, "shared_saved": False,
                    **context})


@app.get("/upload/{code}")
async def upload_page(request: Request, code: str, visitor: CurrentVisitor) -> Response:
    visitor.check_upload(code)
    return await asyncio.to_thread(_upload_page, request, visitor, code.upper())


def _slot(code: str, ref: str) -> Any:
    from maa.web.uploads import UploadRefused, history, return_slots

    slot = next((s for s in return_slots(_definitions(), _store(), code) if s.definition.ref == ref), None)
    if slot is None:
        raise UploadRefused(f"{code} takes no part in an audit {ref}.")
    return slot, len(history(_store(), ref, slot.code))


@app.post("/upload/{code}/{ref}")
async def upload(request: Request, code: str, ref: str, visitor: CurrentVisitor) -> Response:
    from maa.web.uploads import UploadRefused, await_outcome, check_size, drop_in_inbox

    visitor.check_upload(code)
    _same_origin(request)
    code = code.upper()
    try:
        check_size(request.headers.get("content-length"))
        form = await request.form(max_files=1, max_fields=4)
        upload_file = form.get("return_file")
        if upload_file is None or isinstance(upload_file, str) or not upload_file.filename:
            raise UploadRefused("Choose the return workbook to upload.")
        data = await upload_file.read()
        slot, seen = await asyncio.to_thread(_slot, code, ref)
        sha256 = await asyncio.to_thread(drop_in_inbox, slot, data, upload_file.filename)
    except UploadRefused as refused:
        return await asyncio.to_thread(_upload_page, request, visitor, code, refused=str(refused), ref=ref,
                                       status_code=400)
    log.info("%s: %s uploaded a return for %s (%s bytes)", ref, visitor.login, slot.code, len(data))
    wait = config.settings().upload_wait_seconds
    result = await await_outcome(await asyncio.to_thread(_store), ref, slot.code, sha256, seen, wait)
    return await asyncio.to_thread(_upload_page, request, visitor, code, result=result or "pending", ref=ref)


@app.get("/tracker")
async def tracker(request: Request, visitor: CurrentVisitor, audit: str = "", agency: str = "", status: str = "",
                  rag: str = "", finding: str = "") -> Response:
    from maa.web.tracker_view import TrackerFilter, tracker_page

    visitor.check_programme()
    chosen = TrackerFilter(audit, agency, status, rag, finding)
    page = await asyncio.to_thread(lambda: tracker_page(_store(), now().date(), chosen))
    return _page(request, "web/tracker.html", visitor, page=page, chosen=chosen)


@app.get("/tracker.xlsx")
async def tracker_export(visitor: CurrentVisitor, audit: str = "", agency: str = "", status: str = "", rag: str = "",
                         finding: str = "") -> Response:
    from maa.web.tracker_view import TrackerFilter, export_workbook, tracker_page

    visitor.check_programme()
    chosen, today = TrackerFilter(audit, agency, status, rag, finding), now().date()
    page = await asyncio.to_thread(lambda: tracker_page(_store(), today, chosen))
    return Response(export_workbook(page, chosen, today),
                    media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="action-tracker-{today:%Y-%m-%d}.xlsx"'})


def _coordinator_roles(definition: Any) -> None:
    """Before a registered definition reaches the audits folder, the roles its DAG will name exist: a DAG
    naming a missing role is refused with its whole file, which would hide every audit."""
    from maa.ops.roles import sync_coordinator_roles
    from maa.pipeline.permissions import applies_access_control

    if applies_access_control():
        sync_coordinator_roles(agency.code for agency in definition.agencies)


@app.get("/audits/new")
async def new_audit(request: Request, visitor: CurrentVisitor) -> Response:
    from maa.web.registration import FIELD_LABELS, Registration, form_defaults

    visitor.check_registration()
    values = form_defaults(await asyncio.to_thread(_definitions), now().date())
    return _page(request, "web/register.html", visitor, form=Registration(values), registered=None,
                 labels=FIELD_LABELS)


@app.post("/audits/new")
async def register_audit(request: Request, visitor: CurrentVisitor) -> Response:
    from maa.audit.definitions import load_definition
    from maa.web.registration import FIELD_LABELS, Registration, form_defaults, milestones, register

    visitor.check_registration()
    _same_origin(request)
    form = await request.form(max_files=0, max_fields=40)
    registration = Registration({k: v for k, v in form.items() if isinstance(v, str)})
    written = await asyncio.to_thread(register, registration, visitor.name, before_writing=_coordinator_roles)
    if not written:
        return _page(request, "web/register.html", visitor, form=registration, registered=None,
                     labels=FIELD_LABELS, status_code=400)
    log.info("%s registered %s (%s)", visitor.login, registration.value("ref"), written.name)
    # The form starts afresh for the next audit; the one just written is said above it, with its dates.
    fresh = Registration(form_defaults(await asyncio.to_thread(_definitions), now().date()))
    registered = load_definition(written)
    return _page(request, "web/register.html", visitor, form=fresh, registered=registered, file_name=written.name,
                 registered_timetable=milestones(registered), labels=FIELD_LABELS)


# The findings meeting's attendance and Phase 4's sharing of the learning ---------------------------------

def _form_text(form: Any, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def _audit(ref: str) -> Any:
    definition = next((d for d in _definitions() if d.ref == ref), None)
    if definition is None:
        raise HTTPException(404, "No such audit")
    return definition


@app.post("/upload/{code}/{ref}/shared")
async def learning_shared(request: Request, code: str, ref: str, visitor: CurrentVisitor) -> Response:
    """A coordinator confirms when and how the learning briefing was shared in the agency."""
    from maa.signoff.sharing import SharingRefused, confirm_sharing

    visitor.check_upload(code)
    _same_origin(request)
    code = code.upper()
    form = await request.form(max_files=0, max_fields=4)
    definition = await asyncio.to_thread(_audit, ref)
    try:
        await asyncio.to_thread(confirm_sharing, definition, _store(), code, _form_text(form, "shared_on"),
                                _form_text(form, "how"), visitor.name, now().date())
    except SharingRefused as refused:
        return await asyncio.to_thread(_upload_page, request, visitor, code, shared_refused=refused.problems, ref=ref,
                                       status_code=400)
    log.info("%s: %s confirmed the learning was shared in %s", ref, visitor.login, code)
    return await asyncio.to_thread(_upload_page, request, visitor, code, shared_saved=True, ref=ref)


def _attendance_form(ref: str) -> Any:
    from maa.web.attendance_view import attendance_form, meetings

    definition = _audit(ref)
    if not meetings([definition], _store()):
        raise HTTPException(404, "No findings meeting has been called for this audit yet")
    return attendance_form(definition, _store())


def _attendance_page(request: Request, visitor: Visitor, **context: Any) -> Response:
    return _page(request, "web/attendance.html", visitor, **{"form": None, "meetings": [], "taken": None,
                                                            "refused": None, **context})


@app.get("/attendance")
async def attendance_index(request: Request, visitor: CurrentVisitor) -> Response:
    from maa.web.attendance_view import meetings

    visitor.check_attendance()
    found = await asyncio.to_thread(lambda: meetings(_definitions(), _store()))
    return _attendance_page(request, visitor, meetings=found)


@app.get("/attendance/{ref}")
async def attendance_page(request: Request, ref: str, visitor: CurrentVisitor) -> Response:
    visitor.check_attendance()
    return _attendance_page(request, visitor, form=await asyncio.to_thread(_attendance_form, ref))


@app.post("/attendance/{ref}")
async def attendance_record(request: Request, ref: str, visitor: CurrentVisitor) -> Response:
    """The Business Unit's record of who attended, taken in as an attendance.csv in the inbox would be."""
    from maa.pipeline.resources import inbox_root, mailer
    from maa.web.attendance_view import AttendanceRefused, record_attendance

    visitor.check_attendance()
    _same_origin(request)
    answers = {k: v for k, v in (await request.form(max_files=0, max_fields=200)).items() if isinstance(v, str)}
    form = await asyncio.to_thread(_attendance_form, ref)
    try:
        taken = await asyncio.to_thread(
            lambda: record_attendance(form, answers, _store(), mailer(_store()), inbox_root()))
    except AttendanceRefused as refused:
        return _attendance_page(request, visitor, form=form, refused=str(refused), status_code=400)
    log.info("%s: %s recorded attendance (version %s, %s)", ref, visitor.login, taken.version, taken.outcome)
    return _attendance_page(request, visitor, form=await asyncio.to_thread(_attendance_form, ref), taken=taken,
                            status_code=200 if taken.accepted else 400)
