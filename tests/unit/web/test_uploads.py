"""The upload page waits long enough for the DAG to look at what was uploaded."""

from __future__ import annotations

from maa.config import Settings


def test_the_page_waits_longer_than_the_dag_takes_to_look_at_an_upload() -> None:
    """Hold before a trigger's first look, one poll, the default settle time, then about half a minute to start
    the task and validate: an upload's outcome is on the page unless something is wrong."""
    from maa.pipeline.triggers import HOLD_SECONDS

    defaults = Settings.from_environment({})
    UPLOAD_WAIT_SECONDS, INBOX_POLL_SECONDS = defaults.upload_wait_seconds, defaults.inbox_poll_seconds  # noqa: N806

    assert UPLOAD_WAIT_SECONDS >= HOLD_SECONDS + INBOX_POLL_SECONDS + 5 + 30
