"""Witnesses over the API: the committee names them in a draft; the server takes, checks,
keeps and publishes their cosignatures, and only theirs, only on heads it signed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from litestar import Litestar

from ballot.record.cosign import WitnessKey, cosign
from ballot.record.signing import SignedHead
from ballot.store.board import append_board, sign_board_head

from .helpers import Web, create_draft

ROSA = WitnessKey.from_private_bytes(bytes(range(32)))
BEN = WitnessKey.from_private_bytes(bytes(range(1, 33)))
STRANGER = WitnessKey.from_private_bytes(bytes(range(2, 34)))


def named(*pairs: tuple[str, WitnessKey]) -> list[dict[str, str]]:
    return [{"name": name, "public_key": key.public_hex} for name, key in pairs]


async def test_the_committee_names_and_removes_witnesses_while_a_draft(admin: Web) -> None:
    election_id = await create_draft(admin)
    path = f"/api/elections/{election_id}/witnesses"
    spaced = f"  {ROSA.public_hex.upper()} "
    r = await admin.post(path, json={"name": " Rosa Lopez ", "public_key": spaced})
    assert r.status_code == 201, r.text
    assert r.json() == {"name": "Rosa Lopez", "public_key": ROSA.public_hex, "position": 1}
    r = await admin.post(path, json={"name": "Ben Carter", "public_key": BEN.public_hex})
    assert r.status_code == 201, r.text

    again = await admin.post(path, json={"name": "Someone", "public_key": ROSA.public_hex})
    assert again.status_code == 409
    assert again.json()["error"] == "this key is already named, for 'Rosa Lopez'"
    same_name = await admin.post(
        path, json={"name": "rosa lopez", "public_key": STRANGER.public_hex}
    )
    assert same_name.status_code == 409
    assert same_name.json()["error"] == "a witness is already named 'Rosa Lopez'"
    bad_key = await admin.post(path, json={"name": "Eve", "public_key": "12ab"})
    assert bad_key.status_code == 400 and "64 lower-case hex" in bad_key.json()["error"]
    no_name = await admin.post(path, json={"name": "  ", "public_key": STRANGER.public_hex})
    assert no_name.status_code == 400
    assert no_name.json()["error"] == "the witness's name: a name is needed"

    listed = (await admin.get(path)).json()
    assert listed["witnesses"] == named(("Rosa Lopez", ROSA), ("Ben Carter", BEN))
    assert listed["in_force"] is None  # nothing is bound until the key ceremony starts

    r = await admin.delete(f"{path}/{BEN.public_hex}")
    assert r.status_code == 200, r.text
    gone = await admin.delete(f"{path}/{BEN.public_hex}")
    assert gone.status_code == 404 and "no witness with this key" in gone.json()["error"]

    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    assert r.status_code == 200, r.text
    manifest = (await admin.get(f"/api/elections/{election_id}/ceremony")).json()["manifest"]
    assert manifest["witnesses"] == named(("Rosa Lopez", ROSA))
    late = await admin.post(path, json={"name": "Ben Carter", "public_key": BEN.public_hex})
    assert late.status_code == 409
    assert (
        "cannot name or remove a witness while the election is key_ceremony"
        in (late.json()["error"])
    )
    assert (await admin.get(path)).json()["in_force"] == named(("Rosa Lopez", ROSA))


async def test_a_definition_may_name_its_witnesses_and_is_checked(admin: Web) -> None:
    election_id = await create_draft(admin, witnesses=named(("Rosa", ROSA)))
    listed = (await admin.get(f"/api/elections/{election_id}/witnesses")).json()
    assert listed["witnesses"] == named(("Rosa", ROSA))
    # A whole new definition replaces the list, like the rest of the definition.
    r = await admin.put(
        f"/api/elections/{election_id}", json=_definition(witnesses=named(("Ben", BEN)))
    )
    assert r.status_code == 200, r.text
    listed = (await admin.get(f"/api/elections/{election_id}/witnesses")).json()
    assert listed["witnesses"] == named(("Ben", BEN))
    # One that does not name any (the committee's form) leaves the list as it is.
    r = await admin.put(f"/api/elections/{election_id}", json=_definition(title={"en": "New"}))
    assert r.status_code == 200, r.text
    listed = (await admin.get(f"/api/elections/{election_id}/witnesses")).json()
    assert listed["witnesses"] == named(("Ben", BEN))
    r = await admin.put(f"/api/elections/{election_id}", json=_definition(witnesses=[]))
    assert r.status_code == 200, r.text
    assert (await admin.get(f"/api/elections/{election_id}/witnesses")).json()["witnesses"] == []

    twice = named(("Rosa", ROSA), ("Ben", ROSA))
    r = await admin.post("/api/elections", json=_definition(witnesses=twice))
    assert r.status_code == 400
    assert "witness 2: the same public key is named twice" in r.json()["error"]
    r = await admin.post("/api/elections", json=_definition(witnesses={"Rosa": ROSA.public_hex}))
    assert r.status_code == 400 and "witnesses: must be a list" in r.json()["error"]
    r = await admin.post("/api/elections", json=_definition(witnesses=[{"name": "Rosa"}]))
    assert r.status_code == 400 and "exactly 'name' and 'public_key'" in r.json()["error"]


def _definition(**overrides: Any) -> dict[str, Any]:
    from tests.support.asgi import definition

    return definition(**overrides)


async def _defined(admin: Web) -> str:
    """An election whose definition (naming Rosa) is in force: one signed head on its board."""
    election_id = await create_draft(admin, witnesses=named(("Rosa Lopez", ROSA)))
    r = await admin.post(f"/api/elections/{election_id}/state", json={"target": "key_ceremony"})
    assert r.status_code == 200, r.text
    return election_id


async def _heads(web: Web, election_id: str) -> list[SignedHead]:
    r = await web.get(f"/api/elections/{election_id}/board/heads")
    assert r.status_code == 200, r.text
    return [SignedHead.from_json(h) for h in r.json()["heads"]]


async def test_a_named_witness_cosigns_a_head_the_server_signed(admin: Web, web: Web) -> None:
    election_id = await _defined(admin)
    (head,) = await _heads(web, election_id)
    page = (await web.get(f"/board/{election_id}")).text
    assert "Rosa Lopez" in page and "no countersignature yet" in page

    good = cosign(ROSA, head, head.at).to_json()
    path = f"/api/elections/{election_id}/cosignatures"
    r = await web.client.post(path, json=good)  # no session, no CSRF token: the signature is it
    assert r.status_code == 201, r.text
    assert r.json()["new"] is True and r.json()["witness_name"] == "Rosa Lopez"
    again = await web.client.post(path, json=good)
    assert again.status_code == 200 and again.json()["new"] is False

    listed = (await web.get(path)).json()
    assert [c["signature"] for c in listed["cosignatures"]] == [good["signature"]]
    assert listed["next_after"] is None
    page = (await web.get(f"/board/{election_id}")).text
    assert f"countersigned up to position {head.seq} at {head.at}" in page


async def test_cosignatures_the_server_must_refuse(admin: Web, web: Web) -> None:
    election_id = await _defined(admin)
    (head,) = await _heads(web, election_id)
    path = f"/api/elections/{election_id}/cosignatures"

    async def post(body: Any, **kwargs: Any) -> Any:
        return await web.client.post(path, json=body, **kwargs)

    stranger = await post(cosign(STRANGER, head, head.at).to_json())
    assert stranger.status_code == 403 and stranger.json()["code"] == "not_a_witness"
    forged_head = SignedHead(
        head.election_id, head.seq, head.head_hash, head.at, head.prev, "00" * 64
    )
    unknown = await post(cosign(ROSA, forged_head, head.at).to_json())
    assert unknown.status_code == 422 and unknown.json()["code"] == "unknown_head"
    tampered = {**cosign(ROSA, head, head.at).to_json(), "at": "2030-01-01T00:00:00Z"}
    bad = await post(tampered)
    assert bad.status_code == 422 and "does not verify" in bad.json()["error"]
    malformed = await post({"type": "ballot.board.cosignature"})
    assert malformed.status_code == 400 and malformed.json()["code"] == "cosignature_invalid"
    other = {**cosign(ROSA, head, head.at).to_json(), "election": "e-other"}
    assert (await post(other)).status_code == 400
    junk = await web.client.post(path, content=b"{not json")
    assert junk.status_code == 400
    huge = await web.client.post(path, content=b" " * 10_000)
    assert huge.status_code == 413
    assert (await web.get(path)).json()["cosignatures"] == []

    # A draft has no definition in force: nobody is a witness of it yet.
    draft = await create_draft(admin, witnesses=named(("Rosa Lopez", ROSA)))
    drafts_head = SignedHead(draft, head.seq, head.head_hash, head.at, head.prev, head.signature)
    early = await web.client.post(
        f"/api/elections/{draft}/cosignatures", json=cosign(ROSA, drafts_head, head.at).to_json()
    )
    assert early.status_code == 403 and early.json()["code"] == "not_a_witness"


async def test_heads_are_served_in_order_and_paged(app: Litestar, admin: Web, web: Web) -> None:
    election_id = await _defined(admin)
    at = app.state.clock()
    async with app.state.session_factory() as db:
        for i in range(4):
            at += timedelta(minutes=1)
            await append_board(db, election_id, "note.test", {"i": i}, at)
            await sign_board_head(db, election_id, app.state.secrets.board_key, at)
        await db.commit()
    heads = await _heads(web, election_id)
    assert [h.seq for h in heads] == [0, 1, 2, 3, 4]
    first = (await web.get(f"/api/elections/{election_id}/board/heads?start=0&limit=2")).json()
    assert [h["seq"] for h in first["heads"]] == [0, 1] and first["next_start"] == 2
    last = (await web.get(f"/api/elections/{election_id}/board/heads?start=4&limit=2")).json()
    assert [h["seq"] for h in last["heads"]] == [4] and last["next_start"] is None
    bad = await web.get(f"/api/elections/{election_id}/board/heads?start=-1")
    assert bad.status_code == 400

    path = f"/api/elections/{election_id}/cosignatures"
    for head in heads:
        r = await web.client.post(path, json=cosign(ROSA, head, head.at).to_json())
        assert r.status_code == 201, r.text
    seen: list[int] = []
    after = -1
    while True:
        page = (await web.get(f"{path}?after={after}&limit=2")).json()
        seen += [c["seq"] for c in page["cosignatures"]]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    assert seen == [0, 1, 2, 3, 4]
