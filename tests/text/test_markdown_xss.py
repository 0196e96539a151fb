"""XSS corpus: every payload rendered as a comment comes out as harmless HTML.

Each rendering is parsed back with html.parser and checked against the allow-lists of
charter.text.markdown: tags, attributes, table alignment styles, URL schemes.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

import pytest

from charter.text import markdown
from charter.text.markdown import render

ALIGN_STYLES = {"text-align:left", "text-align:right", "text-align:center"}
SAFE_SCHEMES = {"http", "https", "mailto"}
# nh3 adds rel="noopener noreferrer nofollow" to every link.
EXTRA_ATTRIBUTES = {"a": {"rel"}, "th": {"style"}, "td": {"style"}}
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f]")

B64_SCRIPT = "PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="
B64_SVG = "PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+"

PAYLOADS = [
    # script tags
    pytest.param("<script>alert(1)</script>", id="script"),
    pytest.param("<SCRIPT SRC=//evil.example/x.js></SCRIPT>", id="script-src-upper"),
    pytest.param("<scr<script>ipt>alert(1)</scr</script>ipt>", id="script-split"),
    pytest.param("<<script>script>alert(1)<</script>/script>", id="script-nested-brackets"),
    pytest.param("<script>alert(1)", id="script-unclosed"),
    pytest.param("text\n\n<script>\nalert(1)\n</script>\n", id="script-html-block"),
    pytest.param("| a |\n|---|\n| <script>alert(1)</script> |", id="script-in-table"),
    pytest.param("> <script>alert(1)</script>", id="script-in-blockquote"),
    # event handlers in every form
    pytest.param("<img src=x onerror=alert(1)>", id="img-onerror"),
    pytest.param("<IMG SRC=x ONERROR=alert(1)>", id="img-onerror-upper"),
    pytest.param("<img/src=x/onerror=alert(1)>", id="img-onerror-slashes"),
    pytest.param("<img src=x onerror\t=\talert(1)>", id="img-onerror-tabs"),
    pytest.param("<img src=x onerror=`alert(1)`>", id="img-onerror-backticks"),
    pytest.param("<img src=x onerror=alert(1)", id="img-onerror-unclosed"),
    pytest.param('<img src="x" onerror="alert(1)">', id="img-onerror-double-quotes"),
    pytest.param("<img src='x' onerror='alert(1)'>", id="img-onerror-single-quotes"),
    pytest.param('<div onmouseover="alert(1)">x</div>', id="div-onmouseover"),
    pytest.param("<a onclick='alert(1)' href=#>x</a>", id="a-onclick"),
    pytest.param("<body onload=alert(1)>", id="body-onload"),
    pytest.param("<input autofocus onfocus=alert(1)>", id="input-onfocus"),
    pytest.param("<details open ontoggle=alert(1)>x</details>", id="details-ontoggle"),
    pytest.param("<video><source onerror=alert(1)></video>", id="source-onerror"),
    pytest.param("*<b onmouseover=alert(1)>x</b>*", id="handler-inside-emphasis"),
    pytest.param("[<img src=x onerror=alert(1)>](https://example.org)", id="handler-in-link-text"),
    pytest.param("# Heading <img src=x onerror=alert(1)>", id="handler-in-heading"),
    # javascript:, vbscript:, data: in inline links
    pytest.param("[x](javascript:alert(1))", id="link-javascript"),
    pytest.param("[x](JaVaScRiPt:alert(1))", id="link-javascript-mixed-case"),
    pytest.param("[x](&#106;avascript:alert(1))", id="link-javascript-decimal-entity"),
    pytest.param("[x](&#x6A;avascript:alert(1))", id="link-javascript-hex-entity"),
    pytest.param(
        "[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
        id="link-javascript-all-entities",
    ),
    pytest.param("[x](javascript&#58;alert(1))", id="link-javascript-entity-colon"),
    pytest.param("[x](javascript&colon;alert(1))", id="link-javascript-named-colon"),
    pytest.param("[x](java&#x09;script:alert(1))", id="link-javascript-entity-tab"),
    pytest.param("[x](java&Tab;script:alert(1))", id="link-javascript-named-tab"),
    pytest.param("[x](jav&#x0A;ascript:alert(1))", id="link-javascript-entity-newline"),
    pytest.param("[x](java&NewLine;script:alert(1))", id="link-javascript-named-newline"),
    pytest.param("[x](java\nscript:alert(1))", id="link-javascript-newline"),
    pytest.param("[x](<java\nscript:alert(1)>)", id="link-javascript-newline-brackets"),
    pytest.param("[x](java\tscript:alert(1))", id="link-javascript-tab"),
    pytest.param("[x](java\x00script:alert(1))", id="link-javascript-nul"),
    pytest.param("[x](\x01javascript:alert(1))", id="link-javascript-leading-control"),
    pytest.param("[x](\x1fjavascript:alert(1))", id="link-javascript-leading-unit-separator"),
    pytest.param("[x](  javascript:alert(1))", id="link-javascript-leading-spaces"),
    pytest.param("[x](&#x20;javascript:alert(1))", id="link-javascript-entity-space"),
    pytest.param("[x](java\u200bscript:alert(1))", id="link-javascript-zero-width-space"),
    pytest.param("[x](<javascript:alert(1)>)", id="link-javascript-brackets"),
    pytest.param('[x](javascript:alert(1) "title")', id="link-javascript-title"),
    pytest.param("[x](javascript://%0aalert(1))", id="link-javascript-comment-newline"),
    pytest.param("[x](javascript:alert(1)", id="link-javascript-unclosed"),
    pytest.param("[x](vbscript:msgbox(1))", id="link-vbscript"),
    pytest.param("[x](VBScript:msgbox(1))", id="link-vbscript-mixed-case"),
    pytest.param(f"[x](data:text/html;base64,{B64_SCRIPT})", id="link-data-base64"),
    pytest.param("[x](DATA:text/html,<script>alert(1)</script>)", id="link-data-upper"),
    pytest.param("[x](file:///etc/passwd)", id="link-file"),
    pytest.param("[x](%6Aavascript:alert(1))", id="link-percent-encoded-scheme"),
    # reference links
    pytest.param("[x][r]\n\n[r]: javascript:alert(1)", id="ref-javascript"),
    pytest.param("[x][r]\n\n[r]: <javascript:alert(1)>", id="ref-javascript-brackets"),
    pytest.param("[x][r]\n\n[r]: JAVASCRIPT:alert(1) 'title'", id="ref-javascript-upper-title"),
    pytest.param("[x][r]\n\n[r]: &#106;avascript:alert(1)", id="ref-javascript-entity"),
    pytest.param("[x]\n\n[x]: vbscript:msgbox(1)", id="ref-vbscript-shortcut"),
    pytest.param(f"[x][]\n\n[x]: data:text/html;base64,{B64_SCRIPT}", id="ref-data-collapsed"),
    pytest.param("![x][r]\n\n[r]: javascript:alert(1)", id="ref-image-javascript"),
    # autolinks
    pytest.param("<javascript:alert(1)>", id="autolink-javascript"),
    pytest.param("<JaVaScRiPt:alert(1)>", id="autolink-javascript-mixed-case"),
    pytest.param("<javascript://%0aalert(1)>", id="autolink-javascript-comment"),
    pytest.param("<vbscript:msgbox(1)>", id="autolink-vbscript"),
    pytest.param(f"<data:text/html;base64,{B64_SCRIPT}>", id="autolink-data"),
    pytest.param("<javascript&#58;alert(1)>", id="autolink-entity-colon"),
    # images
    pytest.param("![x](javascript:alert(1))", id="image-javascript"),
    pytest.param("![x](&#106;avascript:alert(1))", id="image-javascript-entity"),
    pytest.param(f"![x](data:image/svg+xml;base64,{B64_SVG})", id="image-data-svg"),
    pytest.param("![x](vbscript:msgbox(1))", id="image-vbscript"),
    pytest.param('![x](https://e.org/x.png "a\\" onerror=\\"alert(1)")', id="image-title-breakout"),
    pytest.param('![x](https://e.org/x.png "onerror=alert(1)")', id="image-title-onerror"),
    pytest.param('![x" onerror="alert(1)](https://e.org/x.png)', id="image-alt-breakout"),
    pytest.param('![x](https://e.org/x.png"onerror="alert(1))', id="image-src-breakout"),
    pytest.param('<img src="javascript:alert(1)">', id="img-tag-javascript"),
    # breaking out of attributes with nested quotes
    pytest.param('[x](http://a "title\\" onmouseover=alert(1)")', id="title-escaped-quote"),
    pytest.param("[x](http://a 'title\\' onmouseover=alert(1)')", id="title-single-quote"),
    pytest.param('[x](http://a (title" onmouseover="alert(1)))', id="title-parens"),
    pytest.param('[x](http://a"onmouseover="alert(1))', id="href-breakout"),
    pytest.param('[x" onmouseover="alert(1)](http://a)', id="link-text-quote"),
    pytest.param('[x][r]\n\n[r]: http://a "t\\" onclick=\\"alert(1)"', id="ref-title-breakout"),
    # SVG, MathML and embedded content
    pytest.param("<svg onload=alert(1)>", id="svg-onload"),
    pytest.param("<svg/onload=alert(1)>", id="svg-onload-slash"),
    pytest.param('<svg onload="alert(1)"></svg>', id="svg-onload-quoted"),
    pytest.param("<svg><script>alert(1)</script></svg>", id="svg-script"),
    pytest.param(
        '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>', id="svg-xlink"
    ),
    pytest.param('<math><mi xlink:href="javascript:alert(1)">x</mi></math>', id="mathml-xlink"),
    pytest.param('<iframe src="javascript:alert(1)"></iframe>', id="iframe"),
    pytest.param(
        f'<iframe srcdoc="<script>alert(1)</script>" src="data:,{B64_SCRIPT}">', id="iframe-srcdoc"
    ),
    pytest.param('<object data="javascript:alert(1)"></object>', id="object"),
    pytest.param("<embed src=javascript:alert(1)>", id="embed"),
    # style and CSS
    pytest.param("<style>body{background:url(javascript:alert(1))}</style>", id="style-tag"),
    pytest.param('<p style="width: expression(alert(1))">x</p>', id="css-expression"),
    pytest.param('<div style="background:url(javascript:alert(1))">x</div>', id="css-url"),
    pytest.param(
        '| a |\n|:-:|\n| <td style="background:url(javascript:alert(1))"> |', id="css-in-table"
    ),
    # document-level tags
    pytest.param("<meta http-equiv=refresh content=0;url=javascript:alert(1)>", id="meta-refresh"),
    pytest.param(
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', id="meta-refresh-quoted"
    ),
    pytest.param("<base href=javascript:alert(1)//>", id="base-href"),
    pytest.param('<base href="https://evil.example/">', id="base-href-https"),
    pytest.param("<form action=javascript:alert(1)><input type=submit></form>", id="form-action"),
    pytest.param("<link rel=stylesheet href=javascript:alert(1)>", id="link-tag"),
    # raw anchors and broken markup
    pytest.param('<a href="javascript:alert(1)">x</a>', id="a-href-javascript"),
    pytest.param('<a href="&#x6A;avascript:alert(1)">x</a>', id="a-href-hex-entity"),
    pytest.param('<a href="&#0000106avascript:alert(1)">x</a>', id="a-href-padded-entity"),
    pytest.param('<a href="javascript:alert(1)', id="a-href-unclosed"),
    pytest.param('<a href=" javascript:alert(1)">x</a>', id="a-href-leading-space"),
    pytest.param("<p <script>alert(1)</script>>", id="broken-tag"),
    pytest.param('<img """><script>alert(1)</script>">', id="broken-attribute-quotes"),
    # HTML comments and conditional comments
    pytest.param("<!-- <script>alert(1)</script> -->", id="comment"),
    pytest.param("<!--<img src=x onerror=alert(1)>-->", id="comment-img"),
    pytest.param("<!--[if IE]><script>alert(1)</script><![endif]-->", id="comment-conditional"),
    pytest.param("<!-- x --!><script>alert(1)</script>", id="comment-bang-close"),
    pytest.param("<![CDATA[<script>alert(1)</script>]]>", id="cdata"),
    # template-ish and escaped text
    pytest.param("{{ config }} {{ 7*7 }} {% raw %}x{% endraw %} ${alert(1)}", id="template"),
    pytest.param("[{{ x }}](https://e.org/{{ y }})", id="template-in-link"),
    pytest.param("&lt;script&gt;alert(1)&lt;/script&gt;", id="escaped-script"),
    pytest.param("&#60;script&#62;alert(1)&#60;/script&#62;", id="entity-script"),
    pytest.param("```html\n<script>alert(1)</script>\n```", id="code-block"),
    pytest.param("`<iframe src=javascript:alert(1)>`", id="code-span"),
    pytest.param("\uff1cscript\uff1ealert(1)\uff1c/script\uff1e", id="fullwidth-brackets"),
]


class _Collector(HTMLParser):
    """Start tags with their (unescaped) attributes, and anything that is not plain HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str]]]] = []
        self.oddities: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, [(name, value or "") for name, value in attrs]))

    def handle_comment(self, data: str) -> None:
        self.oddities.append(f"comment {data!r}")

    def handle_decl(self, decl: str) -> None:
        self.oddities.append(f"declaration {decl!r}")

    def handle_pi(self, data: str) -> None:
        self.oddities.append(f"processing instruction {data!r}")

    def unknown_decl(self, data: str) -> None:
        self.oddities.append(f"unknown declaration {data!r}")


def parse(fragment: str) -> _Collector:
    collector = _Collector()
    collector.feed(fragment)
    collector.close()
    return collector


def scheme(url: str) -> str | None:
    """The scheme a browser would see in url (None: relative), after entities, controls
    and whitespace are gone."""
    cleaned = _IGNORED_IN_URLS.sub("", html.unescape(url)).lower()
    head = re.split(r"[/?#]", cleaned, maxsplit=1)[0]
    return head.split(":", 1)[0] if ":" in head else None


def test_corpus_is_large_enough() -> None:
    assert len(PAYLOADS) >= 40
    ids = [param.id for param in PAYLOADS]
    assert len(set(ids)) == len(ids)


def test_allowed_tags_are_the_markdown_ones() -> None:
    assert {"script", "iframe", "svg", "style", "object", "embed", "form"}.isdisjoint(
        markdown._TAGS
    )


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payload_renders_harmless(payload: str) -> None:
    rendered = render(payload)
    assert "<script" not in rendered.lower()
    parsed = parse(rendered)
    assert parsed.oddities == []
    for tag, attributes in parsed.tags:
        assert tag in markdown._TAGS, f"tag {tag!r} in {rendered!r}"
        allowed = markdown._ATTRIBUTES.get(tag, set()) | EXTRA_ATTRIBUTES.get(tag, set())
        for name, value in attributes:
            assert not name.startswith("on"), f"handler {name!r} in {rendered!r}"
            assert name in allowed, f"attribute {name!r} on <{tag}> in {rendered!r}"
            if name == "style":
                assert value in ALIGN_STYLES, f"style {value!r} in {rendered!r}"
            if name in ("href", "src"):
                assert scheme(value) in SAFE_SCHEMES | {None}, f"{name}={value!r}"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://e.org", "https"),
        ("/relative/path", None),
        ("//host/x", None),
        ("#top", None),
        ("page?next=javascript:x", None),
        ("&#106;avascript:x", "javascript"),
        ("java\tscript:x", "javascript"),
        (" \x01JAVASCRIPT:x", "javascript"),
    ],
)
def test_scheme_sees_what_a_browser_sees(url: str, expected: str | None) -> None:
    assert scheme(url) == expected


def test_safe_links_and_images_survive_the_checks() -> None:
    rendered = render(
        '[a](https://e.org "t") [b](mailto:x@e.org) [c](/rel) ![d](/d.png)\n\n'
        "| l | r |\n|:--|--:|\n| 1 | 2 |\n"
    )
    parsed = parse(rendered)
    hrefs = [value for _, attributes in parsed.tags for name, value in attributes if name == "href"]
    assert hrefs == ["https://e.org", "mailto:x@e.org", "/rel"]
    styles = {
        value for _, attributes in parsed.tags for name, value in attributes if name == "style"
    }
    assert styles == {"text-align:left", "text-align:right"}
