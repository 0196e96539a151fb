"""Pure helpers for the downloads of a version: file names, self-contained HTML."""

from __future__ import annotations

import re

# nh3 (charter.text.markdown) writes every attribute double-quoted and escaped.
_IMAGE = re.compile(r"<img\b([^>]*)>", re.IGNORECASE)
_ATTRIBUTE = re.compile(r'([a-zA-Z-]+)="([^"]*)"')


def file_name(slug: str, number: int, extension: str, language: str | None = None) -> str:
    """The name a download is saved under, e.g. "lampedusa-v3.pdf" ("lampedusa-v3-fr.pdf"
    in a translation)."""
    safe = re.sub(r"[^A-Za-z0-9-]+", "-", slug).strip("-") or "charter"
    suffix = "-" + re.sub(r"[^A-Za-z0-9]+", "", language) if language else ""
    return f"{safe}-v{number}{suffix}.{extension}"


def _image_as_link(match: re.Match[str]) -> str:
    attributes = {name.lower(): value for name, value in _ATTRIBUTE.findall(match.group(1))}
    source = attributes.get("src", "")
    label = attributes.get("alt") or attributes.get("title") or source
    if not source:
        return label
    # Values are still escaped as nh3 wrote them: reuse them as they are.
    return f'<a href="{source}">[{label}]</a>'


def without_remote_images(sanitised_html: str) -> str:
    """Sanitised HTML whose images become links to them: a standalone file, or a PDF made
    on the server, loads nothing from anywhere."""
    return _IMAGE.sub(_image_as_link, sanitised_html)
