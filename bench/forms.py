"""HTML forms as a browser sends them: each form's action, the values of its fields (hidden
ones and the CSRF token included, ticked boxes, selected options, textareas), its buttons,
and the boxes left unticked, for the bench clients (bench/mixed_clients.py)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urlsplit

import requests


@dataclass
class Form:
    action: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    buttons: dict[str, str] = field(default_factory=dict)
    choices: dict[str, list[str]] = field(default_factory=dict)  # unticked boxes, by name

    def get(self, name: str) -> str | None:
        return next((value for key, value in self.fields if key == name), None)

    def data(self, button: str | None = None, **values: str) -> list[tuple[str, str]]:
        """The fields to send: the form's own, values replacing theirs, and the button."""
        sent = [(key, value) for key, value in self.fields if key not in values]
        sent += list(values.items())
        if button is not None:
            sent.append((button, self.buttons.get(button, "")))
        return sent


class _FormParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._textarea: tuple[str, list[str]] | None = None
        self._select: list | None = None  # [name, first value, selected value]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {key: value or "" for key, value in attrs}
        if tag == "form":
            self._form = Form(action=found.get("action", ""))
            self.forms.append(self._form)
            return
        name = found.get("name")
        if self._form is None or not name:
            return
        kind = found.get("type", "text").lower()
        if tag == "button" or (tag == "input" and kind in ("submit", "image", "button")):
            self._form.buttons[name] = found.get("value", "")
        elif tag == "input" and kind in ("checkbox", "radio") and "checked" not in found:
            self._form.choices.setdefault(name, []).append(found.get("value", "on"))
        elif tag == "input" and kind not in ("reset", "file"):
            self._form.fields.append((name, found.get("value", "")))
        elif tag == "textarea":
            self._textarea = (name, [])
        elif tag == "select":
            self._select = [name, None, None]
        if tag == "option" and self._select is not None:
            value = found.get("value", "")
            self._select[1] = value if self._select[1] is None else self._select[1]
            if "selected" in found:
                self._select[2] = value

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            name, parts = self._textarea
            text = "".join(parts)
            # A browser drops the line break that opens a textarea's content.
            text = text[2:] if text.startswith("\r\n") else text.removeprefix("\n")
            self._form.fields.append((name, text))
            self._textarea = None
        elif tag == "select" and self._select is not None and self._form is not None:
            name, first, selected = self._select
            self._form.fields.append((name, selected if selected is not None else first or ""))
            self._select = None
        elif tag == "form":
            self._form = None


def find_form(html: str, *, action: str | None = None, has: str | None = None) -> Form | None:
    """The first form whose action ends with `action`, or that holds a field `has`."""
    parser = _FormParser()
    parser.feed(html)
    for form in parser.forms:
        if action is not None and form.action.split("?")[0].endswith(action):
            return form
        if has is not None and (form.get(has) is not None or has in form.choices):
            return form
    return None


def location_path(response: requests.Response) -> str:
    return urlsplit(response.headers.get("Location", "")).path
