"""Bar charts as accessible SVG, drawn on the server: pure functions, no Flask, no database.

Each chart is an `<svg role="img">` named by its `<title>` and summed up by its `<desc>`;
every bar carries its number as text, and the series differ by pattern as well as by
colour (solid, hatched, dotted), so nothing is said by colour alone. The page shows a
table of the same figures next to each chart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from markupsafe import Markup

WIDTH = 640
LABEL_WIDTH = 190  # the category names, left of the bars
VALUE_ROOM = 56  # right of the longest bar, for its number
BAR = 14
BAR_GAP = 3
GROUP_GAP = 12
LEGEND_HEIGHT = 28
MAX_LABEL = 26  # characters; longer names are shortened (the table has them whole)
# Fill and pattern per series, in order: the pattern tells them apart without colour.
STYLES = (("#1d4e89", "solid"), ("#2f855a", "hatched"), ("#b7791f", "dotted"))


@dataclass(frozen=True)
class Series:
    """One measure: its name and a value per category."""

    name: str
    values: tuple[int, ...]


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def _defs(chart_id: str) -> str:
    """The fill patterns of the series."""
    hatched_fill, _ = STYLES[1]
    dotted_fill, _ = STYLES[2]
    return (
        "<defs>"
        f'<pattern id="{chart_id}-hatched" width="6" height="6" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="#ffffff"/>'
        f'<rect width="3" height="6" fill="{hatched_fill}"/></pattern>'
        f'<pattern id="{chart_id}-dotted" width="5" height="5" patternUnits="userSpaceOnUse">'
        f'<rect width="5" height="5" fill="#ffffff"/>'
        f'<circle cx="2.5" cy="2.5" r="1.6" fill="{dotted_fill}"/></pattern>'
        "</defs>"
    )


def _fill(chart_id: str, index: int) -> tuple[str, str]:
    """The fill and outline of series number index."""
    colour, pattern = STYLES[index % len(STYLES)]
    return (colour if pattern == "solid" else f"url(#{chart_id}-{pattern})"), colour


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
) -> Markup:
    """A horizontal bar chart, a group of bars per category and a bar per series.

    chart_id must be unique on the page (it prefixes the ids of the title, description and
    patterns); every text is escaped here.
    """
    chart_id = escape(chart_id)
    group = len(series) * (BAR + BAR_GAP) - BAR_GAP + GROUP_GAP
    legend = LEGEND_HEIGHT if len(series) > 1 else 0
    height = legend + max(len(categories), 1) * group + 4
    largest = max((value for one in series for value in one.values), default=0)
    scale = (WIDTH - LABEL_WIDTH - VALUE_ROOM) / largest if largest else 0.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" role="img" '
        f'viewBox="0 0 {WIDTH} {height}" aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
        _defs(chart_id),
    ]
    if legend:
        x = LABEL_WIDTH
        for index, one in enumerate(series):
            fill, outline = _fill(chart_id, index)
            parts.append(
                f'<rect x="{x}" y="6" width="14" height="14" fill="{fill}" stroke="{outline}"/>'
                f'<text x="{x + 20}" y="17" class="chart__legend">{escape(one.name)}</text>'
            )
            x += 28 + 8 * len(one.name)
    for row, category in enumerate(categories):
        top = legend + row * group
        middle = top + (group - GROUP_GAP) / 2
        parts.append(
            f"<g><title>{escape(category)}</title>"
            f'<text x="{LABEL_WIDTH - 8}" y="{middle + 4:g}" text-anchor="end" '
            f'class="chart__label">{escape(_short(category))}</text></g>'
        )
        for index, one in enumerate(series):
            value = one.values[row]
            y = top + index * (BAR + BAR_GAP)
            width = round(value * scale, 1)
            fill, outline = _fill(chart_id, index)
            parts.append(
                f"<g><title>{escape(category)} — {escape(one.name)}: {value}</title>"
                f'<rect x="{LABEL_WIDTH}" y="{y}" width="{width:g}" height="{BAR}" '
                f'fill="{fill}" stroke="{outline}"/>'
                f'<text x="{LABEL_WIDTH + width + 4:g}" y="{y + BAR - 3}" '
                f'class="chart__value">{value}</text></g>'
            )
    parts.append(
        f'<line x1="{LABEL_WIDTH}" y1="{legend}" x2="{LABEL_WIDTH}" y2="{height}" '
        'class="chart__axis" stroke="#52606d"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text escaped above)
