"""The whole DAG folder parses, every DAG follows the house rules, and one bad definition hides nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.dags import dag_bag
from tests.helpers.definitions import PROJECT, AuditFolders

# DAGs over the whole programme rather than one audit (scheduled, not triggered by the Business Unit).
PROGRAMME_DAGS: set[str] = {"maa_action_tracker", "maa_retention"}


def audit_dags(bag) -> dict:
    return {dag_id: dag for dag_id, dag in bag.dags.items() if dag_id not in PROGRAMME_DAGS}


def test_sample_definitions_parse_without_import_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("MAA_AUDITS_DIR", raising=False)
    bag = dag_bag()
    assert bag.import_errors == {}
    assert "maa_mata_2026_01" in bag.dags
    assert PROGRAMME_DAGS <= set(bag.dags)
    assert all(dag.dag_display_name != dag_id for dag_id, dag in bag.dags.items()), "each DAG card says what it is"


def test_every_dag_follows_the_house_rules(folders: AuditFolders) -> None:
    folders.write_definition()
    folders.write_definition({"ref": "MACA-2026-07", "type": "MACA", "theme": None}, remove=("theme",))
    folders.write_definition({"ref": "PAA-2026-01", "type": "PAA", "period": {"from": "2025-04-01",
                                                                               "to": "2026-03-31"}},
                             remove=("nominating_agency", "theme", "extensions"))
    bag = dag_bag()
    assert bag.import_errors == {}
    assert sorted(audit_dags(bag)) == ["maa_maca_2026_07", "maa_mata_2026_01", "maa_paa_2026_01"]
    for dag in audit_dags(bag).values():
        assert dag.doc_md and "| Milestone |" in dag.doc_md, dag.dag_id
        assert dag.tags and "multi-agency-audit" in dag.tags
        assert dag.catchup is False
        assert dag.schedule is None  # the Business Unit triggers each audit
        assert "dry_run" in dag.params
        for task in dag.tasks:
            assert task.owner == "business-unit"
            assert task.retries >= 1, task.task_id
    paa = bag.dags["maa_paa_2026_01"]
    assert "receive_nominations" not in paa.task_ids  # a PAA has areas, not cases
    sample = bag.dags["maa_mata_2026_01"]
    assert sample.dag_display_name == f"MATA-2026-01: {sample.description.split(': ', 1)[1]}"
    phases = {task.task_id: task.task_group.group_id for task in sample.tasks}
    assert (phases["prepare_audit"], phases["receive_return"], phases["send_chair_briefing"],
            phases["publish_final_report"], phases["round_2.qiip_signoff"]) == (
        "phase_1_preparation", "phase_2_returns", "phase_3_findings", "phase_4_signoff", "round_2"), \
        "the graph folds by phase, the task ids unchanged"
    mata = _upstream(sample)
    assert {task: mata[task] for task in PHASES_1_AND_2} == PHASES_1_AND_2
    assert {task: mata[task] for task in PHASES_3_AND_4} == PHASES_3_AND_4
    for round_number in (1, 2, 3):  # the Business Unit's quality assurance always comes before QiiP's
        group = f"round_{round_number}"
        assert mata[f"{group}.bu_quality_assurance"] == [f"{group}.build_draft_report"]
        assert mata[f"{group}.qiip_signoff"] == [f"{group}.bu_quality_assurance"]
    assert set(mata) == set(PHASES_1_AND_2) | set(PHASES_3_AND_4) | {
        f"round_{n}.{task}" for n in (1, 2, 3) for task in ROUND_TASKS} - {
        "round_1.send_changes_to_chair", "round_1.receive_revised_analysis"}


PHASES_1_AND_2 = {
    "prepare_audit": [],
    "wait_for_notice_date": ["prepare_audit"],
    "send_notice": ["wait_for_notice_date"],
    "receive_nominations": ["send_notice"],
    "build_audit_packs": ["receive_nominations"],
    "send_audit_packs": ["build_audit_packs"],
    "receive_return": ["build_audit_packs", "send_audit_packs"],  # mapped over the packs' agency codes
    "wait_for_submission_deadline": ["send_audit_packs"],
    "escalate_missing_returns": ["wait_for_submission_deadline"],
    "report_no_returns": ["receive_return"],
}
PHASES_3_AND_4 = {
    "send_practitioner_pack": ["wait_for_submission_deadline"],
    "send_late_returns_addendum": ["report_no_returns", "send_practitioner_pack"],
    "send_chair_briefing": ["report_no_returns"],
    "receive_chair_analysis": ["send_chair_briefing"],
    "round_1.build_draft_report": ["receive_chair_analysis"],
    "wait_for_signoff_due": ["round_1.build_draft_report"],
    "remind_qiip_of_signoff": ["wait_for_signoff_due"],
    "round_2.send_changes_to_chair": ["round_1.changes_requested_by_bu", "round_1.changes_requested_by_qiip"],
    "round_2.receive_revised_analysis": ["round_2.send_changes_to_chair"],
    "round_2.build_draft_report": ["round_2.receive_revised_analysis"],
    "publish_final_report": ["round_1.approved_by_qiip", "round_2.approved_by_qiip", "round_3.approved_by_qiip"],
    "alert_rounds_exhausted": ["round_3.changes_requested_by_bu", "round_3.changes_requested_by_qiip"],
}
ROUND_TASKS = ("send_changes_to_chair", "receive_revised_analysis", "build_draft_report",
               "bu_quality_assurance", "changes_requested_by_bu", "qiip_signoff", "changes_requested_by_qiip",
               "approved_by_qiip")


def _upstream(dag) -> dict[str, list[str]]:
    return {task.task_id: sorted(task.upstream_task_ids) for task in dag.tasks}


def test_a_broken_definition_is_an_import_error_naming_it_and_hides_nothing(folders: AuditFolders) -> None:
    folders.write_definition()
    folders.write_definition({"ref": "MATA-2026-02", "timescale": {"notice": 4, "agency_audit": 5}},
                             name="broken.yaml")
    (folders.audits / "not-yaml.yaml").write_text("ref: [unclosed\n")
    bag = dag_bag()
    assert list(audit_dags(bag)) == ["maa_mata_2026_01"]
    assert len(bag.import_errors) == 1
    (where, message), = bag.import_errors.items()
    assert Path(where).name == "maa_definition_errors.py"
    assert "broken.yaml: timescale: notice + agency_audit is 9 weeks" in message
    assert "not-yaml.yaml: line 2" in message


def test_refs_equal_but_for_case_refuse_the_later_file_naming_both(folders: AuditFolders) -> None:
    first = folders.write_definition(name="a.yaml")
    folders.write_definition({"ref": "mata-2026-01"}, name="b.yaml")
    bag = dag_bag()
    assert list(audit_dags(bag)) == ["maa_mata_2026_01"]
    (message,) = bag.import_errors.values()
    assert "b.yaml: ref:" in message and str(first) in message


def test_hostile_definitions_are_import_errors_and_every_other_audit_keeps_its_dag(folders: AuditFolders) -> None:
    """A date that overflowed the timetable once failed the whole maa_audits.py file, and with it every audit."""
    folders.write_definition()
    folders.write_definition({"ref": "MATA-9999-01", "start": "9999-12-01"}, name="year-9999.yaml")
    (folders.audits / "twice.yaml").write_text("ref: MATA-2026-05\nref: MATA-2026-06\n")
    folders.write_definition({"ref": "MATA-2026-07", "timescale": {"notice": True}}, name="boolean.yaml")
    folders.write_definition({"ref": "---"}, name="dashes.yaml")
    bag = dag_bag()
    assert list(audit_dags(bag)) == ["maa_mata_2026_01"]
    (where, message), = bag.import_errors.items()
    assert Path(where).name == "maa_definition_errors.py"
    for line in ("year-9999.yaml: start: 9999-12-01 is outside the years a definition may use (2000 to 2100)",
                 "twice.yaml: line 2: 'ref' is given twice in the same mapping (first on line 1)",
                 "boolean.yaml: timescale.notice: a whole number is expected",
                 "dashes.yaml: ref: a letter first, then letters, digits and single dashes"):
        assert line in message, message


def test_dag_files_do_not_import_heavy_libraries() -> None:
    """Parse every DAG file in a fresh interpreter, whatever its imports import in turn: none of the heavy
    libraries may be loaded at parse time (they are imported inside the tasks)."""
    import subprocess
    import sys

    heavy = ("great_expectations", "weasyprint", "pandas", "openpyxl")
    probe = ("import runpy, sys, pathlib\n"
             f"for path in sorted(pathlib.Path({str(PROJECT / 'dags')!r}).glob('*.py')):\n"
             "    runpy.run_path(str(path))\n"
             "assert {'maa.pipeline.factory', 'maa.pipeline.tracker_dag', 'maa.pipeline.retention_dag'} <= "
             "set(sys.modules)\n"
             f"print(sorted(m for m in {heavy!r} if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120)
    assert loaded.stdout.strip().splitlines()[-1] == "[]"


def test_programme_dags_follow_the_house_rules() -> None:
    bag = dag_bag()
    for dag_id in sorted(PROGRAMME_DAGS):
        dag = bag.dags[dag_id]
        assert dag.doc_md and dag.tags and "multi-agency-audit" in dag.tags, dag_id
        assert dag.catchup is False and dag.max_active_runs == 1, dag_id
        for task in dag.tasks:
            assert task.owner and task.retries >= 1, (dag_id, task.task_id)


def test_under_the_fab_auth_manager_each_audit_dag_names_its_own_roles_and_warns_of_nothing(
        folders: AuditFolders, monkeypatch: pytest.MonkeyPatch) -> None:
    """The roles named exist only where `maa roles sync` made them, so the DAGs name them only where Airflow
    applies access_control (a FAB auth manager); the tests above parse with the simple one and name none."""
    import warnings

    from maa.audit.definitions import load_definition
    from maa.ops.services import AUTH_MANAGER
    from maa.pipeline.permissions import PROGRAMME_ACCESS_CONTROL, audit_access_control

    sample = load_definition(folders.write_definition())
    monkeypatch.setenv("AIRFLOW__CORE__AUTH_MANAGER", AUTH_MANAGER)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bag = dag_bag()
    assert bag.import_errors == {}
    assert bag.dags["maa_mata_2026_01"].access_control == audit_access_control(sample)
    assert "Coordinator PROB" in bag.dags["maa_mata_2026_01"].access_control
    for dag_id in PROGRAMME_DAGS:
        assert bag.dags[dag_id].access_control == PROGRAMME_ACCESS_CONTROL, dag_id
    assert not [w for w in caught if "permissions" in str(w.message)], "no deprecation beside every audit"
    monkeypatch.delenv("AIRFLOW__CORE__AUTH_MANAGER")
    assert dag_bag().dags["maa_mata_2026_01"].access_control is None
