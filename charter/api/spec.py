"""The OpenAPI 3.1 document, built from the declared operations and the very pydantic models
that validate their requests, and the page that shows it (no outside scripts)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from flask import render_template
from pydantic import TypeAdapter

from charter.api.core import OPERATIONS, Operation, Schema, bp

REF = "#/components/schemas/{model}"
STATUS_TEXT = {
    200: "OK",
    201: "Created",
    204: "No content",
    304: "Not modified (the ETag you sent still holds)",
    400: "The request could not be understood",
    401: "A valid token is needed",
    403: "Your account may not do this",
    404: "Not found, or not yours to see",
    409: "Not possible now (the state or stage changed)",
    413: "The body is too large",
    415: "The body is not JSON",
    422: "The body is invalid",
    429: "Too many requests",
}


class ErrorDetail(Schema):
    code: str
    message: str
    details: dict[str, Any] | list[Any]


class Error(Schema):
    error: ErrorDetail


def _schema(kind: Any, components: dict[str, Any]) -> dict[str, Any]:
    """The JSON schema of a model (or list of models), its definitions moved to components."""
    schema = TypeAdapter(kind).json_schema(ref_template=REF, mode="serialization")
    components.update(schema.pop("$defs", {}))
    if "title" in schema and schema.get("type") == "object" and hasattr(kind, "__name__"):
        name = kind.__name__.replace("[", "_").replace("]", "").replace(",", "_")
        components[name] = schema
        return {"$ref": REF.format(model=name)}
    return schema


def _parameters(operation: Operation) -> list[dict[str, Any]]:
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": kind}}
        for name, kind in operation.path_parameters
    ]
    if operation.query is not None:
        schema = operation.query.model_json_schema(ref_template=REF)
        required = set(schema.get("required", ()))
        for name, prop in schema.get("properties", {}).items():
            prop = {key: value for key, value in prop.items() if key != "title"}
            parameters.append(
                {"name": name, "in": "query", "required": name in required, "schema": prop}
            )
    return parameters


def _operation(operation: Operation, components: dict[str, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if operation.response is None:
        responses[str(operation.status)] = {"description": STATUS_TEXT.get(operation.status, "")}
    else:
        responses[str(operation.status)] = {
            "description": STATUS_TEXT.get(operation.status, ""),
            "content": {"application/json": {"schema": _schema(operation.response, components)}},
        }
    errors = set(operation.errors) | {400, 404}
    if operation.write:
        errors |= {401, 403, 409, 422, 413, 415}
    elif operation.errors:
        errors |= {401}
    for status in sorted(errors):
        if status == 304:
            responses["304"] = {"description": STATUS_TEXT[304]}
            continue
        responses[str(status)] = {
            "description": STATUS_TEXT.get(status, ""),
            "content": {"application/json": {"schema": {"$ref": REF.format(model="Error")}}},
        }
    entry: dict[str, Any] = {
        "operationId": operation.endpoint,
        "summary": operation.summary,
        "tags": list(operation.tags),
        "parameters": _parameters(operation),
        "responses": responses,
        "security": [{"bearer": []}] if operation.write else [{}, {"bearer": []}],
    }
    if operation.description:
        entry["description"] = operation.description
    if operation.body is not None:
        entry["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema(operation.body, components)}},
        }
    return entry


@lru_cache(maxsize=1)
def document() -> dict[str, Any]:
    """The OpenAPI document (built once: the operations are fixed when the app starts)."""
    components: dict[str, Any] = {}
    _schema(Error, components)
    paths: dict[str, dict[str, Any]] = {}
    for operation in OPERATIONS:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(
            operation, components
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Charter API",
            "version": "1",
            "description": (
                "Read charters, their versions, amendments and consultation; with a personal "
                "token, propose, comment and, for the secretariat, review, merge and publish."
            ),
        },
        "servers": [{"url": "/"}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(components.items())),
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A personal token from your account page.",
                }
            },
        },
    }


@bp.get("/openapi.json")
def openapi_json():
    return document()


@bp.get("/docs")
def docs():
    """The API's reference, rendered on the server from the OpenAPI document."""
    return render_template("api/docs.html", spec=document(), operations=OPERATIONS)
