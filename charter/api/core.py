"""The JSON API's frame: one decorator declares an operation, and from that declaration come
its route, its authentication, the validation of its query and body (pydantic), its
answer's shape, and its entry in the OpenAPI document. Views stay thin: they take the
validated input and the caller, ask the services and queries, and return models.

Authentication: `Authorization: Bearer <token>` (a personal token, charter.api.tokens).
Reads also accept the browser's session, so the site's own pages could call them; writes
take the token only (a cookie never authenticates a write, so CSRF does not apply).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import wraps
from typing import Any, Generic, TypeVar

from flask import Blueprint, Response, g, request
from flask_babel import gettext as _
from flask_login import current_user
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_serializer

from charter.cache import build_id
from charter.errors import DomainError, json_error
from charter.extensions import csrf, db
from charter.urls import MAX_INT

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# Token requests carry no cookie to forge; cookie requests may only read (see authenticate).
csrf.exempt(bp)

MAX_BODY = 1024 * 1024


class ApiError(Exception):
    """An API refusal: status, a stable code, a message for people, details for programs."""

    def __init__(self, status: int, message: str, details: Any = None) -> None:
        super().__init__(message)
        self.status, self.message, self.details = status, message, details or {}


class Schema(BaseModel):
    """Every request and answer model: unknown fields in a request are refused, and moments
    (stored as naive UTC) are written as RFC 3339 with their zone, "…Z"."""

    model_config = ConfigDict(extra="forbid")

    @field_serializer("*", mode="wrap")
    def _utc(self, value: Any, handler: Any) -> Any:
        if isinstance(value, datetime) and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return handler(value)


Item = TypeVar("Item")


class Page(Schema, Generic[Item]):
    """One page of a list; pass next_cursor as `cursor` for the next one (null: the end)."""

    items: list[Item]
    next_cursor: str | None


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=200, description="How many items in a page.")
    cursor: str | None = Field(None, description="next_cursor of the page before.")


def cursor_position(query: PageQuery, *kinds: type) -> tuple[int, list[Any] | None]:
    """?limit= and the position of ?cursor=, checked to hold values of these kinds."""
    position = decode_cursor(query.cursor) if query.cursor else None
    if position is None:
        return query.limit, None
    if isinstance(position, list) and len(position) == len(kinds):
        values = [_value(item, kind) for item, kind in zip(position, kinds, strict=True)]
        if None not in values:
            return query.limit, values
    raise ApiError(400, _("This cursor is not one the API gave."), {"cursor": query.cursor})


def _value(item: Any, kind: type) -> Any:
    """item as kind (a bounded int, or a naive datetime from its ISO form); None if not one."""
    if kind is int:
        return item if type(item) is int and abs(item) <= MAX_INT else None
    try:
        moment = datetime.fromisoformat(item) if isinstance(item, str) else None
    except ValueError:
        return None
    return moment if moment is not None and moment.tzinfo is None else None


def encode_cursor(position: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(position).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> Any:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, binascii.Error, UnicodeError):
        raise ApiError(400, _("This cursor is not one the API gave."), {"cursor": cursor}) from None


def paginate(
    rows: list[Any], limit: int, position: Callable[[Any], Any]
) -> tuple[list[Any], str | None]:
    """Cut rows (fetched with limit + 1) into a page and the cursor of the next one."""
    if len(rows) > limit:
        return rows[:limit], encode_cursor(position(rows[limit - 1]))
    return rows, None


# Authentication ---------------------------------------------------------------------------


def authenticate(write: bool) -> None:
    """Make the token's user the current user for this request (never touching the session);
    refuse a write without one."""
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _sep, secret = header.partition(" ")
        from charter.api.tokens import user_of

        user = user_of(secret.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise ApiError(401, _("This token is not valid: it may be revoked or mistyped."))
        g._login_user = user  # Flask-Login's current user for this request only
        g.api_token = True
        return
    if write:
        raise ApiError(
            401, _("Writing through the API takes a personal token (Authorization: Bearer …).")
        )
    g.api_token = False


def caller() -> Any:
    """The user the request acts for, or None."""
    return current_user if current_user and current_user.is_authenticated else None


# Operations -----------------------------------------------------------------------------


@dataclass
class Operation:
    method: str
    rule: str
    endpoint: str
    summary: str
    response: Any
    query: type[Schema] | None = None
    body: type[Schema] | None = None
    write: bool = False
    status: int = 200
    errors: tuple[int, ...] = ()
    tags: tuple[str, ...] = ()
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> str:
        """The rule as OpenAPI writes it: /charters/{slug}."""
        return "/api/v1" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", self.rule)

    @property
    def path_parameters(self) -> list[tuple[str, str]]:
        return [
            (name, "integer" if converter == "int" else "string")
            for converter, name in re.findall(r"<(?:(\w+):)?(\w+)>", self.rule)
        ]


OPERATIONS: list[Operation] = []


def operation(
    method: str,
    rule: str,
    *,
    summary: str,
    response: Any = None,
    query: type[Schema] | None = None,
    body: type[Schema] | None = None,
    write: bool | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    tags: tuple[str, ...] = (),
):
    """Declare an API operation. The view gets the path arguments, then `query=` and
    `body=` (validated models) when declared, and returns a model (or list of models),
    a (model, headers) pair, or a Response."""
    is_write = method != "GET" if write is None else write

    def decorate(view: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(view)
        def handle(**path: Any) -> Response:
            authenticate(is_write)
            arguments = dict(path)
            if query is not None:
                arguments["query"] = _validated(query, _query_values(), "query")
            if body is not None:
                arguments["body"] = _validated(body, _json_body(), "body")
            result = view(**arguments)
            if isinstance(result, Response):
                return result
            headers: dict[str, str] = {}
            if isinstance(result, tuple):
                result, headers = result
            return json_response(result, status, headers)

        bp.add_url_rule(rule, endpoint=view.__name__, view_func=handle, methods=[method])
        OPERATIONS.append(
            Operation(
                method=method,
                rule=rule,
                endpoint=view.__name__,
                summary=summary,
                response=response,
                query=query,
                body=body,
                write=is_write,
                status=status,
                errors=errors,
                tags=tags,
                description=(view.__doc__ or "").strip(),
            )
        )
        return handle

    return decorate


def _query_values() -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in request.args:
        items = request.args.getlist(name)
        values[name] = items if len(items) > 1 else items[0]
    return values


def _json_body() -> Any:
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise ApiError(413, _("The body is larger than 1 MB."))
    if not request.is_json:
        raise ApiError(415, _("Send the body as JSON (Content-Type: application/json)."))
    data = request.get_json(silent=True)
    if data is None:
        raise ApiError(400, _("The body is not valid JSON."))
    return data


def _validated(model: type[Schema], data: Any, where: str) -> Schema:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        details = [
            {"field": ".".join(str(part) for part in problem["loc"]), "problem": problem["msg"]}
            for problem in error.errors(include_url=False, include_input=False)
        ]
        status = 400 if where == "query" else 422
        raise ApiError(
            status, _("Some fields are missing or wrong."), {"fields": details}
        ) from None


def json_response(
    result: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    if isinstance(result, BaseModel):
        payload = result.model_dump_json()
    elif isinstance(result, list):
        payload = "[" + ",".join(item.model_dump_json() for item in result) + "]"
    else:
        payload = json.dumps(result, ensure_ascii=False)
    response = Response(payload, status, mimetype="application/json")
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def immutable(response_factory: Callable[[], Response], *parts: object) -> Response:
    """A 304 when the client holds this resource (tagged by parts, which fix its content),
    else the answer with its strong ETag."""
    tag = hashlib.sha256("\x1f".join([build_id(), *map(str, parts)]).encode()).hexdigest()
    held = request.if_none_match.contains(tag)
    response = Response(status=304) if held else response_factory()
    response.set_etag(tag)
    response.vary.add("Authorization")
    response.vary.add("Cookie")
    return response


# Errors -----------------------------------------------------------------------------------


@bp.errorhandler(ApiError)
def _api_error(error: ApiError) -> Response:
    db.session.rollback()
    return json_error(error.status, error.message, error.details)


@bp.errorhandler(DomainError)
def _domain_error(error: DomainError) -> Response:
    db.session.rollback()
    details = {"field": error.field} if error.field else {}
    return json_error(error.status, error.message, details)
