"""The SVG bar charts: well-formed, named and described, labelled in text, escaped."""

from __future__ import annotations

import pytest
from lxml import etree

from charter.dashboard.charts import Series, bar_chart

SVG = "{http://www.w3.org/2000/svg}"


def parse(markup) -> etree._Element:
    return etree.fromstring(str(markup).encode())


def chart(**overrides):
    arguments = {
        "chart_id": "chart-council",
        "title": "Amendments by council",
        "description": "Proposed and merged amendments of two councils.",
        "categories": ["North Council", "South Council"],
        "series": [Series("proposed", (12, 3)), Series("merged", (4, 0))],
    }
    return parse(bar_chart(**(arguments | overrides)))


def texts(svg: etree._Element) -> list[str]:
    return [element.text for element in svg.iter(f"{SVG}text")]


def test_the_chart_is_an_image_named_by_its_title_and_description():
    svg = chart()
    assert svg.get("role") == "img"
    assert svg.get("aria-labelledby") == "chart-council-title chart-council-desc"
    assert svg.find(f"{SVG}title").get("id") == "chart-council-title"
    assert svg.find(f"{SVG}title").text == "Amendments by council"
    assert svg.find(f"{SVG}desc").text == "Proposed and merged amendments of two councils."


def test_every_bar_says_its_number_and_every_group_its_name():
    labels = texts(chart())
    assert labels.count("North Council") == labels.count("South Council") == 1
    for number in ("12", "3", "4", "0"):
        assert number in labels
    assert "proposed" in labels and "merged" in labels  # the legend


def test_bars_are_as_long_as_their_numbers_and_series_differ_by_pattern():
    bars = [rect for group in chart().iter(f"{SVG}g") for rect in group.iter(f"{SVG}rect")]
    widths = [float(bar.get("width")) for bar in bars]
    assert widths[0] / widths[2] == pytest.approx(4, rel=0.01)  # 12 against 3
    assert widths[0] > widths[1] > widths[2] > widths[3] == 0  # 12, 4, 3, 0
    assert bars[0].get("fill") != bars[1].get("fill")
    assert bars[1].get("fill").startswith("url(#chart-council-")  # a pattern, not a colour


def test_names_are_escaped_and_long_ones_shortened():
    svg = chart(categories=['<b>"Ports"</b> & co', "A" * 60], title="Tom & Jerry")
    labels = texts(svg)
    assert '<b>"Ports"</b> & co' in labels  # parsed back as text: it was escaped
    assert svg.find(f"{SVG}title").text == "Tom & Jerry"
    assert "A" * 25 + "…" in labels
    assert [title.text for title in svg.iterfind(f".//{SVG}g/{SVG}title")][3] == "A" * 60


def test_a_chart_of_zeros_or_of_nothing_is_still_drawn():
    zeros = chart(series=[Series("proposed", (0, 0))])
    assert texts(zeros).count("0") == 2
    empty = chart(categories=[], series=[Series("proposed", ())])
    assert empty.get("role") == "img"
