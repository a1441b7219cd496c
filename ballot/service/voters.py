"""The roll and the voters' links: importing and correcting the roll, reissuing,
revoking and reminding, and a member added late.

Eligibility is frozen when voting opens; links are only ever mailed, never stored
(tokens are kept as hashes), so a reminder carries a fresh link that replaces the old.
On a protocol-v2 board a reissue, a revocation and a late member are public entries naming
the member's alias (PROTOCOL 11.8).  Reminders are not: they replace every non-voter's
live link alike, which the activity log records once, and revive no revoked link.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.refusal import Grounds, Refused
from ballot.record.kinds import Kind
from ballot.service import mailing
from ballot.service.acting import Acting, post, require_roll_editable, require_state
from ballot.store import roll, tokens
from ballot.store.activity import log_activity
from ballot.store.aliases import fresh_alias, uses_aliases
from ballot.store.models import Election, Voter, VoterToken


async def find_voter(session: AsyncSession, election: Election, member_id: str) -> Voter:
    """The member's row on the election's roll."""
    voter = await roll.find_voter(session, election.id, member_id)
    if voter is None:
        raise Refused(
            f"member {member_id} is not on the roll", code="not_on_roll", grounds=Grounds.NOT_FOUND
        )
    return voter


async def import_roll(
    session: AsyncSession, ctx: Acting, election: Election, csv_text: str
) -> roll.RollImport:
    """Import a roll CSV: every row, or nothing.

    With problems nothing is logged and the caller rolls back (and shows the problems in
    its own words); ``election`` should be locked by the caller.
    """
    require_roll_editable(election)
    result = await roll.import_roll(session, election.id, csv_text, ctx.settings.phone_region)
    if result.ok:
        await log_activity(
            session, ctx.actor, "roll_imported", ctx.now, election.id, rows=result.imported
        )
    return result


async def correct_voter(
    session: AsyncSession,
    ctx: Acting,
    election: Election,
    member_id: str,
    data: Mapping[str, Any],
) -> tuple[Voter, list[roll.RowProblem]]:
    """Correct one member's row before voting opens; returns the row and the problems
    (with problems nothing is logged and the caller rolls back)."""
    require_roll_editable(election)
    voter = await find_voter(session, election, member_id)
    problems = await roll.update_voter(session, voter, dict(data), ctx.settings.phone_region)
    if not problems:
        await log_activity(
            session,
            ctx.actor,
            "voter_corrected",
            ctx.now,
            election.id,
            member=voter.member_id,
            fields=sorted(data),
        )
    return voter, problems


async def remove_voter(
    session: AsyncSession, ctx: Acting, election: Election, member_id: str
) -> None:
    """Take one member off the roll before voting opens."""
    require_roll_editable(election)
    voter = await find_voter(session, election, member_id)
    await roll.remove_voter(session, voter)
    await log_activity(
        session, ctx.actor, "voter_removed", ctx.now, election.id, member=voter.member_id
    )


async def add_late_member(
    session: AsyncSession, ctx: Acting, election: Election, data: Mapping[str, Any]
) -> tuple[Voter | None, list[roll.RowProblem]]:
    """Add a member to the roll after voting opened (their eligibility was settled late).

    The same checks as an import; the member gets a new alias, committed on the board by a
    public ``roll.added`` entry (so ``eligible`` grows by one where everyone sees it), a link
    and an invitation.  Refused for an election whose roll is not committed by aliases
    (protocol v1): its ``eligible`` was stated once and could not grow verifiably.  With
    problems nothing is logged and the caller rolls back.
    """
    require_state(election, "open", doing="add a member to the roll after voting opened")
    if not uses_aliases(election):
        raise Refused(
            "this election's roll was frozen without aliases (it was defined before protocol "
            "v2): a member cannot be added after opening",
            code="roll_frozen",
        )
    row = roll.one_row_csv(dict(data))
    if isinstance(row, list):
        return None, row
    result = await roll.import_roll(session, election.id, row, ctx.settings.phone_region)
    if not result.ok:
        return None, result.problems
    if result.imported != 1:  # a row of empty fields reads as no row at all
        return None, [
            roll.RowProblem(0, None, "give member_id, name, language and an email or phone")
        ]
    voter = await find_voter(session, election, str(data["member_id"]))
    if voter.alias is None:  # the import drew one (the election is bound to the board key)
        voter.alias = await fresh_alias(session, election.id)
    issued = await tokens.reissue_token(session, voter, ctx.now)
    election.eligible_count = (election.eligible_count or 0) + 1
    await post(session, ctx, election, Kind.ROLL_ADDED, {"alias": voter.alias})
    await mailing.queue_mail(session, ctx.settings, election, [issued], kind="invitation")
    await log_activity(
        session, ctx.actor, "late_member_added", ctx.now, election.id, member=voter.member_id
    )
    return voter, []


def _token_refused(exc: tokens.TokenError) -> Refused:
    return Refused(str(exc), code="link_unchanged")


async def reissue(
    session: AsyncSession,
    ctx: Acting,
    election: Election,
    voter: Voter,
    *,
    channel: str | None = None,
) -> None:
    """A fresh link for one member (the old one stops working), sent at once by their
    channel, or by ``channel`` ("email" or "sms") when the committee chooses another."""
    require_state(election, "open", doing="reissue a voting link")
    try:
        issued = await tokens.reissue_token(session, voter, ctx.now)
    except tokens.TokenError as exc:
        raise _token_refused(exc) from exc
    if voter.alias is not None:  # public, so the member sees that their link changed
        await post(session, ctx, election, Kind.REISSUED, {"alias": voter.alias})
    await mailing.queue_mail(
        session, ctx.settings, election, [issued], kind="invitation", channel=channel
    )
    await log_activity(
        session, ctx.actor, "token_reissued", ctx.now, election.id, member=voter.member_id
    )


async def revoke(
    session: AsyncSession, ctx: Acting, election: Election, voter: Voter, *, voted_on_paper: bool
) -> None:
    """End one member's link (for example: the member voted on paper)."""
    require_state(election, "open", doing="revoke a voting link")
    try:
        await tokens.revoke_token(session, voter, ctx.now, voted_on_paper=voted_on_paper)
    except tokens.TokenError as exc:
        raise _token_refused(exc) from exc
    if voter.alias is not None:  # public: no ballot may name the alias unless reissued
        payload = {"alias": voter.alias, "voted_on_paper": voted_on_paper}
        await post(session, ctx, election, Kind.REVOKED, payload)
    await log_activity(
        session,
        ctx.actor,
        "token_revoked",
        ctx.now,
        election.id,
        member=voter.member_id,
        voted_on_paper=voted_on_paper,
    )


async def send_reminders(session: AsyncSession, ctx: Acting, election: Election) -> int:
    """Remind every member who has not voted; each gets a fresh link (the old one dies)."""
    require_state(election, "open", doing="send reminders")
    pending = list(
        await session.scalars(
            select(Voter).where(Voter.election_id == election.id, Voter.voted_at.is_(None))
        )
    )
    issued = []
    for voter in pending:
        if await _has_live_token(session, voter):
            issued.append(await tokens.reissue_token(session, voter, ctx.now))
    queued = await mailing.queue_mail(session, ctx.settings, election, issued, kind="reminder")
    await log_activity(session, ctx.actor, "reminders", ctx.now, election.id, count=queued)
    return queued


async def _has_live_token(session: AsyncSession, voter: Voter) -> bool:
    found = await session.scalar(
        select(VoterToken.id).where(VoterToken.voter_id == voter.id, VoterToken.status == "active")
    )
    return found is not None
