"""Elections, their questions and options, and every text in every language.

An election is written as one *definition* (a JSON-able dict) while in draft; it is
validated whole and stored as rows.  Once the key ceremony starts, the same rows are
frozen into the *manifest*, whose hash the trustees' keys are bound to.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.definition_shape import shape_problems
from ballot.election.outcome import OutcomeRule, RuleError, RuleKind
from ballot.i18n import LANGUAGES
from ballot.record.units import SubtotalsError
from ballot.record.units import subtotal_min_size as subtotal_min_size_of
from ballot.store.models import Election, Option, Question, Translation, Voter

KINDS = ("recognition", "ratification", "strike_authorisation", "officer", "custom")
RULES = ("majority", "supermajority")
#: Kinds decided by approving one option (the first: "yes", "union", "authorise").
APPROVAL_KINDS = ("recognition", "ratification", "strike_authorisation")
#: Days between the final result and certification when the definition says nothing.
OBJECTION_DAYS = 5
REFERENCE_LANGUAGE = "en"


class DefinitionError(ValueError):
    """The election definition is not acceptable; ``problems`` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class QuestionDef:
    text: dict[str, str]
    min: int
    max: int
    options: list[dict[str, str]]


@dataclass
class Definition:
    kind: str
    title: dict[str, str]
    instructions: dict[str, str] = field(default_factory=dict)
    opens_at: datetime | None = None
    closes_at: datetime | None = None
    allow_blank: bool = False
    rule: str = "majority"
    supermajority: str | None = None
    quorum: str | None = None
    trustees_n: int = 1
    trustees_k: int = 1
    questions: list[QuestionDef] = field(default_factory=list)
    objection_days: int = OBJECTION_DAYS
    subtotal_min_size: int | None = None  # subtotals per unit, none below this many ballots


def parse_fraction(text: str) -> Fraction:
    """'2/3', '0.5' or '50%' as an exact fraction."""
    t = text.strip()
    if t.endswith("%"):
        return Fraction(t[:-1]) / 100
    return Fraction(t)


def _parse_time(value: Any, name: str, problems: list[str]) -> datetime | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError:
            problems.append(
                f"{name}: not a date and time (use ISO 8601, e.g. 2026-05-01T09:00:00Z)"
            )
            return None
    if moment.tzinfo is None:
        problems.append(f"{name}: give a time zone (e.g. Z or +01:00)")
        return None
    return moment


def _texts(value: Any, name: str, problems: list[str]) -> dict[str, str]:
    if isinstance(value, str):
        value = {REFERENCE_LANGUAGE: value}
    if not isinstance(value, dict):
        problems.append(f'{name}: expected texts by language, e.g. {{"en": "..."}}')
        return {}
    out: dict[str, str] = {}
    for lang, text in value.items():
        if lang not in LANGUAGES:
            problems.append(f"{name}: unknown language {lang!r} (known: {', '.join(LANGUAGES)})")
        elif not isinstance(text, str) or not text.strip():
            problems.append(f"{name}: empty text for {lang}")
        else:
            out[lang] = text.strip()
    if REFERENCE_LANGUAGE not in out:
        problems.append(f"{name}: the English text is required (it is the reference version)")
    return out


def parse_definition(data: dict[str, Any]) -> Definition:
    """Validate a whole definition; raises DefinitionError listing every problem."""
    if problems := shape_problems(data):
        raise DefinitionError(problems)
    kind = data.get("kind")
    if kind not in KINDS:
        problems.append(f"kind: must be one of {', '.join(KINDS)}")
    title = _texts(data.get("title"), "title", problems)
    instructions = (
        _texts(data["instructions"], "instructions", problems) if data.get("instructions") else {}
    )
    opens_at = _parse_time(data.get("opens_at"), "opens_at", problems)
    closes_at = _parse_time(data.get("closes_at"), "closes_at", problems)
    if opens_at and closes_at and opens_at >= closes_at:
        problems.append("closes_at must be after opens_at")
    allow_blank = bool(data.get("allow_blank", False))
    rule = data.get("rule", "majority")
    supermajority = data.get("supermajority") or None
    if rule not in RULES:
        problems.append(f"rule: must be one of {', '.join(RULES)}")
    elif rule == "supermajority":
        try:
            f = parse_fraction(str(supermajority))
            if not Fraction(1, 2) < f <= 1:
                problems.append("supermajority: must be more than 1/2 and at most 1")
        except (ValueError, ZeroDivisionError):
            problems.append("supermajority: give a fraction such as 2/3 for a supermajority rule")
    elif supermajority is not None:
        problems.append("supermajority: only with rule 'supermajority'")
    quorum = data.get("quorum") or None
    if quorum is not None:
        try:
            q = parse_fraction(str(quorum))
            if not 0 < q <= 1:
                problems.append("quorum: must be a share of the roll between 0 and 1, e.g. 1/2")
        except (ValueError, ZeroDivisionError):
            problems.append("quorum: give the minimum turnout as a fraction such as 1/2 or 40%")
    objection_days = data.get("objection_days", OBJECTION_DAYS)
    if (
        isinstance(objection_days, bool)
        or not isinstance(objection_days, int)
        or not 0 <= objection_days <= 365
    ):
        problems.append("objection_days: a whole number of days from 0 to 365")
    subtotal_min_size: int | None = None
    if data.get("subtotals") is not None:
        try:
            subtotal_min_size = subtotal_min_size_of(data)
        except SubtotalsError as exc:
            problems.append(f"subtotals: {exc}")
    trustees = data.get("trustees") or {}
    n, k = trustees.get("n", 1), trustees.get("k", 1)
    if not (isinstance(n, int) and isinstance(k, int) and 1 <= k <= n):
        problems.append("trustees: need whole numbers with 1 <= k <= n")
    questions: list[QuestionDef] = []
    raw_questions = data.get("questions") or []
    if not raw_questions:
        problems.append("questions: at least one question is needed")
    for i, raw in enumerate(raw_questions, start=1):
        name = f"question {i}"
        text = _texts(raw.get("text"), name, problems)
        options = [
            _texts(o, f"{name} option {j}", problems)
            for j, o in enumerate(raw.get("options") or [], start=1)
        ]
        lo, hi = raw.get("min", 1), raw.get("max", 1)
        if len(options) < 2:
            problems.append(f"{name}: at least two options are needed")
        if not (isinstance(lo, int) and isinstance(hi, int)):
            problems.append(f"{name}: min and max must be whole numbers")
        elif not (0 <= lo <= hi <= len(options) and hi >= 1):
            problems.append(
                f"{name}: need 0 <= min <= max <= number of options ({len(options)}) and max >= 1"
            )
        elif lo == 0 and not allow_blank:
            problems.append(
                f"{name}: min 0 means a blank ballot, which this election does not allow"
            )
        questions.append(QuestionDef(text, lo, hi, options))
    if problems:
        raise DefinitionError(problems)
    return Definition(
        kind=str(kind),
        title=title,
        instructions=instructions,
        opens_at=opens_at,
        closes_at=closes_at,
        allow_blank=allow_blank,
        rule=str(rule),
        supermajority=str(supermajority) if supermajority else None,
        quorum=str(quorum) if quorum else None,
        trustees_n=n,
        trustees_k=k,
        questions=questions,
        objection_days=objection_days,
        subtotal_min_size=subtotal_min_size,
    )


def new_election_id() -> str:
    return "e" + secrets.token_hex(6)


async def create_election(
    session: AsyncSession, definition: Definition, now: datetime, election_id: str | None = None
) -> Election:
    election = Election(id=election_id or new_election_id(), state="draft", created_at=now)
    session.add(election)
    await _write_definition(session, election, definition)
    return election


async def replace_definition(
    session: AsyncSession, election: Election, definition: Definition
) -> None:
    """Rewrite a draft election's definition (callers check the state)."""
    qids = select(Question.id).where(Question.election_id == election.id)
    await session.execute(delete(Option).where(Option.question_id.in_(qids)))
    await session.execute(delete(Question).where(Question.election_id == election.id))
    await session.execute(delete(Translation).where(Translation.election_id == election.id))
    await _write_definition(session, election, definition)


async def _write_definition(session: AsyncSession, election: Election, d: Definition) -> None:
    election.kind = d.kind
    election.opens_at, election.closes_at = d.opens_at, d.closes_at
    election.allow_blank = d.allow_blank
    election.rule, election.supermajority, election.quorum = d.rule, d.supermajority, d.quorum
    election.trustees_n, election.trustees_k = d.trustees_n, d.trustees_k
    election.objection_days = d.objection_days
    election.subtotal_min_size = d.subtotal_min_size
    await session.flush()
    texts: list[tuple[str, dict[str, str]]] = [("title", d.title)]
    if d.instructions:
        texts.append(("instructions", d.instructions))
    for position, qd in enumerate(d.questions, start=1):
        question = Question(
            election_id=election.id, position=position, min_selections=qd.min, max_selections=qd.max
        )
        session.add(question)
        await session.flush()
        texts.append((f"question:{question.id}", qd.text))
        for opos, otext in enumerate(qd.options, start=1):
            option = Option(question_id=question.id, position=opos)
            session.add(option)
            await session.flush()
            texts.append((f"option:{option.id}", otext))
    for key, by_language in texts:
        for language, text in by_language.items():
            session.add(Translation(election_id=election.id, language=language, key=key, text=text))
    await session.flush()


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
    labels = {"title": "title", "instructions": "instructions"}
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


async def build_manifest(session: AsyncSession, election: Election) -> dict[str, Any]:
    """The election definition as one JSON document (what the trustees' keys are bound to)."""
    texts = await texts_by_language(session, election.id)
    languages = sorted(texts)

    def by_language(key: str) -> dict[str, str]:
        return {lang: texts[lang][key] for lang in languages if key in texts[lang]}

    questions = []
    for q, options in await questions_of(session, election.id):
        questions.append(
            {
                "id": f"q{q.position}",
                "position": q.position,
                "min": q.min_selections,
                "max": q.max_selections,
                "text": by_language(f"question:{q.id}"),
                "options": [
                    {
                        "id": f"q{q.position}-o{o.position}",
                        "position": o.position,
                        "text": by_language(f"option:{o.id}"),
                    }
                    for o in options
                ],
            }
        )
    return {
        "election_id": election.id,
        "kind": election.kind,
        "title": by_language("title"),
        "instructions": by_language("instructions"),
        "languages": languages,
        "outcome": {
            "rule": election.rule,
            "supermajority": election.supermajority,
            "quorum": election.quorum,
            "tie": "fails",
        },
        "allow_blank": election.allow_blank,
        "opens_at": election.opens_at.isoformat() if election.opens_at else None,
        "closes_at": election.closes_at.isoformat() if election.closes_at else None,
        "trustees": {"n": election.trustees_n, "k": election.trustees_k},
        "questions": questions,
        "rule": outcome_rule(election, questions).to_json(),
        # Only when asked: a definition without it keeps its old manifest hash.
        **(
            {"subtotals": {"by": "unit", "min_size": election.subtotal_min_size}}
            if election.subtotal_min_size is not None
            else {}
        ),
    }


def outcome_rule(election: Election, questions: list[dict[str, Any]]) -> OutcomeRule:
    """The rule the count is decided by, recorded in the manifest so the verifier reads it.

    Recognition, ratification and strike votes approve the first option of their
    question ("yes") by a majority or a supermajority of the valid votes.  Officer
    elections elect whoever has more than the threshold (one half, or the
    supermajority), else send the top two to a runoff.  A custom election with one
    question is a yes/no vote like the first group; with several questions there is no
    single option to approve, so each question is decided like an officer election.
    Raises RuleError when the stored fractions do not make a rule.
    """
    threshold = (
        parse_fraction(election.supermajority)
        if election.rule == "supermajority" and election.supermajority
        else Fraction(1, 2)
    )
    quorum = parse_fraction(election.quorum) if election.quorum else None
    approval = election.kind in APPROVAL_KINDS or (
        election.kind == "custom" and len(questions) == 1
    )
    if not approval:
        if threshold >= 1:
            raise RuleError("an election of candidates cannot require all valid votes")
        return OutcomeRule(RuleKind.PLURALITY_WITH_RUNOFF, threshold, quorum)
    kind = RuleKind.SUPERMAJORITY if election.rule == "supermajority" else RuleKind.MAJORITY
    first = questions[0]["options"][0]["id"] if questions and questions[0]["options"] else "yes"
    return OutcomeRule(kind, threshold, quorum, approve_option=first)
