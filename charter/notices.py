"""Messages kept untranslated until someone reads them.

A notification is written once, in the transaction of the change it reports, but read later
by people of different languages, in the list and in e-mails. It is stored as its English
message id and parameters and translated when shown, in the reader's language.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _


@dataclass(frozen=True)
class Notice:
    """A message and its parameters; a parameter may itself be a Notice."""

    msgid: str
    params: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        values = {name: str(value) for name, value in self.params.items()}
        return _(self.msgid, **values)

    def english(self) -> str:
        with force_locale("en"):
            return str(self)

    def dumps(self) -> str:
        return json.dumps(_plain(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def loads(cls, msgid: str, params: str) -> Notice:
        return _notice(msgid, json.loads(params or "{}"))


def n_(msgid: str, **params: Any) -> Notice:
    """Mark a message for translation when it is read (extracted like `_`)."""
    return Notice(msgid, params)


def _plain(notice: Notice) -> dict[str, Any]:
    return {
        name: {"msgid": value.msgid, "params": _plain(value)}
        if isinstance(value, Notice)
        else value
        for name, value in notice.params.items()
    }


def _notice(msgid: str, params: dict[str, Any]) -> Notice:
    return Notice(
        msgid,
        {
            name: _notice(value["msgid"], value["params"]) if isinstance(value, dict) else value
            for name, value in params.items()
        },
    )


def shown(text: str, message: str | None, params: str | None) -> str:
    """A stored notification in the current language (rows written as plain text, before
    messages were kept untranslated, as they were written)."""
    return text if message is None else str(Notice.loads(message, params or ""))
