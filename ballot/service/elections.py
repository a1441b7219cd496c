"""Creating an election and changing its definition or texts while it is a draft, and
the committee's sign-off of each language's texts."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.i18n import LANGUAGES
from ballot.service.acting import Acting, invalid, require_state
from ballot.store import elections
from ballot.store.activity import log_activity
from ballot.store.definition import REFERENCE_LANGUAGE, Definition, parse_definition
from ballot.store.models import Account, Election, ElectionTrustee
from ballot.store.signoffs import SignOff, record_sign_off, sign_off_rows, texts_digest


async def create_election(session: AsyncSession, ctx: Acting, definition: Definition) -> Election:
    """A new draft election from a parsed definition."""
    election = await elections.create_election(session, definition, ctx.now)
    await log_activity(session, ctx.actor, "election_created", ctx.now, election.id)
    return election


async def redefine(
    session: AsyncSession,
    ctx: Acting,
    election: Election,
    definition: Definition,
    *,
    doing: str = "change the election definition",
) -> None:
    """Replace a draft's whole definition, texts in every language included: languages
    the new definition does not carry start over (the committee's editor carries them)."""
    require_state(election, "draft", doing=doing)
    await elections.replace_definition(session, election, definition)
    await log_activity(session, ctx.actor, "election_updated", ctx.now, election.id)


async def set_texts(
    session: AsyncSession,
    ctx: Acting,
    election: Election,
    language: str,
    texts: Mapping[str, str],
) -> None:
    """Add or replace one language's texts of a draft (refused whole on any problem)."""
    require_state(election, "draft", doing="change texts")
    await elections.set_translations(session, election, language, dict(texts))
    await log_activity(
        session, ctx.actor, "translations_set", ctx.now, election.id, language=language
    )


async def set_trustee_numbers(
    session: AsyncSession, ctx: Acting, election: Election, n: int | None, k: int | None
) -> None:
    """Change n and k by rewriting the draft definition (what a whole new definition does).

    ``n`` or ``k`` None: the committee's form did not give a whole number.
    """
    doing = "change the number of trustees"
    require_state(election, "draft", doing=doing)
    if n is None or k is None:
        raise invalid("give n and k as whole numbers", "not_whole_numbers")
    seated = await session.scalar(
        select(ElectionTrustee.position)
        .where(ElectionTrustee.election_id == election.id, ElectionTrustee.position > n)
        .limit(1)
    )
    if seated is not None:
        raise invalid(
            f"trustee position {seated} is already named; n cannot be less than that",
            "seat_beyond_n",
        )
    data = elections.current_definition(election, await elections.build_manifest(session, election))
    definition = parse_definition({**data, "trustees": {"n": n, "k": k}})
    await redefine(session, ctx, election, definition, doing=doing)


# --- translation sign-offs ---------------------------------------------------------


async def _ordered_keys(session: AsyncSession, election_id: str) -> list[tuple[str, str]]:
    """(positional label, text key) of every text in ballot order: 'q2-o1', 'option:17'."""
    keys = [("title", "title"), ("instructions", "instructions")]
    keys.append((elections.COMMITTEE_KEY, elections.COMMITTEE_KEY))
    for question, options in await elections.questions_of(session, election_id):
        keys.append((f"q{question.position}", f"question:{question.id}"))
        keys.extend((f"q{question.position}-o{o.position}", f"option:{o.id}") for o in options)
    return keys


async def languages_to_sign(session: AsyncSession, election_id: str) -> list[str]:
    """Every language a member may read the ballot in: English, those with texts, the roll's.

    A language with texts but nobody on the roll still reaches members (the ballot's
    language menu offers it), so it is signed off too.
    """
    texts = await elections.texts_by_language(session, election_id)
    found = {REFERENCE_LANGUAGE, *texts, *await elections.roll_languages(session, election_id)}
    return [code for code in LANGUAGES if code in found]


async def _digests(session: AsyncSession, election_id: str) -> dict[str, str]:
    texts = await elections.texts_by_language(session, election_id)
    english = texts.get(REFERENCE_LANGUAGE, {})
    keys = [(label, k) for label, k in await _ordered_keys(session, election_id) if k in english]
    out = {}
    for language in await languages_to_sign(session, election_id):
        mine = texts.get(language, {})
        out[language] = texts_digest([(label, english[k], mine.get(k, "")) for label, k in keys])
    return out


async def sign_offs(session: AsyncSession, election_id: str) -> dict[str, list[SignOff]]:
    """Every sign-off on record by language (oldest first), each marked current or not."""
    digests = await _digests(session, election_id)
    out: dict[str, list[SignOff]] = {language: [] for language in digests}
    for row, name, email in await sign_off_rows(session, election_id):
        current = digests.get(row.language) == row.texts_digest
        out.setdefault(row.language, []).append(
            SignOff(row.language, name, email, row.signed_at, current)
        )
    return out


async def translations_signed_off(
    session: AsyncSession, election_id: str
) -> dict[str, SignOff | None]:
    """For each language members may read, the latest sign-off of its current texts, or None.

    "Are all languages signed off?" is ``all(translations_signed_off(...).values())``.
    A sign-off stops counting as soon as any text it covered, or the English it
    translates, or the order of the ballot changes.
    """
    out: dict[str, SignOff | None] = {}
    for language, found in (await sign_offs(session, election_id)).items():
        current = [s for s in found if s.current]
        out[language] = current[-1] if current else None
    return out


async def sign_off_translations(
    session: AsyncSession, ctx: Acting, election: Election, language: str, account: Account
) -> None:
    """Record that ``account`` read and approves ``language``'s texts as they are now.

    Refused for a language members will not see, or while a text is missing in it (a
    sign-off vouches for a complete ballot).  Any state is fine: signing changes nothing
    in the election, and a late sign-off is still worth recording.
    """
    digests = await _digests(session, election.id)
    if language not in digests:
        raise invalid(
            f"no ballot in {language!r} to sign off (add its texts first)", "unknown_language"
        )
    texts = await elections.texts_by_language(session, election.id)
    if lacking := set(texts.get(REFERENCE_LANGUAGE, {})) - set(texts.get(language, {})):
        raise invalid(
            f"{LANGUAGES[language]} still lacks {len(lacking)} texts; add them, then sign off",
            "translations_missing",
        )
    await record_sign_off(session, election.id, language, account.id, digests[language], ctx.now)
    await log_activity(
        session, ctx.actor, "translations_signed_off", ctx.now, election.id, language=language
    )
