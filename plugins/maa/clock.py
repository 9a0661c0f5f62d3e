"""The pipeline's idea of now, in one place (Europe/London, timezone-aware)."""

from __future__ import annotations

from datetime import datetime

from maa.settings import LONDON


def now() -> datetime:
    return datetime.now(LONDON)
