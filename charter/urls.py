"""URL and query-string numbers bounded to what the database's integers hold."""

from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_INT = 2**31 - 1  # a larger id would overflow the database's integer (a 500, not a 404)


class BoundedIntConverter(IntegerConverter):
    """`<int:…>` in every route: numbers past MAX_INT do not match (a 404)."""

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 (werkzeug's signature)
        kwargs.setdefault("max", MAX_INT)
        super().__init__(map, *args, **kwargs)


def query_int(value: str) -> int:
    """A query-string number the database can hold; ValueError (so the default) otherwise."""
    number = int(value)
    if abs(number) > MAX_INT:
        raise ValueError(value)
    return number
