"""Charts for the PDF reports as inline SVG, which WeasyPrint draws itself.

No plotting library: a stacked bar is a few rectangles, and writing them here
keeps the reports' dependencies small and the output the same everywhere.
Every piece of text goes through `markupsafe.escape`, because labels come from
returns and definitions and may hold '&' or '<'.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from markupsafe import Markup, escape

WIDTH = 680  # viewBox units; drawn 170 mm wide, so 4 units to the millimetre
UNITS_PER_MM = 4
TOTAL_SPACE = 40  # room after the longest bar for its total
LABEL_HEIGHT, BAR_HEIGHT, ROW_GAP = 14, 18, 8
FONT = "font-family='DejaVu Sans, sans-serif'"
CHAR_WIDTH = 6.5  # a generous average glyph width at font-size 11, for fitting text without measuring it

# (fill, text on it): dark text where the fill is light.
COLOURS = {
    "outstanding": ("#1b5e20", "#ffffff"),
    "good": ("#4caf50", "#ffffff"),
    "requires improvement": ("#f0a30a", "#111111"),
    "inadequate": ("#c62828", "#ffffff"),
    "not involved": ("#9e9e9e", "#111111"),
}
NEUTRAL = ("#5c7c99", "#ffffff")


def _colours(grade: str) -> tuple[str, str]:
    return COLOURS.get(grade.strip().lower(), NEUTRAL)


def _text(x: float, y: float, text: object, size: int = 11, fill: str = "#111111", anchor: str = "start") -> str:
    return (f"<text x='{x:.2f}' y='{y:.2f}' font-size='{size}' fill='{fill}' text-anchor='{anchor}' {FONT}>"
            f"{escape(str(text))}</text>")


def _fits(text: str, width: float) -> bool:
    return len(text) * CHAR_WIDTH + 6 <= width


def grade_bars(rows: Sequence[tuple[str, Mapping[str, int]]], grades: Sequence[str], title: str) -> Markup:
    """One horizontal stacked bar per row, segments in the order of `grades`, scaled to the largest total.

    Grades counted in a row but missing from `grades` are drawn after them, so no count is lost.
    """
    order = list(grades) + sorted({g for _, counts in rows for g in counts} - set(grades))
    totals = [sum(max(counts.get(g, 0), 0) for g in order) for _, counts in rows]
    scale = (WIDTH - TOTAL_SPACE) / max(totals, default=0) if any(totals) else 0.0
    row_height = LABEL_HEIGHT + BAR_HEIGHT + ROW_GAP

    parts: list[str] = []
    for index, ((label, counts), total) in enumerate(zip(rows, totals, strict=True)):
        top = index * row_height
        bar_top = top + LABEL_HEIGHT
        bar = [_text(0, top + 11, label),
               f"<rect class='track' x='0' y='{bar_top}' width='{WIDTH - TOTAL_SPACE}' height='{BAR_HEIGHT}' "
               "fill='#f2f2f2' stroke='#cccccc' stroke-width='0.5'/>"]
        x = 0.0
        for grade in order:
            count = counts.get(grade, 0)
            if count <= 0:
                continue
            width = count * scale
            fill, ink = _colours(grade)
            bar.append(f"<rect class='segment' data-grade='{escape(grade)}' x='{x:.2f}' y='{bar_top}' "
                       f"width='{width:.2f}' height='{BAR_HEIGHT}' fill='{fill}'/>")
            if _fits(str(count), width):
                bar.append(_text(x + width / 2, bar_top + 13, count, fill=ink, anchor="middle"))
            x += width
        bar.append(_text(x + 4, bar_top + 13, total, fill="#444444"))
        parts.append(f"<g class='bar'>{''.join(bar)}</g>")

    return svg_with_legend(parts, [(grade, _colours(grade)[0]) for grade in order], len(rows) * row_height + 4,
                           title)


def svg_with_legend(parts: list[str], legend_items: Sequence[tuple[str, str]], legend_top: float,
                    title: str) -> Markup:
    """Finish a chart: a legend of (label, fill) swatches wrapped to the width below `legend_top`, the svg
    element sized to fit, and `title` for screen readers."""
    legend, x, y = [], 0.0, legend_top
    for label, fill in legend_items:
        item_width = 14 + 4 + len(label) * CHAR_WIDTH + 14
        if x and x + item_width > WIDTH:
            x, y = 0.0, y + 16
        legend.append(f"<rect x='{x:.2f}' y='{y}' width='12' height='12' fill='{fill}'/>"
                      + _text(x + 16, y + 10, label, size=10))
        x += item_width
    height = y + 16
    return Markup(
        f"<svg xmlns='http://www.w3.org/2000/svg' role='img' viewBox='0 0 {WIDTH} {height}' "
        f"width='{WIDTH / UNITS_PER_MM:g}mm' height='{height / UNITS_PER_MM:g}mm'>"
        f"<title>{escape(title)}</title>{''.join(parts)}<g class='legend'>{''.join(legend)}</g></svg>"
    )
