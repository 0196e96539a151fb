"""Who wrote this: provenance of a version's sections, as queries and as pages."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from charter.accounts.models import User
from charter.amendments.models import Amendment, State
from charter.drafting import provenance, queries
from charter.drafting.models import Charter, MergeStep, SectionText, Version, VersionOrigin
from charter.extensions import db
from charter.text import hashing
from charter.text import sections as text_sections
from charter.text.sections import word_count
from tests.factories import DOCUMENT, make_charter, make_council, make_user, make_version

WELCOME = "Every person is welcome in the city."
SAFE = "Every person is welcome and safe in the city."
HARBOURS = "Every person is welcome and safe in the city and its harbours."
TRULY = "Every person is truly welcome and safe in the city and its harbours."
HIDDEN_NOTE = "Internal merge, not for the public"
HIDDEN_AUTHOR = "Backroom Drafter"
ARTICLE_1 = "article-1-dignity"
ARTICLE_2 = "article-2-equity"


def body(document: str, key: str) -> str:
    """The body of one section of a document."""
    return next(s.body for s in text_sections.split(document) if s.key == key)


def add_amendment(charter: Charter, number: int, author: User, council, title: str) -> Amendment:
    amendment = Amendment(
        charter_id=charter.id,
        number=number,
        base_version_id=queries.head_version(charter).id,
        author_id=author.id,
        council_id=council.id if council else None,
        title=title,
        justification="Because.",
        state=State.MERGED,
    )
    db.session.add(amendment)
    db.session.commit()
    return amendment


def merge_version(
    charter: Charter,
    steps: list[tuple[Amendment | None, str, str]],
    document: str,
    actor: User,
    *,
    publish: bool,
    note: str = "Merged amendments",
    author: str = "Secretariat",
) -> Version:
    """A version made of merge steps: (amendment or None, section key, text after it)."""
    version = make_version(charter, document, publish=publish, note=note, author=author)
    for _, _, text in steps:
        if db.session.get(SectionText, hashing.text_hash(text)) is None:
            db.session.add(SectionText(hash=hashing.text_hash(text), body=text))
    db.session.add(VersionOrigin(version_id=version.id, kind="merge", actor_id=actor.id))
    for position, (amendment, key, text) in enumerate(steps):
        db.session.add(
            MergeStep(
                version_id=version.id,
                position=position,
                amendment_id=amendment.id if amendment else None,
                section_key=key,
                text_hash=hashing.text_hash(text),
            )
        )
    db.session.commit()
    return version


@dataclass
class World:
    charter: Charter
    salvatore: User
    olga: User
    secretariat: User


@pytest.fixture
def world(app) -> World:
    """Version 1 (published), version 2 merged from two amendments and a direct edit (not
    published), version 3 (published) with a change of its own to Article 2."""
    provenance.clear_caches()
    charter = make_charter("blame", "Charter of Cities")
    right, coast = make_council(charter, "Right to the City"), make_council(charter, "Coastal")
    salvatore = make_user("sherpa", name="Salvatore", councils=[right])
    olga = make_user("sherpa", name="Olga", councils=[coast])
    secretariat = make_user("secretariat", name="Sofia")
    make_version(charter, DOCUMENT, note="First draft", author="Secretariat")
    safe = add_amendment(charter, 12, salvatore, right, "Safety for all")
    harbours = add_amendment(charter, 14, olga, coast, "Port cities")
    merged = DOCUMENT.replace(WELCOME, TRULY)
    merge_version(
        charter,
        [
            (safe, ARTICLE_1, body(DOCUMENT.replace(WELCOME, SAFE), ARTICLE_1)),
            (harbours, ARTICLE_1, body(DOCUMENT.replace(WELCOME, HARBOURS), ARTICLE_1)),
            (None, ARTICLE_1, body(merged, ARTICLE_1)),
        ],
        merged,
        secretariat,
        publish=False,
        note=HIDDEN_NOTE,
        author=HIDDEN_AUTHOR,
    )
    make_version(
        charter,
        merged.replace("open to all residents", "open to all residents and visitors"),
        note="Consultation text",
        author="Secretariat",
    )
    return World(charter, salvatore, olga, secretariat)


def text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def plain(html: str) -> str:
    """The page's text without tags, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def credited(charter: Charter, number: int, key: str, user) -> list[tuple[str, str]]:
    """(words, who) of each span with words, who as the legend would say it briefly."""
    version = queries.version_or_404(charter, number, user)
    result = provenance.section_provenance(charter, version, key, user)
    spans = []
    for span, contributor in result.spans:
        if not span.strip():
            continue
        if contributor.kind == "amendment":
            who = f"amendment {contributor.amendment_number} v{contributor.version_number}"
        else:
            who = f"{contributor.kind} v{contributor.version_number}"
        spans.append((" ".join(span.split()), who))
    return spans


def test_words_are_credited_to_the_amendment_that_brought_them(world):
    assert credited(world.charter, 2, ARTICLE_1, world.secretariat) == [
        ("Every person is", "version v1"),
        ("truly", "direct_edit v2"),
        ("welcome", "version v1"),
        ("and safe", "amendment 12 v2"),
        ("in the city", "version v1"),
        ("and its harbours", "amendment 14 v2"),
        (".", "version v1"),
    ]


def test_the_public_sees_hidden_versions_credited_to_the_version_that_published_them(world):
    assert credited(world.charter, 3, ARTICLE_1, None) == [
        ("Every person is", "version v1"),
        ("truly", "direct_edit v3"),
        ("welcome", "version v1"),
        ("and safe", "amendment 12 v3"),
        ("in the city", "version v1"),
        ("and its harbours", "amendment 14 v3"),
        (".", "version v1"),
    ]


def test_a_change_without_steps_is_credited_to_its_version(world):
    assert ("and visitors", "version v3") in credited(world.charter, 3, ARTICLE_2, None)


def test_a_section_deleted_and_put_back_is_credited_to_the_version_putting_it_back(world):
    without = DOCUMENT.split("## Article 2")[0]
    make_version(world.charter, without, note="Article 2 dropped")
    make_version(world.charter, DOCUMENT, note="Article 2 back")
    assert credited(world.charter, 5, ARTICLE_2, None) == [
        ("Public services are open to all residents.", "version v5")
    ]
    assert credited(world.charter, 5, ARTICLE_1, None)[0] == ("Every person is", "version v1")


def test_section_page_names_amendment_author_and_council(client, world):
    page = text(client.get(f"/charters/blame/versions/3/provenance/{ARTICLE_1}"))
    words = plain(page)
    assert "Amendment 12 “Safety for all” by Salvatore (Right to the City)" in words
    assert "Amendment 14 “Port cities” by Olga (Coastal)" in words
    assert "Direct edit by the secretariat" in words
    # Each marked span says whose it is to screen readers, not by colour alone.
    assert re.search(
        r'<mark class="prov prov--\d"><a class="prov__ref" href="#contributor-(\d)">'
        r'<sup aria-hidden="true">\1</sup><span class="visually-hidden">'
        r"\[\1\] From amendment 12 by Salvatore, Right to the City: </span></a>and safe</mark>",
        page,
    )
    assert "[4] From a direct edit by the secretariat in version 3:" in page


def test_public_pages_never_show_an_unpublished_version(client, login_as, world):
    pages = [
        f"/charters/blame/versions/3/provenance/{ARTICLE_1}",
        f"/charters/blame/versions/3/provenance/{ARTICLE_2}",
        "/charters/blame/versions/3/provenance",
    ]
    for path in pages:
        page = text(client.get(path))
        assert HIDDEN_NOTE not in page and HIDDEN_AUTHOR not in page
        assert not re.search(r"version 2\b|/versions/2\b", page, re.IGNORECASE), path
    login_as(world.secretariat)
    page = text(client.get(f"/charters/blame/versions/3/provenance/{ARTICLE_1}"))
    assert "(Right to the City), in the text since version 2 of" in plain(page)
    page = text(client.get(f"/charters/blame/versions/2/provenance/{ARTICLE_1}"))
    assert f"{HIDDEN_NOTE}" not in page  # its words came from amendments and a direct edit
    page = text(client.get(f"/charters/blame/versions/2/provenance/{ARTICLE_2}"))
    assert "Version 1" in plain(page)


def test_hidden_version_author_and_note_shown_to_the_secretariat(client, login_as, world):
    charter = world.charter
    make_version(
        charter,
        DOCUMENT.replace(WELCOME, "All are welcome."),
        publish=False,
        note=HIDDEN_NOTE,
        author=HIDDEN_AUTHOR,
    )
    make_version(charter, DOCUMENT.replace(WELCOME, "All are welcome."), note="Public again")
    path = f"/charters/blame/versions/5/provenance/{ARTICLE_1}"
    public = plain(text(client.get(path)))
    assert HIDDEN_NOTE not in public and HIDDEN_AUTHOR not in public
    assert "Version 5 of" in public and "Public again" in public
    login_as(world.secretariat)
    internal = plain(text(client.get(path)))
    assert f"by {HIDDEN_AUTHOR} — {HIDDEN_NOTE}" in internal


def test_amendment_linked_only_for_who_may_read_it(client, login_as, world):
    path = f"/charters/blame/versions/3/provenance/{ARTICLE_1}"
    link = 'href="/charters/blame/amendments/12"'
    assert link not in text(client.get(path))
    assert link not in text(client.get("/charters/blame/versions/3/provenance"))
    login_as(world.secretariat)
    assert link in text(client.get(path))
    assert link in text(client.get("/charters/blame/versions/3/provenance"))


def test_overview_counts_words_per_council_author_and_amendment(client, world):
    version = queries.version_or_404(world.charter, 3, None)
    contributions = provenance.version_contributions(world.charter, version, None)
    total = sum(word_count(s.body) for s in queries.sections_of(version))
    assert contributions.words == total
    councils = {share.name: share.words for share in contributions.by_council}
    assert councils == {
        "Right to the City": 2,
        "Coastal": 3,
        "Secretariat / original draft": total - 5,
    }
    authors = {share.name: share.words for share in contributions.by_author}
    assert authors == {"Salvatore": 2, "Olga": 3, "Secretariat / original draft": total - 5}
    assert [(a.number, a.words) for a in contributions.by_amendment] == [(14, 3), (12, 2)]
    sections = {share.section.key: share.amendments for share in contributions.sections}
    assert sections == {"preamble": 0, ARTICLE_1: 2, ARTICLE_2: 0}

    page = plain(text(client.get("/charters/blame/versions/3/provenance")))
    assert "Right to the City 2" in page and "Coastal 3" in page
    assert f"Secretariat / original draft {total - 5}" in page
    assert "Who wrote “Article 1 — Dignity”" in page


def test_amendment_without_council_counts_apart(world):
    charter = world.charter
    lone = add_amendment(charter, 20, world.secretariat, None, "A word more")
    document = DOCUMENT.replace(WELCOME, TRULY).replace("open to all residents", "open to all")
    merge_version(
        charter,
        [(lone, ARTICLE_2, body(document, ARTICLE_2) + "Always.\n")],
        document + "Always.\n",
        world.secretariat,
        publish=True,
    )
    version = queries.version_or_404(charter, 4, None)
    councils = {
        s.name: s.words for s in provenance.version_contributions(charter, version, None).by_council
    }
    assert councils["No council"] == 1


def test_version_page_links_to_provenance(client, world):
    page = text(client.get("/charters/blame/versions/3"))
    assert 'href="/charters/blame/versions/3/provenance"' in page
    assert f'href="/charters/blame/versions/3/provenance/{ARTICLE_1}"' in page


def test_section_text_is_escaped(client, world):
    make_version(world.charter, DOCUMENT.replace(WELCOME, "Welcome <script>alert(1)</script>"))
    page = text(client.get(f"/charters/blame/versions/4/provenance/{ARTICLE_1}"))
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


@pytest.mark.parametrize(
    "path",
    [
        f"/charters/blame/versions/2/provenance/{ARTICLE_1}",
        "/charters/blame/versions/2/provenance",
        f"/charters/blame/versions/99/provenance/{ARTICLE_1}",
        "/charters/blame/versions/99/provenance",
        "/charters/blame/versions/3/provenance/no-such-section",
        f"/charters/nowhere/versions/1/provenance/{ARTICLE_1}",
    ],
)
def test_unknown_or_hidden_is_not_found(client, world, path):
    assert client.get(path).status_code == 404


def test_unknown_section_not_found_for_the_secretariat_too(client, login_as, world):
    login_as(world.secretariat)
    assert client.get("/charters/blame/versions/2/provenance/nope").status_code == 404
    assert client.get(f"/charters/blame/versions/2/provenance/{ARTICLE_1}").status_code == 200


def _long_history(slug: str, versions: int, author: User, council) -> Charter:
    """A charter whose Article 1 changes in every version, every other one by amendment."""
    charter = make_charter(slug)
    document = DOCUMENT
    make_version(charter, document)
    for number in range(2, versions + 1):
        document = document.replace("in the city", f"in the city {number}", 1)
        if number % 2:
            amendment = add_amendment(charter, number, author, council, f"Change {number}")
            step = (amendment, ARTICLE_1, body(document, ARTICLE_1))
            merge_version(charter, [step], document, author, publish=number % 3 != 0)
        else:
            make_version(charter, document, publish=number % 3 != 0)
    return charter


def test_queries_do_not_grow_with_the_number_of_versions(app, count_queries, world):
    council = make_council(world.charter, "Counting")
    counted = []
    for slug, versions in (("short", 4), ("long", 30)):
        charter = _long_history(slug, versions, world.olga, council)
        for user in (None, world.secretariat):
            provenance.clear_caches()
            queries._sections_cache.clear()
            version = queries.latest_visible(charter, user)
            db.session.expire_all()
            with count_queries() as section_count:
                result = provenance.section_provenance(charter, version, ARTICLE_1, user)
            with count_queries() as overview_count:
                provenance.version_contributions(charter, version, user)
            assert len(result.contributors) > 2
            counted.append((section_count(), overview_count()))
    assert counted[:2] == counted[2:]
    assert all(section <= 8 and overview <= 8 for section, overview in counted)


def test_cached_attribution_needs_no_text_queries(app, count_queries, world):
    version = queries.version_or_404(world.charter, 3, None)
    provenance.section_provenance(world.charter, version, ARTICLE_1, None)
    with count_queries() as n:
        provenance.section_provenance(world.charter, version, ARTICLE_1, None)
    assert n() <= 2  # the visible versions, the amendments
