"""The index follows every write in the write's own transaction."""

import sqlalchemy as sa

from charter.amendments import services as amendments
from charter.consultation import services as consultation
from charter.drafting import services as drafting
from charter.extensions import db
from charter.search import index, queries
from charter.search.models import SearchDocument
from tests.factories import make_user, make_version
from tests.search.conftest import DRAFT, add_comment


def finds(user, word: str) -> int:
    return queries.search(user, word).total


def documents() -> set[tuple]:
    table = SearchDocument.__table__
    columns = [c for c in table.c if c.name != "id"]
    return set(db.session.execute(sa.select(*columns)).all())


def test_a_comment_is_found_before_the_commit_and_a_rollback_leaves_no_document(world):
    partner = make_user("partner")
    consultation.comment_on_section(
        partner, world.charter, world.published, "article-1-welcome", "The manatee agrees."
    )
    assert finds(partner, "manatee") == 1  # same transaction, no reindexing
    db.session.rollback()
    assert finds(partner, "manatee") == 0
    assert not db.session.scalar(
        sa.select(sa.func.count())
        .select_from(SearchDocument)
        .where(SearchDocument.body.contains("manatee"))
    )


def test_editing_hiding_restoring_and_deleting_a_comment(world):
    partner, secretariat = make_user("partner"), world.viewers["secretariat"]
    comment = consultation.comment_on_section(
        partner, world.charter, world.published, "article-1-welcome", "The manatee agrees."
    )
    db.session.commit()
    consultation.edit(partner, comment, "The dolphin agrees.")
    db.session.commit()
    assert (finds(None, "manatee"), finds(None, "dolphin")) == (0, 1)
    consultation.hide(secretariat, comment, "Off-topic.")
    db.session.commit()
    assert finds(None, "dolphin") == finds(secretariat, "dolphin") == 0
    consultation.restore(secretariat, comment)
    db.session.commit()
    assert finds(None, "dolphin") == 1
    consultation.delete(partner, comment)
    db.session.commit()
    assert finds(partner, "dolphin") == 0


def test_an_amendment_is_found_by_others_once_submitted_and_by_its_new_words(world):
    author, member = world.viewers["author"], world.viewers["member"]
    draft = world.amendments["quokka"]
    assert (finds(author, "quokka"), finds(member, "quokka")) == (1, 0)
    assert (finds(author, "dugong"), finds(member, "dugong")) == (1, 0)
    amendments.submit(author, draft)
    db.session.commit()
    assert finds(member, "quokka") == 1
    assert finds(member, "dugong") == 1  # its discussion follows it
    amendments.edit(
        author,
        draft,
        draft.text_operations(),
        justification="A wombat said so.",
        title="",
        themes=[],
        questions=[],
        revision=draft.revision,
    )
    db.session.commit()
    assert (finds(member, "quokka"), finds(member, "wombat")) == (1, 1)  # the text keeps it
    amendments.withdraw(author, draft)
    db.session.commit()
    assert finds(member, "wombat") == 1  # withdrawn amendments stay readable


def test_publishing_and_new_versions_change_which_sections_are_indexed(world):
    member = world.viewers["member"]
    assert finds(None, "zeppelin") == 0
    drafting.publish(world.draft, by="Sofia")
    db.session.commit()
    assert finds(None, "zeppelin") == 1
    make_version(world.charter, DRAFT.replace("zeppelin", "airship"), publish=False)
    indexed = db.session.scalars(
        sa.select(SearchDocument.version_id).where(SearchDocument.kind == "section").distinct()
    ).all()
    assert sorted(indexed) == [world.draft.id, world.draft.id + 1]  # version 1 left
    assert (finds(None, "zeppelin"), finds(None, "airship")) == (1, 0)
    assert (finds(member, "zeppelin"), finds(member, "airship")) == (0, 1)
    assert finds(member, "tapir") == 1  # comments on older versions stay


def test_reindex_rebuilds_what_the_events_built(world):
    built = documents()
    assert len(built) == 3 + 4 + 2 + 7  # both versions' sections, amendments, comments
    db.session.execute(sa.delete(SearchDocument))
    assert finds(world.viewers["secretariat"], "narwhal") == 0
    assert index.reindex(world.charter.id) == len(built)
    assert documents() == built
    assert finds(world.viewers["secretariat"], "narwhal") == 1


def test_a_search_page_runs_the_same_queries_for_one_result_or_twenty(
    client, login_as, world, count_queries
):
    login_as(world.viewers["author"])
    for number in range(25):
        add_comment(
            world,
            f"w{number}",
            world.viewers["partner"],
            body=f"Walrus {number}.",
            version_id=world.published.id,
            section_key="article-1-welcome",
        )
    db.session.commit()
    client.get("/search?q=axolotl")
    with count_queries() as one:
        assert "<mark>axolotl</mark>" in client.get("/search?q=axolotl").get_data(as_text=True)
    with count_queries() as many:
        client.get("/search?q=walrus")
    assert many() == one()


def test_a_stale_document_is_checked_against_the_live_rows_and_left_out(world):
    # Writes that bypass the session leave the index behind: the page's rows are checked.
    from charter.amendments.models import Amendment
    from charter.consultation.models import Comment
    from charter.drafting.models import utcnow

    member = world.viewers["member"]
    db.session.execute(
        sa.update(Comment)
        .where(Comment.id == world.comments["axolotl"].id)
        .values(hidden_at=utcnow())
    )
    db.session.execute(
        sa.update(Amendment)
        .where(Amendment.id == world.amendments["narwhal"].id)
        .values(state="draft")
    )
    db.session.expire_all()
    for word in ("axolotl", "narwhal"):
        results = queries.search(member, word)
        assert results.total == 1 and results.hits == [], word
