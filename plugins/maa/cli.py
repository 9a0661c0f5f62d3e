"""The `maa` command: check definitions, print timetables, validate files before sending them.

It runs the same code as the pipeline, and prints no child's identifier, except `resolve-case`: the Business
Unit's one way back from a case ref to the child, recorded every time (maa.privacy.resolution). A command
prints its result on stdout and its refusals on stderr, each line once; log records are for the pipeline's
task logs, so here only a library's warnings are shown (on stderr).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from maa import validate
from maa.audit import clock
from maa.audit.definitions import DefinitionError, load_all, load_definition
from maa.audit.timetable import MILESTONE_LABELS
from maa.outputs.private_files import owner_only_umask


def _check(args: argparse.Namespace) -> int:
    loaded = load_all([Path(f) for f in args.files])
    for error in loaded.errors.values():
        print(error.describe(), file=sys.stderr)
    for path, definition in loaded.definitions.items():
        print(f"{path}: ok ({definition.type} {definition.ref}, DAG {definition.dag_id})")
    return 1 if loaded.errors else 0


def _timetable(args: argparse.Namespace) -> int:
    definition = load_definition(args.file)
    timetable = definition.timetable
    if args.json:
        panel = {"panel": definition.panel.model_dump(mode="json")} if definition.panel else {}
        print(json.dumps({"ref": definition.ref, "milestones": timetable.as_json(), **panel}))
        return 0
    print(f"{definition.ref}: {definition.title} ({definition.type}, start {definition.start:%a %d %b %Y})")
    for name, day in timetable.dates.items():
        print(f"  {MILESTONE_LABELS[name]:<40} {day:%a %d %b %Y}")
    for code, day in definition.extensions.items():
        print(f"  Extension for {code:<26} {day:%a %d %b %Y}")
    if definition.timescale_reason:
        print(f"  Timescale reason: {definition.timescale_reason}")
    for line in definition.panel.summary_lines() if definition.panel else ():
        print(f"  {line}")
    return 0


def _db_upgrade(args: argparse.Namespace) -> int:
    from maa.outputs.store import Store, migrate
    from maa.pipeline.resources import store_url

    store = Store(store_url())
    applied = migrate(store.engine)
    where = store.engine.url.render_as_string(hide_password=True)
    print(f"audit store {where}: schema up to date" + (f" (applied {applied})" if applied else ""))
    return 0


def _purge(args: argparse.Namespace) -> int:
    """Retention as the maa_retention DAG runs it, for today in London unless --today says otherwise."""
    from datetime import date

    from maa.pipeline import resources
    from maa.privacy.retention import HELD, run_retention

    today = date.fromisoformat(args.today) if args.today else clock.now().date()
    try:
        report = run_retention(resources.store(), today, dry_run=args.dry_run, ref=args.ref,
                               inbox_root=resources.inbox_root())
    except LookupError as unknown:
        print(str(unknown), file=sys.stderr)
        return 1
    for _, line in report.lines():
        print(line)
    return 1 if report.in_state(HELD) else 0


def _resolve_case(args: argparse.Namespace) -> int:
    """The only command that prints a child's details (PRODUCT.md); see maa.privacy.resolution."""
    import getpass

    from maa.pipeline import resources
    from maa.privacy.resolution import PURGED, RESOLVED, UNKNOWN_CASE, UnknownAudit, resolve_case

    try:
        asked_by = _business_unit_member(args.login)
    except PermissionError as refused:
        print(str(refused), file=sys.stderr)
        return 2
    store, os_user = resources.store(), getpass.getuser()
    try:
        resolution = resolve_case(store, args.ref, args.case_ref, asked_by=asked_by, os_user=os_user)
    except UnknownAudit as unknown:
        print(str(unknown), file=sys.stderr)
        return 1
    ref, child = resolution.ref, resolution.child
    if resolution.outcome == RESOLVED and child is not None:
        print(f"{ref} {resolution.case_ref}: {child.child_name}, born {child.date_of_birth:%Y-%m-%d}, "
              f"system id {child.system_id}")
        return 0
    if resolution.outcome == PURGED:
        message = (f"{ref}: the identifiers were purged on {resolution.purged_on:%Y-%m-%d} under the retention "
                   "policy; the case ref can no longer be resolved")
    elif resolution.outcome == UNKNOWN_CASE:
        message = (f"{ref}: that is not one of its case refs (what was typed is not repeated: it may be a name); "
                   f"its cases: {', '.join(c['case_ref'] for c in store.cases(ref)) or 'none accepted yet'}")
    else:
        message = f"{ref}: the accepted case list is not in the archive; ask the operator"
    print(message, file=sys.stderr)
    return 3 if resolution.outcome == PURGED else 1


def _business_unit_member(login: str) -> str:
    """"Full Name (login), Business Unit" when `login` is an active Airflow user holding the Business Unit
    role, else PermissionError saying why. Airflow's user records are the one list of who is who; the OS
    account is recorded beside the name."""
    from maa.audit.roles import BUSINESS_UNIT
    from maa.ops.roles import account

    found = account(login)
    if found is None or not found.active:
        raise PermissionError(f"{login}: no active Airflow login of that name; resolve-case is for the "
                              f"{BUSINESS_UNIT}")
    if BUSINESS_UNIT not in found.roles:
        raise PermissionError(f"{login}: not in the {BUSINESS_UNIT} role; resolve-case is for the "
                              f"{BUSINESS_UNIT} only")
    return f"{found.full_name} ({found.login}), {BUSINESS_UNIT}"


def _programme_report(args: argparse.Namespace) -> int:
    from maa.pipeline import resources
    from maa.programme.report import build_programme_report, period_from_text

    try:
        period = period_from_text(args.first, args.last)
    except ValueError as wrong:
        print(str(wrong), file=sys.stderr)
        return 1
    pdf, xlsx, records = build_programme_report(resources.store(), list(load_all().definitions.values()), period,
                                                clock.now().date())
    print(f"{pdf}\n{xlsx}\n{len(records.audits)} audits, {len(records.actions)} actions")
    return 0


def _roles_sync(args: argparse.Namespace) -> int:
    from maa.ops.roles import run_sync

    return run_sync([Path(f) for f in args.files], args.local_logins)


def _demo(args: argparse.Namespace) -> int:
    from maa.ops import demo

    return demo.run(Path(args.audit) if args.audit else None, Path(args.data) if args.data else None)


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="maa", description=__doc__)
    commands = root.add_subparsers(dest="command", required=True)

    check = commands.add_parser("check", help="validate audit definitions (exit 1 on any error)")
    check.add_argument("files", nargs="+")
    check.set_defaults(run=_check)

    timetable = commands.add_parser("timetable", help="an audit's milestones")
    timetable.add_argument("file")
    timetable.add_argument("--json", action="store_true", help='{"ref": ..., "milestones": {...}}')
    timetable.set_defaults(run=_timetable)

    nominations = commands.add_parser("validate-nominations",
                                      help="check a nominations.csv as the pipeline would")
    nominations.add_argument("definition")
    nominations.add_argument("file")
    nominations.set_defaults(run=validate.nominations)

    returns = commands.add_parser("validate-return", help="check an agency return as the pipeline would")
    returns.add_argument("definition")
    returns.add_argument("file", help="the workbook; named <AGENCY>.xlsx, or its Overview names the agency")
    returns.add_argument("--cases", help="the audit's case refs, comma-separated (default: its accepted "
                                         "nominations under MAA_DATA_DIR)")
    returns.set_defaults(run=validate.agency_return)

    analysis = commands.add_parser("validate-analysis", help="check the chair's analysis.xlsx and narrative.md "
                                                             "as the pipeline would")
    analysis.add_argument("definition")
    analysis.add_argument("folder", help="the folder holding analysis.xlsx and, if there is one, narrative.md")
    analysis.set_defaults(run=validate.analysis)

    update = commands.add_parser("validate-update",
                                 help="check an owner's action progress workbook as the tracker would")
    update.add_argument("file", help="the workbook, named <AGENCY>.xlsx (sheet Updates)")
    update.add_argument("--agency", help="the owner agency's code, when the file is named otherwise")
    update.set_defaults(run=validate.update, airflow=True)

    database = commands.add_parser("db", help="the audit store")
    database_commands = database.add_subparsers(dest="db_command", required=True)
    upgrade = database_commands.add_parser("upgrade", help="apply the schema migrations in include/sql")
    upgrade.set_defaults(run=_db_upgrade, airflow=True)

    data = commands.add_parser("validate-data", help="check PAA data extracts (<measure>.csv) as the pipeline would")
    data.add_argument("files", nargs="+", help="contacts.csv, marac.csv, conferences.csv, strategy_discussions.csv "
                                               "or allegations.csv")
    data.set_defaults(run=validate.data_extracts)

    purge = commands.add_parser("purge", help="remove identifying files past their retention (as maa_retention)")
    purge.add_argument("--dry-run", action="store_true", help="list what would be removed; remove nothing")
    purge.add_argument("--ref", help="only this audit")
    purge.add_argument("--today", help="decide as of this day, YYYY-MM-DD (default: today in London)")
    purge.set_defaults(run=_purge, airflow=True)

    resolve = commands.add_parser("resolve-case", help="the child behind a case ref, for the Business Unit, "
                                                       "until the purge (the request is recorded)")
    resolve.add_argument("ref")
    resolve.add_argument("case_ref")
    resolve.add_argument("--as", dest="login", required=True,
                         help="your Airflow login; it must hold the Business Unit role, and the request is "
                              "recorded as you (with the OS account used)")
    resolve.set_defaults(run=_resolve_case, airflow=True)

    report = commands.add_parser("programme-report", help="QiiP's view across audits: PDF and .xlsx, output/programme")
    report.add_argument("--from", dest="first", required=True, help="the period's first day, YYYY-MM-DD")
    report.add_argument("--to", dest="last", required=True, help="its last day, YYYY-MM-DD")
    report.set_defaults(run=_programme_report, airflow=True)

    roles = commands.add_parser("roles", help="the project's roles in Airflow (FAB auth manager)")
    roles_commands = roles.add_subparsers(dest="roles_command", required=True)
    sync = roles_commands.add_parser("sync", help="create each role and give it exactly its permissions, "
                                                  "a coordinator role per agency code (idempotent)")
    sync.add_argument("files", nargs="*", help="definitions not yet in the audits folder, whose agencies need "
                                               "their coordinator roles before the file goes in")
    sync.add_argument("--local-logins", action="store_true",
                      help="also make trial logins read as JSON from stdin: {login: {role, name, password}} "
                           "(make up, make demo, the tests)")
    sync.set_defaults(run=_roles_sync)

    demo = commands.add_parser("demo", help="run a whole audit through Airflow on the embedded default")
    demo.add_argument("--audit", help="a definition file (default: the sample MATA)")
    demo.add_argument("--data", help="its data folder, with inbox/<REF>/ (default: data/)")
    demo.set_defaults(run=_demo, airflow=True)
    return root


@contextmanager
def _command_logging() -> Iterator[None]:
    """Only a library's warnings are logged, to stderr. Airflow, once imported, prints every library's INFO on
    stdout (Great Expectations has hundreds of lines), and maa's own records say what the command prints
    itself. What was set up before is put back afterwards, for main() called in-process."""
    root, package = logging.getLogger(), logging.getLogger("maa")
    handlers, root_level, package_level = root.handlers[:], root.level, package.level
    to_stderr = logging.StreamHandler(sys.stderr)
    to_stderr.setLevel(logging.WARNING)  # some libraries set their own loggers to INFO
    to_stderr.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root.handlers[:] = [to_stderr]
    root.setLevel(logging.WARNING)
    package.setLevel(logging.CRITICAL + 1)  # above every level: none of maa's records
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(root_level)
        package.setLevel(package_level)


def main(argv: Sequence[str] | None = None) -> int:
    owner_only_umask()  # what any command writes (a dry run's outbox, a demo's audit) is the user's alone
    args = parser().parse_args(argv)
    if getattr(args, "airflow", False):  # a command using Airflow's connections or services
        from maa.pipeline.resources import start_airflow

        start_airflow()  # Airflow sets its logging up when first imported: the command's must come after
    with _command_logging():
        try:
            return args.run(args)
        except DefinitionError as error:
            print(error.describe(), file=sys.stderr)
            return 1


if __name__ == "__main__":
    sys.exit(main())
