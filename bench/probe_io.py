"""What both subprocess probes share: how they hand their figures back to `run.py`.

A JSON file rather than stdout, because Airflow and the pipeline log to stdout;
the peak memory is added here so that every probe reports it the same way.
"""

from __future__ import annotations

import json
import resource
from pathlib import Path
from typing import Any


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def write_result(path: Path, figures: dict[str, Any]) -> None:
    """The probe's figures plus its peak memory, as one JSON object."""
    Path(path).write_text(json.dumps({**figures, "peak_rss_mb": peak_rss_mb()}))
