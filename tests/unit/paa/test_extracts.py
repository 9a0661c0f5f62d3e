"""PAA data extracts: checked before anything is loaded (every reason names file, row and column, never a
cell), loaded without writing a row twice, and taken from the inbox accepted or quarantined."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from maa.audit.definitions import AuditDefinition
from maa.outputs.store import Store
from maa.paa import extracts, figures
from maa.pipeline import resources
from tests.helpers.definitions import AuditFolders
from tests.helpers.mail import MailCatcher
from tests.helpers.nominations import DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID
from tests.helpers.paa_data import PERIOD, REF, events, extract_csv, load, within


def test_a_newer_extract_replaces_the_measure_and_a_reload_writes_no_row_twice(paa: AuditDefinition,
                                                                               store: Store) -> None:
    first, second = events("marac", 5, 120), events("marac", 6, 80)
    load(store, "marac", first)
    load(store, "marac", first)  # the same extract again (a rerun): same keys, same rows
    assert _rows(store, "marac") == 120
    load(store, "marac", second, version=2)
    assert _rows(store, "marac") == 80
    (m,) = [m for m in figures.compute(paa, store, figures.Population({}, [], False)).measures
            if m.measure == "marac"]
    assert m.extract["version"] == 2 and m.total.current == sum(1 for d, _, _ in second if within(d, PERIOD))


def _rows(store: Store, measure: str) -> int:
    table = store.table("paa_events")
    with store.engine.connect() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(table).where(
            table.c.audit_ref == REF, table.c.measure == measure)).scalar_one()


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("marf.csv", b"date,category\n2025-04-01,Police\n",
     "marf.csv: not a measure this audit reads: name the file one of contacts.csv, marac.csv"),
    ("contacts.xlsx", b"date,category\n2025-04-01,Police\n", "contacts.xlsx: not a measure this audit reads"),
    ("contacts.csv", b"", "contacts.csv: the file is empty"),
    ("contacts.csv", b"\n \n", "contacts.csv: the file is empty"),
    ("contacts.csv", b"date,category\n", "contacts.csv: the file has a header but no event rows"),
    ("contacts.csv", b"PK\x03\x04rest", "contacts.csv: not a CSV text file"),
    ("contacts.csv", b"date\n2025-04-01\n", "contacts.csv: row 1, column category: column is missing"),
    ("contacts.csv", b"category,outcome\nPolice,\n", "contacts.csv: row 1, column date: column is missing"),
    ("contacts.csv", b"date,category,date\n2025-04-01,a,2025-04-01\n",
     "contacts.csv: row 1, column date: column appears more than once"),
    ("marac.csv", b"date,category\n2025-04-01,High\n01/04/2025,High\n",
     "marac.csv: row 3, column date: not a date: write it as YYYY-MM-DD (ISO)"),
    ("marac.csv", b"date,category\n2025-04-01,High\n2025-02-30,High\n", "marac.csv: row 3, column date: not a date"),
    ("marac.csv", b"date,category\n2025-04-01,High\n,High\n", "marac.csv: row 3, column date: date is empty"),
    ("marac.csv", b"date,category\n2025-04-01,High\n2025-04-02,\n",
     "marac.csv: row 3, column category: category is empty"),
    ("marac.csv", b"date,category\n2025-04-01,High,extra\n", "marac.csv: row 2: has 3 cells; the header has 2"),
    ("marac.csv", b"date,category\n2025-04-01," + b"x" * 101 + b"\n",
     "marac.csv: row 2, column category: category is longer than 100 characters"),
    ("marac.csv", b"date,category,outcome\n2025-04-01,High," + b"y" * 101 + b"\n",
     "marac.csv: row 2, column outcome: outcome is longer than 100 characters"),
    ("allegations.csv", b"date,category,notes\n2025-04-01,Physical,x\n",
     "allegations.csv: row 1, column 3: its heading is not one of date, category, outcome"),
])
def test_every_reason_names_the_file_row_and_column(name: str, content: bytes, reason: str) -> None:
    checked = extracts.check_extract(name, content)
    assert not checked.accepted and checked.events == []
    assert any(r.startswith(reason) for r in checked.reasons()), checked.reasons()


def test_an_extract_without_its_header_row_is_refused_without_repeating_the_first_row() -> None:
    content = f"2025-04-01,{DISTINCTIVE_NAME},Police\n2025-04-02,Another Child,Health\n".encode()
    reasons = extracts.check_extract("contacts.csv", content).reasons()
    assert "contacts.csv: row 1, column 2: its heading is not one of date, category, outcome" in " ".join(reasons)
    assert not any(DISTINCTIVE_NAME.lower() in r.lower() for r in reasons)


@pytest.mark.parametrize("column", ["child_name", "system_id", "dob", "Date of Birth", "NHS number", "ChildName",
                                    "id", "first name", "postcode"])
def test_a_column_that_may_identify_a_child_is_refused_without_repeating_its_values(column: str) -> None:
    content = f"date,category,{column}\n2025-04-01,Police,{DISTINCTIVE_NAME}\n".encode()
    checked = extracts.check_extract("contacts.csv", content)
    (reason,) = checked.reasons()
    assert reason.startswith(f"contacts.csv: row 1, column {column.lower()}: looks like it carries a child's name")
    assert DISTINCTIVE_NAME not in reason


def test_a_wrong_name_heading_or_row_length_hides_no_other_reason() -> None:
    content = (f"date,category,outcome,child_name\n2025-04-01,Police,,{DISTINCTIVE_NAME}\n2025-13-01,,x\n"
               f",Health,{'y' * 101},{DISTINCTIVE_NAME}\n").encode()
    assert extracts.check_extract("contact.csv", content).reasons() == [
        "contact.csv: not a measure this audit reads: name the file one of contacts.csv, marac.csv, conferences.csv, "
        "strategy_discussions.csv, allegations.csv",
        "contact.csv: row 1, column child_name: looks like it carries a child's name, date of birth or id: event "
        "rows must carry only date, category and outcome; remove the column",
        "contact.csv: row 3: has 3 cells; the header has 4",
        "contact.csv: row 4, column date: date is empty",
        "contact.csv: row 4, column outcome: outcome is longer than 100 characters: it should be an outcome, not a "
        "description",
    ]


def test_category_and_outcome_are_not_mistaken_for_identifiers() -> None:
    assert not any(extracts.looks_identifying(c) for c in ("date", "category", "outcome", "Category", "month"))


def test_extracts_leave_the_inbox_accepted_or_quarantined_and_the_business_unit_hears_why(
        paa: AuditDefinition, folders: AuditFolders, smtp_server: MailCatcher) -> None:
    store = Store(f"sqlite:///{folders.data / 'store.sqlite'}")
    store.save_audit(paa, "PAA-2026-01.yaml")
    data = folders.inbox(REF) / "data"
    data.mkdir()
    (data / "contacts.csv").write_bytes(extract_csv(events("contacts", 7, 50)))
    (data / "marac.csv").write_text(f"date,category,system_id\n2025-05-01,High risk,{DISTINCTIVE_SYSTEM_ID}\n")
    (data / "marf.csv").write_bytes(extract_csv(events("contacts", 8, 5)))
    mailer = resources.mailer(store)

    assert extracts.receive_extracts(paa, store, mailer) == {
        "contacts.csv": "accepted", "marac.csv": "refused", "marf.csv": "refused"}

    assert list(data.iterdir()) == [], "every processed file leaves the inbox"
    assert (folders.data / "archive" / REF / "data" / "contacts.v1.csv").exists()
    quarantine = folders.data / "quarantine" / REF / "data"
    reasons = (quarantine / "marac.v1.csv.reasons.txt").read_text()
    assert "marac.csv: row 1, column system_id: looks like it carries a child's name" in reasons
    assert (quarantine / "marf.v1.csv.reasons.txt").exists()
    told = smtp_server.to(paa.business_unit.email)
    assert sorted(m["Subject"] for m in told) == [
        f"OFFICIAL [{REF}] Data extract marac.csv refused (version 1)",
        f"OFFICIAL [{REF}] Data extract marf.csv refused (version 1)"]
    body = next(m for m in told if "marac" in m["Subject"]).get_body(("plain",)).get_content()
    assert "row 1, column system_id" in body and "marac.v1.csv" in body
    assert all(DISTINCTIVE_SYSTEM_ID not in m.as_string() for m in told) and DISTINCTIVE_SYSTEM_ID not in reasons
    assert _rows(store, "contacts") == 50 and _rows(store, "marac") == 0

    (data / "marac.csv").write_bytes(extract_csv(events("marac", 9, 30)))  # corrected and sent again
    assert extracts.receive_extracts(paa, store, mailer) == {"marac.csv": "accepted"}
    assert (folders.data / "archive" / REF / "data" / "marac.v2.csv").exists()
    assert extracts.receive_extracts(paa, store, mailer) == {}, "a rerun finds nothing to do"
    assert len(smtp_server.messages) == 2
    assert [f["outcome"] for f in store.inbox_files(REF, extracts.INBOX_KIND)] == ["accepted", "refused", "refused",
                                                                                   "accepted"]
