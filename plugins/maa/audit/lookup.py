"""One audit's definition found by its DAG id, reading as few definition files as it can.

A task start needs one audit's DAG only, and the cost of finding its definition
must not grow with the number of audits. The file named after the ref
(`<REF>.yaml`, as every audit is named by convention) is read first and alone.
Failing that, every other file's top-level `ref:` line is looked at as text, and
only a file whose line gives the DAG id, or whose ref cannot be read that way, is
parsed and validated. Either way no file is read twice.
"""

from __future__ import annotations

import re
from pathlib import Path

from maa.audit.definitions import AuditDefinition, DefinitionError, dag_id_for, definition_files, parse_definition

# A top-level `ref:` as definitions write it: plain or quoted, perhaps with a comment after it.
_REF_LINE = re.compile(r"""^ref:[ \t]*(["']?)([A-Za-z0-9-]+)\1[ \t]*(?:#.*)?$""", re.MULTILINE)


def definition_for_dag(dag_id: str, folder: Path | None = None) -> tuple[Path, AuditDefinition] | None:
    """The usable definition whose DAG id is `dag_id`, with its file; None when no file defines it.

    Files are tried in the order `load_all` takes them, named files first. A file sorted earlier that
    repeats the ref of a file named after it is a definition error the DAG processor reports; here
    the named file is used.
    """
    files = definition_files(folder)
    named = [path for path in files if dag_id_for(path.stem) == dag_id]
    for path in named:
        if found := _usable(path, _read(path), dag_id):
            return found
    for path in files:
        if path in named:
            continue
        text = _read(path)
        refs = _REF_LINE.findall(text or "")
        if len(refs) == 1 and dag_id_for(refs[0][1]) != dag_id:
            continue  # its ref line names another audit
        if found := _usable(path, text, dag_id):
            return found
    return None


def _read(path: Path) -> str | None:
    """The file's text; None when it cannot be read (then it is no audit's definition here)."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _usable(path: Path, text: str | None, dag_id: str) -> tuple[Path, AuditDefinition] | None:
    """The file's definition when it is valid and its DAG id is `dag_id`."""
    if text is None:
        return None
    try:
        definition = parse_definition(path, text)
    except DefinitionError:
        return None
    return (path, definition) if definition.dag_id == dag_id else None
