"""The participation dashboard as people see it: figures, visibility, charts, filters."""

from __future__ import annotations

from datetime import datetime

import lxml.html
import pytest

from charter.amendments.models import AmendmentEvent, State
from charter.consultation import services as consultation_services
from charter.consultation.models import Comment, Theme
from charter.dashboard import queries as dashboard_queries
from charter.drafting import merge
from charter.drafting import services as drafting_services
from charter.extensions import db
from charter.process.models import StageEvent
from tests.dashboard.conftest import JANUARY, SECRET_COMMENT, Network, amendment, comment, person
from tests.factories import make_charter, make_council, make_version

URL = "/charters/lampedusa/dashboard"
APRIL, JUNE = datetime(2025, 4, 10), datetime(2025, 6, 10)
OTHER = "Other (groups of fewer than 3 people)"


def page_of(client, url: str = URL) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def tables(page: str) -> dict[str, dict[str, list[str]]]:
    """Each table of the page by caption: its rows by their header, the cells as text."""
    found = {}
    for table in lxml.html.fromstring(page).iter("table"):
        caption = table.find("caption").text_content().strip()
        found[caption] = {
            row.find("th").text_content().strip(): [
                cell.text_content().strip() for cell in row.findall("td")
            ]
            for row in table.find("tbody").findall("tr")
        }
    return found


def figures(page: str, caption: str) -> dict[str, list[int]]:
    """One table of figures: per row, proposed, accepted, merged, comments, answers."""
    return {label: [int(cell) for cell in cells] for label, cells in tables(page)[caption].items()}


def totals(page: str) -> dict[str, int]:
    tree = lxml.html.fromstring(page)
    return {
        item.find("dt").text_content().strip(): int(item.find("dd").text_content())
        for item in tree.find_class("dashboard-totals")[0].findall("div")
    }


def test_the_public_sees_the_figures_of_each_breakdown(client, network: Network):
    page = page_of(client)
    assert totals(page) == {
        "Amendments proposed": 5,
        "Amendments accepted": 2,
        "Amendments merged": 1,
        "Comments": 1,
        "Answers to the guiding questions": 5,
        "People taking part": 6,
    }
    #                                    proposed accepted merged comments answers
    assert figures(page, "By Policy Council") == {
        "North Council": [3, 0, 0, 0, 0],
        "South Council": [2, 2, 1, 0, 1],
        "No council": [0, 0, 0, 1, 4],
    }
    # Europe gathers four people; Africa's two are added into "Other".
    assert figures(page, "By region") == {
        "Europe": [3, 0, 0, 1, 3],
        OTHER: [2, 2, 1, 0, 2],
    }
    assert figures(page, "By organisation") == {
        "City of Lampedusa": [0, 0, 0, 1, 3],
        OTHER: [5, 2, 1, 0, 2],
    }
    assert figures(page, "By theme") == {
        "Health": [1, 1, 1, 1, 0],
        "Housing": [1, 0, 0, 0, 1],
        "No theme": [3, 1, 0, 0, 4],
    }
    # Amadou answered in January, before the move to the partner consultation.
    assert figures(page, "By stage") == {
        "Drafting": [0, 0, 0, 0, 1],
        "Partner consultation": [5, 2, 1, 1, 4],
        "Policy Council session": [0, 0, 0, 0, 0],
        "Executive Bureau": [0, 0, 0, 0, 0],
        "Launch": [0, 0, 0, 0, 0],
    }


def test_contributions_count_in_the_stage_current_when_they_were_made(client, network):
    """Stages come from the recorded moves, a step back included."""
    for before, after, month in ((2, 3, 4), (3, 2, 5)):
        db.session.add(
            StageEvent(
                charter_id=network.charter.id,
                from_position=before,
                to_position=after,
                at=datetime(2025, month, 1),
            )
        )
    comment(network, network.partners[0], question=network.question, created_at=APRIL)
    comment(network, network.partners[1], question=network.question, created_at=JUNE)
    db.session.commit()
    by_stage = figures(page_of(client), "By stage")
    assert [by_stage[name][4] for name in list(by_stage)[:3]] == [1, 5, 1]
    # Amendments count in the stage they were written in (March: partner consultation).
    assert by_stage["Partner consultation"][0] == 5


def test_council_members_also_count_what_they_may_read(client, login_as, network: Network):
    """The draft version's comment and the amendment discussion count; drafts still never."""
    login_as(network.secretariat)
    page = page_of(client)
    assert totals(page)["Comments"] == 3
    assert totals(page)["Amendments proposed"] == 5
    assert figures(page, "By Policy Council")["North Council"] == [3, 0, 0, 1, 0]


def _publish_the_draft(network: Network) -> None:
    drafting_services.publish(network.draft, by="Secretariat")


def _restore_the_hidden_comment(network: Network) -> None:
    hidden = db.session.scalars(db.select(Comment).where(Comment.hidden_at.is_not(None))).one()
    hidden.hidden_at = None


def _undelete_the_deleted_comment(network: Network) -> None:
    deleted = db.session.scalars(db.select(Comment).where(Comment.deleted_at.is_not(None))).one()
    deleted.deleted_at = None


def _submit_the_draft_amendment(network: Network) -> None:
    draft = next(a for a in network.amendments if a.state is State.DRAFT)
    draft.state = State.SUBMITTED


def _withdrawn_draft_had_been_submitted(network: Network) -> None:
    withdrawn = next(
        a for a in network.amendments if a.state is State.WITHDRAWN and len(a.events) == 2
    )
    db.session.add(
        AmendmentEvent(
            amendment_id=withdrawn.id, to_state="submitted", actor_id=withdrawn.author_id
        )
    )


@pytest.mark.parametrize(
    ("change", "measure"),
    [
        (_publish_the_draft, "Comments"),
        (_restore_the_hidden_comment, "Comments"),
        (_undelete_the_deleted_comment, "Comments"),
        (_submit_the_draft_amendment, "Amendments proposed"),
        (_withdrawn_draft_had_been_submitted, "Amendments proposed"),
    ],
)
def test_what_the_public_may_not_see_is_not_counted(client, network: Network, change, measure):
    """Each excluded contribution counts once it becomes visible: it was left out for that."""
    before = totals(page_of(client))
    change(network)
    db.session.commit()
    dashboard_queries.clear_cache()  # written behind the services' back: nothing audited
    after = totals(page_of(client))
    assert after[measure] == before[measure] + 1
    assert SECRET_COMMENT not in page_of(client)


def test_the_figures_follow_each_write_at_once(client, network: Network):
    """Cached figures are never stale: hiding, restoring and publishing show at once."""
    assert totals(page_of(client))["Comments"] == 1
    shown = db.session.scalars(
        db.select(Comment).where(
            Comment.version_id == network.published.id, Comment.hidden_at.is_(None)
        )
    ).first()
    consultation_services.hide(network.secretariat, shown, "Off-topic.")
    db.session.commit()
    assert totals(page_of(client))["Comments"] == 0
    consultation_services.restore(network.secretariat, shown)
    db.session.commit()
    assert totals(page_of(client))["Comments"] == 1
    merge.publish(network.secretariat, network.draft)
    db.session.commit()
    assert totals(page_of(client))["Comments"] == 2


def test_each_kind_of_viewer_gets_its_own_figures(client, login_as, network: Network):
    """The public, a council member, the public again: no one is served another's figures,
    even when they see the same versions (the sherpa also counts amendment discussions)."""
    merge.publish(network.secretariat, network.draft)
    db.session.commit()
    assert totals(page_of(client))["Comments"] == 2
    login_as(network.sherpas[0])
    assert totals(page_of(client))["Comments"] == 3
    with client.session_transaction() as session:
        session.clear()
    assert totals(page_of(client))["Comments"] == 2


def test_amendment_discussions_are_not_counted_for_the_public(client, login_as, network):
    public = totals(page_of(client))["Comments"]
    comment(network, network.partners[0], on=network.amendments[0])
    db.session.commit()
    assert totals(page_of(client))["Comments"] == public
    login_as(network.secretariat)
    assert totals(page_of(client))["Comments"] == 4  # 3 before, and this one


def test_the_figures_follow_the_stage_and_theme_filters(client, network: Network):
    january = totals(page_of(client, URL + "?stage=1"))
    assert (january["Answers to the guiding questions"], january["Amendments proposed"]) == (1, 0)
    housing = totals(page_of(client, f"{URL}?theme={network.housing.id}"))
    assert (housing["Amendments proposed"], housing["Answers to the guiding questions"]) == (1, 1)
    assert housing["Comments"] == 0
    both = page_of(client, f"{URL}?stage=2&theme={network.health.id}")
    assert figures(both, "By Policy Council")["South Council"] == [1, 1, 1, 0, 0]
    assert 'value="2" selected' in both


def test_bad_filters_show_everything(client, network: Network):
    for query in ("?stage=abc", "?theme=99999999999", "?stage=9&theme=-1", "?stage=&theme="):
        assert totals(page_of(client, URL + query))["Amendments proposed"] == 5, query


def test_a_theme_of_another_charter_does_not_filter(client, network: Network):
    elsewhere = make_charter("elsewhere")
    theme = Theme(charter_id=elsewhere.id, name="Elsewhere")
    db.session.add(theme)
    db.session.commit()
    assert totals(page_of(client, f"{URL}?theme={theme.id}"))["Amendments proposed"] == 5


def test_merged_words_are_shown_by_council(client, network: Network):
    words = tables(page_of(client))["Words of version 2 by council"]
    # "Every person is welcome and safe in the city": South's amendment brought two words.
    assert words["South Council"][0] == "2"
    assert "Secretariat / original draft" in words
    assert "North Council" not in words


def test_no_person_is_named_on_the_page(client, login_as, network: Network):
    people = [*network.partners, *network.sherpas, network.secretariat]
    for viewer in (None, network.secretariat):
        if viewer:
            login_as(viewer)
        page = page_of(client)
        for someone in people:
            if someone is viewer:
                continue  # the menu names who is signed in
            assert someone.display_name not in page
            assert someone.email not in page


def test_each_breakdown_has_accessible_charts_and_a_table(client, network: Network):
    tree = lxml.html.fromstring(page_of(client))
    sections = tree.find_class("dashboard-section")[1:]  # after the totals
    assert len(sections) == 6
    for section in sections:
        charts = section.xpath(".//svg")
        assert charts and len(section.xpath(".//table")) == 1
        for chart in charts:
            assert chart.get("role") == "img"
            title, desc = chart.get("aria-labelledby").split()
            assert chart.xpath(f".//title[@id='{title}']")[0].text_content().strip()
            assert chart.xpath(f".//desc[@id='{desc}']")[0].text_content().strip()
    council = tree.get_element_by_id("dashboard-council").getparent()
    assert "North Council" in council.xpath(".//svg")[0].text_content()


def test_the_charter_pages_link_to_the_dashboard(client, network: Network):
    page = client.get("/charters/lampedusa").get_data(as_text=True)
    assert f'href="{URL}"' in page
    assert 'aria-current="page">Participation' in page_of(client)


def test_no_visible_version_is_a_404(client, login_as, app):
    charter = make_charter("secret")
    make_version(charter, publish=False)
    assert client.get("/charters/secret/dashboard").status_code == 404
    assert client.get("/charters/nowhere/dashboard").status_code == 404
    sherpa = person("sherpa", "Sam", councils=[make_council(charter)])
    db.session.commit()
    login_as(sherpa)
    assert client.get("/charters/secret/dashboard").status_code == 200


def test_the_number_of_queries_does_not_grow_with_the_data(
    client, login_as, network: Network, count_queries
):
    def measured(*, cached: bool) -> tuple[int, str]:
        db.session.commit()  # as after a write: the signed-in user is read again
        if not cached:
            dashboard_queries.clear_cache()
        with count_queries() as count:
            page = page_of(client)
        return count(), page

    login_as(network.secretariat)
    page_of(client)  # warm: the versions' sections and provenance are cached by digest
    before, _page = measured(cached=False)
    cached, _page = measured(cached=True)
    third = make_council(network.charter, "East Council")
    theme = Theme(charter_id=network.charter.id, name="Education")
    db.session.add(theme)
    db.session.add(
        StageEvent(charter_id=network.charter.id, from_position=2, to_position=3, at=JANUARY)
    )
    for number in range(6):
        someone = person("sherpa", f"Extra {number}", region=f"Region {number}", councils=[third])
        amendment(network, someone, third, State.SUBMITTED, themes=[theme])
        comment(network, someone, question=network.question, themes=[theme])
        comment(network, someone, version=network.draft)
    after, page = measured(cached=False)
    assert figures(page, "By Policy Council")["East Council"] == [6, 0, 0, 6, 6]
    assert after == before
    assert cached < before - 8  # the figures' queries are skipped
