"""An officer election with races, its board simulated up to and through the mix-net.

The pages read the board, so a board with the right kinds and payload shapes is all they
need: a definition with a per-unit choose race and two ranked races (instant runoff and
Scottish STV), its final ``tally.result``, then the mix-net's entries (PROTOCOL 18) one
by one, the ``mix.result`` holding counts made by :mod:`ballot.election.ranked` itself.
Shuffles and partial decryptions carry only what the pages read (the trustee's number);
their proofs are the verifier's business, not the pages'.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from typing import Any

from litestar import Litestar
from sqlalchemy import update

from ballot.crypto.manifest import ElectionManifest
from ballot.crypto.tally import OptionCounts
from ballot.election.ranked import instant_runoff, scottish_stv
from ballot.election.result import expected_result
from ballot.store.board import append_board, sign_board_head
from ballot.store.models import Election

FINGERPRINT = "5e" * 32
T0 = datetime.fromisoformat("2026-05-01T09:00:00+00:00")
LANGS = ("en", "es", "ko", "zh", "vi", "tl")


def _all(en: str, ko: str | None = None) -> dict[str, str]:
    """A committee text: the same in every language but Korean (names, mostly)."""
    return {lang: (ko if lang == "ko" and ko else en) for lang in LANGS}


def _option(oid: str, name: str, ko: str | None = None) -> dict[str, Any]:
    return {"id": oid, "text": _all(name, ko)}


TITLE = _all("Local 9 officer elections", "지부 9 임원 선거")
STEWARDS = _all("Harbour stewards", "항만 대의원")
PRESIDENT = _all("President", "위원장")
DELEGATES = _all("Convention delegates", "대회 대의원")
#: Everything above and below that the committee typed (not ours to translate).
TYPED = [
    *TITLE.values(),
    *STEWARDS.values(),
    *PRESIDENT.values(),
    *DELEGATES.values(),
    "Harbour",
    "Ana Ruiz",
    "Ben Okafor",
    "Cy Park",
    "Dee Tran",
    "Ada",
    "Bo",
    "Cleo",
    "Dov",
    "Eun",
    "Fern",
    "Gus",
    "아나 루이스",
    "벤 오카포",
]


def races_definition(election_id: str) -> dict[str, Any]:
    """Three races: stewards of one unit (choose 2), a president (instant runoff), two
    delegates (STV, alphabetical order)."""
    return {
        "election_id": election_id,
        "kind": "officer",
        "title": TITLE,
        "languages": list(LANGS),
        "rule": {"kind": "plurality"},
        "trustees": {"n": 3, "k": 2},
        "board_key": {"algorithm": "ed25519", "public_key": "00" * 32},
        "questions": [
            {
                "id": "q1",
                "text": STEWARDS,
                "min": 0,
                "max": 2,
                "unit": "Harbour",
                "options": [
                    _option("q1-o1", "Eun"),
                    _option("q1-o2", "Fern"),
                    _option("q1-o3", "Gus"),
                ],
            },
            {
                "id": "q2",
                "text": PRESIDENT,
                "min": 0,
                "max": 4,
                "ranked": True,
                "method": "instant_runoff",
                "seats": 1,
                "options": [
                    _option("q2-o1", "Ana Ruiz", "아나 루이스"),
                    _option("q2-o2", "Ben Okafor", "벤 오카포"),
                    _option("q2-o3", "Cy Park"),
                    _option("q2-o4", "Dee Tran"),
                ],
            },
            {
                "id": "q3",
                "text": DELEGATES,
                "min": 0,
                "max": 3,
                "ranked": True,
                "method": "scottish_stv",
                "seats": 2,
                "order": "alphabetical",
                "options": [
                    _option("q3-o1", "Ada"),
                    _option("q3-o2", "Bo"),
                    _option("q3-o3", "Cleo"),
                    _option("q3-o4", "Dov"),
                ],
            },
        ],
    }


def choose_result(definition: dict[str, Any], cast: int) -> dict[str, Any]:
    """The final ``tally.result``: the choose race only, with the ballots that carry it."""
    only = copy.deepcopy(definition)
    only["questions"] = [q for q in only["questions"] if not q.get("ranked")]
    for q in only["questions"]:
        q.pop("unit", None)
    result = expected_result(
        only,
        ElectionManifest.from_definition(only),
        [OptionCounts((4, 3, 1), 0)],
        eligible=12,
        cast=cast,
        challenged=0,
        sustained=0,
        overruled=0,
    )
    result["questions"][0]["ballots"] = 5
    return result


def _ballots(text: str, width: int, prefix: str) -> list[list[str | None]]:
    out: list[list[str | None]] = []
    for line in text.strip().splitlines():
        n, *ranks = line.split()
        entries: list[str | None] = [None if r == "-" else f"{prefix}-o{r}" for r in ranks]
        out += [entries + [None] * (width - len(entries))] * int(n)
    return out


#: President: Cy and Dee level with one first preference each in round 1: the lot decides.
PRESIDENT_BALLOTS = _ballots("4 1\n3 2 1\n1 3 2\n1 4 1\n1 -", 4, "q2")
DELEGATE_BALLOTS = _ballots("5 1 2\n1 1 3\n2 2\n2 3 4\n1 4 2", 3, "q3")


def mix_result() -> dict[str, Any]:
    seed = bytes.fromhex(FINGERPRINT)
    president = instant_runoff(
        PRESIDENT_BALLOTS, ["q2-o1", "q2-o2", "q2-o3", "q2-o4"], seed=seed, race="q2"
    )
    delegates = scottish_stv(
        DELEGATE_BALLOTS, ["q3-o1", "q3-o2", "q3-o3", "q3-o4"], seats=2, seed=seed, race="q3"
    )
    return {
        "races": {
            "q2": {"ballots": PRESIDENT_BALLOTS, "count": president.to_json()},
            "q3": {"ballots": DELEGATE_BALLOTS, "count": delegates.to_json()},
        }
    }


class RaceBoard:
    """Appends one election's public entries, a minute apart, as the service would."""

    def __init__(self, app: Litestar, election_id: str) -> None:
        self.app, self.election_id, self.at = app, election_id, T0
        self.definition = races_definition(election_id)

    async def add(self, kind: str, payload: dict[str, Any]) -> str:
        self.at += timedelta(minutes=1)
        async with self.app.state.session_factory() as db:
            row = await append_board(db, self.election_id, kind, payload, self.at)
            await sign_board_head(db, self.election_id, self.app.state.secrets.board_key, self.at)
            await db.commit()
            return row.hash

    async def counted(self) -> str:
        """Defined, keyed, voted, closed and counted: the choose race's final result."""
        await self.add(
            "election.defined", {"definition": self.definition, "manifest_hash": "cd" * 32}
        )
        await self.add("ceremony.completed", {"transcript": {}, "fingerprint": FINGERPRINT})
        await self.add("roll.frozen", {"eligible": 12})
        await self.add("election.opened", {})
        await self.add("election.closed", {"cast": 11, "challenged": 0})
        return await self.add(
            "tally.result", {"round": 1, "result": choose_result(self.definition, 11)}
        )

    async def shuffled(self, trustee: int) -> None:
        await self.add("mix.shuffled", {"trustee": trustee, "races": {"q2": None, "q3": None}})

    async def completed(self, shufflers: list[int]) -> None:
        await self.add("mix.completed", {"shufflers": shufflers})

    async def partial(self, trustee: int) -> None:
        await self.add("mix.partial", {"trustee": trustee, "races": {"q2": [], "q3": []}})

    async def result(self) -> None:
        await self.add("mix.result", mix_result())

    async def certify(self, result_hash: str) -> None:
        await self.add(
            "result.certified",
            {"round": 1, "result_hash": result_hash, "reason": "no objections filed"},
        )

    async def through_the_mix(self) -> str:
        """Every entry up to ``mix.result``; returns the final result's hash."""
        final = await self.counted()
        await self.shuffled(2)
        await self.shuffled(3)
        await self.completed([2, 3])
        await self.partial(1)
        await self.partial(3)
        await self.result()
        return final


def committee_definition() -> dict[str, Any]:
    """The same races as the committee writes them (``POST /api/elections``)."""
    board = races_definition("unused")
    questions = []
    for q in board["questions"]:
        race = {
            k: q[k] for k in ("min", "max", "ranked", "method", "seats", "unit", "order") if k in q
        }
        questions.append({"text": q["text"], "options": [o["text"] for o in q["options"]], **race})
    return {
        "kind": "officer",
        "title": board["title"],
        "allow_blank": True,
        "trustees": {"n": 3, "k": 2},
        "questions": questions,
    }


async def race_elections(app: Litestar, admin: Any, roll: str) -> dict[str, str]:
    """Three officer elections with races, for the page lists: a draft (the definition
    editor), one whose ranked ballots are being mixed, one counted to the end (its board
    through ``mix.result``, its row tallied with the board's definition as its manifest)."""
    out: dict[str, str] = {}
    for name in ("races_draft", "mixing", "ranked"):
        r = await admin.post("/api/elections", json=committee_definition())
        assert r.status_code == 201, r.text
        out[name] = election_id = str(r.json()["id"])
        r = await admin.post(f"/api/elections/{election_id}/roll", content=roll.encode())
        assert r.status_code == 200, r.text
    mixing = RaceBoard(app, out["mixing"])
    await mixing.counted()
    await mixing.shuffled(2)
    ranked = RaceBoard(app, out["ranked"])
    await ranked.through_the_mix()
    async with app.state.session_factory() as db:
        for board in (mixing, ranked):
            await db.execute(
                update(Election)
                .where(Election.id == board.election_id)
                .values(state="tallied", manifest=json.dumps(board.definition))
            )
        await db.commit()
    return out
