"""What the demo says a run waits for: whose answer or file, which task, where, which login."""

from __future__ import annotations

from maa.audit.definitions import AuditDefinition
from maa.ops.waiting import file_waits, signoff_wait
from tests.helpers.definitions import sample_definition

DEFINITION = AuditDefinition.model_validate(sample_definition())
LOGINS = {"Business Unit": "business-unit", "QiiP": "qiip"}


def test_a_parked_signoff_names_whose_answer_the_task_where_and_the_login() -> None:
    said = signoff_wait(DEFINITION, "round_2.qiip_signoff", "http://127.0.0.1:8080", "manual__1", LOGINS)
    assert said == ("waiting for QiiP's sign-off of round 2's draft (round_2.qiip_signoff), answered by the QiiP "
                    "role: open http://127.0.0.1:8080/dags/maa_mata_2026_01/runs/manual__1/tasks/"
                    "round_2.qiip_signoff/required_actions, log in as qiip, and choose Approve or Request changes")
    assert "someone holding the Business Unit role" in signoff_wait(
        DEFINITION, "round_1.bu_quality_assurance", "http://x", "r", {})
    assert signoff_wait(DEFINITION, "send_notice", "http://x", "r", LOGINS) is None


def test_each_file_a_wait_looks_out_for_is_named_with_its_sender_and_folder() -> None:
    task_instances = [
        {"task_id": "receive_return", "rendered_map_index": "PROB", "state": "deferred"},
        {"task_id": "receive_return", "rendered_map_index": "POL", "state": "success"},
        {"task_id": "receive_nominations", "state": "up_for_reschedule"},
        {"task_id": "round_2.receive_revised_analysis", "state": "running"},
        {"task_id": "wait_for_submission_deadline", "state": "deferred"},
    ]
    assert file_waits(DEFINITION, task_instances, "/srv/maa/inbox/") == [
        "waiting for Probation Service's return (receive_return[PROB]): PROB.xlsx into "
        "/srv/maa/inbox/MATA-2026-01/returns/",
        "waiting for Children's Social Care's case list (receive_nominations): nominations.csv into "
        "/srv/maa/inbox/MATA-2026-01/",
        "waiting for the chair's analysis (round_2.receive_revised_analysis): analysis.xlsx (and narrative.md, "
        "if any) into /srv/maa/inbox/MATA-2026-01/chair/",
    ]
