"""The server's rounds of the remote key ceremony, driven over HTTP by three trustees."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Litestar
from sqlalchemy import func, select

from ballot.crypto.ceremony import (
    DealerMessage,
    answer_complaint,
    deal,
    new_receiving_secret,
    qualify_dealers,
    receive_shares,
    receiving_key,
    verify_transcript,
)
from ballot.crypto.group import Scalar
from ballot.crypto.sharebox import seal_share
from ballot.store.ceremony_tables import CeremonyMessage
from ballot.store.models import BoardEntryRow

from .conftest import CeremonyElection

R = "/api/elections/{}/ceremony/remote"


async def status(e: CeremonyElection, who: int = 0) -> dict[str, Any]:
    r = await e.trustees[who].get(R.format(e.id))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def post(e: CeremonyElection, who: int, round_: str, body: Any) -> Any:
    return await e.trustees[who].post(R.format(e.id) + f"/rounds/{round_}", json=body)


async def counts(app: Litestar, election_id: str) -> tuple[int, int]:
    async with app.state.session_factory() as db:
        messages = await db.scalar(
            select(func.count()).where(CeremonyMessage.election_id == election_id)
        )
        board = await db.scalar(
            select(func.count()).where(BoardEntryRow.election_id == election_id)
        )
    return int(messages or 0), int(board or 0)


async def post_keys(e: CeremonyElection) -> list[bytes]:
    secrets = [new_receiving_secret() for _ in range(3)]
    for i, s in enumerate(secrets):
        r = await post(e, i, "receiving_key", {"receiving_key": receiving_key(s).hex()})
        assert r.status_code == 200, r.text
    return secrets


async def board_kinds(e: CeremonyElection) -> list[str]:
    r = await e.trustees[0].get(f"/api/elections/{e.id}/board")
    return [x["kind"] for x in r.json()["entries"]]


async def test_three_trustees_settle_a_ceremony_and_the_board_shows_it(
    ceremony_election: CeremonyElection,
) -> None:
    e = ceremony_election
    first = await status(e)
    assert (first["round"], first["position"], first["k"], first["n"]) == (
        "receiving_key",
        1,
        2,
        3,
    )
    secrets = await post_keys(e)
    s = await status(e, 1)
    assert s["round"] == "dealing" and s["position"] == 2
    keys = {int(i): bytes.fromhex(h) for i, h in s["receiving_keys"].items()}
    dealt = [deal(i, 2, 3, e.manifest_hash, keys) for i in (1, 2, 3)]
    for i, (message, boxes, _) in enumerate(dealt):
        body = {"dealer": message.to_json(), "encrypted_shares": [b.to_json() for b in boxes]}
        r = await post(e, i, "dealing", body)
        assert r.status_code == 200, r.text
        again = await post(e, i, "dealing", body)  # a resumed tool reposts: accepted
        assert again.status_code == 200 and again.json()["repeated"] is True
    s = await status(e)
    assert s["round"] == "complaints" and len(s["encrypted_shares"]) == 9
    messages = [DealerMessage.from_json(m) for m in s["dealers"]]
    valid, _ = qualify_dealers(messages, 2, 3, e.manifest_hash)
    from ballot.crypto.sharebox import EncryptedShare

    boxes = [EncryptedShare.from_json(b) for b in s["encrypted_shares"]]
    for i in range(3):
        got = receive_shares(i + 1, secrets[i], e.manifest_hash, valid, boxes)
        assert got.complaints == ()
    r = await post(e, 0, "complaints", {"complaints": []})
    assert r.status_code == 200, r.text
    # The last two arrive together: exactly one of them settles the ceremony.
    last = await asyncio.gather(*(post(e, i, "complaints", {"complaints": []}) for i in (1, 2)))
    assert [x.status_code for x in last] == [200, 200], [x.text for x in last]
    assert "completed" in [x.json()["round"] for x in last]
    done = await status(e)
    assert done["round"] == "completed"
    result = verify_transcript(done["transcript"], e.manifest_hash)
    assert result.joint_public_key.hex() == done["joint_public_key"]
    kinds = await board_kinds(e)
    assert kinds.count("note.ceremony.receiving_key") == 3
    assert kinds.count("note.ceremony.dealing") == 3
    assert kinds.count("note.ceremony.complaints") == 3
    assert kinds[-1] == "ceremony.completed" and kinds.count("ceremony.completed") == 1
    board = (await e.trustees[0].get(f"/api/elections/{e.id}/board")).json()["entries"]
    assert board[-1]["payload"]["transcript"] == done["transcript"]
    late = await post(
        e, 0, "complaints", {"complaints": [{"dealer": 2, "recipient": 1, "reason": "missing"}]}
    )
    assert late.status_code == 409


async def test_bad_round_input_is_refused_and_nothing_is_stored(
    app: Litestar, ceremony_election: CeremonyElection
) -> None:
    e = ceremony_election
    early = await post(e, 0, "dealing", {"dealer": {}, "encrypted_shares": []})
    assert early.status_code == 409 and "not open yet" in early.json()["error"]
    small_order = "00" * 32
    r = await post(e, 0, "receiving_key", {"receiving_key": small_order})
    assert r.status_code == 400 and "trustee 1" in r.json()["error"]
    assert await counts(app, e.id) == (0, 1)  # only election.defined on the board
    secrets = await post_keys(e)
    dup = await post(
        e, 0, "receiving_key", {"receiving_key": receiving_key(new_receiving_secret()).hex()}
    )
    assert dup.status_code == 409 and "different" in dup.json()["error"]
    before = await counts(app, e.id)
    keys = {i + 1: receiving_key(s) for i, s in enumerate(secrets)}
    message, boxes, _ = deal(1, 2, 3, e.manifest_hash, keys)
    good = message.to_json()
    forged = dict(good, commitments=list(reversed(good["commitments"])))  # proofs no longer fit
    shares = [b.to_json() for b in boxes]
    cases = [
        ({"dealer": forged, "encrypted_shares": shares}, "does not verify"),
        ({"dealer": good, "encrypted_shares": shares[:2]}, "exactly one encrypted share"),
        ({"dealer": dict(good, dealer=2), "encrypted_shares": shares}, "dealer 2"),
        ({"dealer": good}, "exactly the keys"),
        ({"dealer": good, "encrypted_shares": shares + shares[:1]}, "exactly one encrypted share"),
    ]
    for body, reason in cases:
        r = await post(e, 0, "dealing", body)
        assert r.status_code == 400, r.text
        assert reason in r.json()["error"], r.json()
    bad_json = await e.trustees[0].post(
        R.format(e.id) + "/rounds/dealing",
        content=b"{",
        headers={"content-type": "application/json"},
    )
    assert bad_json.status_code == 400
    unknown = await post(e, 0, "bribes", {})
    assert unknown.status_code == 404
    assert await counts(app, e.id) == before
    s = await status(e)
    assert s["round"] == "dealing" and s["dealers"] == []


async def test_a_cheating_dealer_is_complained_about_and_named(
    ceremony_election: CeremonyElection,
) -> None:
    e = ceremony_election
    secrets = await post_keys(e)
    keys = {i + 1: receiving_key(s) for i, s in enumerate(secrets)}
    dealt = [deal(i, 2, 3, e.manifest_hash, keys) for i in (1, 2, 3)]
    # Dealer 3 seals a wrong share for trustee 1 (its commitments stay honest).
    message3, boxes3, secret3 = dealt[2]
    wrong, _eph = seal_share(Scalar.from_int(12345), keys[1], e.manifest_hash, 3, 1)
    dealt[2] = (message3, [wrong if b.recipient == 1 else b for b in boxes3], secret3)
    for i, (message, boxes, _) in enumerate(dealt):
        body = {"dealer": message.to_json(), "encrypted_shares": [b.to_json() for b in boxes]}
        assert (await post(e, i, "dealing", body)).status_code == 200
    s = await status(e)
    from ballot.crypto.sharebox import EncryptedShare

    valid, _ = qualify_dealers(
        [DealerMessage.from_json(m) for m in s["dealers"]], 2, 3, e.manifest_hash
    )
    boxes = [EncryptedShare.from_json(b) for b in s["encrypted_shares"]]
    got = receive_shares(1, secrets[0], e.manifest_hash, valid, boxes)
    assert [(c.dealer, c.reason) for c in got.complaints] == [(3, "inconsistent")]
    about_self = {"complaints": [{"dealer": 1, "recipient": 1, "reason": "missing"}]}
    assert (await post(e, 0, "complaints", about_self)).status_code == 400
    r = await post(e, 0, "complaints", {"complaints": [c.to_json() for c in got.complaints]})
    assert r.status_code == 200, r.text
    for i in (1, 2):
        assert (await post(e, i, "complaints", {"complaints": []})).status_code == 200
    s = await status(e, 2)
    assert s["round"] == "resolutions" and s["accused"] == [3]
    not_accused = await post(e, 1, "resolutions", {"resolutions": []})
    assert not_accused.status_code == 409
    answer = answer_complaint(secret3, got.complaints[0])
    r = await post(e, 2, "resolutions", {"resolutions": [answer.to_json()]})
    assert r.status_code == 200 and r.json()["round"] == "completed", r.text
    done = await status(e)
    transcript = done["transcript"]
    assert transcript["qualified"] == [1, 2]
    assert set(transcript["disqualified"]) == {"3"}
    assert "trustee 1" in transcript["disqualified"]["3"]
    result = verify_transcript(transcript, e.manifest_hash)
    assert 3 not in result.qualified
    kinds = await board_kinds(e)
    assert "note.ceremony.resolutions" in kinds and kinds[-1] == "ceremony.completed"


async def test_too_few_qualified_dealers_fail_the_ceremony_publicly(
    admin: Any, ceremony_election: CeremonyElection
) -> None:
    e = ceremony_election
    await post_keys(e)
    s = await status(e)
    keys = {int(i): bytes.fromhex(h) for i, h in s["receiving_keys"].items()}
    message, boxes, _ = deal(1, 2, 3, e.manifest_hash, keys)
    body = {"dealer": message.to_json(), "encrypted_shares": [b.to_json() for b in boxes]}
    assert (await post(e, 0, "dealing", body)).status_code == 200
    forbidden = await e.trustees[0].post(R.format(e.id) + "/settle")
    assert forbidden.status_code == 403
    r = await admin.post(R.format(e.id) + "/settle")
    assert r.status_code == 200, r.text
    assert r.json()["round"] == "failed" and "at least k = 2" in r.json()["failure"]
    kinds = await board_kinds(e)
    assert kinds[-1] == "note.ceremony.failed"
    late = await post(e, 1, "dealing", body)
    assert late.status_code == 409


async def test_going_back_to_draft_starts_a_fresh_ceremony(
    admin: Any, ceremony_election: CeremonyElection
) -> None:
    e = ceremony_election
    await post_keys(e)
    assert (await status(e))["round"] == "dealing"
    for target in ("draft", "key_ceremony"):
        r = await admin.post(f"/api/elections/{e.id}/state", json={"target": target})
        assert r.status_code == 200, r.text
    fresh = await status(e)
    assert fresh["round"] == "receiving_key" and fresh["receiving_keys"] == {}
    assert fresh["waiting_for"]["receiving_key"] == [1, 2, 3]
    await post_keys(e)  # the old attempt's keys do not count as "already posted"
    assert (await status(e))["round"] == "dealing"


async def test_a_repost_after_a_crashed_settlement_settles(
    ceremony_election: CeremonyElection, monkeypatch: Any
) -> None:
    from ballot.service import ceremony as ops

    e = ceremony_election
    secrets = await post_keys(e)
    keys = {i + 1: receiving_key(s) for i, s in enumerate(secrets)}
    for i in range(3):
        message, boxes, _ = deal(i + 1, 2, 3, e.manifest_hash, keys)
        body = {"dealer": message.to_json(), "encrypted_shares": [b.to_json() for b in boxes]}
        assert (await post(e, i, "dealing", body)).status_code == 200
    for i in (0, 1):
        assert (await post(e, i, "complaints", {"complaints": []})).status_code == 200
    real = ops.accept_transcript

    async def crash(*a: Any, **k: Any) -> None:
        raise RuntimeError("power cut")

    monkeypatch.setattr(ops, "accept_transcript", crash)
    r = await post(e, 2, "complaints", {"complaints": []})
    assert r.status_code == 500
    assert (await status(e))["round"] == "settle"  # the message is in, the settlement is not
    monkeypatch.setattr(ops, "accept_transcript", real)
    again = await post(e, 2, "complaints", {"complaints": []})
    assert again.status_code == 200 and again.json()["round"] == "completed", again.text
    assert (await board_kinds(e)).count("ceremony.completed") == 1
