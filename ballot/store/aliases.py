"""Members' aliases: drawn when voting opens, and the board's entries under one alias.

An alias (:mod:`ballot.record.aliases`) is kept on the member's roll row: the server needs
it to name the member's ballot and link events on the board, and to put it in their
invitation.  That row is the only place, besides the member's own mail, that links an
alias to a member (THREAT_MODEL: what the alias reveals).
"""

from __future__ import annotations

import json

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.record.aliases import new_aliases
from ballot.record.kinds import Kind
from ballot.store.bulk import set_column
from ballot.store.models import BoardEntryRow, Election, Voter


def uses_aliases(election: Election) -> bool:
    """Whether the election's board is protocol v2: its frozen definition binds the board
    key, so its roll is committed by aliases (an election frozen before has neither)."""
    if not election.manifest:
        return False
    definition = json.loads(election.manifest)
    return isinstance(definition, dict) and "board_key" in definition


async def assign_aliases(session: AsyncSession, election_id: str) -> list[str]:
    """Draw an alias for every member on the roll who has none; the roll's aliases, sorted.

    Done when voting opens, once eligibility is frozen.  Members imported into an election
    bound to the board key got theirs in the import's bulk insert (:mod:`.roll`), so this
    usually only reads them; it draws for the rest (a roll imported before the key was
    bound), every alias random and unique within the election.
    """
    rows = (
        await session.execute(select(Voter.id, Voter.alias).where(Voter.election_id == election_id))
    ).all()
    taken = {alias for _, alias in rows if alias is not None}
    missing = [voter_id for voter_id, alias in rows if alias is None]
    drawn = new_aliases(len(missing), taken)
    if drawn:
        await set_column(session, Voter, "alias", list(zip(missing, drawn, strict=True)))
    return sorted(taken.union(drawn))


async def clear_aliases(session: AsyncSession, election_id: str) -> None:
    """Forget aliases on a roll whose board does not commit them (a protocol-v1 election):
    its ballots must name none."""
    await session.execute(
        update(Voter)
        .where(Voter.election_id == election_id, Voter.alias.is_not(None))
        .values(alias=None)
    )


async def fresh_alias(session: AsyncSession, election_id: str) -> str:
    """One new alias for a member added after opening (unlike every other of the election)."""
    while True:
        (alias,) = new_aliases(1)
        clash = await session.scalar(
            select(Voter.id).where(Voter.election_id == election_id, Voter.alias == alias)
        )
        if clash is None:
            return alias


#: Committed rolls by the hash of their ``roll.frozen`` entry (a board entry never changes):
#: a look-up parses a 260,000-alias roll once per process, not once per member asking.
_ROLLS: dict[str, frozenset[str]] = {}
_ROLLS_KEPT = 4


async def on_roll(session: AsyncSession, election_id: str, alias: str) -> bool:
    """Whether the board committed ``alias``: in ``roll.frozen`` or a later ``roll.added``.

    Read from the public board, as the verifier reads it, not from the roll's rows.
    """
    roll = (BoardEntryRow.election_id == election_id, BoardEntryRow.kind == Kind.ROLL)
    frozen = await session.scalar(select(BoardEntryRow.hash).where(*roll))
    if frozen is None:
        return False
    committed = _ROLLS.get(frozen)
    if committed is None:
        payload = await session.scalar(select(BoardEntryRow.payload).where(*roll))
        aliases = json.loads(payload or "{}").get("aliases")
        committed = frozenset(aliases if isinstance(aliases, list) else ())
        if len(_ROLLS) >= _ROLLS_KEPT:
            _ROLLS.pop(next(iter(_ROLLS)))
        _ROLLS[frozen] = committed
    if alias in committed:
        return True
    added = await session.scalar(
        select(BoardEntryRow.seq).where(
            BoardEntryRow.election_id == election_id,
            BoardEntryRow.alias == alias,
            BoardEntryRow.kind == Kind.ROLL_ADDED,
        )
    )
    return added is not None


async def entries_of_alias(
    session: AsyncSession, election_id: str, alias: str
) -> list[BoardEntryRow]:
    """The board's entries that name ``alias`` (ballots, link events, a late addition)."""
    rows = await session.scalars(
        select(BoardEntryRow)
        .where(BoardEntryRow.election_id == election_id, BoardEntryRow.alias == alias)
        .order_by(BoardEntryRow.seq)
    )
    return list(rows)
