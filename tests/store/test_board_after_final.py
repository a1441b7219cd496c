"""Once the final result is on the board, the server appends only its certification and
notes; after the certification, only notes (PROTOCOL 11.2).  A witness that cosigned the
final head counts on it: nothing that could change the outcome may follow."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from litestar import Litestar

from ballot.election.refusal import Refused
from ballot.store.board import append_board
from tests.support.asgi import Web, create_draft


class Board:
    def __init__(self, app: Litestar, election_id: str) -> None:
        self.app, self.election_id, self.at = app, election_id, app.state.clock()

    async def add(self, kind: str, payload: dict[str, Any] | None = None) -> int:
        self.at += timedelta(minutes=1)
        async with self.app.state.session_factory() as db:
            row = await append_board(db, self.election_id, kind, payload or {}, self.at)
            await db.commit()
            return row.seq

    async def refused(self, kind: str) -> str:
        with pytest.raises(Refused) as caught:
            await self.add(kind, {"late": True})
        assert caught.value.code == "board_closed"
        return caught.value.message


def result(round_: int, determinative: bool) -> dict[str, Any]:
    return {"round": round_, "result": {"determinative": determinative}}


async def counted_board(app: Litestar, admin: Web) -> Board:
    board = Board(app, await create_draft(admin))
    for kind in ("election.defined", "ceremony.completed", "roll.frozen", "election.opened"):
        await board.add(kind)
    await board.add("ballot.cast")
    await board.add("election.closed")
    await board.add("tally.encrypted", {"round": 1})
    return board


async def test_after_the_final_result_only_certification_and_notes(
    app: Litestar, admin: Web
) -> None:
    board = await counted_board(app, admin)
    final = await board.add("tally.result", result(1, determinative=False))
    for kind in ("ballot.cast", "challenge.decided", "tally.encrypted", "tally.result"):
        message = await board.refused(kind)
        assert message == (
            f"the final result is on the board (board entry {final}): only its certification "
            f"and notes may follow it, not '{kind}'"
        )
    await board.add("note.state", {"from": "closed", "to": "tallied"})
    certified = await board.add("result.certified", {"round": 1})
    for kind in ("result.certified", "tally.result", "ballot.cast"):
        message = await board.refused(kind)
        assert message == (
            f"the result is certified (board entry {certified}): only notes may follow it, "
            f"not '{kind}'"
        )
    await board.add("note.observer", {"text": "a note after certification"})


async def test_a_determinative_round_one_leaves_the_board_open_for_round_two(
    app: Litestar, admin: Web
) -> None:
    board = await counted_board(app, admin)
    await board.add("tally.result", result(1, determinative=True))
    await board.add("challenge.decided", {"challenge": "C-1"})
    await board.add("tally.encrypted", {"round": 2})
    await board.add("tally.partial", {"round": 2})
    final = await board.add("tally.result", result(2, determinative=True))
    message = await board.refused("challenge.decided")
    assert f"the final result is on the board (board entry {final})" in message
