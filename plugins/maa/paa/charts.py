"""Monthly event counts for a PAA's data section, as inline SVG columns stacked by category.

Same approach as maa.outputs.charts (no plotting library, every label escaped, the same text helper), but
columns over time rather than bars per domain: a year of months reads left to right.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from markupsafe import Markup, escape

from maa.outputs.charts import WIDTH, _text, svg_with_legend

# Colour-blind-safe (Okabe-Ito), then greys; categories beyond these repeat the last colour.
PALETTE = ("#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#f0e442", "#666666", "#aaaaaa")
PLOT_HEIGHT, AXIS_SPACE, TOP_SPACE, LEFT_SPACE = 150, 30, 14, 34


def _colour(index: int) -> str:
    return PALETTE[min(index, len(PALETTE) - 1)]


def monthly_columns(months: Sequence[str], series: Sequence[tuple[str, Sequence[int]]], title: str) -> Markup:
    """One column per month, segments per category in `series` order, each column's total above it."""
    totals = [sum(counts[i] for _, counts in series) for i in range(len(months))]
    scale = PLOT_HEIGHT / max(totals) if any(totals) else 0.0
    slot = (WIDTH - LEFT_SPACE) / max(len(months), 1)
    column_width = slot * 0.7
    baseline = TOP_SPACE + PLOT_HEIGHT
    label_every = max(1, math.ceil(max((len(m) for m in months), default=0) * 5.5 / slot))  # no overlapping labels
    parts = [f"<line x1='{LEFT_SPACE}' y1='{baseline}' x2='{WIDTH}' y2='{baseline}' stroke='#999999' "
             "stroke-width='0.5'/>",
             _text(LEFT_SPACE - 4, baseline, 0, size=9, fill="#444444", anchor="end"),
             _text(LEFT_SPACE - 4, TOP_SPACE + 8, max(totals, default=0), size=9, fill="#444444", anchor="end")]
    for index, (month, total) in enumerate(zip(months, totals, strict=True)):
        x = LEFT_SPACE + index * slot + (slot - column_width) / 2
        top: float = baseline
        for series_index, (category, counts) in enumerate(series):
            height = counts[index] * scale
            if height <= 0:
                continue
            top -= height
            parts.append(f"<rect class='segment' data-category='{escape(category)}' x='{x:.2f}' y='{top:.2f}' "
                         f"width='{column_width:.2f}' height='{height:.2f}' fill='{_colour(series_index)}'/>")
        parts.append(_text(x + column_width / 2, top - 3, total, size=9, fill="#444444", anchor="middle"))
        if index % label_every == 0:
            parts.append(_text(x + column_width / 2, baseline + 12, month, size=8, fill="#111111", anchor="middle"))

    return svg_with_legend(parts, [(category, _colour(index)) for index, (category, _) in enumerate(series)],
                           baseline + AXIS_SPACE, title)
