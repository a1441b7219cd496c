"""The count of an election with ranked races, over HTTP with a real 2-of-3 ceremony.

A ranked race is carried on the ballots and never summed (PROTOCOL 10.1): the trustees
decrypt the choose questions only, and the result lists them alone.  When every race is
ranked the tally holds no ciphertext: its result follows at once, with no trustee asked
to decrypt anything, in round 1 and (after the challenges are decided) in round 2.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from litestar import Litestar

from ballot.crypto.ballots import encrypt_ballot
from tests.support.asgi import Web

from .conftest import CountedElection, open_counted_election
from .test_count_api import board, close, decrypt, record_verifies, state, take


def _question(title: str, names: tuple[str, ...], lo: int, hi: int, **keys: Any) -> dict[str, Any]:
    return {
        "text": {"en": title, "es": title},
        "min": lo,
        "max": hi,
        "options": [{"en": name, "es": name} for name in names],
        **keys,
    }


PRESIDENT = _question("President", ("Alvarez", "Brooks"), 1, 1)
BOARD = _question(
    "Executive board",
    ("Ada", "Bo", "Cy", "Di"),
    0,
    3,
    ranked=True,
    method="instant_runoff",
    seats=1,
)


async def _opened(
    app: Litestar, admin: Web, captured: dict[int, str], questions: list[dict[str, Any]]
) -> CountedElection:
    return await open_counted_election(
        app,
        admin,
        captured,
        kind="officer",
        objection_days=0,
        questions=questions,
    )


async def _cast(web: Web, election: CountedElection, member: str, choices: list[list[int]]) -> str:
    ballot = encrypt_ballot(election.manifest, election.public_key, election.fingerprint, choices)[
        0
    ].to_json()
    r = await web.client.post("/api/cast", json={"token": election.links[member], "ballot": ballot})
    assert r.status_code == 201, r.text
    return str(r.json()["kind"])


async def test_trustees_decrypt_the_choose_questions_only(
    app: Litestar,
    web: Web,
    admin: Web,
    captured_tokens: dict[int, str],
    tmp_path: Path,
) -> None:
    election = await _opened(app, admin, captured_tokens, [PRESIDENT, BOARD])
    assert [q.ranked for q in election.manifest.questions] == [False, True]
    for member, choices in [("C001", [[0], [2, 0]]), ("C002", [[1], [1]]), ("C003", [[0], []])]:
        assert await _cast(web, election, member, choices) == "ballot.cast"
    await close(admin, election)
    await take(admin, election)
    pending = (await election.trustees[0].web.get(f"/api/elections/{election.id}/tally")).json()
    assert pending["labels"] == ["q0/s0"]  # president: one slot; the board: none
    assert pending["tally"]["questions"][1] == {"slots": []}
    result = (await decrypt(election, 1, 2))["result"]
    (president,) = result["questions"]
    assert president["counts"] == {"q1-o1": 2, "q1-o2": 1}
    assert result["counted"] == 3 and result["determinative"] is False
    assert await state(admin, election) == "mixing"  # the ranked races are counted next
    r = await web.get(f"/api/elections/{election.id}/record.zip")
    record_verifies(r.content, tmp_path)


async def test_a_tally_of_ranked_races_only_gets_its_result_at_once(
    app: Litestar,
    web: Web,
    admin: Web,
    captured_tokens: dict[int, str],
    tmp_path: Path,
) -> None:
    election = await _opened(app, admin, captured_tokens, [BOARD])
    for member, ranking in [("C001", [2, 0]), ("C002", [1]), ("C003", [])]:
        assert await _cast(web, election, member, [ranking]) == "ballot.cast"
    assert await _cast(web, election, "X001", [[3, 2, 1]]) == "ballot.challenged"
    await close(admin, election)

    taken = await take(admin, election)
    assert taken["round"] == 1 and taken["ballots"] == 3
    entries = await board(web, election)
    assert [e["kind"] for e in entries[-2:]] == ["tally.encrypted", "tally.result"]
    assert not [e for e in entries if e["kind"] == "tally.partial"]
    first = entries[-1]["payload"]["result"]
    assert first["questions"] == [] and first["counted"] == 3
    # Nobody can tell before the mix-net whether the challenged ballot changes the ranking.
    assert first["determinative"] is True and first["undecided"] == 1
    assert await state(admin, election) == "closed"
    r = await election.trustees[0].web.get(f"/api/elections/{election.id}/tally")
    assert r.status_code == 409  # nothing awaits decryption

    (challenge,) = (await admin.get(f"/api/elections/{election.id}/challenges")).json()[
        "challenges"
    ]
    r = await admin.post(
        f"/api/elections/{election.id}/challenges/{challenge['id']}",
        json={"decision": "overruled", "reason": "on the payroll"},
    )
    assert r.status_code == 200, r.text
    taken = await take(admin, election)
    assert taken["round"] == 2 and taken["ballots"] == 4
    assert taken["warning"] is None  # no sum to subtract: the mix-net has the final ballots
    final = (await board(web, election))[-1]["payload"]
    assert final["round"] == 2 and final["result"]["determinative"] is False
    assert final["result"]["counted"] == 4 and final["result"]["overruled"] == 1
    assert await state(admin, election) == "mixing"  # the ranked races are counted next
    r = await web.get(f"/api/elections/{election.id}/record.zip")
    assert r.status_code == 200, r.text
    record_verifies(r.content, tmp_path)
