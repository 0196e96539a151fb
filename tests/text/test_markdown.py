"""Markdown rendering: safe HTML, the usual Markdown, heading ids, caching, threads."""

from __future__ import annotations

import re
import sys
import threading
from html.parser import HTMLParser

import mdurl._decode
import mdurl._encode
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from charter.text import markdown
from charter.text.markdown import render, slugify

ALLOWED_TAGS = {
    "p", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "br",
    "table", "thead", "tbody", "tr", "th", "td", "del", "s", "img",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"href", "title", "rel", "src", "alt", "start", "id", "style"}

XSS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="javascript:alert(1)">',
    "[x](javascript:alert(1))",
    "[x](JAVASCRIPT:alert(1))",
    "[x](java&#x09;script:alert(1))",
    "[x](  javascript:alert(1))",
    "[x](<javascript:alert(1)>)",
    "[x](javascript&colon;alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;:alert(1))",
    "[x](%6Aavascript:alert(1))",
    "[x](javascript://%0aalert(1))",
    "[x](\x01javascript:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](data:text/html,<script>alert(1)</script>)",
    "![x](data:image/png;base64,AAAA)",
    "[x](vbscript:msgbox(1))",
    "[x](VBScript:msgbox(1))",
    "[x](file:///etc/passwd)",
    "<javascript:alert(1)>",
    "<JaVaScRiPt:alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    '<p style="width: expression(alert(1))">x</p>',
    '<div style="background:url(javascript:alert(1))">x</div>',
    "![x](javascript:alert(1))",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    '[x](javascript:alert(1) "title")',
    '<a href="javascript:alert(1)">x</a>',
    '<a href="&#0000106avascript:alert(1)">x</a>',
    '<object data="javascript:alert(1)"></object>',
    "<embed src=javascript:alert(1)>",
    "<<script>script>alert(1)<</script>/script>",
    "[<img src=x onerror=alert(1)>](https://example.org)",
    '[x](https://example.org" onmouseover="alert(1))',
    '[x](https://example.org "t\\" onmouseover=\\"alert(1)")',
    '![x](https://example.org/x.png "a\\" onerror=\\"alert(1)")',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<!-- <script>alert(1)</script> -->",
    "<details open ontoggle=alert(1)>x</details>",
    "*<b onmouseover=alert(1)>x</b>*",
    "| a |\n|---|\n| <script>alert(1)</script> |",
    "<form action=javascript:alert(1)><input type=submit>",
    "<base href=javascript:alert(1)//>",
    "<meta http-equiv=refresh content=0;url=javascript:alert(1)>",
    "<link rel=stylesheet href=javascript:alert(1)>",
    "# Heading <img src=x onerror=alert(1)>",
    "> <script>alert(1)</script>\n> [x](javascript:alert(1))",
    "- [x](javascript:alert(1))\n- <svg/onload=alert(1)>",
    "```html\n<script>alert(1)</script>\n```",
    "`<iframe src=x>`",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "[x](&#x20;javascript:alert(1))",
    "[x](https://example.org/<script>)",
]


class _Collector(HTMLParser):
    """Every start tag of an HTML fragment, with its (unescaped) attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def _tags(html: str) -> list[tuple[str, dict[str, str]]]:
    collector = _Collector()
    collector.feed(html)
    collector.close()
    return collector.tags


def _scheme(url: str) -> str | None:
    cleaned = re.sub(r"[\x00-\x20\x7f]", "", url).lower()
    head = re.split(r"[/?#]", cleaned, maxsplit=1)[0]
    return head.split(":", 1)[0] if ":" in head else None


def test_xss_corpus_is_large_enough() -> None:
    assert len(XSS) >= 30


def assert_harmless(html: str) -> None:
    """Only allowed tags and attributes, no event handlers, only safe URL schemes."""
    lowered = html.lower()
    for dangerous in ("<script", "<iframe", "<svg", "<style", "<object", "<embed", "<math"):
        assert dangerous not in lowered
    for tag, attributes in _tags(html):
        assert tag in ALLOWED_TAGS
        assert set(attributes) <= ALLOWED_ATTRIBUTES
        assert not any(re.fullmatch(r"on\w+", name) for name in attributes)
        for name in ("href", "src"):
            if name in attributes:
                assert _scheme(attributes[name]) in (None, "http", "https", "mailto")
        if "style" in attributes:
            assert attributes["style"] in {
                "text-align:left",
                "text-align:right",
                "text-align:center",
            }
    # Quoted attribute values may say anything: they are text, not attributes.
    assert not re.search(r"<[^>]*\son\w+\s*=", re.sub(r'"[^"]*"', '""', html))


@pytest.mark.parametrize("payload", XSS)
def test_render_xss_payload_is_harmless(payload: str) -> None:
    html = render(payload)
    assert_harmless(html)
    for _, attributes in _tags(html):
        for name in ("href", "src"):
            for bad in ("javascript:", "data:", "vbscript:"):
                assert bad not in attributes.get(name, "").lower()


DANGEROUS_PIECES = [
    "<", ">", "<script>", "</script>", "<img src=x ", "onerror=", "alert(1)", "javascript:",
    "java\tscript:", "&#x09;", "&#106;", "&colon;", "data:", "vbscript:", "[x](", ")", "![y](",
    "<svg", "<iframe", "<style>", " style=", "expression(", '"', "'", "\\", "`", "\n", "\n\n",
    "# ", "> ", "- ", "| a |\n|---|\n", "[r]: ", "[r]", "https://e.org", "&", ";", " ",
]  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(DANGEROUS_PIECES), max_size=25).map("".join))
def test_render_random_dangerous_text_is_harmless(text: str) -> None:
    assert_harmless(render(text))


def test_render_escapes_raw_html_as_text() -> None:
    assert render("<b>bold</b>") == "<p>&lt;b&gt;bold&lt;/b&gt;</p>\n"


def test_render_keeps_safe_links_with_rel() -> None:
    html = render('[site](https://example.org/a?b=1 "Title") [mail](mailto:a@example.org)')
    assert (
        '<a href="https://example.org/a?b=1" title="Title" rel="noopener noreferrer nofollow">'
        "site</a>"
    ) in html
    assert '<a href="mailto:a@example.org" rel="noopener noreferrer nofollow">mail</a>' in html


@pytest.mark.parametrize("target", ["/charters/1", "../up", "#article-2", "page?x=1", "//host/x"])
def test_render_keeps_relative_links(target: str) -> None:
    assert f'href="{target}"' in render(f"[x]({target})")


def test_render_keeps_relative_and_https_images() -> None:
    html = render('![a map](/static/map.png "Map") ![b](https://example.org/b.png)')
    assert '<img src="/static/map.png" alt="a map" title="Map">' in html
    assert '<img src="https://example.org/b.png" alt="b">' in html


def test_render_drops_unsafe_link_but_keeps_its_words() -> None:
    html = render("[click me](javascript:alert(1))")
    assert "<a" not in html
    assert "click me" in html


def test_render_ordinary_markdown() -> None:
    text = (
        "Cities are *listening* and **acting**, ~~never~~ `always`.\n\n"
        "- housing\n- health\n\n"
        "3. third\n4. fourth\n\n"
        "> a quote\n\n"
        "```\nx < y && z\n```\n\n"
        "---\n\n"
        "line one  \nline two\n"
    )
    html = render(text)
    assert "<em>listening</em>" in html
    assert "<strong>acting</strong>" in html
    assert "<s>never</s>" in html
    assert "<code>always</code>" in html
    assert "<ul>\n<li>housing</li>\n<li>health</li>\n</ul>" in html
    assert '<ol start="3">\n<li>third</li>\n<li>fourth</li>\n</ol>' in html
    assert "<blockquote>\n<p>a quote</p>\n</blockquote>" in html
    assert "<pre><code>x &lt; y &amp;&amp; z\n</code></pre>" in html
    assert "<hr>" in html
    assert "line one<br>\nline two" in html


def test_render_table_with_alignment() -> None:
    html = render("| Right | Left |\n|------:|:-----|\n| 1 | 2 |\n")
    assert '<th style="text-align:right">Right</th>' in html
    assert '<th style="text-align:left">Left</th>' in html
    assert '<td style="text-align:right">1</td>' in html
    assert "<table>" in html and "<tbody>" in html


def test_render_heading_ids_are_slugs_with_prefix_and_deduplicated() -> None:
    text = "# Article 1 — Equity\n\n## Équité *pour* tous\n\n## Notes\n\n## Notes\n\n### Notes\n"
    html = render(text, id_prefix="s-")
    assert '<h1 id="s-article-1-equity">' in html
    assert '<h2 id="s-equite-pour-tous">' in html
    assert html.count('id="s-notes"') == 1
    assert '<h2 id="s-notes-2">' in html
    assert '<h3 id="s-notes-3">' in html


def test_render_heading_id_of_symbols_only_heading() -> None:
    assert render("## ???") == '<h2 id="section">???</h2>\n'


def test_render_heading_id_ignores_link_targets() -> None:
    assert 'id="see-the-charter"' in render("## See [the charter](https://example.org/x)")


def test_render_caches_identical_output(monkeypatch: pytest.MonkeyPatch) -> None:
    markdown.clear_cache()
    text = "# Cached\n\nSome [link](https://example.org)."
    first = render(text, "a-")
    calls = []
    original = markdown._MD.render

    def counting(*args: object, **kwargs: object) -> str:
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(markdown._MD, "render", counting)
    assert render(text, "a-") == first
    assert calls == []
    # Another prefix is another rendering.
    assert render(text, "b-") != first
    assert len(calls) == 1


def test_render_cache_evicts_least_recently_used() -> None:
    cache = markdown._LRUCache(max_entries=2, max_chars=100)
    cache.put((b"a", ""), "A")
    cache.put((b"b", ""), "B")
    assert cache.get((b"a", "")) == "A"
    cache.put((b"c", ""), "C")
    assert cache.get((b"b", "")) is None
    assert cache.get((b"a", "")) == "A"
    cache.put((b"big", ""), "x" * 100)
    assert len(cache) == 1
    cache.put((b"huge", ""), "x" * 101)
    assert cache.get((b"huge", "")) is None


def test_render_lone_surrogate_does_not_crash() -> None:
    assert render("a\ud800b") == "<p>a?b</p>\n"


def test_render_concurrently_from_many_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    # Start from what a fresh process has after importing the module: mdurl's lazy tables
    # empty, then the import-time warm-up. Tiny thread switch intervals make races show.
    monkeypatch.setattr(mdurl._encode, "encode_cache", {})
    monkeypatch.setattr(mdurl._decode, "decode_cache", {})
    markdown._warm_up()
    markdown.clear_cache()
    interval = sys.getswitchinterval()
    threads_count, per_thread = 16, 20
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []
    wrong: list[str] = []

    def work(number: int) -> None:
        try:
            barrier.wait()
            for index in range(per_thread):
                tag = f"{number}-{index}"
                text = f'[link {tag}](https://example.org/{tag}?q=ü "{tag}") <https://x.org/{tag}>'
                expected = (
                    f'<p><a href="https://example.org/{tag}?q=%C3%BC" title="{tag}" '
                    f'rel="noopener noreferrer nofollow">link {tag}</a> '
                    f'<a href="https://x.org/{tag}" rel="noopener noreferrer nofollow">'
                    f"https://x.org/{tag}</a></p>\n"
                )
                html = render(text)
                if html != expected:
                    wrong.append(html)
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_count)]
    sys.setswitchinterval(1e-6)
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
    assert errors == []
    assert wrong == []


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Article 3 — Equity", "article-3-equity"),
        ("  Égalité des  Chances ", "egalite-des-chances"),
        ("Cities' rights", "cities-rights"),
        ("Право на город", "право-на-город"),
        ("城市权利", "城市权利"),
        ("snake_case and CamelCase", "snake-case-and-camelcase"),
        ("", "section"),
        ("!!! ???", "section"),
        ("½ — ²", "1-2-2"),
    ],
)
def test_slugify(text: str, slug: str) -> None:
    assert slugify(text) == slug
