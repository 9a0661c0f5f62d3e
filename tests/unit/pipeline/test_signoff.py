"""A sign-off answer is never lost: a retried sign-off task takes the answer an earlier try recorded."""

from __future__ import annotations

from datetime import UTC, datetime

from maa.audit.definitions import load_definition
from maa.pipeline import resources
from maa.signoff.decisions import APPROVE, REQUEST_CHANGES, Decision, decisions, record_decision, recorded_decision
from tests.helpers.definitions import AuditFolders

ANSWERED_AT = datetime(2026, 9, 14, 13, 5, tzinfo=UTC)


def test_a_decision_is_kept_once_with_its_moment_and_read_back_as_the_event_it_came_from(
        folders: AuditFolders) -> None:
    definition = load_definition(folders.write_definition())
    store = resources.store()
    first = Decision(1, "bu_quality_assurance", REQUEST_CHANGES, "Dana Jones", ANSWERED_AT, "Say more on drift")
    record_decision(store, definition.ref, first)
    record_decision(store, definition.ref, Decision(1, "bu_quality_assurance", APPROVE, "Someone else",
                                                    ANSWERED_AT, ""))  # a second recording changes nothing

    assert decisions(store, definition.ref) == [first]
    assert recorded_decision(store, definition.ref, 1, "bu_quality_assurance") == first
    assert recorded_decision(store, definition.ref, 1, "qiip_signoff") is None
    assert first.as_event() == {"chosen_options": [REQUEST_CHANGES], "params_input": {"comment": "Say more on drift"},
                                "responded_at": ANSWERED_AT,
                                "responded_by_user": {"id": "Dana Jones", "name": "Dana Jones"}}


def test_a_retried_signoff_task_takes_the_recorded_answer_and_asks_nobody_again(folders: AuditFolders) -> None:
    from maa.pipeline.signoff import SignoffOperator, comment_param

    path = folders.write_definition()
    definition = load_definition(path)
    completed: list[dict] = []

    class Retried(SignoffOperator):
        """The real operator; only the branching (which needs a scheduled task instance) is watched."""

        def execute_complete(self, context, event):
            completed.append(event)
            return "branched"

    task = Retried(task_id="qiip_signoff", stage="qiip_signoff", round_number=2, definition_file=path.name,
                   approve_to="approved", changes_to="changes", summary_task_id="draft", params=comment_param())
    record_decision(resources.store(), definition.ref, Decision(2, "qiip_signoff", APPROVE, "Priya Shah",
                                                                ANSWERED_AT, ""))

    assert task.execute({"params": {}}) == "branched"
    assert completed == [Decision(2, "qiip_signoff", APPROVE, "Priya Shah", ANSWERED_AT, "").as_event()]
    assert [e["kind"] for e in resources.store().emails(definition.ref)] == [], "nobody was asked again"

