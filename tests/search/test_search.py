"""The search page: every kind found with its snippet, the filters, any input, safe output."""

import re

from charter.amendments.models import State, amendment_theme
from charter.consultation.models import comment_theme
from charter.extensions import db
from charter.search import queries
from tests.search.conftest import add_amendment, add_comment


def page(client, **args) -> str:
    response = client.get("/search", query_string=args)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def links(text: str) -> list[str]:
    """The result links of a search page, in order."""
    return re.findall(r'<h2 class="card__title"><a href="([^"]+)"', text)


def test_each_kind_is_found_with_its_words_marked_and_a_link_to_it(client, login_as, world):
    login_as(world.viewers["secretariat"])
    section = page(client, q="hospitality")
    assert links(section) == ["/charters/search/versions/2#article-1-welcome"]
    assert "guided by the lighthouse of <mark>hospitality</mark>" in section
    amendment = page(client, q="narwhal")
    assert links(amendment) == ["/charters/search/amendments/1"]
    assert "Amendment about <mark>narwhal</mark>" in amendment  # the title, marked
    assert "like the <mark>narwhal</mark>, are open" in amendment  # the proposed text
    comment_id = world.comments["axolotl"].id
    comment = page(client, q="axolotl")
    assert links(comment) == [f"/charters/search/comments/{comment_id}"]
    assert "I think the <mark>axolotl</mark> matters." in comment  # Markdown made plain
    assert "by Priya" in comment
    answer = page(client, q="ocelot")
    assert "Answer to a guiding question" in answer
    assert "<mark>ocelot</mark>" in answer


def test_words_match_their_other_forms_and_phrases_match_in_order(client, world):
    assert "<mark>residents</mark>" in page(client, q="resident")  # stemmed on both engines
    assert "<mark>" in page(client, q='"public services"')
    assert "No results" in page(client, q='"services open"')
    assert "No results" in page(client, q="lighthouse -hospitality")
    assert "<mark>lighthouse</mark>" in page(client, q="lighthouse -zzzz")


def test_the_type_filter_and_the_counts_by_type(client, login_as, world):
    login_as(world.viewers["secretariat"])
    add_comment(
        world,
        "extra",
        world.viewers["partner"],
        body="More on the narwhal.",
        version_id=world.published.id,
        section_key="article-1-welcome",
    )
    add_comment(
        world,
        "discussed",
        world.viewers["member"],
        body="Yes, the narwhal.",
        amendment_id=world.amendments["narwhal"].id,
    )
    db.session.commit()
    everything = page(client, q="narwhal")
    assert len(links(everything)) == 3  # the amendment, its discussion, the other comment
    assert re.search(r"Amendments <span class=\"badge\">1</span>", everything)
    assert re.search(r"Comments <span class=\"badge\">2</span>", everything)
    only = page(client, q="narwhal", type="amendment")
    assert links(only) == ["/charters/search/amendments/1"]
    assert len(links(page(client, q="narwhal", type="comment"))) == 2
    assert len(links(page(client, q="narwhal", type="nonsense"))) == 3  # unknown: ignored


def test_the_theme_and_council_filters(client, login_as, world):
    login_as(world.viewers["secretariat"])
    other = add_amendment(
        world,
        "narwhal2",
        State.SUBMITTED,
        world.viewers["author"],
        justification="Another narwhal.",
        council_id=None,
    )
    tagged = world.comments["gecko"]
    db.session.execute(
        amendment_theme.insert().values(amendment_id=other.id, theme_id=world.theme.id)
    )
    db.session.execute(comment_theme.insert().values(comment_id=tagged.id, theme_id=world.theme.id))
    add_comment(
        world,
        "by-member",
        world.viewers["member"],
        amendment_id=other.id,
        body="A narwhal for the member.",
    )
    db.session.commit()
    url = "/charters/search/search"
    themed = client.get(url, query_string={"q": "gecko", "theme": world.theme.id})
    assert links(themed.get_data(as_text=True)) == [f"/charters/search/comments/{tagged.id}"]
    untagged = client.get(url, query_string={"q": "axolotl", "theme": world.theme.id})
    assert links(untagged.get_data(as_text=True)) == []
    themed = client.get(url, query_string={"q": "narwhal", "theme": world.theme.id})
    assert links(themed.get_data(as_text=True)) == [f"/charters/search/amendments/{other.number}"]
    council = client.get(url, query_string={"q": "narwhal", "council": world.council.id})
    found = links(council.get_data(as_text=True))
    # The council's amendment (not the one without a council), and what its members wrote.
    assert sorted(found) == sorted(
        [
            "/charters/search/amendments/1",
            f"/charters/search/comments/{world.comments['by-member'].id}",
        ]
    )
    assert 'name="theme"' in themed.get_data(as_text=True)  # the choices are offered


BAD_QUERIES = [
    "",
    "   ",
    "x" * 201,
    "lighthouse " * 40,
    '"',
    '"lighthouse',
    'lighthouse"',
    "*",
    "lighthouse*",
    "NEAR(lighthouse welcome)",
    "NEAR(",
    "OR AND NOT",
    "lighthouse OR",
    "NOT lighthouse",
    "'; DROP TABLE search_document; --",
    "-",
    "-lighthouse",
    "--",
    "^",
    "^lighthouse",
    ":",
    "title:lighthouse",
    "body : lighthouse",
    "(",
    "((lighthouse)",
    ")",
    "{title body}: lighthouse",
    "lighthouse & welcome | !city <-> x:*",
    "a\x00b",
    "\u202e\u200b\ufeff",
    "🏠 — ünïcödé 城市 مدينة",
    "%_\\",
    "<script>alert(1)</script>",
]


def test_any_input_gets_results_or_none_never_an_error(client, world):
    for route, texts in (("/search", BAD_QUERIES), ("/charters/search/search", BAD_QUERIES[::4])):
        for text in texts:
            response = client.get(route, query_string={"q": text})
            assert response.status_code == 200, text
            page = response.get_data(as_text=True)
            answered = (
                "<mark>" in page,
                "No results for" in page,
                "these characters alone" in page,
            )
            assert sum(answered) == 1 or not text.strip(), text
    assert "<mark>lighthouse</mark>" in page_of(client, '"lighthouse')  # unbalanced quote
    assert "No results for" in page_of(client, "NEAR(lighthouse welcome)")  # "near": a word
    assert "<mark>lighthouse</mark>" in page_of(client, "lighthouse* ^welcome:")
    assert "<mark>lighthouse</mark>" in page_of(client, "((lighthouse)")
    for args in (
        {"page": "x"},
        {"page": "999999999999"},
        {"theme": "-1"},
        {"council": "a"},
        {"type": "'"},
        {"charter": "nope"},
    ):
        assert client.get("/search", query_string={"q": "lighthouse", **args}).status_code == 200
    text = page_of(client, "lighthouse " * 40)
    assert "Only the first 200 characters" in text
    assert "<mark>lighthouse</mark>" in text
    assert "<script>alert" not in page_of(client, "<script>alert(1)</script>")


def page_of(client, text: str) -> str:
    return page(client, q=text)


def test_operators_are_read_as_words(world):
    assert queries.parse("NEAR(a b) OR c").fts5() == '"NEAR" "a" "b" "OR" "c"'
    assert queries.parse('x "a b" -c -"d e" f').fts5() == '"x" "f" "a b" NOT "c" NOT "d e"'
    assert queries.parse("community-based").words == ("community", "based")
    assert not queries.parse('- "" ^ * : ( )')
    assert not queries.parse("-only -excluded")
    assert queries.parse("y" * 300).truncated
    assert len(queries.parse("w " * 50).words) == queries.MAX_TERMS


def test_markup_in_indexed_text_comes_out_escaped(client, login_as, world):
    login_as(world.viewers["secretariat"])
    add_comment(
        world,
        "xss",
        world.viewers["partner"],
        body="<script>alert('x')</script> <img src=x onerror=alert(1)> `<b>kraken</b>`"
        " \x02kraken\x03",
        version_id=world.published.id,
        section_key="article-1-welcome",
    )
    add_amendment(
        world,
        "kraken",
        State.SUBMITTED,
        world.viewers["author"],
        title='<b onclick="x">kraken</b> &amp;',
    )
    db.session.commit()
    text = page(client, q="kraken")
    assert len(links(text)) == 2
    assert "<script>alert" not in text and "<img" not in text and "<b>" not in text
    assert "&lt;b onclick=&#34;x&#34;&gt;<mark>kraken</mark>&lt;/b&gt; &amp;amp;" in text
    assert "&lt;b&gt;<mark>kraken</mark>&lt;/b&gt;" in text  # code keeps its text, escaped
    assert "\x02" not in text and "\x03" not in text
    assert queries.marked("<i>\x02a\x03") == "&lt;i&gt;<mark>a</mark>"
    assert queries.marked("\x02<i>") == "&lt;i&gt;"  # unbalanced: no mark at all


def test_results_come_twenty_to_a_page(client, login_as, world):
    login_as(world.viewers["partner"])
    for number in range(23):
        add_comment(
            world,
            f"many-{number}",
            world.viewers["partner"],
            body=f"Walrus {number}.",
            version_id=world.published.id,
            section_key="article-1-welcome",
        )
    db.session.commit()
    first = page(client, q="walrus")
    second = page(client, q="walrus", page=2)
    assert len(links(first)) == 20 and len(links(second)) == 3
    assert not set(links(first)) & set(links(second))
    assert "Page 1 of 2" in first and "23 results" in first
    assert "page=2" in first and "q=walrus" in first
