"""The PAA's monthly chart: a column per month, stacked by category, its text escaped."""

from __future__ import annotations

from maa.paa.charts import monthly_columns


def test_the_monthly_chart_draws_a_column_per_month_stacked_by_category() -> None:
    svg = monthly_columns(["Apr 2025", "May 2025", "Jun 2025"], [("A & B", [1, 0, 2]), ("<C>", [3, 0, 0])],
                          "MARAC: events by month")
    assert svg.count("class='segment'") == 3 and "A &amp; B" in svg and "&lt;C&gt;" in svg
    assert ">4</text>" in svg and ">May 2025</text>" in svg
    empty = monthly_columns(["Apr 2025"], [], "nothing")
    assert "<svg" in empty and "segment" not in empty
