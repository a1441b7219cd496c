"""The look-ups before a cast: voter links, the election's context, ciphertexts already used.

They run outside any transaction and hold no lock; casts arriving together share one
query for their links and one for their used alphas (:class:`LinkReader`).  The hot path
speaks SQL on plain connections: the ORM's per-statement work cost more than the proofs.
Table and column names are the models' (see :mod:`ballot.store.cast_tables`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import String, bindparam, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from ballot.election.context import ElectionContext
from ballot.election.refusal import Refused
from ballot.store.casting.batcher import Batcher, driver_connection
from ballot.store.casting.context import stored_context
from ballot.store.models import Election


@dataclass(frozen=True)
class Link:
    """What a cast needs to know about a voter link (one lean indexed query, no big columns)."""

    token_id: int
    status: str
    voter_id: int
    challenged: bool
    election_id: str
    manifest_hash: str | None
    joint_public_key: str | None
    unit: str = ""  # the voter's unit on the roll ("" if none)
    alias: str | None = None  # the voter's alias, named on the board (protocol v2)
    #: The election lets this member cast again until close (revoting, PROTOCOL 11.10):
    #: its link stays usable after a cast.  Never for a challenged member.
    revoting: bool = False
    #: The election publishes subtotals per unit (PROTOCOL 10.5): its ballots name their unit.
    subtotals: bool = False


_LINKS = """
    SELECT t.token_hash, t.id, t.status, v.id, v.challenged, e.id, e.state, e.manifest_hash,
           e.joint_public_key, v.unit, e.subtotal_min_size, v.alias, e.revoting
      FROM voter_tokens t
      JOIN voters v ON v.id = t.voter_id
      JOIN elections e ON e.id = t.election_id
     WHERE t.token_hash {match}
    """
_LINKS_SQL = text(_LINKS.format(match="IN :hashes")).bindparams(
    bindparam("hashes", expanding=True, type_=String())
)
# The same two reads for asyncpg directly (arrays instead of expanded IN lists: one
# prepared statement whatever the batch size).
_PG_LINKS = _LINKS.format(match="= ANY($1::varchar[])")
_PG_USED = (
    "SELECT election_id, alpha FROM ballot_alphas "
    "WHERE election_id = ANY($1::varchar[]) AND alpha = ANY($2::varchar[])"
)
_USED_SQL = text(
    "SELECT election_id, alpha FROM ballot_alphas "
    "WHERE election_id IN :elections AND alpha IN :alphas"
).bindparams(
    bindparam("elections", expanding=True, type_=String()),
    bindparam("alphas", expanding=True, type_=String()),
)


def _link_of(row: Any) -> Link:
    token_id, status, voter_id, challenged, election_id, state, digest, key = row[:8]
    # Revoting: a used link casts again while voting is open; a challenged member's
    # ballot is sealed in the challenged pool and is never replaced.
    revoting = bool(row[11]) and not challenged
    if status == "used" and row[11]:
        status = "active" if revoting else "challenged" if state == "open" else status
    if status == "active" and state != "open":  # (a revoting link too: voting is closed)
        status = "expired"
    alias = row[10]  # the same query: naming the alias costs the cast no statement
    return Link(
        token_id,
        status,
        voter_id,
        bool(challenged),
        election_id,
        digest,
        key,
        row[8] or "",
        alias,
        revoting,
        row[9] is not None,
    )


_CONTEXTS: dict[tuple[str, str | None, str | None], ElectionContext] = {}


async def context_for(conn: AsyncConnection, link: Link) -> ElectionContext:
    """The election's context, loaded from the database only on the first cast of a process.

    Keyed by the link's small columns (election, manifest hash, joint key), so a cast pays
    one dictionary look-up, not a hash of the stored definition and transcript.
    """
    cache_key = (link.election_id, link.manifest_hash, link.joint_public_key)
    found = _CONTEXTS.get(cache_key)
    if found is None:
        row = (
            await conn.execute(
                select(Election.manifest, Election.joint_public_key, Election.ceremony).where(
                    Election.id == link.election_id
                )
            )
        ).one()
        found = stored_context(row.manifest, row.joint_public_key, row.ceremony)
        if len(_CONTEXTS) > 64:
            _CONTEXTS.clear()
        _CONTEXTS[cache_key] = found
    return found


@dataclass(frozen=True)
class LinkRead:
    """One cast's look-up: its link, the election's context, and which of its alphas are used."""

    link: Link | None
    context: ElectionContext | Refused | None
    used: frozenset[bytes]


class LinkReader(Batcher[tuple[str, list[str]], LinkRead]):
    """Token look-ups of concurrent casts in one query (plus one for used alphas)."""

    WHAT = "token look-up"

    async def prepare(self, conn: AsyncConnection) -> None:
        # Lone reads need no BEGIN and no ROLLBACK round trips.
        await conn.execution_options(isolation_level="AUTOCOMMIT")

    async def run(
        self, conn: AsyncConnection, items: list[tuple[str, list[str]]]
    ) -> list[LinkRead | Refused]:
        hashes = sorted({h for h, _ in items})
        if conn.dialect.name == "postgresql":
            driver = await driver_connection(conn)
            rows = [tuple(r) for r in await driver.fetch(_PG_LINKS, hashes)]
        else:
            rows = list(await conn.execute(_LINKS_SQL, {"hashes": hashes}))
        links = {row[0]: _link_of(row[1:]) for row in rows}
        contexts: dict[str, ElectionContext | Refused] = {}
        alphas: list[str] = []
        for token_hash, slot_alphas in items:
            link = links.get(token_hash)
            if link is None or link.status != "active":
                continue
            if link.election_id not in contexts:
                try:
                    contexts[link.election_id] = await context_for(conn, link)
                except Refused as exc:
                    contexts[link.election_id] = exc
            alphas.extend(slot_alphas)
        used = await used_alphas(conn, sorted(contexts), alphas) if alphas else set()
        out: list[LinkRead | Refused] = []
        for token_hash, slot_alphas in items:
            link = links.get(token_hash)
            if link is None or link.status != "active":
                out.append(LinkRead(link, None, frozenset()))
                continue
            mine = frozenset(bytes.fromhex(a) for a in slot_alphas if (link.election_id, a) in used)
            out.append(LinkRead(link, contexts[link.election_id], mine))
        return out


async def used_alphas(
    conn: AsyncConnection, elections: list[str], alphas: list[str]
) -> set[tuple[str, str]]:
    """(election, alpha) pairs among these already on a board or in an audit."""
    if conn.dialect.name == "postgresql":
        driver = await driver_connection(conn)
        return {(r[0], r[1]) for r in await driver.fetch(_PG_USED, elections, alphas)}
    rows = await conn.execute(_USED_SQL, {"elections": elections, "alphas": alphas})
    return {(r[0], r[1]) for r in rows}
