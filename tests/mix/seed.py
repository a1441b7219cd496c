"""An election whose final result is on the board and whose ranked races await the mix.

The definition (a yes/no question, a ranked race for everyone counted by instant runoff, a
ranked race of the North unit counted by Scottish STV for two seats), a real 2-of-3 local
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
from ballot.crypto.manifest import manifest_hash
from ballot.election.context import ElectionContext, context_from_text
from ballot.record.kinds import Kind
from ballot.store.board import append_board
from ballot.store.models import Election

AT = datetime(2026, 5, 10, 9, 0, tzinfo=UTC)

QUESTIONS: list[dict[str, Any]] = [
    {"id": "q0", "min": 1, "max": 1, "options": [{"id": "yes"}, {"id": "no"}]},
    {
        "id": "president",
        "ranked": True,
        "method": "instant_runoff",
        "seats": 1,
        "min": 0,
        "max": 3,
        "options": [{"id": "ana"}, {"id": "ben"}, {"id": "cy"}],
    },
    {
        "id": "north",
        "ranked": True,
        "unit": "North",
        "method": "scottish_stv",
        "seats": 2,
        "min": 0,
        "max": 2,
        "options": [{"id": "dee"}, {"id": "eve"}, {"id": "fay"}],
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


async def seed_mixing(db: AsyncSession, election_id: str, *, state: str = "mixing") -> Seeded:
    """Key the election by a local 2-of-3 ceremony and write its board up to the final
    result; leave it in ``state``."""
    election = await db.get(Election, election_id)
    assert election is not None
    definition = {"election_id": election_id, "questions": QUESTIONS}
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
            selections,
            unit=unit,
        )[0].to_json()
        payload: dict[str, Any] = {"ballot": ballot, "tracker": tracker(ballot), "unit": unit}
        if kind == "cast":
            await post(Kind.CAST, payload)
        else:
            await post(Kind.CHALLENGED, {**payload, "challenge": kind})
    await post(Kind.CLOSED, {"cast": 4, "challenged": 2})
    for challenge, decision in (("c-over", "overruled"), ("c-sus", "sustained")):
        await post(Kind.DECIDED, {"challenge": challenge, "decision": decision, "reason": "r"})
    await post(Kind.TALLY, {"round": 1, "counted": {"cast": 4, "overruled": ["c-over"]}})
    await post(Kind.RESULT, {"round": 1, "result": {"determinative": False}})
    await db.commit()
    return Seeded(context, [TrusteeShare.from_bytes(b) for b in blobs], blobs)
