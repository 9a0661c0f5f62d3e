"""The audit pages in Airflow's own API server app (created in-process, plugins and FAB's login included):
each role (from the FAB user record, as Airflow checks it) sees its own pages, the dashboard and tracker
read the store, an upload takes the inbox's road, and the registration form writes a definition
`maa check` accepts and first makes its coordinators' roles. tests/integration/test_local_services.py
drives the same pages in Chromium against `make up`'s services."""

from __future__ import annotations

import io
import re
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook

from maa.audit.clock import now
from maa.audit.definitions import load_definition
from maa.intake.xlsx import MAX_FILE_BYTES
from maa.meeting import practitioner_pack
from maa.meeting.attendance import attendance, in_attendance
from maa.outputs.store import Store
from maa.pipeline import resources
from maa.pipeline.permissions import COORDINATOR_PAIRS
from maa.preparation import audit_packs, case_list, notice
from maa.returns import receiving
from maa.signoff.sharing import PUBLISHED, sharing_status
from maa.web.attendance_view import attendance_form
from tests.helpers.definitions import AuditFolders
from tests.helpers.mail import MailCatcher
from tests.helpers.nominations import DISTINCTIVE_DOB, DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID, nominations_csv
from tests.helpers.people import password_of
from tests.helpers.tracker_seed import action
from tests.helpers.workbooks import completed_return

REF = "MATA-2026-11"
CASES = ["C-01", "C-02"]
CHILD = (DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_DOB)
SAME_SITE = "http://testserver"  # the pages as the test client serves them


@pytest.fixture(scope="module")
def api_app(fab_logins: dict):
    """Airflow's API server app, as `airflow api-server` builds it, under the project's FAB auth manager with
    the test people's logins."""
    from maa.ops.services import AUTH_MANAGER

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AIRFLOW__CORE__AUTH_MANAGER", AUTH_MANAGER)
        patch.setenv("AIRFLOW__API_AUTH__JWT_SECRET", "audit-pages-test-secret-of-enough-length")
        patch.setenv("MAA_UPLOAD_WAIT_SECONDS", "20")
        from airflow.api_fastapi.app import create_app

        yield create_app()


@pytest.fixture
def browser_as(api_app):
    """A client holding Airflow's login cookie for a user, as a browser does after the login page."""
    from fastapi.testclient import TestClient

    def login(user: str | None, origin: str | None = SAME_SITE):
        """`origin`: what the browser's Origin header says on every request (None: it sends none)."""
        client = TestClient(api_app, follow_redirects=False, headers={"origin": origin} if origin else None)
        if user:
            token = client.post("/auth/token", json={"username": user, "password": password_of(user)})
            client.cookies.set("_token", token.json()["access_token"])
        return client
    return login


@pytest.fixture
def audit(folders: AuditFolders, smtp_server: MailCatcher):
    """An audit two weeks in (returns open until five weeks from now), its case list accepted and its
    packs sent."""
    start = now().date() - timedelta(days=14)
    definition = load_definition(folders.write_definition({"ref": REF, "start": start.isoformat()},
                                                          remove=("extensions",)))
    store = resources.store()
    (folders.inbox(REF) / "nominations.csv").write_text(nominations_csv())
    assert case_list.receive_nominations(definition, store, resources.mailer(store), now(),
                                         key=resources.pseudonym_key).accepted
    audit_packs.build_audit_packs(definition, store, now().date())
    assert audit_packs.send_audit_packs(definition, resources.mailer(store)) == len(definition.agencies)
    return definition, store


class TheAudit:
    """Stands in for the scheduler: the agency's wait in the audit's DAG, looking at the inbox every
    half second and taking what it finds with the same function the DAG's task calls."""

    def __init__(self, definition, store: Store, code: str):
        self.definition, self.store, self.code = definition, store, code
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self.stop.is_set():
            receiving.receive_return(self.definition, self.store, resources.mailer(self.store), self.code, now())
            time.sleep(0.5)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop.set()
        self.thread.join(timeout=30)


def test_every_page_is_behind_airflows_login_and_each_role_sees_its_own(browser_as, audit) -> None:
    anonymous = browser_as(None).get("/maa/dashboard")
    assert anonymous.status_code == 303 and "/auth/login/?next=" in anonymous.headers["location"]

    pages = ("/maa/dashboard", "/maa/tracker", "/maa/tracker.xlsx", "/maa/audits/new", "/maa/upload/POL",
             "/maa/upload/ICB")
    allowed = {
        "business-unit": set(pages),
        "qiip": {"/maa/dashboard", "/maa/tracker", "/maa/tracker.xlsx"},
        "operator": set(),
        "coordinator-pol": {"/maa/upload/POL"},
    }
    for user, may_see in allowed.items():
        client = browser_as(user)
        seen = {page for page in pages if client.get(page).status_code == 200}
        assert seen == may_see, user
        refused = [client.get(page) for page in pages if page not in may_see]
        assert all(r.status_code == 403 for r in refused), user
    other_agency = browser_as("coordinator-pol").get("/maa/upload/ICB").text
    assert "belongs to another agency; yours is POL" in other_agency
    for user in ("qiip", "operator"):
        told = browser_as(user).get("/maa/upload/POL").text
        assert "where an agency&#39;s coordinator uploads the agency&#39;s completed return workbook" in told
        assert "belongs to another agency" not in told and "ask the Business Unit" not in told, user
    assert browser_as("coordinator-pol").get("/maa/").headers["location"] == "upload/POL"
    assert browser_as("qiip").get("/maa/").headers["location"] == "dashboard"


def test_the_dashboard_shows_the_audit_its_phase_returns_and_shareable_reports_only(
        browser_as, audit, folders: AuditFolders, tmp_path: Path) -> None:
    definition, store = audit
    mailer = resources.mailer(store)
    returns = folders.inbox(REF) / "returns"
    returns.mkdir(exist_ok=True)
    (returns / "POL.xlsx").write_bytes(completed_return(definition, "POL", CASES, tmp_path))
    (returns / "ICB.xlsx").write_bytes(b"not a workbook")
    for code in ("POL", "ICB"):
        receiving.receive_return(definition, store, mailer, code, now())
    (folders.output / REF / "practitioner-pack.pdf").write_bytes(b"%PDF-1.7 test")
    assert (folders.output / REF / "audit-pack-CSC.pdf").exists(), "Phase 1 wrote the packs"

    client = browser_as("business-unit")
    page = client.get("/maa/dashboard").text

    assert f'id="audit-{REF}"' in page and "Phase 2: agencies&#39; audit" in page
    assert "1 of 6 returned" in page and "Awaiting: CSC, ICB, GHC, EDU, PROB" in page
    assert "Refused, corrected file owed:</span>\n          ICB" in page
    deadline = definition.timetable["submission_deadline"]
    assert f"Agency returns due<br>{deadline:%A} {deadline.day} {deadline:%B %Y}" in page
    timeline = " ".join(re.sub("<[^>]+>", " ", page.split(f'aria-label="Timeline of {REF}"')[1]
                               .split("</ol>")[0]).split())
    notice_day, today = definition.timetable["notice_issued"], now().date()
    assert f"Notice issued {notice_day.day} {notice_day:%b %Y}: done" in timeline, \
        "each milestone is labelled text, done or due"
    assert timeline.index("Notice issued") < timeline.index("Today") < timeline.index("Agency returns due"), \
        "today is marked between the milestones it falls between"
    assert f"{today.day} {today:%b %Y}" in timeline and "Today comes after “Notice issued”" in page
    assert 'tabindex="0"' in page.split(f'aria-label="Timeline of {REF}"')[0][-120:], "reachable by keyboard"
    assert f"../dags/{definition.dag_id}" in page, "a link to the audit's DAG in Airflow"
    assert f'reports/{REF}/practitioner-pack.pdf">Practitioner pack</a>' in page and "audit-pack-CSC.pdf" not in page
    opened = client.get(f"/maa/reports/{REF}/practitioner-pack.pdf")
    assert opened.status_code == 200 and opened.headers["content-disposition"].startswith("inline;"), \
        "a report opens in the browser to be read"
    assert opened.headers["cache-control"] == "private, no-store", "never last round's draft from a cache"
    assert client.get(f"/maa/reports/{REF}/audit-pack-CSC.pdf").status_code == 404, "the pack names children"
    assert client.get(f"/maa/reports/{REF}/..%2F..%2Fstore.sqlite").status_code == 404
    for identifier in CHILD:
        assert identifier not in page

    (folders.audits / "MATA-2027-99.yaml").write_text("ref: MATA-2027-99\ntype: MATA\n")
    flagged = client.get("/maa/dashboard").text
    assert "1 definition file(s) cannot be used" in flagged and "MATA-2027-99.yaml: title: Field required" in flagged
    assert f'id="audit-{REF}"' in flagged, "one bad file hides no other audit"


def test_a_paa_is_on_the_dashboard_and_takes_returns_once_its_packs_have_gone(
        browser_as, audit, folders: AuditFolders) -> None:
    start = now().date() - timedelta(days=14)
    path = folders.write_definition({"ref": "PAA-2026-02", "type": "PAA", "title": "Partnership arrangements",
                                     "start": start.isoformat(), "period": {"from": "2025-04-01", "to": "2026-03-31"}},
                                    remove=("nominating_agency", "theme", "extensions"))
    definition, store = load_definition(path), audit[1]
    notice.prepare(definition, path.name, store, key=resources.pseudonym_key)
    police = browser_as("coordinator-pol")
    before = police.get("/maa/upload/POL").text.split('id="heading-PAA-2026-02"')[1]
    assert "Not open yet: the audit pack and return template have not been sent." in before
    assert 'action="../upload/POL/PAA-2026-02"' not in before

    audit_packs.build_audit_packs(definition, store, now().date())
    audit_packs.send_audit_packs(definition, resources.mailer(store))
    page = police.get("/maa/upload/POL").text
    assert 'action="../upload/POL/PAA-2026-02"' in page, "the PAA takes Police's return now"
    row = browser_as("qiip").get("/maa/dashboard").text.split('id="audit-PAA-2026-02"')[1].split("</tr>")[0]
    assert "PAA" in row and "Phase 2: agencies&#39; audit" in row and "0 of 6 returned" in row


def test_an_upload_takes_the_inbox_road_and_shows_the_outcome(browser_as, audit, folders: AuditFolders,
                                                              smtp_server: MailCatcher, tmp_path: Path) -> None:
    definition, store = audit
    client = browser_as("coordinator-pol")
    named = completed_return(definition, "POL", CASES, tmp_path, cells={"D3": f"{DISTINCTIVE_NAME} was seen."})

    with TheAudit(definition, store, "POL"):
        refused = client.post(f"/maa/upload/POL/{REF}", files={"return_file": ("POL return.xlsx", named)})
        assert refused.status_code == 200
        assert "Refused: MATA-2026-11, version 1." in refused.text
        assert "sheet Findings, row 3, column worked_well, cell D3: names a nominated child" in refused.text
        kept = folders.data / "quarantine" / REF / "returns" / "POL.v1.xlsx"
        assert kept.read_bytes() == named, "the refused file is kept as it came"

        good = completed_return(definition, "POL", CASES, tmp_path)
        accepted = client.post(f"/maa/upload/POL/{REF}", files={"return_file": ("POL return.xlsx", good)})
        assert "Accepted: MATA-2026-11, version 2." in accepted.text

    assert store.returns(REF)["POL"]["status"] == "accepted"
    to_police = smtp_server.to(definition.agency("POL").coordinator.email)
    assert [m["Subject"] for m in to_police if "Return" in m["Subject"]] == [
        f"OFFICIAL [{REF}] Return refused (version 1)", f"OFFICIAL [{REF}] Return accepted (version 2)"]
    again = client.post(f"/maa/upload/POL/{REF}", files={"return_file": ("POL.xlsx", good)})
    assert again.status_code == 400 and "is not taking a return from POL: accepted" in again.text
    assert "<h1>Upload Police's return</h1>" in again.text, "the agency by its name"
    received = again.text.split("Files received for")[1]
    assert len(re.findall(r"<td>\d{1,2} [A-Z][a-z]+ \d{4}, \d\d:\d\d (GMT|BST)</td>", received)) == 2, \
        "each file's date and time, in London time"
    for identifier in CHILD:
        assert identifier not in refused.text + accepted.text + again.text


def test_an_upload_too_large_or_not_a_workbook_is_refused_before_it_reaches_the_inbox(
        browser_as, audit, folders: AuditFolders) -> None:
    client = browser_as("coordinator-pol")
    inbox = folders.inbox(REF) / "returns"

    too_large = client.post(f"/maa/upload/POL/{REF}", content=b"x" * 16,
                            headers={"content-length": str(MAX_FILE_BYTES * 2),
                                     "content-type": "multipart/form-data; boundary=b"})
    assert too_large.status_code == 400 and "larger than 10 MiB" in too_large.text
    not_xlsx = client.post(f"/maa/upload/POL/{REF}", files={"return_file": ("return.pdf", b"%PDF-1.7")})
    assert not_xlsx.status_code == 400 and "is not an Excel workbook (.xlsx)" in not_xlsx.text
    nothing = client.post(f"/maa/upload/POL/{REF}", files={})
    assert nothing.status_code == 400 and "Choose the return workbook" in nothing.text
    for origin in ("https://elsewhere.example", "null", "https://testserver"):
        elsewhere = client.post(f"/maa/upload/POL/{REF}", files={"return_file": ("POL.xlsx", b"PK")},
                                headers={"origin": origin})
        assert elsewhere.status_code == 403, f"a form posted from {origin} is refused (the pages are http here)"
    unknown = client.post("/maa/upload/POL/MATA-1999-01", files={"return_file": ("POL.xlsx", b"PK")})
    assert unknown.status_code == 400 and "POL takes no part in an audit MATA-1999-01" in unknown.text
    assert not inbox.exists() or not any(inbox.iterdir()), "nothing refused here reached the inbox"


@pytest.mark.parametrize(("headers", "why"), [
    ({}, "your browser did not say which page sent it"),
    ({"referer": "https://elsewhere.example/maa/audits/new"}, "it was sent from another site or page"),
    ({"referer": f"{SAME_SITE}.elsewhere.example/maa/audits/new"}, "it was sent from another site or page"),
])
def test_a_form_that_does_not_show_it_came_from_these_pages_is_refused_with_a_page_saying_why(
        browser_as, audit, folders: AuditFolders, headers: dict[str, str], why: str) -> None:
    """Without Origin the browser's Referer decides; saying neither is refused too (SameSite alone is not relied on)."""
    inbox = folders.inbox(REF) / "returns"
    registering = browser_as("business-unit", origin=None).post("/maa/audits/new", data={"ref": "MACA-2027-03"},
                                                                  headers=headers)
    uploading = browser_as("coordinator-pol", origin=None).post(
        f"/maa/upload/POL/{REF}", files={"return_file": ("POL.xlsx", b"PK")}, headers=headers)

    for refused in (registering, uploading):
        assert refused.status_code == 403 and "<h1>Form not accepted</h1>" in refused.text
        assert f"This form was not accepted: {why}" in refused.text
    assert not (folders.audits / "MACA-2027-03.yaml").exists()
    assert not inbox.exists() or not any(inbox.iterdir())


def test_a_form_from_these_pages_is_taken_on_its_referer_when_the_browser_sends_no_origin(
        browser_as, audit) -> None:
    client = browser_as("business-unit", origin=None)
    answered = client.post("/maa/audits/new", data={"ref": "MACA-2027-03"},
                           headers={"referer": f"{SAME_SITE}/maa/audits/new"})
    assert answered.status_code == 400 and 'id="title" name="title"' in answered.text, "the form's own checks answer"
    assert "Form not accepted" not in answered.text


def test_a_second_upload_never_replaces_one_still_waiting_and_a_paused_audit_takes_none(
        browser_as, audit, folders: AuditFolders, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    definition, _ = audit
    monkeypatch.setenv("MAA_UPLOAD_WAIT_SECONDS", "1")  # no DAG runs here: the first upload stays waiting
    client = browser_as("business-unit")  # for an agency whose coordinator emailed the file
    first = completed_return(definition, "ICB", CASES, tmp_path)

    waiting = client.post(f"/maa/upload/icb/{REF}", files={"return_file": ("ICB.xlsx", first)})
    assert "Received for MATA-2026-11, still being checked." in waiting.text
    second = client.post(f"/maa/upload/ICB/{REF}", files={"return_file": ("ICB.xlsx", b"PK other")})
    assert second.status_code == 400 and "An earlier file is still being checked" in second.text
    inbox = folders.inbox(REF) / "returns"
    assert [p.name for p in inbox.iterdir()] == ["ICB.xlsx"] and (inbox / "ICB.xlsx").read_bytes() == first
    assert "A file is in the inbox, waiting to be checked." in client.get("/maa/upload/ICB").text

    definition_file = folders.audits / f"{REF}.yaml"
    definition_file.write_text(definition_file.read_text().replace("status: active", "status: paused"))
    paused = client.post(f"/maa/upload/POL/{REF}", files={"return_file": ("POL.xlsx", first)})
    assert paused.status_code == 400 and "not taking returns: the audit is paused" in paused.text
    dashboard = client.get("/maa/dashboard").text
    assert "<td>Paused</td>" in dashboard and "None while the audit is paused" in dashboard

    definition_file.write_text(definition_file.read_text().replace("status: paused", "status: active"))
    audit[1].save_return(REF, "ICB", status=receiving.NO_RETURN)
    closed = "Closed: the deadline and its grace period have passed."
    for user, told in (("business-unit", False), ("coordinator-icb", True)):
        page = browser_as(user).get("/maa/upload/ICB").text
        assert closed in page and ("tell the Business Unit" in page) is told, user


def test_the_tracker_filters_and_exports_what_it_shows_formula_safe(browser_as, audit, folders: AuditFolders) -> None:
    _, store = audit
    due = now().date()
    store.save_actions(REF, [
        action("A1", "POL", due - timedelta(days=3), '=HYPERLINK("http://evil.example","Click")', "LCSPR-2024-01",
               "In progress"),
        action("A2", "ICB", due + timedelta(days=60), "Joint chronology training")])
    client = browser_as("qiip")

    everything = client.get("/maa/tracker").text
    assert "2 of 2 actions" in everything
    overdue = client.get("/maa/tracker", params={"rag": "red"}).text
    assert "1 of 2 actions" in overdue and "A1:" in overdue and "A2:" not in overdue
    not_started = client.get("/maa/tracker", params={"status": "Not started"}).text
    assert "1 of 2 actions" in not_started and "A2:" in not_started
    by_finding = client.get("/maa/tracker", params={"finding": "LCSPR-2024-01", "agency": "POL"}).text
    assert "1 of 2 actions" in by_finding
    assert 'href="./tracker.xlsx?rag=red"' in overdue, "the export link carries the filter"

    export = client.get("/maa/tracker.xlsx", params={"rag": "red"})
    assert export.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(export.content))["Actions"]
    assert sheet["A1"].value.endswith(": actions with RAG status red"), "the filter said in words"
    assert [cell.value for cell in sheet[2]][:4] == ["Audit", "Action", "What is to be done", "Owner agency"]
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert [r[1] for r in rows] == ["A1"]
    assert rows[0][2] == "'=HYPERLINK(\"http://evil.example\",\"Click\")" and sheet["C3"].data_type == "s"


def role_pairs(name: str) -> set[tuple[str, str]] | None:
    """A FAB role's global pairs, as Airflow's metadata database holds them (None: no such role)."""
    import sqlalchemy as sa
    from airflow.providers.fab.auth_manager.models import Role
    from airflow.utils.session import create_session

    with create_session() as session:
        role = session.scalar(sa.select(Role).where(Role.name == name))
        return None if role is None else {(p.action.name, p.resource.name) for p in role.permissions}


def test_the_registration_form_writes_a_definition_maa_check_accepts(browser_as, audit, folders: AuditFolders) -> None:
    client = browser_as("business-unit")
    assert role_pairs("Coordinator HSG") is None
    form = client.get("/maa/audits/new").text
    assert "POL | Police | Ben Okafor | ben.okafor@police.example.org" in form, "agencies start from the last audit"
    start = date.today() + timedelta(days=30)
    values = {"ref": "MACA-2027-02", "type": "MACA", "title": "", "theme": "Exploitation",
              "start": start.isoformat(), "chair_name": "Robin Vale", "chair_email": "robin.vale@example.org",
              "business_unit": "business.unit@example.org", "qiip": "qiip.chair@example.org",
              "nominating_agency": "CSC",
              "agencies": "CSC | Children's Social Care | Amira Shah | amira.shah@csc.example.org\n"
                          "POL | Police | Ben Okafor | not-an-address\n"
                          "HSG | Housing | Rui Costa | rui.costa@housing.example.org",
              "notice": "", "agency_audit": "five"}

    refused = client.post("/maa/audits/new", data=values)
    assert refused.status_code == 400
    assert "&#39;five&#39; is not a whole number" in refused.text
    assert "line 2: coordinator email: not a valid email address" in refused.text
    assert 'id="title" name="title" value=""' in refused.text and 'aria-invalid="true"' in refused.text
    summary = refused.text.split('id="outcome"')[1].split("</div>")[0]
    assert "3 field(s) to correct" in summary
    for name, label in (("title", "Title"), ("agencies", "Agencies"), ("agency_audit", "Agencies&#39; audit (weeks)")):
        assert f'<a href="#{name}">{label}</a>' in summary, "each problem named by its field's label"
    assert not (folders.audits / "MACA-2027-02.yaml").exists()

    values |= {"title": "Child exploitation: missing episodes", "agency_audit": "",
               "agencies": values["agencies"].replace("not-an-address", "ben.okafor@police.example.org")}
    registered = client.post("/maa/audits/new", data=values)
    assert registered.status_code == 200 and "Registered MACA-2027-02: Child exploitation" in registered.text
    assert 'href="../../dags/maa_maca_2027_02"' in registered.text and 'href="../dashboard#audit-MACA-2027-02"' \
        in registered.text, "links to the new audit's DAG and its timetable"
    assert 'id="ref" name="ref" value=""' in registered.text and 'name="title" value=""' in registered.text, \
        "the form is empty again for the next audit"
    definition = load_definition(folders.audits / "MACA-2027-02.yaml")
    notice_day = definition.timetable["notice_issued"]
    assert f"Notice issued: {notice_day:%A} {notice_day.day} {notice_day:%B %Y}" in registered.text
    assert (definition.ref, definition.start, [a.code for a in definition.agencies]) == \
           ("MACA-2027-02", start, ["CSC", "POL", "HSG"])
    assert role_pairs("Coordinator HSG") == COORDINATOR_PAIRS, "a new agency's role exists before its DAG names it"
    assert definition.timescale.agency_audit == 2, "a blank timescale takes the type's default (MACA: 2 weeks)"
    again = client.post("/maa/audits/new", data=values | {"ref": "maca-2027-02"})
    assert again.status_code == 400 and "already used by MACA-2027-02.yaml" in again.text


def test_the_registration_form_names_a_date_it_cannot_use_beside_a_broken_definition(browser_as,
                                                                                    folders: AuditFolders) -> None:
    """The year 9999 once overflowed the timetable: an HTTP 500 instead of the field's problem."""
    (folders.audits / "brackets.yaml").write_text("[" * 25 + "]" * 25)
    client = browser_as("business-unit")
    values = {"ref": "MACA-2027-03", "type": "MACA", "title": "Child exploitation", "theme": "Exploitation",
              "start": "9999-12-01", "chair_name": "Robin Vale", "chair_email": "robin.vale@example.org",
              "business_unit": "business.unit@example.org", "qiip": "qiip.chair@example.org",
              "nominating_agency": "CSC",
              "agencies": "CSC | Children's Social Care | Amira Shah | amira.shah@csc.example.org\n"
                          "POL | Police | Ben Okafor | ben.okafor@police.example.org"}
    refused = client.post("/maa/audits/new", data=values)
    assert refused.status_code == 400
    assert ('<span class="error" id="start-error">9999-12-01 is outside the years a definition may use '
            '(2000 to 2100)</span>') in refused.text
    registered = client.post("/maa/audits/new", data=values | {"start": "2027-01-04"})
    assert registered.status_code == 200 and "(written as MACA-2027-03.yaml)" in registered.text


def test_the_business_unit_records_attendance_and_a_coordinator_confirms_the_learning_was_shared(
        browser_as, audit, folders: AuditFolders, smtp_server: MailCatcher, tmp_path: Path) -> None:
    definition, store = audit
    mailer = resources.mailer(store)
    manager = "sam.patel@police.example.org"
    (folders.inbox(REF) / "returns").mkdir(exist_ok=True)
    (folders.inbox(REF) / "returns" / "POL.xlsx").write_bytes(completed_return(
        definition, "POL", CASES, tmp_path, overview={"attendee_1": f"Sam Patel; Team manager; {manager}"}))
    receiving.receive_return(definition, store, mailer, "POL", now())
    office = browser_as("business-unit")
    assert REF not in office.get("/maa/attendance").text, "no meeting is called before the invitation goes"
    assert office.get(f"/maa/attendance/{REF}").status_code == 404
    practitioner_pack.send_practitioner_pack(definition, store, mailer, now().date())
    assert browser_as("coordinator-pol").get(f"/maa/attendance/{REF}").status_code == 403

    page = office.get(f"/maa/attendance/{REF}").text
    assert f'href="./attendance/{REF}"' in office.get("/maa/attendance").text
    assert "Sam Patel" in page and "POL: Team manager" in page and "Pat Practitioner" in page
    numbers = {p.person.email: p.number for p in attendance_form(definition, store).people}
    answers = {f"attended-{numbers['pat.practitioner@agency.example.org']}": "yes",
               f"attended-{numbers[manager]}": "no"}
    assert browser_as("business-unit", origin="https://elsewhere.example").post(
        f"/maa/attendance/{REF}", data=answers).status_code == 403
    assert office.post(f"/maa/attendance/{REF}", data={}).status_code == 400
    recorded = office.post(f"/maa/attendance/{REF}", data=answers)
    assert recorded.status_code == 200 and "Recorded (version 1)." in recorded.text
    assert attendance(store, REF) == {"pat.practitioner@agency.example.org": True, manager: False}
    assert f'name="attended-{numbers[manager]}" value="no" checked' in recorded.text
    assert (folders.data / "archive" / REF / "attendance.v1.csv").exists(), "the intake path's archive"
    assert any("Attendance at the findings meeting recorded" in m["Subject"]
               for m in smtp_server.to(definition.business_unit.email))
    assert manager not in {p.email for p in in_attendance(definition, store)}

    police = browser_as("coordinator-pol")
    assert 'id="sharing"' not in police.get("/maa/upload/POL").text, "nothing to confirm before the briefing"
    store.record_event(REF, PUBLISHED, "final")
    upload_page = police.get("/maa/upload/POL").text
    assert f'action="../upload/POL/{REF}/shared"' in upload_page
    future = (now().date() + timedelta(days=2)).isoformat()
    refused = police.post(f"/maa/upload/POL/{REF}/shared", data={"shared_on": future, "how": ""})
    assert refused.status_code == 400 and "is after today" in refused.text and "say how it was shared" in refused.text
    assert browser_as("coordinator-pol").post(f"/maa/upload/ICB/{REF}/shared",
                                              data={"shared_on": "2026-01-01", "how": "x"}).status_code == 403
    today = now().date()
    confirmed = police.post(f"/maa/upload/POL/{REF}/shared", data={"shared_on": today.isoformat(),
                                                                   "how": "Briefings at each station"})
    assert confirmed.status_code == 200 and f"sharing confirmed for {REF}" in confirmed.text
    assert "Briefings at each station" in confirmed.text
    (pol,) = [s.shared for s in sharing_status(definition, store) if s.agency.code == "POL"]
    assert pol is not None and (pol.shared_on, pol.how) == (today, "Briefings at each station")
    for identifier in CHILD:
        assert identifier not in page + confirmed.text


def test_the_programme_report_is_on_the_dashboard_for_the_business_unit_and_qiip(browser_as, audit) -> None:
    from maa.programme.report import financial_year
    from tests.helpers.outputs import readable_bytes

    definition, store = audit
    store.save_audit(definition, f"{REF}.yaml")  # as its run's first task records it
    year = financial_year(now().date())
    period = {"from": year.first.isoformat(), "to": year.last.isoformat()}
    page = browser_as("qiip").get("/maa/dashboard").text
    assert 'action="./programme-report"' in page and f'value="{period["from"]}"' in page
    for user in ("business-unit", "qiip"):
        pdf = browser_as(user).get("/maa/programme-report", params={**period, "kind": "pdf"})
        assert (pdf.status_code, pdf.headers["content-type"]) == (200, "application/pdf"), user
        assert f"{REF} MATA" in " ".join(readable_bytes("report.pdf", pdf.content).split())
    workbook = browser_as("qiip").get("/maa/programme-report", params={**period, "kind": "xlsx"})
    audits = load_workbook(io.BytesIO(workbook.content))["Audits"]
    assert [row[0] for row in audits.iter_rows(min_row=2, values_only=True)] == [REF]
    assert browser_as("coordinator-pol").get("/maa/programme-report", params=period).status_code == 403
    refused = browser_as("qiip").get("/maa/programme-report", params={**period, "to": "31/03"})
    assert refused.status_code == 400 and "is not a date: write it as YYYY-MM-DD" in refused.text
    for child in CHILD:
        assert child not in readable_bytes("report.pdf", pdf.content)


@pytest.mark.slow
def test_in_chromium_the_timeline_reads_as_text_and_a_form_with_three_mistakes_names_all_three(
        api_app, audit, folders: AuditFolders, tmp_path: Path) -> None:
    """The pages served by Airflow's API server app, in Debian's Chromium, signed in on FAB's login page:
    the timeline's milestones are read as text and reached by keyboard; three mistakes come back at once; a
    coordinator's refused upload is shown under the agency's name."""
    from tests.helpers.browser import check_accessible, chromium, log_in, read_aloud, screenshot, serving

    definition, _ = audit
    notice_day, today = definition.timetable["notice_issued"], now().date()
    with serving(api_app) as url, chromium() as browser:
        page = log_in(browser, url, "business-unit", password_of("business-unit"))
        page.goto(f"{url}/maa/dashboard")
        check_accessible(page)
        said = read_aloud(page, f"#audit-{REF} .timeline li")
        assert said[:3] == [f"Notice issued {notice_day.day} {notice_day:%b %Y}: done",
                            f"Today {today.day} {today:%b %Y}",
                            f"Agency returns due {definition.timetable['submission_deadline']:%-d %b %Y}: due"]
        assert len(said) == 7, "six milestones and today"
        assert "done: the date has passed" in page.locator("#timeline-legend").inner_text()
        page.locator("body").focus()
        for _ in range(30):  # the skip link, Airflow's links, then each audit's timeline
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.getAttribute('aria-label')") == f"Timeline of {REF}":
                break
        else:
            pytest.fail("the timeline cannot be reached by keyboard")
        screenshot(page, "dashboard-timeline")

        page.goto(f"{url}/maa/audits/new")
        for label, value in (("Reference", REF), ("Title", "Neglect in adolescence"), ("Chair's name", "Robin Vale"),
                             ("Chair's email", "robin.vale@example.org"), ("Notice (weeks)", "3"),
                             ("Agencies' audit (weeks)", "6")):
            page.get_by_label(label).fill(value)
        page.get_by_role("button", name="Register the audit").click()
        listed = read_aloud(page, "#outcome li")
        assert [item.split(":")[0] for item in listed] == ["Reference", "Theme", "Notice (weeks)"], listed
        assert listed[1] == "Theme: required for a MATA" and "already used by" in listed[0]
        assert "no more than 8" in listed[2]
        screenshot(page, "register-errors")
        check_accessible(page)

        police = log_in(browser, url, "coordinator-pol", password_of("coordinator-pol"))
        police.goto(f"{url}/maa/upload/POL")
        named = completed_return(definition, "POL", CASES, tmp_path, cells={"D3": f"{DISTINCTIVE_NAME} said"})
        with TheAudit(definition, audit[1], "POL"):
            police.set_input_files(f"#file-{REF}", files=[{"name": "Police return.xlsx", "buffer": named,
                                   "mimeType": "application/octet-stream"}])
            police.get_by_role("button", name="Upload and check").click()
            police.wait_for_selector("#outcome", timeout=120_000)
        assert police.locator("h1").inner_text() == "Upload Police's return"
        assert police.locator("#outcome").inner_text().startswith(f"Refused: {REF}, version 1.")
        screenshot(police, "upload-refused")
        assert DISTINCTIVE_NAME not in police.content()
    assert not (folders.audits / f"{REF.lower()}.yaml").exists()
