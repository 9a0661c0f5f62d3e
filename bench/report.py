"""Figures, their targets, and how they are printed and saved.

A timed figure is CPU time (what the work costs, however busy the machine is) with the wall time
beside it (what a person waits). Benchmarks, not tests: a figure that misses its target is marked
MISSED in the table and in the JSON, and the run still succeeds.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

_FORMATS = {"s": "{:.2f} s", "ms": "{:.1f} ms", "MB": "{:.0f} MB", "KB": "{:.1f} KB", "x": "{:.2f}x",
            "count": "{:.0f}", "%": "{:.1f} %"}


def say(message: str) -> None:
    """Progress as it happens: the run takes minutes and make shows nothing otherwise."""
    print(message, flush=True)


def repeat(rounds: int, once: Callable[[int], dict[str, Any]], describe: Callable[[dict[str, Any]], str],
           what: str) -> list[dict[str, Any]]:
    """`once(round_number)` for each round, each sample described as it comes (a run takes minutes)."""
    samples = []
    for round_number in range(1, rounds + 1):
        samples.append(once(round_number))
        say(f"  {what} round {round_number}: {describe(samples[-1])}")
    return samples


def median(samples: list[dict[str, Any]], read: Callable[[dict[str, Any]], float]) -> float:
    """The median rather than the mean: one run disturbed by the machine should not move the figure."""
    return statistics.median(read(sample) for sample in samples)


def _format(value: float, unit: str) -> str:
    """Seconds under 0.1 read better as milliseconds than as '0.00 s', and milliseconds from 1000 as seconds."""
    if unit == "s" and value < 0.1:
        return _FORMATS["ms"].format(value * 1000)
    if unit == "ms" and value >= 1000:
        return _FORMATS["s"].format(value / 1000)
    return _FORMATS[unit].format(value)


@dataclass(frozen=True)
class Figure:
    """One line of the summary: the target travels with the figure, so the table and JSON agree."""

    measure: str
    value: float  # CPU time for a timed figure
    unit: str
    target: float | None = None  # in the same unit; None when there is none
    wall: float | None = None  # a timed figure's wall time, in the same unit
    at_least: bool = False  # the target is a lower bound (a ratio to beat), not an upper one

    @property
    def verdict(self) -> str:
        """'met' or 'MISSED' against the target; empty when the figure has none."""
        if self.target is None:
            return ""
        return "met" if (self.value >= self.target if self.at_least else self.value <= self.target) else "MISSED"

    def value_text(self) -> str:
        return _format(self.value, self.unit)

    def wall_text(self) -> str:
        return "-" if self.wall is None else _format(self.wall, self.unit)

    def target_text(self) -> str:
        return "-" if self.target is None else (">= " if self.at_least else "<= ") + _format(self.target, self.unit)

    def cells(self) -> list[str]:
        return [self.measure, self.value_text(), self.wall_text(), self.target_text(), self.verdict]


HEADERS = ["measure", "figure", "wall", "target", "status"]


def table(headers: list[str], rows: list[list[str]]) -> str:
    """A plain-text table whose columns fit their widest cell (figures right-aligned)."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: list[str]) -> str:
        first, *rest = cells
        return "  ".join([first.ljust(widths[0])] + [c.rjust(w) for c, w in zip(rest, widths[1:], strict=True)])

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(headers), rule, *(line(row) for row in rows)])


def summary_table(figures: list[Figure]) -> str:
    """measure, figure, wall time, target and whether it is met: what `make bench` prints last."""
    return table(HEADERS, [figure.cells() for figure in figures])


def markdown_table(figures: list[Figure]) -> str:
    """The same table for RESULTS.md."""
    rows = [HEADERS, ["---", *["---:"] * 3, "---"], *(figure.cells() for figure in figures)]
    return "\n".join("| " + " | ".join(row) + " |" for row in rows)


def write_json(path: Path, figures: list[Figure], context: dict[str, Any], samples: dict[str, Any]) -> None:
    """The summary figures first (as printed), then what they came from, for comparing runs later."""
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        **context,
        "figures": [{**asdict(f), "verdict": f.verdict or None} for f in figures],
        "samples": samples,
    }
    path.write_text(json.dumps(document, indent=2) + "\n")
