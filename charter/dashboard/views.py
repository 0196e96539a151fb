"""The participation dashboard: who takes part in a charter's process, in aggregate."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import gettext as _

from charter.dashboard import charts, queries
from charter.drafting import queries as drafting_queries
from charter.permissions import authorize, current_user_or_none
from charter.urls import query_int

bp = Blueprint("dashboard", __name__)


def _number(name: str) -> int | None:
    """A number from the query string; None when absent or not a number."""
    try:
        return query_int(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/charters/<slug>/dashboard")
def participation(slug: str):
    """Amendments, comments and answers by council, region, organisation, theme and stage."""
    authorize("read_published")
    charter = drafting_queries.charter_or_404(slug)
    user = current_user_or_none()
    versions = drafting_queries.visible_versions(charter, user)
    if not versions:
        abort(404)
    figures = queries.participation(
        charter, user, versions, stage=_number("stage"), theme=_number("theme")
    )
    return render_template(
        "dashboard/participation.html",
        charter=charter,
        figures=figures,
        groups=_groups(figures),
        words_chart=_words_chart(figures),
        min_people=queries.MIN_PEOPLE,
    )


def _breakdowns(figures: queries.Dashboard) -> tuple:
    """Each breakdown: key, heading, column label, rows, titles of its two charts."""
    return (
        (
            "council",
            _("By Policy Council"),
            _("Council"),
            figures.by_council,
            _("Amendments by Policy Council"),
            _("Comments and answers by Policy Council"),
        ),
        (
            "region",
            _("By region"),
            _("Region"),
            figures.by_region,
            _("Amendments by region"),
            _("Comments and answers by region"),
        ),
        (
            "organisation",
            _("By organisation"),
            _("Organisation"),
            figures.by_organisation,
            _("Amendments by organisation"),
            _("Comments and answers by organisation"),
        ),
        (
            "theme",
            _("By theme"),
            _("Theme"),
            figures.by_theme,
            _("Amendments by theme"),
            _("Comments and answers by theme"),
        ),
        (
            "stage",
            _("By stage"),
            _("Stage"),
            figures.by_stage,
            _("Amendments by stage"),
            _("Comments and answers by stage"),
        ),
    )


def _groups(figures: queries.Dashboard) -> list[dict]:
    """Each breakdown with its heading, its rows and its two charts."""
    groups = []
    for key, heading, label, rows, amendments_title, comments_title in _breakdowns(figures):
        names = [row.label for row in rows]
        amendments = charts.bar_chart(
            f"chart-{key}-amendments",
            amendments_title,
            _(
                "Amendments proposed, accepted and merged, for %(count)s groups; "
                "the table below gives every figure.",
                count=len(rows),
            ),
            names,
            [
                charts.Series(_("proposed"), tuple(row.proposed for row in rows)),
                charts.Series(_("accepted"), tuple(row.accepted for row in rows)),
                charts.Series(_("merged"), tuple(row.merged for row in rows)),
            ],
        )
        comments = charts.bar_chart(
            f"chart-{key}-comments",
            comments_title,
            _(
                "Comments and answers to the guiding questions, for %(count)s groups; "
                "the table below gives every figure.",
                count=len(rows),
            ),
            names,
            [
                charts.Series(_("comments"), tuple(row.comments for row in rows)),
                charts.Series(_("answers"), tuple(row.answers for row in rows)),
            ],
        )
        groups.append(
            {
                "key": key,
                "heading": heading,
                "label": label,
                "rows": rows,
                "charts": (amendments, comments),
            }
        )
    return groups


def _words_chart(figures: queries.Dashboard):
    if figures.words_version is None or not figures.merged_words:
        return None
    return charts.bar_chart(
        "chart-merged-words",
        _("Words of version %(number)s by council", number=figures.words_version.number),
        _(
            "How many words of version %(number)s each council's amendments brought; the "
            "table below gives every figure.",
            number=figures.words_version.number,
        ),
        [share.name for share in figures.merged_words],
        [charts.Series(_("words"), tuple(share.words for share in figures.merged_words))],
    )
