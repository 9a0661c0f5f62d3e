"""Subprocess probe: agency returns validated one after another by `maa.returns.checks.check_return`.

A fresh interpreter, like the task that receives returns: the first return
pays for importing openpyxl, pandas and Great Expectations (and GX's context);
the ones after it show what each further return costs. An import hook counts
how often great_expectations is really imported (found and loaded, not just
looked up in sys.modules): once per process is the design. Every return must
be accepted with all its Findings rows, else the probe fails; refusal reasons
never repeat a child's details, so they can be printed.

Usage: probe_returns.py DEFINITION_YAML CASE_LIST_CSV RETURN_XLSX... RESULT_JSON
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from importlib.abc import MetaPathFinder
from pathlib import Path
from typing import Any

from probe_io import Stopwatch, write_result

GX = "great_expectations"


class ImportCounter(MetaPathFinder):
    """First on sys.meta_path: Python asks it for a module only when the module is not loaded yet."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.count = 0

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        if fullname == self.name:
            self.count += 1
        return None  # the usual finders go on to find it


def setup(definition_path: Path, case_list: Path) -> tuple[Any, list[str], list[Any]]:
    """What the receiving task has before the first return: the definition, case refs and the nominees."""
    from maa.audit.definitions import load_definition
    from maa.preparation.nominations import read_accepted

    children = read_accepted(case_list)
    return load_definition(definition_path), [c.case_ref for c in children], children


def validate(definition: Any, path: Path, case_refs: list[str], children: list[Any]) -> tuple[float, Any]:
    """One return, timed from its bytes to the verdict; the agency is the one its file name gives."""
    from maa.returns.checks import check_return

    data = path.read_bytes()
    code = path.stem.split("-", 1)[1]
    started = time.perf_counter()
    result = check_return(definition, data, agency_code=code, case_refs=case_refs, children=children)
    return time.perf_counter() - started, result


def main() -> None:
    counter = ImportCounter(GX)
    sys.meta_path.insert(0, counter)
    arguments = argparse.ArgumentParser(description=__doc__)
    arguments.add_argument("definition", type=Path)
    arguments.add_argument("case_list", type=Path)
    arguments.add_argument("returns", type=Path, nargs="+")
    arguments.add_argument("result", type=Path)
    options = arguments.parse_args()

    watch = Stopwatch()
    definition, case_refs, children = watch.step("setup", lambda: setup(options.definition, options.case_list))
    loaded_before_first = GX in sys.modules
    seconds, findings, refused = [], [], {}
    for path in options.returns:
        elapsed, result = validate(definition, path, case_refs, children)
        seconds.append(elapsed)
        findings.append(len(result.findings))
        if not result.accepted:
            refused[path.name] = result.reasons()[:5]
    if refused:
        sys.exit(f"{len(refused)} of {len(options.returns)} returns refused: {refused}")
    write_result(options.result, {
        "setup_s": watch.seconds["setup"],
        "first_s": seconds[0],
        "later_s": seconds[1:],
        "median_later_s": statistics.median(seconds[1:]) if len(seconds) > 1 else None,
        "returns": len(seconds),
        "accepted": len(seconds) - len(refused),
        "findings_rows": findings,
        "gx_imports": counter.count,
        "gx_loaded_before_first": loaded_before_first,
    })


if __name__ == "__main__":
    main()
