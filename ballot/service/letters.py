"""Printed letters: a fresh voting link for each member of a selection, to put on paper.

Some members have no e-mail address or phone, or none they trust; the committee prints
them a letter with their link.  Links are kept only as hashes, so a letter cannot carry
the link a member already has: printing one *reissues* the link, exactly as a reissue by
e-mail does (the old link dies; on a protocol-v2 board a public ``link.reissued`` entry
names the member's alias, PROTOCOL 11.8), and no mail is queued.  A letter's token is a
letter code a member can type (:func:`ballot.store.tokens.new_letter_token`), printed
beside the address of the page that takes it and inside the QR code's link, so printing
a new letter kills the old code with the old link.  The fresh tokens are
handed back to the caller, which puts them into the document it returns and nowhere else.
The document is made from a plan (:func:`plan_letters`) before anything is written or
locked, then the reissues are written at once (:func:`issue_letters`).

A selection is every member who can still vote online ("all"), those of them the
committee cannot reach by e-mail or text message ("unreachable"), or one member.  The
first two take only members whose link is live: a withdrawn link is brought back only by
a deliberate act on that one member, as on the member's page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from sqlalchemy import Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.config import Settings
from ballot.election.refusal import Grounds, Refused
from ballot.record.kinds import Kind
from ballot.service import voters
from ballot.service.acting import Acting, invalid, require_state
from ballot.service.mailing import voter_link
from ballot.store import tokens
from ballot.store.activity import log_activity
from ballot.store.board import append_board, sign_board_head
from ballot.store.models import Election, Voter, VoterToken

#: The kinds of selection the committee may print letters for.
SELECTIONS: Final = ("unreachable", "all", "member")
#: The most letters in one document: a download made in about half a minute (each
#: letter's QR code and page take some 0.1 s).  A larger roll is printed unit by unit.
MAX_LETTERS: Final = 500


@dataclass(frozen=True)
class Selection:
    """Whose letters to print: a kind from :data:`SELECTIONS`, narrowed to one unit or
    naming one member."""

    kind: str
    member_id: str = ""
    unit: str = ""


@dataclass(frozen=True)
class PrintedLink:
    """One member's letter: who they are and their fresh token (in memory only)."""

    voter_id: int
    member_id: str
    name: str
    language: str
    alias: str | None
    token: str


def printed_link(settings: Settings, token: str) -> str:
    """The member's link as the letter's QR code carries it: the voting link itself,
    ``/v/<letter code>``."""
    return voter_link(settings, token)


def typing_address(settings: Settings) -> str:
    """Where a member without a camera types their letter code (the page at ``/v``)."""
    return f"{settings.base_url}/v"


def selection_of(kind: str, member_id: str = "", unit: str = "") -> Selection:
    """The committee's choice, checked (a bad one is refused before anything is read)."""
    if kind not in SELECTIONS:
        raise invalid(
            f"choose whose letters to print: one of {', '.join(SELECTIONS)}", "bad_selection"
        )
    member_id = member_id.strip()
    if kind == "member" and not member_id:
        raise invalid("give the member number of the member to print a letter for", "no_member")
    if len(member_id) > 64 or len(unit) > 100:
        raise invalid("the member number or the unit is too long", "selection_too_long")
    return Selection(kind, member_id if kind == "member" else "", unit.strip())


def _no_contact() -> Any:
    """Members with no e-mail address and, where the roll keeps phones, no phone either."""
    no_email = or_(Voter.email.is_(None), Voter.email == "")
    phone = getattr(Voter, "phone", None)
    if phone is None:
        return no_email
    return no_email & or_(phone.is_(None), phone == "")


def _bulk_query(election: Election, selection: Selection) -> Select[Any]:
    live = select(VoterToken.voter_id).where(
        VoterToken.election_id == election.id, VoterToken.status == "active"
    )
    query = select(Voter).where(
        Voter.election_id == election.id, Voter.voted_at.is_(None), Voter.id.in_(live)
    )
    if selection.kind == "unreachable":
        query = query.where(_no_contact())
    if selection.unit:
        query = query.where(Voter.unit == selection.unit)
    return query


async def _one_member(session: AsyncSession, election: Election, member_id: str) -> Voter:
    voter = await voters.find_voter(session, election, member_id)
    if voter.voted_at is not None:
        raise Refused(
            f"member {member_id} has already voted: no letter is needed", code="link_unchanged"
        )
    return voter


async def count_letters(session: AsyncSession, election: Election, selection: Selection) -> int:
    """How many letters the selection would print (how many links it would reissue)."""
    require_state(election, "open", doing="print letters")
    if selection.kind == "member":
        await _one_member(session, election, selection.member_id)
        return 1
    subquery = _bulk_query(election, selection).subquery()
    return int(await session.scalar(select(func.count()).select_from(subquery)) or 0)


async def preview_letters(session: AsyncSession, election: Election, selection: Selection) -> int:
    """How many links printing the selection reissues; refused when it would print none."""
    count = await count_letters(session, election, selection)
    if not count:
        raise _nobody()
    return count


def _nobody() -> Refused:
    return Refused("no member in this selection needs a letter", code="no_letters")


async def plan_letters(
    session: AsyncSession, election: Election, selection: Selection
) -> list[PrintedLink]:
    """The members of the selection, each with a fresh token drawn for their letter.

    Nothing is written: the letters are made from this plan while no lock is held, and
    :func:`issue_letters` then writes the reissues, or refuses if the selection changed
    meanwhile.  Refused (and nothing changed) for an election that is not open, an empty
    selection, or one larger than :data:`MAX_LETTERS`.
    """
    require_state(election, "open", doing="print letters")
    if selection.kind == "member":
        chosen = [await _one_member(session, election, selection.member_id)]
    else:
        total = await count_letters(session, election, selection)
        if total > MAX_LETTERS:
            raise Refused(
                f"{total} letters at once is too many (at most {MAX_LETTERS}): "
                "print them one unit at a time",
                code="too_many_letters",
                grounds=Grounds.UNPROCESSABLE,
            )
        query = _bulk_query(election, selection).order_by(Voter.unit, Voter.name, Voter.id)
        chosen = list(await session.scalars(query))
    if not chosen:
        raise _nobody()
    return [
        PrintedLink(v.id, v.member_id, v.name, v.language, v.alias, tokens.new_letter_token())
        for v in chosen
    ]


async def issue_letters(
    session: AsyncSession,
    ctx: Acting,
    election: Election,
    selection: Selection,
    plan: list[PrintedLink],
) -> None:
    """Reissue the link of every member in ``plan`` with the token drawn for their letter.

    Every old link stops working; each reissue goes on the board by alias, and the
    activity log records each member's letter and the print run.  ``election`` is locked
    by the caller, who commits.  Refused (``letters_stale``, nothing written) if the
    election closed or a member no longer belongs to the selection (they voted, or their
    link was withdrawn) since the plan was made: the letters must then be made again.
    """
    require_state(election, "open", doing="print letters")
    if selection.kind == "member":
        still = {(await _one_member(session, election, selection.member_id)).id}
    else:
        planned = [p.voter_id for p in plan]
        query = _bulk_query(election, selection).where(Voter.id.in_(planned))
        still = set(await session.scalars(query.with_only_columns(Voter.id)))
    if still != {p.voter_id for p in plan}:
        raise Refused(
            "the selection changed while the letters were made (a member voted, or a link "
            "was withdrawn): make them again",
            code="letters_stale",
        )
    for member in plan:
        voter = await session.get(Voter, member.voter_id)
        assert voter is not None  # just found in the selection, inside this transaction
        try:
            await tokens.reissue_token(session, voter, ctx.now, token=member.token)
        except tokens.TokenError as exc:
            raise Refused(str(exc), code="link_unchanged") from exc
        if voter.alias is not None:  # public, so the member sees that their link changed
            await append_board(session, election.id, Kind.REISSUED, {"alias": voter.alias}, ctx.now)
        await log_activity(
            session, ctx.actor, "letter_printed", ctx.now, election.id, member=voter.member_id
        )
    await sign_board_head(session, election.id, ctx.board_key, ctx.now)
    await log_activity(
        session,
        ctx.actor,
        "letters_printed",
        ctx.now,
        election.id,
        selection=selection.kind,
        unit=selection.unit,
        count=len(plan),
    )
