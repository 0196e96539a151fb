"""Nobody finds what they may not read: drafts, unpublished amendments, hidden comments."""

import pytest

from tests.search.conftest import WORDS


def found(client, word: str, path: str = "/search") -> bool:
    page = client.get(path, query_string={"q": word})
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    hit = f"<mark>{word}</mark>" in text
    assert hit != ("No results for" in text), word
    return hit


@pytest.mark.parametrize(
    "viewer", ["public", "partner", "member", "outsider", "secretariat", "author"]
)
def test_each_viewer_finds_exactly_what_they_may_read(client, login_as, world, viewer):
    if world.viewers[viewer] is not None:
        login_as(world.viewers[viewer])
    seen = {word for word in WORDS if found(client, word)}
    assert seen == {word for word, viewers in WORDS.items() if viewer in viewers}
    # The charter's own search page applies the same rules.
    some = ("zeppelin", "quokka", "pangolin", "tapir")
    scoped = {word for word in some if found(client, word, "/charters/search/search")}
    assert scoped == {word for word in some if viewer in WORDS[word]}


def test_those_who_read_drafts_find_a_section_once_in_the_head(client, login_as, world):
    login_as(world.viewers["member"])
    page = client.get("/search?q=lighthouse&type=section").get_data(as_text=True)
    assert page.count("<mark>lighthouse</mark>") == 1
    assert "/charters/search/versions/2#article-1-welcome" in page


def test_the_public_finds_the_section_in_the_published_version(client, world):
    page = client.get("/search?q=lighthouse&type=section").get_data(as_text=True)
    assert "/charters/search/versions/1#article-1-welcome" in page
    assert "/versions/2" not in page


def test_a_charter_with_no_published_version_is_not_searched_by_the_public(client, world):
    from tests.factories import make_charter, make_version

    hidden = make_charter("secret", "Secret charter")
    make_version(hidden, "## Only\n\nThe lighthouse of secrets.\n", publish=False)
    assert client.get("/charters/secret/search?q=lighthouse").status_code == 404
    page = client.get("/search?q=lighthouse&charter=secret").get_data(as_text=True)
    assert "<mark>" not in page
    assert "Secret charter" not in client.get("/search?q=lighthouse").get_data(as_text=True)
