"""The `maa validate-*` commands: a file someone is about to send, through the pipeline's own checks, so that
it can be mended first. Each prints what was accepted on stdout and every reason on stderr (naming the file,
sheet, row, column or line; never a cell's content or a child's name); exit 0 or 1."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

from maa.audit import clock
from maa.audit.definitions import load_definition


def _refused(where: Path, problems: Iterable[object]) -> int:
    for problem in problems:
        print(f"{where}: {problem}", file=sys.stderr)
    return 1


def _missing(path: Path) -> bool:
    if path.is_file():
        return False
    print(f"{path}: no such file", file=sys.stderr)
    return True


def nominations(args: argparse.Namespace) -> int:
    from maa.preparation.nominations import check_nominations

    definition = load_definition(args.definition)
    path = Path(args.file)
    if _missing(path):
        return 1
    result = check_nominations(definition, path)
    if result.accepted:
        print(f"{path}: accepted ({len(result.nominees)} cases for {definition.ref})")
        return 0
    return _refused(path, result.problems)


def agency_return(args: argparse.Namespace) -> int:
    from maa import config
    from maa.preparation.nominations import read_accepted
    from maa.returns.checks import check_return

    definition = load_definition(args.definition)
    path = Path(args.file)
    if _missing(path):
        return 1
    archived = sorted((config.data_dir() / "archive" / definition.ref).glob("nominations.v*.csv"),
                      key=lambda p: int(p.stem.rsplit(".v", 1)[1]))
    children = read_accepted(archived[-1]) if archived else []  # for the check that no child is named
    if args.cases:
        case_refs = [c.strip() for c in args.cases.split(",") if c.strip()]
    elif children or not definition.has_cases:
        case_refs = [child.case_ref for child in children]
    else:
        print(f"{path}: give --cases C1,C2,... or accept the audit's nominations first "
              f"(none in {config.data_dir() / 'archive' / definition.ref})", file=sys.stderr)
        return 1
    codes = {a.code.upper(): a.code for a in definition.agencies}
    result = check_return(definition, path.read_bytes(), agency_code=codes.get(path.stem.upper()),
                          case_refs=case_refs, children=children)
    if result.accepted:
        print(f"{path}: accepted ({result.agency_code}, {len(result.findings)} findings rows, "
              f"{len(result.concerns)} concerns)")
        return 0
    return _refused(path, result.problems)


def analysis(args: argparse.Namespace) -> int:
    """The chair's analysis.xlsx and narrative.md checked as the pipeline checks them, against the audit's
    accepted nominations and review findings register (so a child's name is caught, and never printed)."""
    from maa.meeting.analysis import check_analysis
    from maa.meeting.chair_analysis import ANALYSIS, NARRATIVE
    from maa.meeting.registers import load_review_findings
    from maa.outputs.store import Store
    from maa.preparation.case_list import audit_children

    definition = load_definition(args.definition)
    folder = Path(args.folder)
    workbook, narrative = folder / ANALYSIS.name, folder / NARRATIVE.name
    if not workbook.is_file():
        print(f"{workbook}: no such file (the narrative comes with the workbook, not alone)", file=sys.stderr)
        return 1
    _, children = audit_children(definition, Store())
    result = check_analysis(definition, workbook.read_bytes(), narrative.read_bytes() if narrative.is_file() else None,
                            load_review_findings(), children)
    if result.accepted:
        print(f"{folder}: accepted ({len(result.themes)} themes, {len(result.actions)} actions, "
              f"{'with' if narrative.is_file() else 'no'} narrative)")
        return 0
    return _refused(folder, result.problems)


def update(args: argparse.Namespace) -> int:
    """An owner's progress workbook checked against the tracker's actions in the store, as the tracker would."""
    from maa.pipeline import resources
    from maa.tracker.register import Tracker
    from maa.tracker.updates import check_update_file

    path = Path(args.file)
    if _missing(path):
        return 1
    code = (args.agency or path.stem).upper()
    store = resources.store()
    # checks only: nothing is sent
    tracker = Tracker.open(store, resources.mailer(store, dry_run=True), clock.now().date())
    result = check_update_file(tracker, path.read_bytes(), code)
    if result.accepted:
        print(f"{path}: accepted ({code}, {len(result.updates)} updates)")
        return 0
    return _refused(path, result.problems)


def data_extracts(args: argparse.Namespace) -> int:
    """PAA data extracts checked as the pipeline checks them, so the Business Unit can mend one before sending."""
    from maa.paa.extracts import check_extract

    refused = []
    for path in map(Path, args.files):
        if not path.is_file():
            refused.append(f"{path}: no such file")
            continue
        result = check_extract(path.name, path.read_bytes())
        if result.accepted:
            print(f"{path}: accepted ({result.measure}, {len(result.events)} events)")
        refused += result.reasons()  # each names the file, row and column; never a cell's content
    if refused:
        print("\n".join(refused), file=sys.stderr)
    return 1 if refused else 0
