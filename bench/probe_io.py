"""What the subprocess probes share: timing steps, and handing their figures back to `run.py`.

A JSON file rather than stdout, because Airflow and the pipeline log to stdout;
the peak memory is added here so that every probe reports it the same way.
"""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class Stopwatch:
    """Times named steps in order and keeps what each returned, for the sanity checks."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.returned: dict[str, Any] = {}

    def step(self, name: str, action: Callable[[], Any]) -> Any:
        started = time.perf_counter()
        result = action()
        self.seconds[name] = time.perf_counter() - started
        self.returned[name] = result
        return result


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_result(path: Path, figures: dict[str, Any]) -> None:
    """The probe's figures plus its peak memory, as one JSON object."""
    Path(path).write_text(json.dumps({**figures, "peak_rss_mb": peak_rss_mb()}))
