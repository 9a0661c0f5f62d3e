"""Retention: an audit seeded through the real Phase 1 and 2 functions, beside audits that must keep their files;
exactly the identifying files go, logged in the store; dry run, rerun, and `maa resolve-case` before and after."""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from maa import cli, config
from maa.audit.definitions import AuditDefinition, load_definition
from maa.config import LONDON
from maa.intake import inbox
from maa.ops.services import free_port
from maa.outputs.mailer import Mailer
from maa.outputs.store import Store
from maa.pipeline import resources
from maa.preparation import audit_packs, case_list, notice
from maa.privacy.endings import Ending, audit_end
from maa.privacy.resolution import resolutions
from maa.privacy.retention import DUE, HELD, NOT_ENDED, WITHIN_RETENTION, purge_of, purged_files, run_retention
from maa.returns import receiving
from maa.returns.checks import Concern
from maa.signoff.decisions import APPROVE, Decision, record_decision
from tests.helpers.definitions import AuditFolders
from tests.helpers.nominations import DISTINCTIVE_DOB, DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID, nominations_csv

PURGED, KEPT_UNAPPROVED, KEPT_LONGER = "MATA-2026-01", "MATA-2026-01-B", "MATA-2026-03"
APPROVED_AT = datetime(2026, 9, 14, 10, tzinfo=UTC)  # retention 90 days: kept to 13 Dec, purged from 14 Dec 2026
PURGE_DAY, LAST_DAY_KEPT = date(2026, 12, 14), date(2026, 12, 13)
IN_NOTICE = datetime(2026, 6, 3, 12, 0, tzinfo=LONDON)
SPOOL = "spool/maa_mata_2026_01/manual__2026-07-20/receive_return-1"  # maa.pipeline.context.task_spool
STRAY_NAME = f"{DISTINCTIVE_NAME} notes.txt"  # a person's own file in the inbox, named after the child
IDENTIFIERS = (DISTINCTIVE_NAME, DISTINCTIVE_SYSTEM_ID, DISTINCTIVE_DOB)


@dataclass
class World:
    folders: AuditFolders
    store: Store
    purged: AuditDefinition

    @property
    def root(self) -> Path:
        return self.folders.data.parent


def seed_audit(folders: AuditFolders, store: Store, changes: dict, *, returns: bool = False) -> AuditDefinition:
    """An audit as the pipeline leaves it: a refused then an accepted case list, audit packs and their emails
    (sent and dry-run), notices, and optionally returns in the inbox, archive and quarantine with a concern."""
    definition = load_definition(folders.write_definition(changes))
    ref, mailer = definition.ref, resources.mailer(store)
    notice.prepare(definition, f"{ref}.yaml", store, key=resources.pseudonym_key)
    notice.send_notice(definition, mailer)
    case_list_file = folders.inbox(ref) / "nominations.csv"
    case_list_file.write_text(nominations_csv()[:-40])  # cut short: refused, quarantined with its reasons
    assert not case_list.receive_nominations(definition, store, mailer, IN_NOTICE, key=resources.pseudonym_key).accepted
    case_list_file.write_text(nominations_csv())
    assert case_list.receive_nominations(definition, store, mailer, IN_NOTICE, key=resources.pseudonym_key).accepted
    for agency in definition.agencies:  # what build_audit_packs writes, without rendering six PDFs
        pack, template = audit_packs.pack_paths(definition, agency.code)
        pack.parent.mkdir(parents=True, exist_ok=True)
        pack.write_bytes(f"%PDF-1.7 OFFICIAL-SENSITIVE {DISTINCTIVE_NAME} {DISTINCTIVE_DOB}".encode())
        template.write_bytes(b"PK return template with case refs C-01 and C-02")
    audit_packs.send_audit_packs(definition, mailer)
    audit_packs.send_audit_packs(definition, resources.mailer(store, dry_run=True))
    notice.send_notice(definition, resources.mailer(store, dry_run=True))
    for report in ("practitioner-pack.pdf", "chair-briefing.pdf", "audit-overview-report.pdf",
                   "learning-briefing.pdf"):
        (folders.output / ref / report).write_bytes(b"%PDF-1.7 case refs and age bands only")
    if returns:
        _returns(definition, folders, store, mailer)
    return definition


def _returns(definition: AuditDefinition, folders: AuditFolders, store: Store, mailer: Mailer) -> None:
    ref, returns = definition.ref, folders.inbox(definition.ref) / "returns"
    returns.mkdir()
    for code in ("CSC", "ICB"):
        (returns / f"{code}.xlsx").write_bytes(f"PK {code} return".encode())
    inbox.copy_new(returns / "CSC.xlsx", b"PK CSC return", config.audit_archive(ref) / "returns" / "CSC.v1.xlsx")
    refused = config.audit_quarantine(ref) / "returns" / "ICB.v1.xlsx"
    inbox.copy_new(returns / "ICB.xlsx", b"PK ICB return", refused)
    inbox.write_reasons(refused, "ICB.xlsx", ["Findings, row 3"])
    for code in ("CSC", "ICB"):
        (returns / f"{code}.xlsx").unlink()
    (returns / "POL.xlsx").write_bytes(b"PK POL return, not yet looked at")
    (folders.inbox(ref) / STRAY_NAME).write_text("dropped here by hand")
    receiving.raise_concerns(definition, store, mailer, "CSC", [Concern(2, "C-01", "Bruising seen at school.")])
    with pytest.MonkeyPatch.context() as patch:  # an SMTP server that refuses: the concern stays in the spool
        patch.setenv("AIRFLOW_CONN_SMTP_DEFAULT", json.dumps({
            "conn_type": "smtp", "host": "127.0.0.1", "port": free_port(),
            "extra": {"disable_ssl": True, "disable_tls": True, "timeout": 2, "mail_catcher": True}}))
        with pytest.raises(OSError):
            receiving.raise_concerns(definition, store, resources.mailer(store, spool=folders.data / SPOOL), "POL",
                                  [Concern(3, "C-02", "Missed health appointments.")])


@pytest.fixture
def world(request: pytest.FixtureRequest, folders: AuditFolders) -> World:
    """Three audits: one approved and past retention, one not approved, one approved with a longer retention.
    On SQLite under the data folder unless a test asks for "postgresql" (the maa_store connection)."""
    if getattr(request, "param", "sqlite") == "postgresql":
        request.getfixturevalue("postgres_store")
    store = resources.store()  # whichever the CLI and the DAG would use
    purged = seed_audit(folders, store, {}, returns=True)
    seed_audit(folders, store, {"ref": KEPT_UNAPPROVED})
    seed_audit(folders, store, {"ref": KEPT_LONGER, "retention_days": 365})
    for ref in (PURGED, KEPT_LONGER):
        record_decision(store, ref, Decision(1, "qiip_signoff", APPROVE, "qiip", APPROVED_AT, ""))
    (folders.data / "registers").mkdir()
    (folders.data / "registers" / "review_findings.csv").write_text("ref,review_type,title,finding\n")
    (folders.output / "tracker").mkdir()
    (folders.output / "tracker" / "action-tracker-2026-12-01.pdf").write_bytes(b"%PDF-1.7 actions")
    return World(folders, store, purged)


ON_BOTH_STORES = pytest.mark.parametrize(
    "world", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)


def files_now(world: World) -> dict[str, tuple[int, str]]:
    """Every file under the data and output folders (relative to their parent): its size and sha256. The
    store's own SQLite files are left out: they change with every write."""
    return {path.relative_to(world.root).as_posix(): (path.stat().st_size, sha256(path))
            for folder in (world.folders.data, world.folders.output) for path in folder.rglob("*")
            if path.is_file() and not path.name.startswith("maa-store.sqlite")}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def expected_identifying(world: World, ref: str = PURGED) -> set[str]:
    """Written out from PRODUCT.md's list for an audit as seed_audit left it (with returns for PURGED), not
    computed by the code under test."""
    coordinators = [a.coordinator.email for a in world.purged.agencies]  # every seeded audit has the sample's
    seeded = {
        f"data/archive/{ref}/nominations.v2.csv",
        f"data/quarantine/{ref}/nominations.v1.csv", f"data/quarantine/{ref}/nominations.v1.csv.reasons.txt",
        *(f"output/{ref}/audit-pack-{a.code}.pdf" for a in world.purged.agencies),
        *(f"output/outbox/{ref}--audit_pack--{email}--v1.eml" for email in coordinators),
        *(f"output/outbox/dry-run/{ref}--audit_pack--{email}--v1.eml" for email in coordinators),
    }
    if ref != PURGED:
        return seeded
    concern = [name for name in files_now(world) if name.startswith((f"output/outbox/{ref}--concern-CSC-",
                                                                      f"data/{SPOOL}/{ref}--concern-POL-"))]
    assert len(concern) == 2
    return seeded | {
        f"data/inbox/{ref}/returns/POL.xlsx", f"data/inbox/{ref}/{STRAY_NAME}",
        f"data/archive/{ref}/returns/CSC.v1.xlsx",
        f"data/quarantine/{ref}/returns/ICB.v1.xlsx", f"data/quarantine/{ref}/returns/ICB.v1.xlsx.reasons.txt",
        *concern,
    }


def as_recorded(name: str, digest: str) -> str:
    """How the purge log names a file: root, then the path; a name the pipeline did not give, by its digest."""
    root, _, path = name.partition("/")
    if path.endswith(STRAY_NAME):
        path = path.replace(STRAY_NAME, f"unrecognised-{digest[:16]}")
    return f"{root}:{path}"


def store_text(store: Store) -> str:
    with store.engine.connect() as connection:
        return "\n".join(str(tuple(row)) for table in store.meta.sorted_tables
                         for row in connection.execute(sa.select(table)))


def purge_log(store: Store, ref: str) -> dict[str, tuple[int, str]]:
    return {f"{row['root']}:{row['path']}": (row["size_bytes"], row["sha256"]) for row in purged_files(store, ref)}


@ON_BOTH_STORES
def test_the_purge_removes_exactly_the_identifying_files_and_logs_each_once(
        world: World, caplog: pytest.LogCaptureFixture) -> None:
    before = files_now(world)
    gone = expected_identifying(world)
    assert gone <= set(before)

    with caplog.at_level(logging.INFO, logger="maa"):
        report = run_retention(world.store, PURGE_DAY, dry_run=False)

    assert set(files_now(world)) == set(before) - gone
    assert {a.ref: a.state for a in report.audits} == {
        PURGED: DUE, KEPT_UNAPPROVED: NOT_ENDED, KEPT_LONGER: WITHIN_RETENTION}
    for folder in ("inbox", "archive", "quarantine"):  # emptied, so removed
        assert not (world.folders.data / folder / PURGED).exists()
    assert purge_log(world.store, PURGED) == {as_recorded(name, before[name][1]): before[name] for name in gone}
    purge = purge_of(world.store, PURGED)
    assert (purge["files"], purge["size_bytes"]) == (len(gone), sum(before[name][0] for name in gone))
    assert (purge["ended_on"], purge["ending"], purge["retention_days"], purge["run_day"]) == (
        date(2026, 9, 14), "approved", 90, PURGE_DAY)
    assert purge_of(world.store, KEPT_LONGER) is None and purge_log(world.store, KEPT_UNAPPROVED) == {}
    assert f"{len(gone)} identifying file(s)" in report.summary()
    assert f"removed output:{PURGED}/audit-pack-CSC.pdf" in caplog.text
    for identifier in IDENTIFIERS:
        assert identifier not in caplog.text and identifier not in store_text(world.store)
    kept_by_others = (KEPT_UNAPPROVED, KEPT_LONGER)
    survivors = b"".join((world.root / name).read_bytes() for name in files_now(world)
                         if not any(ref in name for ref in kept_by_others))
    assert DISTINCTIVE_NAME.encode() not in survivors


def test_a_dry_run_lists_the_same_files_and_removes_nothing(world: World) -> None:
    before = files_now(world)

    report = run_retention(world.store, PURGE_DAY, dry_run=True)

    assert files_now(world) == before
    listed = {as_recorded(name, before[name][1]) for name in expected_identifying(world)}
    assert {str(f) for f in report.files} == listed
    assert "would be removed (dry run: nothing removed)" in report.summary()
    assert purge_log(world.store, PURGED) == {} and purge_of(world.store, PURGED) is None


def test_a_rerun_removes_nothing_more_and_records_nothing_twice(world: World) -> None:
    run_retention(world.store, PURGE_DAY, dry_run=False)
    after, logged, purge = files_now(world), purge_log(world.store, PURGED), purge_of(world.store, PURGED)

    again = run_retention(world.store, date(2026, 12, 15), dry_run=False)

    assert files_now(world) == after and again.files == []
    assert purge_log(world.store, PURGED) == logged and purge_of(world.store, PURGED) == purge


def test_nothing_goes_on_the_last_day_of_retention_nor_for_one_audit_only_asked(world: World) -> None:
    before = files_now(world)

    report = run_retention(world.store, LAST_DAY_KEPT, dry_run=False)
    assert {a.state for a in report.audits} == {NOT_ENDED, WITHIN_RETENTION}
    assert run_retention(world.store, PURGE_DAY, dry_run=False, ref=KEPT_LONGER).files == []

    assert files_now(world) == before
    with pytest.raises(LookupError, match="no audit MATA-2099-01"):
        run_retention(world.store, PURGE_DAY, dry_run=False, ref="MATA-2099-01")


def test_an_approved_audit_without_its_definition_is_held_not_purged(world: World) -> None:
    (world.folders.audits / f"{PURGED}.yaml").unlink()
    before = files_now(world)

    report = run_retention(world.store, PURGE_DAY, dry_run=False)

    assert [a.ref for a in report.in_state(HELD)] == [PURGED] and files_now(world) == before
    assert cli.main(["purge", "--today", "2026-12-14"]) == 1  # the operator's exit status says so too


def test_an_inbox_elsewhere_is_purged_too(world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    remote = tmp_path / "share"
    (remote / PURGED / "returns").mkdir(parents=True)
    (remote / PURGED / "returns" / "EDU.xlsx").write_bytes(b"PK EDU return")
    (remote / KEPT_UNAPPROVED).mkdir()
    (remote / KEPT_UNAPPROVED / "nominations.csv").write_text(nominations_csv())
    monkeypatch.setenv("MAA_INBOX_URL", f"file://{remote}")
    before, gone = files_now(world), expected_identifying(world)

    report = run_retention(world.store, PURGE_DAY, dry_run=False, inbox_root=resources.inbox_root())

    assert set(files_now(world)) == set(before) - gone
    assert not (remote / PURGED / "returns" / "EDU.xlsx").exists()
    assert (remote / KEPT_UNAPPROVED / "nominations.csv").exists()
    assert f"inbox:{PURGED}/returns/EDU.xlsx" in {str(f) for f in report.files}
    assert f"inbox:{PURGED}/returns/EDU.xlsx" in purge_log(world.store, PURGED)


def test_maa_purge_dry_run_then_for_real(world: World, capsys: pytest.CaptureFixture) -> None:
    before, gone = files_now(world), expected_identifying(world)

    assert cli.main(["purge", "--dry-run", "--today", "2026-12-14"]) == 0
    listed = capsys.readouterr().out
    assert files_now(world) == before
    assert f"would remove output:{PURGED}/audit-pack-POL.pdf" in listed and "MATA-2026-03: approved" in listed

    assert cli.main(["purge", "--ref", PURGED, "--today", "2026-12-14"]) == 0
    assert f"removed data:archive/{PURGED}/nominations.v2.csv" in capsys.readouterr().out
    assert set(files_now(world)) == set(before) - gone


@ON_BOTH_STORES
@pytest.mark.usefixtures("fab_logins")
def test_resolve_case_until_the_purge_then_purged_on_its_date_each_request_recorded(
        world: World, capsys: pytest.CaptureFixture, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="maa"):
        assert cli.main(["resolve-case", PURGED, "c-01", "--as", "business-unit"]) == 0
        resolved = capsys.readouterr().out
        assert cli.main(["resolve-case", PURGED, DISTINCTIVE_NAME, "--as", "business-unit"]) == 1  # a name
        unknown = capsys.readouterr().err
        assert "not one of its case refs" in unknown and "its cases: C-01, C-02" in unknown
        assert DISTINCTIVE_NAME not in unknown
        for login, why in (("qiip", "qiip: not in the Business Unit role"),
                           ("nobody", "nobody: no active Airflow login of that name")):
            assert cli.main(["resolve-case", PURGED, "C-01", "--as", login]) == 2
            refused = capsys.readouterr()
            assert refused.out == "" and why in refused.err, "only the Business Unit, and nothing looked up"
        assert cli.main(["resolve-case", "MATA-2099-01", "C-01", "--as", "business-unit"]) == 1
        assert "no audit MATA-2099-01" in capsys.readouterr().err
        run_retention(world.store, PURGE_DAY, dry_run=False)
        assert cli.main(["resolve-case", PURGED, "C-01", "--as", "business-unit"]) == 3
        after = capsys.readouterr()

    assert resolved == f"{PURGED} C-01: {DISTINCTIVE_NAME}, born {DISTINCTIVE_DOB}, system id {DISTINCTIVE_SYSTEM_ID}\n"
    purge_day = purge_of(world.store, PURGED)["purged_at"]
    assert after.out == "" and f"purged on {purge_day:%Y-%m-%d}" in after.err
    asked = resolutions(world.store, PURGED)
    dana = "Dana Jones (business-unit), Business Unit"
    assert [(r["case_ref"], r["asked_by"], r["outcome"]) for r in asked] == [
        ("C-01", dana, "resolved"), (None, dana, "unknown_case"), ("C-01", dana, "purged")]
    assert all(r["os_user"] and r["asked_at"] for r in asked)
    assert resolutions(world.store, "MATA-2099-01") == []
    for identifier in IDENTIFIERS:
        assert identifier not in caplog.text and identifier not in store_text(world.store)


@pytest.mark.slow
@pytest.mark.usefixtures("airflow_db")
def test_the_retention_dag_lists_in_a_dry_run_then_purges(world: World) -> None:
    from tests.helpers.dags import dag_bag

    dag = dag_bag().get_dag("maa_retention")
    before, gone = files_now(world), expected_identifying(world)

    dry = dag.test(run_conf={"dry_run": True, "today": PURGE_DAY.isoformat()})
    assert str(dry.state) == "success" and files_now(world) == before
    assert {ti.task_id: str(ti.state) for ti in dry.get_task_instances()} == {
        "list_identifying_files_due": "success", "purge_identifying_files": "skipped"}

    # dag.test() merges run_conf into the DAG object's params: a fresh parse has the defaults again, as the
    # scheduler's daily run has (dry_run off).
    real = dag_bag().get_dag("maa_retention").test(run_conf={"today": PURGE_DAY.isoformat()})
    assert str(real.state) == "success"
    assert set(files_now(world)) == set(before) - gone
    assert len(purge_log(world.store, PURGED)) == len(gone)


@pytest.mark.slow
@pytest.mark.usefixtures("airflow_db")
def test_a_held_audit_fails_the_purge_after_the_others_and_the_operator_is_emailed(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.helpers.dags import dag_bag

    monkeypatch.setenv("MAA_OPERATOR_EMAIL", "operator@example.org")
    record_decision(world.store, KEPT_UNAPPROVED, Decision(1, "qiip_signoff", APPROVE, "qiip", APPROVED_AT, ""))
    (world.folders.audits / f"{KEPT_UNAPPROVED}.yaml").unlink()
    before, gone = files_now(world), expected_identifying(world)

    run = dag_bag().get_dag("maa_retention").test(run_conf={"today": PURGE_DAY.isoformat()})

    assert str(run.state) == "failed"
    after = set(files_now(world))
    (alert_file,) = after - set(before)
    assert alert_file.startswith("output/outbox/RETENTION--task_failed-purge_identifying_files-")
    assert after - {alert_file} == set(before) - gone  # the audit that has its definition was still purged
    (alert,) = world.store.emails("RETENTION")
    assert alert["recipient"] == "operator@example.org"
    assert alert["subject"] == "OFFICIAL [RETENTION] Task failed: purge_identifying_files (AirflowFailException)"


def test_refused_action_updates_go_the_default_retention_after_their_refusal(world: World) -> None:
    """An owner's workbook refused for naming a child belongs to no one audit: it goes 90 days after."""
    quarantine = world.folders.data / "quarantine" / "tracker" / "updates"
    quarantine.mkdir(parents=True)
    old, recent = quarantine / "POL.v1.xlsx", quarantine / "POL.v2.xlsx"
    for path in (old, recent, quarantine / "POL.v1.xlsx.reasons.txt"):
        path.write_bytes(f"{DISTINCTIVE_NAME} was seen".encode())
    refused_at = datetime(2026, 9, 14, 10, 0, tzinfo=LONDON).timestamp()  # kept to 13 Dec, gone from 14 Dec
    for path in (old, quarantine / "POL.v1.xlsx.reasons.txt"):
        os.utime(path, (refused_at, refused_at))

    listed = run_retention(world.store, PURGE_DAY, dry_run=True).refused_updates
    assert sorted(f.path for f in listed) == ["quarantine/tracker/updates/POL.v1.xlsx",
                                              "quarantine/tracker/updates/POL.v1.xlsx.reasons.txt"]
    assert old.exists()
    assert run_retention(world.store, LAST_DAY_KEPT, dry_run=False).refused_updates == ()
    run_retention(world.store, PURGE_DAY, dry_run=False)
    assert sorted(p.name for p in quarantine.iterdir()) == ["POL.v2.xlsx"]
    assert set(purge_log(world.store, "ACTION-TRACKER")) == {f"data:{f.path}" for f in listed}


def test_a_withdrawn_audit_no_run_has_applied_is_kept_and_the_log_says_why(world: World) -> None:
    world.folders.write_definition({"ref": KEPT_UNAPPROVED, "status": "withdrawn"})

    report = run_retention(world.store, date(2027, 12, 1), dry_run=True)

    (kept,) = [a for a in report.audits if a.ref == KEPT_UNAPPROVED]
    assert kept.state == NOT_ENDED and kept.files == ()
    assert "no run has applied the withdrawal yet (trigger its DAG" in kept.describe()


def _purge_through_airflow(world: World, ended: date, ending: Ending) -> None:
    """KEPT_UNAPPROVED, ended on `ended`, is kept on the last day of retention and purged by the retention DAG
    on the next, the purge logged; the approved PURGED audit goes too, KEPT_LONGER's 365 days have not passed."""
    from tests.helpers.dags import dag_bag

    before, own = set(files_now(world)), expected_identifying(world, KEPT_UNAPPROVED)
    gone = expected_identifying(world) | own
    assert gone <= before and ended + timedelta(days=91) < date(2027, 9, 15)
    last_kept = ended + timedelta(days=90)
    (kept,) = [a for a in run_retention(world.store, last_kept, dry_run=True).audits if a.ref == KEPT_UNAPPROVED]
    assert (kept.state, kept.purge_from) == (WITHIN_RETENTION, last_kept + timedelta(days=1))

    run = dag_bag().get_dag("maa_retention").test(run_conf={"today": (last_kept + timedelta(days=1)).isoformat()})

    assert str(run.state) == "success"
    assert set(files_now(world)) == before - gone
    purge = purge_of(world.store, KEPT_UNAPPROVED)
    assert (purge["ended_on"], purge["ending"], purge["files"]) == (ended, str(ending), len(own))
    assert set(purge_log(world.store, KEPT_UNAPPROVED)) == {as_recorded(name, "") for name in own}


@pytest.mark.slow
@pytest.mark.usefixtures("airflow_db")
def test_a_withdrawn_audit_is_purged_retention_days_after_its_run_applied_the_withdrawal(world: World) -> None:
    from tests.helpers.dags import dag_bag

    dag_id = load_definition(world.folders.write_definition({"ref": KEPT_UNAPPROVED, "status": "withdrawn"})).dag_id

    audit_run = dag_bag().get_dag(dag_id).test()

    assert str(audit_run.state) == "success"
    tasks = audit_run.get_task_instances()
    assert {str(ti.state) for ti in tasks} == {"skipped"}, "a withdrawn audit skips the rest of its run"
    ended = audit_end(world.store, KEPT_UNAPPROVED)
    assert ended is not None and ended.ending is Ending.withdrawn
    assert audit_run.start_date <= ended.at <= audit_run.end_date, "when the run applied it, not a later look"
    _purge_through_airflow(world, ended.day, Ending.withdrawn)


@pytest.mark.slow
@pytest.mark.usefixtures("airflow_db")
def test_a_run_ended_without_approval_is_purged_retention_days_after_its_end_a_rehearsal_never(
        world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.helpers.dags import dag_bag

    dag_id = load_definition(world.folders.audits / f"{KEPT_UNAPPROVED}.yaml").dag_id
    monkeypatch.delenv("AIRFLOW_VAR_MAA_PSEUDONYM_KEY")  # the run fails at its first step, for good

    rehearsal = dag_bag().get_dag(dag_id).test(run_conf={"rehearsal_seconds_per_week": 30})
    assert str(rehearsal.state) == "failed" and audit_end(world.store, KEPT_UNAPPROVED) is None
    real = dag_bag().get_dag(dag_id).test()

    assert str(real.state) == "failed"
    ended = audit_end(world.store, KEPT_UNAPPROVED)
    assert ended is not None and ended.ending is Ending.without_approval
    assert ended.at == real.end_date, "the run's end as Airflow recorded it"
    assert real.run_id in ended.detail
    _purge_through_airflow(world, ended.day, Ending.without_approval)
