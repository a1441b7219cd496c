"""The OpenAPI schema describes the JSON API only, publicly, with what a client must send."""

from __future__ import annotations

from tests.support.asgi import Web


async def test_the_schema_is_public_and_covers_only_the_api(web: Web) -> None:
    r = await web.get("/api/schema/openapi.json")
    assert r.status_code == 200
    schema = r.json()
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert paths and all(p.startswith("/api/") for p in paths)
    assert not any(p.startswith("/api/schema") for p in paths)
    for expected in ("/api/login", "/api/cast", "/api/elections/{election_id}/board"):
        assert expected in paths
    # Pages, static files and health checks are not part of the API.
    assert not any(
        p.startswith(("/v/", "/committee", "/static", "/health", "/board")) for p in paths
    )


async def test_raw_bodies_and_enums_are_declared(web: Web) -> None:
    schema = (await web.get("/api/schema/openapi.json")).json()
    paths, components = schema["paths"], schema["components"]["schemas"]
    cast = paths["/api/cast"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert cast["required"] == ["token", "ballot"] and cast["additionalProperties"] is False
    roll = paths["/api/elections/{election_id}/roll"]["post"]["requestBody"]["content"]
    assert "text/csv" in roll
    definition = paths["/api/elections"]["post"]["requestBody"]["content"]["application/json"]
    assert "questions" in definition["schema"]["properties"]
    assert components["TargetIn"]["properties"]["target"]["enum"][0] == "draft"
    assert components["LoginIn"]["required"] == ["email", "password"]
