"""The OpenAPI description of the JSON API, served at ``/api/schema/openapi.json``.

Only ``/api/...`` is described: the committee and voter pages are HTML forms, not an
API anyone should program against.  A few handlers read their body raw (the election
definition is validated by the domain layer, the roll is a CSV file, a cast is parsed
with the strict JSON reader), so Litestar cannot see what they accept; their request
bodies are declared here so that clients and fuzzers (tests/ops/test_schemathesis.py)
know what to send.  The schema is public: it reveals nothing the code does not.
"""

from __future__ import annotations

import copy
from typing import Any

from litestar import Request
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.router import Router

SCHEMA_PATH = "/api/schema"

_TEXT = {"type": "object", "additionalProperties": {"type": "string"}}
_DEFINITION = {
    "type": "object",
    "description": "An election definition (see docs/PROTOCOL.md section 5).",
    "required": ["kind", "title", "questions"],
    "properties": {
        "kind": {
            "type": "string",
            "enum": ["recognition", "ratification", "strike_authorisation", "officer", "custom"],
        },
        "title": _TEXT,
        "instructions": _TEXT,
        "opens_at": {"type": ["string", "null"], "format": "date-time"},
        "closes_at": {"type": ["string", "null"], "format": "date-time"},
        "rule": {"type": "string"},
        "supermajority": {"type": ["string", "null"]},
        "quorum": {"type": ["integer", "null"]},
        "allow_blank": {"type": "boolean"},
        "revoting": {
            "type": "boolean",
            "default": False,
            "description": "A member may vote again until voting closes; the last ballot "
            "counts (protocol v2 only; fixed at the key ceremony).",
        },
        "objection_days": {"type": "integer", "minimum": 0, "maximum": 365},
        "subtotals": {
            "type": ["object", "null"],
            "description": "Results per unit from the roll; none for a unit below min_size.",
            "properties": {
                "by": {"type": "string", "enum": ["unit"]},
                "min_size": {"type": "integer", "minimum": 1, "default": 10},
            },
        },
        "trustees": {
            "type": "object",
            "properties": {"n": {"type": "integer"}, "k": {"type": "integer"}},
        },
        "questions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "text": _TEXT,
                    "min": {"type": "integer"},
                    "max": {"type": "integer"},
                    "options": {"type": "array", "items": _TEXT},
                },
            },
        },
    },
}


def _json_body(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {
        "required": True,
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }


def _token_body(field: str, what: str) -> dict[str, Any]:
    return _json_body(
        {
            "type": "object",
            "required": ["token", field],
            "additionalProperties": False,
            "properties": {
                "token": {"type": "string", "description": "the voting link's token"},
                field: {"type": "object"},
            },
        },
        what,
    )


#: (path, method) -> requestBody, for handlers that read their body raw.
RAW_BODIES: dict[tuple[str, str], dict[str, Any]] = {
    ("/api/elections", "post"): _json_body(_DEFINITION, "the election definition"),
    ("/api/elections/{election_id}", "put"): _json_body(_DEFINITION, "the new definition"),
    ("/api/elections/{election_id}/roll", "post"): {
        "required": True,
        "description": "the roll, CSV: member_id,name,email,language,unit,challenged",
        "content": {"text/csv": {"schema": {"type": "string"}}},
    },
    ("/api/cast", "post"): _token_body("ballot", "an encrypted ballot and the voter's token"),
    ("/api/audited-ballots", "post"): _token_body(
        "audit", "a Benaloh-audited ballot and the voter's token"
    ),
    ("/api/elections/{election_id}/audit-check", "post"): _json_body(
        {"type": "object"}, "an audited ballot (ballot/audited-ballot/v1)"
    ),
}


#: (component, property) -> the values the domain accepts, where the Struct says only
#: "string" (the check lives in the domain layer, which also explains a wrong value).
ENUMS: dict[tuple[str, str], list[str]] = {
    ("TargetIn", "target"): ["draft", "key_ceremony", "ready", "open", "closed"],
    ("DecisionIn", "decision"): ["sustained", "overruled"],
    ("AccountIn", "role"): ["admin", "observer", "trustee"],
}


def api_only(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema restricted to the JSON API, with raw request bodies and enums declared."""
    out = copy.deepcopy(schema)
    components = out.get("components", {}).get("schemas", {})
    for (component, prop), values in ENUMS.items():
        field = components.get(component, {}).get("properties", {}).get(prop)
        if field is not None and field.get("type") == "string" and "enum" not in field:
            field["enum"] = list(values)
    paths = {
        path: item
        for path, item in out.get("paths", {}).items()
        if path.startswith("/api/") and not path.startswith(SCHEMA_PATH)
    }
    for (path, method), body in RAW_BODIES.items():
        operation = paths.get(path, {}).get(method)
        if operation is not None and "requestBody" not in operation:
            operation["requestBody"] = copy.deepcopy(body)
    out["paths"] = paths
    return out


class ApiSchemaJson(JsonRenderPlugin):
    """``openapi.json`` holding only the ``/api/`` operations."""

    def __init__(self) -> None:
        super().__init__(path="/openapi.json")
        self._cache: tuple[int, bytes] | None = None

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        if self._cache is None or self._cache[0] != id(openapi_schema):
            self._cache = (id(openapi_schema), self.render_json(request, api_only(openapi_schema)))
        return self._cache[1]


def openapi_config() -> OpenAPIConfig:
    """Schema at ``/api/schema/openapi.json`` (and ``/api/schema``), public, no HTML viewer.

    No HTML viewer: the usual ones load scripts from a CDN, which the CSP forbids.
    """
    return OpenAPIConfig(
        title="ballot JSON API",
        version="1",
        description="The committee, trustee, casting and public-board API of ballot.",
        render_plugins=[ApiSchemaJson()],
        openapi_router=Router(
            SCHEMA_PATH, route_handlers=[], include_in_schema=False, opt={"access": "public"}
        ),
    )
