"""Grade charts: well-formed SVG, bars true to the counts, text escaped, drawn into the PDF by WeasyPrint."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import jinja2
import pytest
from markupsafe import Markup
from pypdf import PdfReader

from maa.outputs.charts import grade_bars
from maa.outputs.rendering import html_to_pdf

GRADES = ("Outstanding", "Good", "Requires improvement", "Inadequate", "Not involved")
SVG = "{http://www.w3.org/2000/svg}"
AWKWARD = "Risk & <need>"


def parse(chart: Markup) -> ET.Element:
    return ET.fromstring(str(chart))


def bars(root: ET.Element) -> list[ET.Element]:
    return [g for g in root.iter(f"{SVG}g") if g.get("class") == "bar"]


def segments(bar: ET.Element) -> list[ET.Element]:
    return [r for r in bar.iter(f"{SVG}rect") if r.get("class") == "segment"]


def texts(element: ET.Element) -> list[str]:
    return [t.text or "" for t in element.iter(f"{SVG}text")]


def test_is_markup_with_title_and_170mm_viewbox():
    chart = grade_bars([("Voice of the child", {"Good": 1})], GRADES, "Grades given, by domain")
    root = parse(chart)
    assert isinstance(chart, Markup)
    assert root.tag == f"{SVG}svg"
    assert root.find(f"{SVG}title").text == "Grades given, by domain"
    assert root.get("width") == "170mm"
    assert root.get("viewBox").startswith("0 0 680 ")
    assert jinja2.Environment(autoescape=True).from_string("{{ chart }}").render(chart=chart) == str(chart)


def test_one_bar_group_per_row_in_order_with_empty_rows_drawn_empty():
    rows = [("Information sharing", {"Good": 2}), ("Assessment and planning", {}),
            ("Voice of the child", {"Inadequate": 0})]
    found = bars(parse(grade_bars(rows, GRADES, "t")))
    assert [texts(bar)[0] for bar in found] == [label for label, _ in rows]
    assert [len(segments(bar)) for bar in found] == [1, 0, 0]
    assert all(any(r.get("class") == "track" for r in bar.iter(f"{SVG}rect")) for bar in found)


def test_all_rows_empty_draws_empty_bars():
    found = bars(parse(grade_bars([("A", {}), ("B", {})], GRADES, "t")))
    assert [len(segments(bar)) for bar in found] == [0, 0]


def test_segment_widths_are_proportional_to_counts_and_the_largest_total_fills_the_track():
    rows = [("A", {"Good": 2, "Inadequate": 1, "Outstanding": 3}), ("B", {"Requires improvement": 4})]
    root = parse(grade_bars(rows, GRADES, "t"))
    track = float(next(r for r in root.iter(f"{SVG}rect") if r.get("class") == "track").get("width"))
    drawn = [[(s.get("data-grade"), float(s.get("width"))) for s in segments(bar)] for bar in bars(root)]
    assert [[grade for grade, _ in row] for row in drawn] == [["Outstanding", "Good", "Inadequate"],
                                                              ["Requires improvement"]]
    per_unit = track / 6
    for (_, counts), row in zip(rows, drawn, strict=True):
        for grade, width in row:
            assert width == pytest.approx(counts[grade] * per_unit, abs=0.01)
    assert sum(width for _, width in drawn[0]) == pytest.approx(track, abs=0.01)


def test_segments_touch_end_to_end():
    bar = bars(parse(grade_bars([("A", {"Good": 1, "Inadequate": 2, "Not involved": 3})], GRADES, "t")))[0]
    edges = [(float(s.get("x")), float(s.get("width"))) for s in segments(bar)]
    assert edges[0][0] == 0
    for (x, width), (next_x, _) in zip(edges, edges[1:], strict=False):
        assert x + width == pytest.approx(next_x, abs=0.01)


def test_counts_are_written_only_inside_segments_wide_enough():
    bar = bars(parse(grade_bars([("A", {"Good": 200, "Inadequate": 1})], GRADES, "t")))[0]
    assert texts(bar) == ["A", "200", "201"]  # label, the wide segment's count, the total


def test_fixed_colours_per_grade_and_a_neutral_one_for_others():
    rows = [("A", {grade: 1 for grade in (*GRADES, "Unknown", "Other")})]
    root = parse(grade_bars(rows, GRADES, "t"))
    fills = {s.get("data-grade"): s.get("fill") for s in segments(bars(root)[0])}
    assert len({fills[grade] for grade in GRADES}) == len(GRADES)
    assert fills["Unknown"] == fills["Other"] not in {fills[grade] for grade in GRADES}
    reordered = segments(bars(parse(grade_bars(rows, GRADES[::-1], "t")))[0])
    assert {s.get("data-grade"): s.get("fill") for s in reordered} == fills


def test_legend_names_every_grade_including_ones_only_in_the_counts():
    root = parse(grade_bars([("A", {"Good": 1, "Emerging": 2})], GRADES, "t"))
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    assert texts(legend) == [*GRADES, "Emerging"]


@pytest.mark.parametrize("where", ["label", "grade", "title"])
def test_text_is_escaped(where: str):
    label, grade, title = (AWKWARD if where == w else "plain" for w in ("label", "grade", "title"))
    chart = grade_bars([(label, {grade: 3})], [grade], title)
    assert "<need>" not in str(chart)
    root = parse(chart)
    assert AWKWARD in [*texts(root), root.find(f"{SVG}title").text]


def test_labels_are_drawn_into_the_pdf(tmp_path: Path):
    chart = grade_bars([(AWKWARD, {"Good": 3, "Inadequate": 1}), ("Voice of the child", {})], GRADES,
                       "Grades given, by domain")
    html = f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body><p>Chart</p>{chart}</body></html>"
    text = PdfReader(html_to_pdf(html, tmp_path / "chart.pdf")).pages[0].extract_text()
    for expected in (AWKWARD, "Voice of the child", "Requires improvement"):
        assert expected in text
