"""Markdown to safe HTML: markdown-it-py with raw HTML off, then nh3 as a second layer."""

from __future__ import annotations

import hashlib
import re
import threading
import unicodedata
from collections import OrderedDict

import mdurl
import nh3
from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

SAFE_SCHEMES = frozenset({"http", "https", "mailto"})

_TAGS = {
    "p", "a", "em", "strong", "code", "pre", "blockquote", "ul", "ol", "li",
    "h1", "h2", "h3", "h4", "h5", "h6", "hr", "br",
    "table", "thead", "tbody", "tr", "th", "td", "del", "s", "img",
}  # fmt: skip
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
# Table alignment is the only inline style markdown-it writes; allow exactly those values.
_ALIGN = {"text-align:left", "text-align:right", "text-align:center"}
_ATTRIBUTE_VALUES = {"th": {"style": _ALIGN}, "td": {"style": _ALIGN}}
_CONTROLS = re.compile(r"[\x00-\x20\x7f]")
_APOSTROPHES = "'\u2019"


class _Markdown(MarkdownIt):
    """markdown-it with a link allow-list: http, https, mailto and relative links only."""

    def validateLink(self, url: str) -> bool:  # noqa: N802 (markdown-it's name)
        """Whether a (normalised) link or image destination may appear in the output."""
        cleaned = _CONTROLS.sub("", url)
        head = re.split(r"[/?#]", cleaned, maxsplit=1)[0]
        if ":" not in head:
            return True  # relative: no scheme before the first / ? #
        return head.split(":", 1)[0].lower() in SAFE_SCHEMES


def slugify(text: str) -> str:
    """Lower-case hyphenated slug of text, accents stripped, letters kept; never empty."""
    parts: list[str] = []
    separate = False
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char) or char in _APOSTROPHES:
            continue
        if char.isalnum():
            if separate and parts:
                parts.append("-")
            parts.append(char.lower())
            separate = False
        else:
            separate = True
    return "".join(parts) or "section"


def _plain_text(inline: Token) -> str:
    """The visible text of an inline token (what a reader sees of a heading)."""
    pieces: list[str] = []
    for child in inline.children or ():
        if child.type in ("text", "code_inline"):
            pieces.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            pieces.append(" ")
        elif child.type == "image":
            pieces.append(_plain_text(child))
    return "".join(pieces)


def _heading_ids(state: StateCore) -> None:
    """Give every heading a stable, de-duplicated id: prefix + slug of its text."""
    prefix = str(state.env.get("id_prefix", ""))
    seen: set[str] = set()
    tokens = state.tokens
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        base = prefix + slugify(_plain_text(tokens[index + 1]))
        ident, number = base, 2
        while ident in seen:
            ident, number = f"{base}-{number}", number + 1
        seen.add(ident)
        token.attrSet("id", ident)


def _make_parser() -> MarkdownIt:
    """The one Markdown dialect of the platform: CommonMark + tables + strikethrough."""
    md = _Markdown("js-default", {"html": False, "linkify": False, "typographer": False})
    md.disable(["html_block", "html_inline"])
    md.core.ruler.push("heading_ids", _heading_ids)
    return md


_MD = _make_parser()


def parse(text: str) -> list[Token]:
    """The block token stream of text, exactly as render() parses it."""
    return _MD.parse(text)


def _render_uncached(text: str, id_prefix: str) -> str:
    """Render text to HTML and sanitise it."""
    html = _MD.render(text, {"id_prefix": id_prefix})
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        tag_attribute_values=_ATTRIBUTE_VALUES,
        url_schemes=set(SAFE_SCHEMES),
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


class _LRUCache:
    """A small thread-safe LRU of rendered HTML, bounded in entries and in characters."""

    def __init__(self, max_entries: int, max_chars: int) -> None:
        self.max_entries = max_entries
        self.max_chars = max_chars
        self._items: OrderedDict[tuple[bytes, str], str] = OrderedDict()
        self._chars = 0
        self._lock = threading.Lock()

    def get(self, key: tuple[bytes, str]) -> str | None:
        """The cached value, marked as recently used, or None."""
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: tuple[bytes, str], value: str) -> None:
        """Store value, evicting the least recently used entries beyond the bounds."""
        if len(value) > self.max_chars:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._chars -= len(old)
            self._items[key] = value
            self._chars += len(value)
            while len(self._items) > self.max_entries or self._chars > self.max_chars:
                _, evicted = self._items.popitem(last=False)
                self._chars -= len(evicted)

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._items.clear()
            self._chars = 0

    def __len__(self) -> int:
        return len(self._items)


_cache = _LRUCache(max_entries=4096, max_chars=32_000_000)


def render(text: str, id_prefix: str = "") -> str:
    """Render Markdown to sanitised HTML (cached by the text's sha256 and the id prefix)."""
    # Lone surrogates cannot cross into nh3 (Rust strings); they become "?".
    data = text.encode("utf-8", "replace")
    key = (hashlib.sha256(data).digest(), id_prefix)
    html = _cache.get(key)
    if html is None:
        html = _render_uncached(data.decode("utf-8"), id_prefix)
        _cache.put(key, html)
    return html


def clear_cache() -> None:
    """Empty the rendered-HTML cache."""
    _cache.clear()


def _warm_up() -> None:
    """Fill markdown-it's and mdurl's lazy caches now, before threads can race on them."""
    # mdurl builds its lookup tables on first use and publishes them half-filled; two
    # threads rendering links at once have hit IndexError in mdurl/_encode.py.
    for exclude in (mdurl.ENCODE_DEFAULT_CHARS, mdurl.ENCODE_COMPONENT_CHARS):
        mdurl.encode("warm up %41 é", exclude)
    for exclude in (mdurl.DECODE_DEFAULT_CHARS, mdurl.DECODE_DEFAULT_CHARS + "%", ""):
        mdurl.decode("warm%20up%41", exclude)
    _render_uncached(
        "# Warm up\n\n[link](https://example.org/é?q=1#x) <https://example.org> "
        '<someone@example.org> ![image](/a.png "t") *em* **strong** `code` ~~s~~\n\n'
        "> quote\n\n- item\n\n1. item\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n"
        "```\ncode\n```\n\n[ref]\n\n[ref]: /relative 'title'\n\nSetext\n---\n",
        "",
    )


_warm_up()
