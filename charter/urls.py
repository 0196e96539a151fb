"""URLs and query strings: numbers bounded to what the database's integers hold, texts a
filter can compare, and the same-site paths people may be sent on to."""

from __future__ import annotations

from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter

MAX_INT = 2**31 - 1  # a larger id would overflow the database's integer (a 500, not a 404)


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in every route: numbers past MAX_INT do not match (a 404).

    The pattern itself stops at MAX_INT: were only the conversion bounded, a path shared by
    a GET and a PATCH would match the rule, fail the conversion, and answer 405, not 404.
    """

    # 0 … 2147483647, digit by digit.
    regex = (
        r"(?:[0-9]{1,9}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}"
        r"|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}"
        r"|21474836[0-3][0-9]|214748364[0-7])"
    )

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 (werkzeug's signature)
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def query_int(value: str) -> int:
    """A query-string number the database can hold; ValueError (so the default) otherwise."""
    number = int(value)
    if abs(number) > MAX_INT:
        raise ValueError(value)
    return number


def query_text(value: str | None, limit: int) -> str:
    """A query-string text a filter can compare in the database: at most limit characters,
    NULs dropped (PostgreSQL refuses them in any text: a 500, not "nothing found")."""
    return (value or "")[:limit].replace("\x00", "")


def same_site(target: str | None) -> str | None:
    """target when it is a path of this site, else None: never another site's address, as
    a browser would read it (it drops tabs and line breaks, and reads \\ as /)."""
    if not target or any(ch in target for ch in "\\\r\n\t") or not target.startswith("/"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or target.startswith("//"):
        return None
    return target
