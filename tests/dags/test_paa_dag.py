"""Where a PAA takes in its data extracts (before the chair's briefing, and again before the first draft), and
what a MATA without cases waits for."""

from __future__ import annotations

from tests.helpers.dags import dag_bag
from tests.helpers.definitions import THEMATIC_DEFINITION, AuditFolders
from tests.helpers.paa_data import paa_definition_changes


def test_a_paa_takes_in_its_data_before_the_briefing_and_the_draft_and_a_mata_does_not(
        folders: AuditFolders) -> None:
    changes, remove = paa_definition_changes()
    folders.write_definition(changes, remove=remove)
    folders.write_definition()
    bag = dag_bag()
    paa, mata = bag.dags["maa_paa_2026_01"], bag.dags["maa_mata_2026_01"]

    upstream = {task.task_id: set(task.upstream_task_ids) for task in paa.tasks}
    assert upstream["receive_data_extracts"] == {"report_no_returns"}
    assert "receive_data_extracts" in upstream["send_chair_briefing"]
    assert upstream["receive_late_data_extracts"] == {"receive_chair_analysis"}
    assert upstream["round_1.build_draft_report"] == {"receive_late_data_extracts"}
    assert not {"receive_data_extracts", "receive_late_data_extracts"} & set(mata.task_ids)


def test_a_mata_without_cases_awaits_no_case_list(folders: AuditFolders) -> None:
    folders.write_definition(source=THEMATIC_DEFINITION)
    folders.write_definition()
    bag = dag_bag()
    thematic, mata = bag.dags["maa_mata_2026_02"], bag.dags["maa_mata_2026_01"]
    assert "receive_nominations" not in thematic.task_ids and "receive_nominations" in mata.task_ids
    assert thematic.get_task("build_audit_packs").upstream_task_ids == {"send_notice"}
    assert not {"receive_data_extracts", "receive_late_data_extracts"} & set(thematic.task_ids)
