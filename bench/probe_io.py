"""What the subprocess probes share: timing steps, and handing their figures back to `run.py`.

Each step is timed twice: CPU time of this process (what the step costs, whatever else the machine
is doing) and wall time (what a person waits, on a busy machine much more). A JSON file rather than
stdout, because Airflow and the pipeline log to stdout; the peak memory is added here so that every
probe reports it the same way.
"""

from __future__ import annotations

import json
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


class Stopwatch:
    """Times named steps (CPU and wall) and keeps what each returned, for the sanity checks."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.cpu_seconds: dict[str, float] = {}
        self.returned: dict[str, Any] = {}

    def step(self, name: str, action: Callable[[], Any]) -> Any:
        cpu_started, started = time.process_time(), time.perf_counter()
        result = action()
        self.cpu_seconds[name] = time.process_time() - cpu_started
        self.seconds[name] = time.perf_counter() - started
        self.returned[name] = result
        return result

    def figures(self) -> dict[str, dict[str, float]]:
        """Each step's CPU and wall seconds, as `run.py` reads them."""
        return {"cpu_s": self.cpu_seconds, "wall_s": self.seconds}


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_result(path: Path, figures: dict[str, Any]) -> None:
    """The probe's figures plus its peak memory, as one JSON object."""
    Path(path).write_text(json.dumps({**figures, "peak_rss_mb": peak_rss_mb()}))
