"""Great Expectations as the validation engine, behind a small interface.

Callers hand over a frame that already holds no child's data (flags, keyed
hashes, case refs) and a list of expectations, each with the message a person
should read when it fails. Failures come back as `Problem`s naming sheet, row
and column. GX is imported here only, inside the call, never at DAG parse time.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

ROW = "row"
_run_counter = itertools.count()


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with a file, located as precisely as possible."""

    row: int | None
    column: str | None
    message: str
    sheet: str | None = None
    cell: str | None = None
    line: int | None = None  # of a text file (the chair's narrative)

    def __str__(self) -> str:
        place = [p for p in (
            f"sheet {self.sheet}" if self.sheet else None,
            f"row {self.row}" if self.row is not None else None,
            f"column {self.column}" if self.column else None,
            f"cell {self.cell}" if self.cell else None,
            f"line {self.line}" if self.line is not None else None,
        ) if p]
        return f"{', '.join(place)}: {self.message}" if place else self.message


@dataclass(frozen=True)
class Check:
    """An expectation factory (called with the `gx` module) and its human message."""

    build: Callable[[Any], Any]
    message: str
    column: str | None = None


def expect(expectation: str, **kwargs: Any) -> Callable[[Any], Any]:
    """A deferred `gx.expectations.<expectation>(**kwargs)`, built once GX is imported."""
    return lambda gx: getattr(gx.expectations, expectation)(**kwargs)


def run_checks(frame: Any, checks: Sequence[Check], sheet: str | None = None) -> list[Problem]:
    """Validate `frame` (which has a `row` column) and locate every failure by row."""
    import great_expectations as gx

    context = _context(gx)
    name = f"frame_{next(_run_counter)}"
    asset = context.data_sources.get("maa").add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe(name).get_batch(batch_parameters={"dataframe": frame})
    suite = gx.ExpectationSuite(name=name)
    for index, check in enumerate(checks):
        expectation = check.build(gx)
        expectation.meta = {"maa_check": index}  # results come back in GX's order, not ours
        suite.add_expectation(expectation)
    result = batch.validate(suite, result_format={
        "result_format": "COMPLETE",
        "unexpected_index_column_names": [ROW],
        "return_unexpected_index_query": False,
        "partial_unexpected_count": 0,
    })
    problems: list[Problem] = []
    for outcome in result.results:  # GX does not keep the order expectations were added in
        check = checks[outcome.expectation_config.meta["maa_check"]]
        if outcome.success:
            continue
        rows = [int(item[ROW]) for item in outcome.result.get("unexpected_index_list") or []]
        if rows:
            problems.extend(Problem(row, check.column, check.message, sheet) for row in rows)
        else:
            observed = outcome.result.get("observed_value")
            message = check.message.format(observed=observed)
            problems.append(Problem(None, check.column, message, sheet))
    return sorted(problems, key=lambda p: (p.row or 0, p.column or "", p.message))


_contexts: dict[str, Any] = {}


def _context(gx: Any) -> Any:
    """One ephemeral context per process, quiet and offline."""
    if "ctx" not in _contexts:
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context = gx.get_context(mode="ephemeral")
        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        context.data_sources.add_pandas("maa")
        _contexts["ctx"] = context
    return _contexts["ctx"]
