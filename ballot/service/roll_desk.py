"""The roll desk: what the committee does to one member, or to a roll file, in the browser.

Adding a member (before opening, or a late member after), sending one member a new link,
reissuing it (optionally to a corrected address), withdrawing it, importing a roll file
whose bad rows are then corrected in the browser, and the list of members who have not
voted for get-out-the-vote calls.  Every act is in the activity log; acts on links go
through :mod:`ballot.service.voters` like the JSON API's.
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Mapping

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.refusal import Grounds, Refused
from ballot.election.roll_fix import corrected
from ballot.service import voters
from ballot.service.acting import Acting, invalid, require_roll_editable, require_state
from ballot.store import roll
from ballot.store.activity import log_activity
from ballot.store.models import Election, Voter, VoterToken
from ballot.store.roll_desk_tables import RollDraft
from ballot.store.roll_search import not_voted

#: The columns of a member as the add form gives them (the roll file's, without challenged).
MEMBER_FIELDS = ("member_id", "name", "email", "phone", "channel", "language", "unit")
#: The ways a link can be sent (the roll file's ``channel`` values).
CHANNELS = ("email", "sms")
#: Columns of the not-voted list.
NOT_VOTED_COLUMNS = ("member_id", "name", "email", "language", "unit", "phone")
#: A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> str:
    """A CSV cell a spreadsheet shows as text: a formula-like start gets a leading quote."""
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_line(cells: list[object]) -> str:
    out = io.StringIO()
    csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n").writerow(
        [safe_cell(c) for c in cells]
    )
    return out.getvalue()


def _one_row(fields: Mapping[str, str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(MEMBER_FIELDS)
    writer.writerow([str(fields.get(k, "")) for k in MEMBER_FIELDS])
    return out.getvalue()


async def add_member(
    session: AsyncSession, ctx: Acting, election: Election, fields: Mapping[str, str]
) -> tuple[Voter | None, list[roll.RowProblem]]:
    """Add one member: the same checks as a roll file.  Returns (member, problems).

    Before opening this is an ordinary addition.  After opening it is a *late member*:
    the public board must commit the member's new alias (``roll.added``)
    before a link goes out, or observers would count more voters than the roll allows.
    With problems nothing is written and the caller rolls back.
    """
    if election.state == "open":
        # A late member: the public board commits a new alias (``roll.added``) before the
        # link goes out, so ``eligible`` grows where everyone sees it.
        return await voters.add_late_member(session, ctx, election, dict(fields))
    require_roll_editable(election)
    result = await roll.import_roll(
        session, election.id, _one_row(fields), ctx.settings.phone_region
    )
    if not result.ok:
        return None, result.problems
    voter = await voters.find_voter(session, election, str(fields.get("member_id", "")).strip())
    await log_activity(
        session, ctx.actor, "voter_added", ctx.now, election.id, member=voter.member_id
    )
    return voter, []


async def resend(
    session: AsyncSession,
    ctx: Acting,
    election: Election,
    member_id: str,
    *,
    channel: str | None = None,
) -> None:
    """Mail the member a new link to the address on the roll (the old link stops working).

    For "I did not get the e-mail": links are kept only as hashes, so a lost one cannot be
    sent again as it was.  It is a reissue (public where the board names aliases, so no
    member's link is ever replaced unseen) that keeps the address and needs a working
    link: a withdrawn link is brought back only by a deliberate reissue.
    """
    require_state(election, "open", doing="send a link again")
    voter = await voters.find_voter(session, election, member_id)
    active = await session.scalar(
        select(VoterToken.id).where(VoterToken.voter_id == voter.id, VoterToken.status == "active")
    )
    if voter.voted_at is not None:
        raise Refused(f"member {member_id} has already voted", code="link_unchanged")
    if active is None:
        raise Refused(
            f"member {member_id} has no working link: reissue one instead", code="no_live_link"
        )
    await voters.reissue(session, ctx, election, voter, channel=channel)


async def send_by_channel(
    session: AsyncSession, ctx: Acting, election: Election, member_id: str, channel: str
) -> None:
    """Send the member a new link by ``channel`` ("email" or "sms"), not their usual one.

    For a text message that bounced, or an e-mail never read: as :func:`resend` (a new
    link, the old one dies, public where the board names aliases), by the other way of
    reaching the member, which must be on the roll.  The member's own channel does not
    change.  Recorded in the activity log with the channel used.
    """
    require_state(election, "open", doing="send a link again")
    if channel not in CHANNELS:
        raise invalid("choose e-mail or text message", "channel_invalid")
    voter = await voters.find_voter(session, election, member_id)
    if not (voter.email if channel == "email" else voter.phone):
        raise Refused(
            f"member {member_id} has no "
            + ("e-mail address" if channel == "email" else "phone number")
            + " on the roll",
            code="no_contact",
        )
    await resend(session, ctx, election, member_id, channel=channel)
    await log_activity(
        session,
        ctx.actor,
        "link_sent_by_channel",
        ctx.now,
        election.id,
        member=member_id,
        channel=channel,
    )


async def reissue(
    session: AsyncSession,
    ctx: Acting,
    election: Election,
    member_id: str,
    new_email: str = "",
) -> None:
    """A new link that replaces the old one for good, to a corrected address if given.

    For a link that may be in someone else's hands, a member whose address changed, or a
    member whose link was withdrawn by mistake.  The address is not part of eligibility,
    so it may be corrected while voting runs.
    """
    require_state(election, "open", doing="reissue a voting link")
    voter = await voters.find_voter(session, election, member_id)
    address = new_email.strip().lower()
    if address and address != (voter.email or ""):
        problems = await roll.update_voter(
            session, voter, {"email": address}, ctx.settings.phone_region
        )
        if problems:
            raise invalid(problems[0].message, "voter_invalid")
        await log_activity(
            session, ctx.actor, "voter_address_changed", ctx.now, election.id, member=member_id
        )
    await voters.reissue(session, ctx, election, voter)


async def withdraw(
    session: AsyncSession, ctx: Acting, election: Election, member_id: str, *, on_paper: bool
) -> None:
    """End the member's link (with ``on_paper``: they are recorded as having voted on paper)."""
    voter = await voters.find_voter(session, election, member_id)
    await voters.revoke(session, ctx, election, voter, voted_on_paper=on_paper)


async def import_or_keep(
    session: AsyncSession, ctx: Acting, election: Election, text: str
) -> tuple[roll.RollImport, int | None]:
    """Import a roll file; if a row is bad, nothing is imported and the file is kept as a
    draft (its id returned) for the committee to correct in the browser.  The caller commits."""
    require_roll_editable(election)
    result = await voters.import_roll(session, ctx, election, text)
    await session.execute(delete(RollDraft).where(RollDraft.election_id == election.id))
    if result.ok:
        return result, None
    draft = RollDraft(election_id=election.id, text=text, created_at=ctx.now)
    session.add(draft)
    await session.flush()
    return result, draft.id


async def draft_of(session: AsyncSession, election: Election, draft_id: int) -> RollDraft:
    draft = await session.get(RollDraft, draft_id)
    if draft is None or draft.election_id != election.id:
        raise Refused(
            "that roll file is no longer waiting: upload it again",
            code="no_draft",
            grounds=Grounds.NOT_FOUND,
        )
    return draft


async def fix_draft(
    session: AsyncSession,
    ctx: Acting,
    election: Election,
    draft_id: int,
    fixes: Mapping[int, list[str] | None],
) -> tuple[roll.RollImport, int | None]:
    """Apply the committee's corrections to a kept file and import it (all or nothing again)."""
    require_roll_editable(election)
    draft = await draft_of(session, election, draft_id)
    try:
        text = corrected(draft.text, fixes)
    except csv.Error as exc:
        raise invalid(f"the file cannot be read as CSV ({exc}): upload it again") from exc
    return await import_or_keep(session, ctx, election, text)


async def log_not_voted_list(session: AsyncSession, ctx: Acting, election: Election) -> None:
    """The list of members who have not voted leaves the system: that is logged."""
    await log_activity(session, ctx.actor, "not_voted_list_downloaded", ctx.now, election.id)


async def not_voted_csv(session: AsyncSession, election_id: str) -> AsyncIterator[str]:
    """The not-voted list as CSV text, in pieces (header first), safe from formula injection."""
    yield csv_line(list(NOT_VOTED_COLUMNS))
    async for batch in not_voted(session, election_id):
        yield "".join(
            csv_line([v.member_id, v.name, v.email or "", v.language, v.unit, v.phone or ""])
            for v in batch
        )
