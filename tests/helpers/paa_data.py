"""A Partnership Arrangements Audit's test data: the PAA made from the sample definition, and random but seeded
event extracts spread around its period, so figures can be compared with plain counting over the same rows."""

from __future__ import annotations

import random
from datetime import date, timedelta

from maa.outputs.store import Store
from maa.paa import extracts

REF = "PAA-2026-01"
PERIOD = (date(2025, 4, 1), date(2026, 3, 31))
PREVIOUS = (date(2024, 4, 1), date(2025, 3, 31))
CATEGORIES = {"contacts": ["Police", "Health", "Education", "Anonymous"],
              "marac": ["High risk", "Repeat"],
              "conferences": ["Initial", "Review"],
              "strategy_discussions": ["Section 47", "Section 17"],
              "allegations": ["Physical", "Sexual", "Conduct"]}
OUTCOMES = ["Referred", "Advice given", "No further action", ""]
POPULATION = {2024: 119_400, 2025: 121_250}


def paa_definition_changes(ref: str = REF) -> tuple[dict, tuple[str, ...]]:
    """A PAA built from the sample definition: no nominating agency, theme or extensions."""
    return ({"ref": ref, "type": "PAA", "title": "Partnership arrangements 2025-26",
             "period": {"from": PERIOD[0].isoformat(), "to": PERIOD[1].isoformat()}},
            ("nominating_agency", "theme", "extensions"))


def events(measure: str, seed: int, count: int = 400, with_outcome: bool = True) -> list[tuple[date, str, str]]:
    """Events spread from before the previous period to after the period (rows outside both must not count)."""
    rng = random.Random(seed)
    first, last = date(2023, 12, 1), date(2026, 6, 30)
    return [(first + timedelta(days=rng.randrange((last - first).days + 1)), rng.choice(CATEGORIES[measure]),
             rng.choice(OUTCOMES) if with_outcome else "") for _ in range(count)]


def extract_csv(rows: list[tuple[date, str, str]], with_outcome: bool = True) -> bytes:
    header = "date,category,outcome" if with_outcome else "date,category"
    lines = [f"{d.isoformat()},{c},{o}" if with_outcome else f"{d.isoformat()},{c}" for d, c, o in rows]
    return ("\n".join([header, *lines]) + "\n").encode()


def load(store: Store, measure: str, rows: list[tuple[date, str, str]], with_outcome: bool = True,
         version: int = 1) -> None:
    """The rows checked and loaded into the store as the pipeline loads an accepted extract."""
    checked = extracts.check_extract(f"{measure}.csv", extract_csv(rows, with_outcome))
    assert checked.accepted, checked.reasons()
    extracts.load_events(store, REF, checked, version)


def within(day: date, period: tuple[date, date]) -> bool:
    return period[0] <= day <= period[1]


def rate(events: int, children: int) -> float:
    return round(events * 10_000 / children, 1)
