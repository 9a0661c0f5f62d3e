"""The tracker's tables of actions, their review links and updates, on PostgreSQL as on SQLite."""

from __future__ import annotations

import pytest

from maa.outputs.store import Store
from maa.tracker.actions import tracked_actions
from maa.tracker.register import refresh_register, remind_owners
from maa.tracker.updates import receive_updates
from tests.helpers.definitions import AuditFolders
from tests.helpers.mail import MailCatcher
from tests.helpers.tracker_seed import (
    ACTIONS_A,
    IMPACT_DAY,
    REF_A,
    copy_sample_register,
    drop_update,
    seed_audit,
    tracker_on,
    update_workbook,
)


@pytest.mark.postgres
def test_the_tracker_tables_work_on_postgresql(postgres_store: str, folders: AuditFolders,
                                               smtp_server: MailCatcher) -> None:
    store = Store(postgres_store)
    seed_audit(folders, store, {}, ACTIONS_A)
    copy_sample_register(folders)
    tracker = tracker_on(store, IMPACT_DAY)
    assert refresh_register(tracker) == {"register": "loaded", "findings": 6, "links": 4}
    assert refresh_register(tracker)["links"] == 4, "rebuilt whole: the same four links, none twice"
    drop_update(folders, "EDU", update_workbook([(REF_A, "A4", "Complete", "Attendance panel meets monthly.")]))
    assert receive_updates(tracker)["accepted"] == ["EDU"]
    assert f"{REF_A}/A4/overdue" not in remind_owners(tracker)
    (a4,) = [a for a in tracked_actions(store, REF_A) if a.action_id == "A4"]
    assert a4.review_refs == ["LCSPR-2022-01", "SCR-2019-01"] and a4.status == "Complete"
