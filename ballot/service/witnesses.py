"""Witnesses: the committee names them in a draft; the server takes their cosignatures.

Naming happens only while the election is a draft: the list is part of the definition,
which the key ceremony binds (PROTOCOL.md, "Witnessed heads").  A cosignature is taken
from anyone, with no account: its signature is the credential, and it is accepted only
from a witness the definition in force names, only on a head this server signed, only
if it verifies.  Taking the same cosignature twice is not an error (a witness whose
connection dropped posts it again).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.refusal import Grounds, Refused
from ballot.election.witnesses import MAX_WITNESSES, key_problem, name_problem, witness_names
from ballot.record.cosign import Cosignature, CosignatureError
from ballot.service.acting import Acting, invalid, require_state
from ballot.store import witnesses as store
from ballot.store.activity import log_activity
from ballot.store.elections import witnesses_of
from ballot.store.models import Election
from ballot.store.witness_tables import ElectionWitness

_DOING = "name or remove a witness"


def _clean_key(public_key: object) -> str:
    key = public_key.strip().lower() if isinstance(public_key, str) else ""
    if (problem := key_problem(key)) is not None:
        raise invalid(f"the witness's public key: {problem}", "witness_key_invalid")
    return key


async def add_witness(
    session: AsyncSession, ctx: Acting, election: Election, name: object, public_key: object
) -> ElectionWitness:
    """Name a witness in a draft's definition (refused once the key ceremony has started)."""
    require_state(election, "draft", doing=_DOING)
    text = name.strip() if isinstance(name, str) else name
    if (problem := name_problem(text)) is not None:
        raise invalid(f"the witness's name: {problem}", "witness_name_invalid")
    assert isinstance(text, str)
    key = _clean_key(public_key)
    named = await witnesses_of(session, election.id)
    if len(named) >= MAX_WITNESSES:
        raise invalid(f"an election names at most {MAX_WITNESSES} witnesses", "too_many_witnesses")
    for witness in named:
        if witness.public_key == key:
            raise Refused(
                f"this key is already named, for {witness.name!r}", code="witness_key_named"
            )
        if witness.name.casefold() == text.casefold():
            raise Refused(f"a witness is already named {witness.name!r}", code="witness_named")
    position = (
        await session.scalar(
            select(func.max(ElectionWitness.position)).where(
                ElectionWitness.election_id == election.id
            )
        )
        or 0
    ) + 1
    row = ElectionWitness(election_id=election.id, position=position, name=text, public_key=key)
    session.add(row)
    await session.flush()
    await log_activity(
        session, ctx.actor, "witness_named", ctx.now, election.id, name=text, public_key=key
    )
    return row


async def remove_witness(
    session: AsyncSession, ctx: Acting, election: Election, public_key: object
) -> None:
    """Take a witness off a draft's definition."""
    require_state(election, "draft", doing=_DOING)
    key = _clean_key(public_key)
    row = await session.scalar(
        select(ElectionWitness).where(
            ElectionWitness.election_id == election.id, ElectionWitness.public_key == key
        )
    )
    if row is None:
        raise Refused(
            "no witness with this key is named", code="no_witness", grounds=Grounds.NOT_FOUND
        )
    await session.delete(row)
    await session.flush()
    await log_activity(
        session, ctx.actor, "witness_removed", ctx.now, election.id, name=row.name, public_key=key
    )


def named_witnesses(election: Election) -> dict[str, str]:
    """Public key -> name of the witnesses of the definition in force (none in a draft)."""
    if not election.manifest:
        return {}
    return witness_names(json.loads(election.manifest))


async def accept_cosignature(
    session: AsyncSession, election: Election, data: Any, now: Any
) -> tuple[Cosignature, bool]:
    """Check and keep a witness's cosignature; ``(cosignature, newly kept)``."""
    try:
        cosignature = Cosignature.from_json(data)
    except CosignatureError as exc:
        raise invalid(f"not a cosignature: {exc}", "cosignature_invalid") from exc
    if cosignature.election_id != election.id:
        raise invalid(
            f"the cosignature is for election {cosignature.election_id!r}, not {election.id!r}",
            "wrong_election",
        )
    name = named_witnesses(election).get(cosignature.witness)
    if name is None:
        raise Refused(
            "the definition in force names no witness with this key",
            code="not_a_witness",
            grounds=Grounds.FORBIDDEN,
        )
    head = await store.signed_head(session, election.id, cosignature.seq, cosignature.signed_head)
    if head is None or head.head != cosignature.head:
        raise Refused(
            f"this server signed no such head on board entry {cosignature.seq}",
            code="unknown_head",
            grounds=Grounds.UNPROCESSABLE,
        )
    try:
        cosignature.verify()
    except CosignatureError as exc:
        raise Refused(str(exc), code="cosignature_invalid", grounds=Grounds.UNPROCESSABLE) from exc
    kept = await store.find_cosignature(
        session, election.id, cosignature.witness, cosignature.signed_head
    )
    if kept is None:
        try:
            async with session.begin_nested():
                await store.keep_cosignature(session, cosignature, now)
            return cosignature, True
        except IntegrityError:  # the same witness's post, twice at once: one is kept
            kept = await store.find_cosignature(
                session, election.id, cosignature.witness, cosignature.signed_head
            )
            if kept is None:  # pragma: no cover - the constraint names exactly that row
                raise
    return store.to_cosignature(kept), False


def cosignature_json(cosignature: Cosignature, names: dict[str, str]) -> dict[str, Any]:
    """A cosignature as published: its fields, plus the witness's name for readers."""
    return {**cosignature.to_json(), "witness_name": names.get(cosignature.witness)}
