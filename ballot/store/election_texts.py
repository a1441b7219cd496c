"""An election's texts in every language, its questions and options as stored rows.

Every text of an election (title, instructions, the committee's name, each question and
option) is a row per language keyed by what it names (``question:<id>``,
``option:<id>``); the English one is the reference, and voting cannot open until every
language on the roll has every text.  :mod:`ballot.store.elections` re-exports these.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.i18n import LANGUAGES
from ballot.store.definition import REFERENCE_LANGUAGE, DefinitionError
from ballot.store.models import Election, Option, Question, Translation, Voter

#: Text key of the committee's name (a text in every language, like the title).
COMMITTEE_KEY = "committee"


async def set_translations(
    session: AsyncSession, election: Election, language: str, texts: dict[str, str]
) -> None:
    """Add or replace one language's texts; keys must be ones the English version has."""
    if language not in LANGUAGES:
        raise DefinitionError([f"unknown language {language!r}"])
    known = set(
        await session.scalars(
            select(Translation.key).where(
                Translation.election_id == election.id,
                Translation.language == REFERENCE_LANGUAGE,
            )
        )
    )
    unknown = sorted(set(texts) - known)
    empty = sorted(k for k, v in texts.items() if not v or not v.strip())
    if unknown or empty:
        raise DefinitionError(
            [f"unknown text key {k!r}" for k in unknown] + [f"empty text for {k!r}" for k in empty]
        )
    existing = {
        t.key: t
        for t in await session.scalars(
            select(Translation).where(
                Translation.election_id == election.id, Translation.language == language
            )
        )
    }
    for key, text in texts.items():
        if key in existing:
            existing[key].text = text.strip()
        else:
            session.add(
                Translation(election_id=election.id, language=language, key=key, text=text.strip())
            )
    await session.flush()


async def texts_by_language(session: AsyncSession, election_id: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for t in await session.scalars(
        select(Translation).where(Translation.election_id == election_id)
    ):
        out.setdefault(t.language, {})[t.key] = t.text
    return out


async def questions_of(
    session: AsyncSession, election_id: str
) -> list[tuple[Question, list[Option]]]:
    questions = list(
        await session.scalars(
            select(Question).where(Question.election_id == election_id).order_by(Question.position)
        )
    )
    out = []
    for q in questions:
        options = list(
            await session.scalars(
                select(Option).where(Option.question_id == q.id).order_by(Option.position)
            )
        )
        out.append((q, options))
    return out


async def key_labels(session: AsyncSession, election_id: str) -> dict[str, str]:
    """Human names for text keys ('question 2 option 1'), for error messages."""
    labels = {"title": "title", "instructions": "instructions", COMMITTEE_KEY: "committee name"}
    for q, options in await questions_of(session, election_id):
        labels[f"question:{q.id}"] = f"question {q.position}"
        for o in options:
            labels[f"option:{o.id}"] = f"question {q.position} option {o.position}"
    return labels


async def roll_languages(session: AsyncSession, election_id: str) -> set[str]:
    return set(
        await session.scalars(
            select(Voter.language).where(Voter.election_id == election_id).distinct()
        )
    )


async def missing_translations(session: AsyncSession, election_id: str) -> dict[str, list[str]]:
    """For each language the roll needs, the texts it still lacks (by human label)."""
    texts = await texts_by_language(session, election_id)
    required = set(texts.get(REFERENCE_LANGUAGE, {}))
    labels = await key_labels(session, election_id)
    missing: dict[str, list[str]] = {}
    for language in sorted(await roll_languages(session, election_id)):
        lacking = sorted(required - set(texts.get(language, {})), key=lambda k: labels.get(k, k))
        if lacking:
            missing[language] = [labels.get(k, k) for k in lacking]
    return missing


def describe_missing(missing: dict[str, list[str]]) -> str:
    return "; ".join(
        f"{LANGUAGES.get(lang, lang)} ({lang}) lacks: {', '.join(keys)}"
        for lang, keys in missing.items()
    )


async def election_title(session: AsyncSession, election_id: str, language: str) -> str:
    texts = await texts_by_language(session, election_id)
    return texts.get(language, {}).get("title") or texts.get(REFERENCE_LANGUAGE, {}).get(
        "title", ""
    )
