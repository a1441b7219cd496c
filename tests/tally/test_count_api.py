"""The count over HTTP with a real 2-of-3 ceremony: tally rounds, trustees' partial
decryptions (a bad one refused, naming the trustee), challenged ballots determinative
or not, certification after the objection period, and the record download."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from litestar import Litestar

from ballot.record.board import BoardEntry, verify_chain
from tests.support.asgi import FakeClock, Web

from .conftest import NO, YES, CountedElection, cast, open_counted_election


async def board(web: Web, election: CountedElection) -> list[dict[str, Any]]:
    r = await web.get(f"/api/elections/{election.id}/board")
    return list(r.json()["entries"])


async def state(admin: Web, election: CountedElection) -> str:
    return str((await admin.get(f"/api/elections/{election.id}")).json()["state"])


async def close(admin: Web, election: CountedElection) -> None:
    r = await admin.post(f"/api/elections/{election.id}/state", json={"target": "closed"})
    assert r.status_code == 200, r.text


async def take(admin: Web, election: CountedElection) -> dict[str, Any]:
    r = await admin.post(f"/api/elections/{election.id}/tally")
    assert r.status_code == 200, r.text
    return dict(r.json())


async def decrypt(election: CountedElection, *positions: int) -> dict[str, Any]:
    """Trustees at ``positions`` post partials; returns the last answer."""
    body: dict[str, Any] = {}
    for p in positions:
        r = await election.trustees[p - 1].decrypt(election)
        assert r.status_code == 200, r.text
        body = r.json()
    return body


def record_verifies(content: bytes, tmp_path: Path) -> None:
    from ballot.record.verify import verify_record

    path = tmp_path / "record.zip"
    path.write_bytes(content)
    report = verify_record(path, jobs=1)
    assert report.ok, report


async def test_full_count_with_two_of_three_trustees(
    web: Web, admin: Web, counted: CountedElection, tmp_path: Path
) -> None:
    for member, choice in [("C001", YES), ("C002", YES), ("C003", NO), ("C004", YES)]:
        await cast(web, counted, member, choice)
    r = await counted.trustees[0].web.get(f"/api/elections/{counted.id}/tally")
    assert r.status_code == 409 and "no tally" in r.json()["error"]
    r = await admin.post(f"/api/elections/{counted.id}/tally")
    assert r.status_code == 409 and "open" in r.json()["error"]  # still voting
    await close(admin, counted)
    entries = await board(web, counted)
    assert entries[-1]["kind"] == "election.closed"
    assert entries[-1]["payload"] == {"cast": 4, "challenged": 0}

    taken = await take(admin, counted)
    assert taken["round"] == 1 and taken["ballots"] == 4 and taken["warning"] is None
    r = await admin.post(f"/api/elections/{counted.id}/tally")
    assert r.status_code == 409 and "awaits" in r.json()["error"]

    pending = (await counted.trustees[0].web.get(f"/api/elections/{counted.id}/tally")).json()
    assert pending["round"] == 1 and pending["trustees"] == {"k": 2, "n": 3}
    assert pending["labels"] == ["q0/s0"] and pending["submitted"] == []
    assert pending["counted"] == {"cast": 4, "overruled": []}
    entries = await board(web, counted)
    assert pending["seq"] == entries[-1]["seq"] and pending["entry_hash"] == entries[-1]["hash"]

    # A forged share (another slot's value, proof left as it was) is refused by name.
    trustee = counted.trustees[0]
    forged = trustee.partials(counted, pending)
    forged[0]["share"] = "58" + "66" * 31
    before = await board(web, counted)
    r = await trustee.web.post(
        f"/api/elections/{counted.id}/tally/partials", json={"round": 1, "partials": forged}
    )
    assert r.status_code == 400, r.text
    assert r.json()["error"].startswith("partial decryption from trustee 1 is invalid: ")
    assert await board(web, counted) == before
    r = await trustee.web.post(
        f"/api/elections/{counted.id}/tally/partials", json={"round": 2, "partials": forged}
    )
    assert r.status_code == 409 and "round 1" in r.json()["error"]
    # The committee is not a trustee.
    r = await admin.post(
        f"/api/elections/{counted.id}/tally/partials", json={"round": 1, "partials": forged}
    )
    assert r.status_code == 403

    first = await decrypt(counted, 1)
    assert first["accepted"] and not first["combined"] and first["result"] is None
    r = await trustee.decrypt(counted)
    assert r.status_code == 409 and "already submitted" in r.json()["error"]
    assert await state(admin, counted) == "closed"
    second = await decrypt(counted, 3)
    assert second["combined"]
    result = second["result"]
    (question,) = result["questions"]
    assert question["counts"] == {"q1-o1": 3, "q1-o2": 1}
    assert question["outcome"]["result"] == "approved"
    assert result["determinative"] is False and result["counted"] == 4
    assert await state(admin, counted) == "tallied"
    late = counted.trustees[1]
    r = await late.web.post(
        f"/api/elections/{counted.id}/tally/partials",
        json={"round": 1, "partials": late.partials(counted, pending)},
    )
    assert r.status_code == 409 and "tallied" in r.json()["error"]

    entries = await board(web, counted)
    kinds = [e["kind"] for e in entries]
    assert kinds[-4:] == ["tally.encrypted", "tally.partial", "tally.partial", "tally.result"]
    assert [e["payload"]["trustee"] for e in entries if e["kind"] == "tally.partial"] == [1, 3]
    assert entries[-1]["payload"] == {"round": 1, "result": result}
    verify_chain([BoardEntry.from_json(e) for e in entries])

    # Objection period 0 (this election's setting): certification at once, then final.
    r = await admin.post(f"/api/elections/{counted.id}/certify", json={"reason": ""})
    assert r.status_code == 400
    r = await admin.post(
        f"/api/elections/{counted.id}/certify", json={"reason": "no objections were filed"}
    )
    assert r.status_code == 200 and r.json()["state"] == "certified", r.text
    entries = await board(web, counted)
    assert entries[-1]["kind"] == "result.certified"
    assert entries[-1]["payload"] == {
        "round": 1,
        "result_hash": entries[-2]["hash"],
        "reason": "no objections were filed",
    }
    r = await admin.post(f"/api/elections/{counted.id}/certify", json={"reason": "again"})
    assert r.status_code == 409

    r = await web.get(f"/api/elections/{counted.id}/record.zip")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/zip")
    assert "record.json" in zipfile.ZipFile(io.BytesIO(r.content)).namelist()
    record_verifies(r.content, tmp_path)


async def test_record_is_not_published_before_the_final_result(
    web: Web, admin: Web, counted: CountedElection
) -> None:
    await cast(web, counted, "C001", YES)
    await close(admin, counted)
    r = await web.get(f"/api/elections/{counted.id}/record.zip")
    assert r.status_code == 409 and "final result" in r.json()["error"]


async def test_challenges_not_determinative_are_never_opened(
    web: Web, admin: Web, counted: CountedElection, tmp_path: Path
) -> None:
    for member in ("C001", "C002", "C003", "C004"):
        await cast(web, counted, member, YES)
    receipt = await cast(web, counted, "X001", NO)
    assert receipt["kind"] == "ballot.challenged"
    await close(admin, counted)
    assert (await board(web, counted))[-1]["payload"] == {"cast": 4, "challenged": 1}

    await take(admin, counted)
    result = (await decrypt(counted, 2, 3))["result"]
    assert result["determinative"] is False
    assert (result["challenged"], result["undecided"], result["counted"]) == (1, 1, 4)
    assert result["questions"][0]["counts"] == {"q1-o1": 4, "q1-o2": 0}
    assert await state(admin, counted) == "tallied"  # provisional, no second round

    r = await admin.post(f"/api/elections/{counted.id}/tally")
    assert r.status_code == 409
    view = (await admin.get(f"/api/elections/{counted.id}/challenges")).json()
    (challenge,) = view["challenges"]
    assert view["round"] == 1 and view["determinative"] is False
    assert challenge["member_id"] == "X001" and challenge["decision"] is None
    r = await admin.post(
        f"/api/elections/{counted.id}/challenges/{challenge['id']}",
        json={"decision": "overruled", "reason": "late"},
    )
    assert r.status_code == 409

    r = await web.get(f"/api/elections/{counted.id}/record.zip")
    assert r.status_code == 200, r.text
    record_verifies(r.content, tmp_path)


async def test_determinative_challenges_are_decided_and_counted_in_round_two(
    web: Web, admin: Web, counted: CountedElection, tmp_path: Path
) -> None:
    for member, choice in [("C001", YES), ("C002", YES), ("C003", NO)]:
        await cast(web, counted, member, choice)
    for member, choice in [("X001", YES), ("X002", NO), ("X003", YES)]:
        await cast(web, counted, member, choice)
    await close(admin, counted)
    await take(admin, counted)
    first = (await decrypt(counted, 1, 2))["result"]
    assert first["determinative"] is True and first["undecided"] == 3
    assert first["questions"][0]["counts"] == {"q1-o1": 2, "q1-o2": 1}
    assert await state(admin, counted) == "closed"  # not a result yet
    # Round 1 is publishable: its record shows the determinative result, not yet settled.
    r = await web.get(f"/api/elections/{counted.id}/record.zip")
    assert r.status_code == 200, r.text
    record_verifies(r.content, tmp_path)

    r = await admin.post(f"/api/elections/{counted.id}/tally")
    assert r.status_code == 409 and "3 undecided" in r.json()["error"]
    view = (await admin.get(f"/api/elections/{counted.id}/challenges")).json()
    assert view["determinative"] is True and view["undecided"] == 3
    ids = {c["member_id"]: c["id"] for c in view["challenges"]}

    async def decide(member: str, decision: str, reason: str = "checked the roll") -> Any:
        return await admin.post(
            f"/api/elections/{counted.id}/challenges/{ids[member]}",
            json={"decision": decision, "reason": reason},
        )

    assert (await decide("X001", "maybe")).status_code == 400
    assert (await decide("X001", "overruled", " ")).status_code == 400
    r = await admin.post(
        f"/api/elections/{counted.id}/challenges/cnope",
        json={"decision": "overruled", "reason": "x"},
    )
    assert r.status_code == 404
    r = await decide("X001", "overruled")
    assert r.status_code == 200 and "deduced" in r.json()["warning"]  # one ballot alone
    view = (await admin.get(f"/api/elections/{counted.id}/challenges")).json()
    assert view["warning"] and view["undecided"] == 2
    r = await decide("X002", "overruled")
    assert r.status_code == 200 and r.json()["warning"] is None  # two mix together
    assert (await decide("X003", "sustained", "not in the unit")).status_code == 200
    assert (await decide("X003", "overruled")).status_code == 409

    taken = await take(admin, counted)
    assert taken["round"] == 2 and taken["ballots"] == 5 and taken["warning"] is None
    r = await web.get(f"/api/elections/{counted.id}/record.zip")
    assert r.status_code == 409  # round 2 awaits its result
    final = (await decrypt(counted, 3, 1))["result"]
    assert final["determinative"] is False and final["undecided"] == 0
    assert (final["sustained"], final["overruled"], final["counted"]) == (1, 2, 5)
    assert final["questions"][0]["counts"] == {"q1-o1": 3, "q1-o2": 2}
    assert await state(admin, counted) == "tallied"
    r = await admin.post(f"/api/elections/{counted.id}/tally")
    assert r.status_code == 409

    entries = await board(web, counted)
    rounds = [
        (e["kind"], e["payload"].get("round")) for e in entries if e["kind"].startswith("tally.")
    ]
    assert rounds == [
        ("tally.encrypted", 1),
        ("tally.partial", 1),
        ("tally.partial", 1),
        ("tally.result", 1),
        ("tally.encrypted", 2),
        ("tally.partial", 2),
        ("tally.partial", 2),
        ("tally.result", 2),
    ]
    (second,) = [
        e for e in entries if e["kind"] == "tally.encrypted" and e["payload"]["round"] == 2
    ]
    assert second["payload"]["counted"] == {
        "cast": 3,
        "overruled": sorted([ids["X001"], ids["X002"]]),
    }

    r = await web.get(f"/api/elections/{counted.id}/record.zip")
    assert r.status_code == 200, r.text
    record_verifies(r.content, tmp_path)


async def test_certification_waits_for_the_objection_period(
    app: Litestar,
    web: Web,
    admin: Web,
    clock: FakeClock,
    captured_tokens: dict[int, str],
) -> None:
    election = await open_counted_election(app, admin, captured_tokens)  # default: 5 days
    try:
        await cast(web, election, "C001", YES)
        await close(admin, election)
        r = await admin.post(f"/api/elections/{election.id}/certify", json={"reason": "early"})
        assert r.status_code == 409 and "closed" in r.json()["error"]
        await take(admin, election)
        await decrypt(election, 1, 2)
        assert await state(admin, election) == "tallied"
        clock.advance(days=4, hours=23)
        assert (await admin.login("admin@example.org")).status_code == 200  # session expired
        r = await admin.post(f"/api/elections/{election.id}/certify", json={"reason": "early"})
        assert r.status_code == 409 and "objection period" in r.json()["error"]
        assert (await board(web, election))[-1]["kind"] == "tally.result"
        clock.advance(hours=1)
        assert (await admin.login("admin@example.org")).status_code == 200
        r = await admin.post(
            f"/api/elections/{election.id}/certify", json={"reason": "no objections"}
        )
        assert r.status_code == 200, r.text
        assert await state(admin, election) == "certified"
    finally:
        for t in election.trustees:
            await t.web.client.aclose()


async def test_officer_election_counts_three_candidates(
    app: Litestar,
    web: Web,
    admin: Web,
    captured_tokens: dict[int, str],
    tmp_path: Path,
) -> None:
    question = {
        "text": {"en": "President", "es": "Presidencia"},
        "min": 1,
        "max": 1,
        "options": [{"en": n, "es": n} for n in ("Ana", "Ben", "Chen")],
    }
    election = await open_counted_election(
        app, admin, captured_tokens, kind="officer", questions=[question], objection_days=0
    )
    try:
        for member, choice in [("C001", 0), ("C002", 1), ("C003", 2), ("C004", 0)]:
            await cast(web, election, member, choice)
        await close(admin, election)
        taken = await take(admin, election)
        assert taken["round"] == 1
        pending = (await election.trustees[0].web.get(f"/api/elections/{election.id}/tally")).json()
        assert pending["labels"] == ["q0/s0", "q0/s1"]
        result = (await decrypt(election, 1, 3))["result"]
        (q,) = result["questions"]
        assert q["counts"] == {"q1-o1": 2, "q1-o2": 1, "q1-o3": 1}
        # Ana has half, not more: a runoff, Ben and Chen tied for the second place.
        assert q["outcome"]["result"] == "runoff_tie:q1-o1;q1-o2,q1-o3"
        r = await web.get(f"/api/elections/{election.id}/record.zip")
        assert r.status_code == 200, r.text
        record_verifies(r.content, tmp_path)
    finally:
        for t in election.trustees:
            await t.web.client.aclose()
