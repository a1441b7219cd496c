"""An election whose final result is on the board and whose ranked races await the mix.

The definition (the draft's own yes/no question, then a ranked race for everyone counted by
instant runoff and a ranked race of the North unit counted by Scottish STV for two seats,
bound to a board key: races are protocol v2), a real 2-of-3 local
key ceremony, and a board of real encrypted ballots (one challenged ballot overruled, one
sustained) up to the final ``tally.result``, written straight into the store: what the
mix-net needs, without the count that makes it (tested elsewhere).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.crypto.ballots import encrypt_ballot
from ballot.crypto.ballots.trackers import tracker
from ballot.crypto.ceremony import TrusteeShare, local_ceremony
from ballot.crypto.manifest import ElectionManifest, manifest_hash
from ballot.crypto.tally import OptionCounts
from ballot.election.context import ElectionContext, context_from_text
from ballot.election.result import expected_result
from ballot.record.kinds import Kind
from ballot.store.board import append_board
from ballot.store.elections import build_manifest
from ballot.store.models import Election

AT = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)


def _text(en: str, ko: str) -> dict[str, str]:
    return {"en": en, "es": en, "ko": ko}


RANKED: list[dict[str, Any]] = [
    {
        "id": "president",
        "text": _text("President", "위원장"),
        "ranked": True,
        "method": "instant_runoff",
        "seats": 1,
        "min": 0,
        "max": 3,
        "options": [
            {"id": "ana", "text": _text("Ana", "아나")},
            {"id": "ben", "text": _text("Ben", "벤")},
            {"id": "cy", "text": _text("Cy", "사이")},
        ],
    },
    {
        "id": "north",
        "text": _text("North steward", "북부 대표"),
        "ranked": True,
        "unit": "North",
        "method": "scottish_stv",
        "seats": 2,
        "min": 0,
        "max": 2,
        "options": [
            {"id": "dee", "text": _text("Dee", "디")},
            {"id": "eve", "text": _text("Eve", "이브")},
            {"id": "fay", "text": _text("Fay", "페이")},
        ],
    },
]

#: (unit, selections in the ballot's own question order, kind): the counted ballots and
#: the two challenged ones (c-over is overruled and counted, c-sus sustained and not).
BALLOTS: list[tuple[str, list[list[int]], str]] = [
    ("North", [[0], [0, 1], [1]], "cast"),
    ("North", [[0], [1, 0, 2], [0, 2]], "cast"),
    ("South", [[1], [0]], "cast"),
    ("South", [[0], [2, 1]], "cast"),
    ("North", [[1], [], [2, 0]], "c-over"),
    ("North", [[1], [2], [2]], "c-sus"),
]
#: The rankings the mix must decrypt (as candidate ids, padded with null), any order.
PRESIDENT = [
    ["ana", "ben", None],
    ["ben", "ana", "cy"],
    ["ana", None, None],
    ["cy", "ben", None],
    [None, None, None],
]
NORTH = [["eve", None], ["dee", "fay"], ["fay", "dee"]]


@dataclass
class Seeded:
    election: ElectionContext
    shares: list[TrusteeShare]
    blobs: list[bytes]


async def seed_mixing(
    db: AsyncSession, election_id: str, *, state: str = "mixing", units: bool = True
) -> Seeded:
    """Key the election by a local 2-of-3 ceremony and write its board up to the final
    result; leave it in ``state``.  ``units=False`` leaves the North race out (its ballots
    then name no unit)."""
    election = await db.get(Election, election_id)
    assert election is not None
    # The service's own definition of the draft (its yes/no question, texts and rule),
    # with the ranked races after it.
    definition = await build_manifest(db, election)
    choose = definition["questions"]
    definition["questions"] = [*choose, *(RANKED if units else RANKED[:1])]
    definition["board_key"] = {"algorithm": "ed25519", "public_key": "ab" * 32}
    digest = manifest_hash(definition)
    transcript, blobs = local_ceremony(2, 3, digest)
    election.manifest = json.dumps(definition, sort_keys=True)
    election.manifest_hash = digest.hex()
    election.ceremony = json.dumps(transcript)
    election.joint_public_key = str(transcript["joint_public_key"])
    election.trustees_n, election.trustees_k = 3, 2
    election.eligible_count = 8
    election.state = state
    context = context_from_text(election.manifest, election.ceremony)

    async def post(kind: str, payload: dict[str, Any]) -> None:
        await append_board(db, election_id, kind, payload, AT)

    await post(Kind.DEFINED, {"definition": definition, "manifest_hash": digest.hex()})
    await post(Kind.CEREMONY, {"transcript": transcript, "fingerprint": context.fingerprint_hex})
    await post(Kind.ROLL, {"eligible": 8})
    await post(Kind.OPENED, {})
    for unit, selections, kind in BALLOTS:
        ballot = encrypt_ballot(
            context.manifest,
            context.joint_public_key,
            context.fingerprint,
            selections if units else selections[:2],
            unit=unit if units else None,
        )[0].to_json()
        payload: dict[str, Any] = {"ballot": ballot, "tracker": tracker(ballot)}
        if units:
            payload["unit"] = unit
        if kind == "cast":
            await post(Kind.CAST, payload)
        else:
            await post(Kind.CHALLENGED, {**payload, "challenge": kind})
    await post(Kind.CLOSED, {"cast": 4, "challenged": 2})
    for challenge, decision in (("c-over", "overruled"), ("c-sus", "sustained")):
        await post(Kind.DECIDED, {"challenge": challenge, "decision": decision, "reason": "r"})
    await post(Kind.TALLY, {"round": 1, "counted": {"cast": 4, "overruled": ["c-over"]}})
    only_choose = {**definition, "questions": choose}
    result = expected_result(
        only_choose,
        ElectionManifest.from_definition(only_choose),
        [OptionCounts((3, 2), 0)],  # the yes/no question of the five counted ballots
        eligible=8,
        cast=4,
        challenged=2,
        sustained=1,
        overruled=1,
    )
    await post(Kind.RESULT, {"round": 1, "result": result})
    await db.commit()
    return Seeded(context, [TrusteeShare.from_bytes(b) for b in blobs], blobs)
