"""An audit's case list accepted by Phase 1's own function, as the pipeline leaves it in the archive."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from maa.audit.definitions import AuditDefinition, load_definition
from maa.config import LONDON
from maa.outputs.mailer import Mailer
from maa.outputs.store import Store
from maa.pipeline import resources
from maa.preparation import case_list
from tests.helpers.definitions import AuditFolders
from tests.helpers.nominations import nominations_csv

IN_THE_NOTICE_PERIOD = datetime(2026, 6, 2, 10, tzinfo=LONDON)  # the sample audit starts on Mon 1 Jun 2026


def accept_case_list(folders: AuditFolders, store: Store, definition: AuditDefinition) -> Path:
    """The distinctive child and one other accepted for `definition`; the archived list's path."""
    (folders.inbox(definition.ref) / "nominations.csv").write_text(nominations_csv())
    assert case_list.receive_nominations(definition, store, resources.mailer(store), IN_THE_NOTICE_PERIOD,
                                         key=resources.pseudonym_key).accepted
    (archived,) = (folders.data / "archive" / definition.ref).glob("nominations.v*.csv")
    return archived


def audit_with_cases(folders: AuditFolders, accepted_at: datetime) -> tuple[AuditDefinition, Store, Mailer]:
    """The sample audit with its two cases accepted, as after Phase 1, on a SQLite store of its own."""
    definition = load_definition(folders.write_definition())
    store = Store(f"sqlite:///{folders.data / 'store.sqlite'}")
    mailer = resources.mailer(store)
    (folders.inbox(definition.ref) / "nominations.csv").write_text(nominations_csv())
    assert case_list.receive_nominations(definition, store, mailer, accepted_at,
                                         key=resources.pseudonym_key).accepted
    return definition, store, mailer
