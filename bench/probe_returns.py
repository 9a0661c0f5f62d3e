"""Subprocess probe: one agency return validated by `maa.returns.checks.check_return` in a fresh interpreter.

The pipeline validates each return in a fresh task process (a wait resumes as a new task), so the
return a process validates first is every return: its time includes importing openpyxl, pandas and
Great Expectations and setting up GX's context. Steps timed apart: setup (the definition, the case
refs and the nominees, as the receiving task has them) and the check; `run.py` times the whole process
from outside too. The return must be accepted with all its Findings rows, else the probe fails; refusal
reasons never repeat a child's details, so they can be printed.

Usage: probe_returns.py DEFINITION_YAML CASE_LIST_CSV RETURN_XLSX RESULT_JSON
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from probe_io import Stopwatch, write_result


def setup(definition_path: Path, case_list: Path) -> tuple[Any, list[str], list[Any]]:
    """What the receiving task has before it reads the return: the definition, case refs and the nominees."""
    from maa.audit.definitions import load_definition
    from maa.preparation.nominations import read_accepted

    children = read_accepted(case_list)
    return load_definition(definition_path), [c.case_ref for c in children], children


def validate(definition: Any, path: Path, case_refs: list[str], children: list[Any]) -> Any:
    """The return from its bytes to the verdict; the agency is the one its file name gives (NN-CODE.xlsx)."""
    from maa.returns.checks import check_return

    return check_return(definition, path.read_bytes(), agency_code=path.stem.split("-", 1)[1], case_refs=case_refs,
                        children=children)


def main() -> None:
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("definition", type=Path)
    arguments.add_argument("case_list", type=Path)
    arguments.add_argument("return_file", type=Path)
    arguments.add_argument("result", type=Path)
    options = arguments.parse_args()

    watch = Stopwatch()
    definition, case_refs, children = watch.step("setup", lambda: setup(options.definition, options.case_list))
    result = watch.step("check", lambda: validate(definition, options.return_file, case_refs, children))
    if not result.accepted:
        sys.exit(f"{options.return_file.name} refused: {result.reasons()[:5]}")
    write_result(options.result, {**watch.figures(), "findings_rows": len(result.findings)})


if __name__ == "__main__":
    main()
