"""Elections, their questions and options, and every text in every language, as rows.

An election is written as one *definition* (parsed by :mod:`ballot.store.definition`)
while in draft and stored as rows.  Once the key ceremony starts, the same rows are
frozen into the *manifest*, whose hash the trustees' keys are bound to.
"""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.outcome import OutcomeRule, RuleError, RuleKind
from ballot.election.races import RACE_KEYS, has_races
from ballot.election.result import result_version
from ballot.store.definition import (
    APPROVAL_KINDS,
    KINDS,
    OBJECTION_DAYS,
    REFERENCE_LANGUAGE,
    RULES,
    Definition,
    DefinitionError,
    QuestionDef,
    parse_definition,
    parse_fraction,
)
from ballot.store.election_texts import (
    COMMITTEE_KEY,
    describe_missing,
    election_title,
    key_labels,
    missing_translations,
    questions_of,
    roll_languages,
    set_translations,
    texts_by_language,
)
from ballot.store.models import Election, Option, Question, Translation
from ballot.store.witness_tables import ElectionWitness

#: Parsing lives in :mod:`ballot.store.definition`; its names stay importable from here.
__all__ = [
    "APPROVAL_KINDS",
    "COMMITTEE_KEY",
    "CONTACT_FIELDS",
    "KINDS",
    "OBJECTION_DAYS",
    "REFERENCE_LANGUAGE",
    "RULES",
    "Definition",
    "DefinitionError",
    "QuestionDef",
    "build_manifest",
    "create_election",
    "current_definition",
    "describe_missing",
    "election_title",
    "key_labels",
    "missing_translations",
    "new_election_id",
    "outcome_rule",
    "parse_definition",
    "parse_fraction",
    "questions_of",
    "replace_definition",
    "roll_languages",
    "set_translations",
    "texts_by_language",
    "witnesses_of",
]


def new_election_id() -> str:
    return "e" + secrets.token_hex(6)


async def create_election(
    session: AsyncSession,
    definition: Definition,
    now: datetime,
    election_id: str | None = None,
    *,
    board_key: str | None = None,
) -> Election:
    """A new draft; ``board_key`` (64 hex) goes into its definition (PROTOCOL 5.1)."""
    election = Election(
        id=election_id or new_election_id(), state="draft", created_at=now, board_key=board_key
    )
    session.add(election)
    await _write_definition(session, election, definition)
    return election


async def replace_definition(
    session: AsyncSession, election: Election, definition: Definition
) -> None:
    """Rewrite a draft election's definition (callers check the state).

    Its witnesses are replaced only if the new definition names its own list: the
    committee's form edits the rest and leaves them to their own page and API.
    """
    qids = select(Question.id).where(Question.election_id == election.id)
    await session.execute(delete(Option).where(Option.question_id.in_(qids)))
    await session.execute(delete(Question).where(Question.election_id == election.id))
    await session.execute(delete(Translation).where(Translation.election_id == election.id))
    if definition.witnesses is not None:  # a definition that names none keeps the list
        await session.execute(
            delete(ElectionWitness).where(ElectionWitness.election_id == election.id)
        )
    await _write_definition(session, election, definition)


async def _write_definition(session: AsyncSession, election: Election, d: Definition) -> None:
    election.kind = d.kind
    election.opens_at, election.closes_at = d.opens_at, d.closes_at
    election.allow_blank = d.allow_blank
    election.rule, election.supermajority, election.quorum = d.rule, d.supermajority, d.quorum
    election.trustees_n, election.trustees_k = d.trustees_n, d.trustees_k
    election.objection_days = d.objection_days
    election.subtotal_min_size = d.subtotal_min_size
    election.revoting = d.revoting and election.board_key is not None  # protocol v2 only
    election.time_zone = d.time_zone
    election.committee_contact = json.dumps(d.committee.contact()) if d.committee else None
    await session.flush()
    texts: list[tuple[str, dict[str, str]]] = [("title", d.title)]
    if d.instructions:
        texts.append(("instructions", d.instructions))
    if d.committee:
        texts.append((COMMITTEE_KEY, d.committee.name))
    for position, qd in enumerate(d.questions, start=1):
        question = Question(
            election_id=election.id,
            position=position,
            min_selections=qd.min,
            max_selections=qd.max,
            ranked=qd.ranked,
            method=qd.method,
            seats=qd.seats,
            unit=qd.unit,
            candidate_order=qd.order,
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
    for position, witness in enumerate(d.witnesses or (), start=1):
        session.add(
            ElectionWitness(
                election_id=election.id,
                position=position,
                name=witness.name,
                public_key=witness.public_key,
            )
        )
    await session.flush()


async def witnesses_of(session: AsyncSession, election_id: str) -> list[ElectionWitness]:
    """The witnesses a (draft) election names, in the committee's order."""
    rows = await session.scalars(
        select(ElectionWitness)
        .where(ElectionWitness.election_id == election_id)
        .order_by(ElectionWitness.position)
    )
    return list(rows)


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
                # A race's keys (PROTOCOL 5.1), only those it has: a question without
                # them keeps its old manifest hash.
                **race_keys(q),
            }
        )
    definition: dict[str, Any] = {
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
        # Who may cosign the board's heads: bound by the manifest hash like the rest.
        "witnesses": [
            {"name": w.name, "public_key": w.public_key}
            for w in await witnesses_of(session, election.id)
        ],
        "time_zone": election.time_zone,
        **_committee_part(election, by_language(COMMITTEE_KEY)),
        # Only when asked: a definition without it keeps its old manifest hash.
        **(
            {"subtotals": {"by": "unit", "min_size": election.subtotal_min_size}}
            if election.subtotal_min_size is not None
            else {}
        ),
        # Revoting (protocol v2 only, PROTOCOL 11.10): written only when on, so a
        # definition without it keeps its old manifest hash and reads as off.
        **({"revoting": True} if election.revoting and election.board_key is not None else {}),
        # The key that signs this election's board, bound like every other word of the
        # definition (protocol v2); elections defined before it have none.
        **(
            {"board_key": {"algorithm": "ed25519", "public_key": election.board_key}}
            if election.board_key is not None
            else {}
        ),
    }
    # Last, so the rule can see the version the rest of the definition makes (a board key).
    definition["rule"] = outcome_rule(
        election, questions, seats=result_version(definition) >= 2
    ).to_json()
    return definition


def race_keys(question: Question) -> dict[str, Any]:
    """A stored question's race keys as its definition writes them (none for a choose
    question of every member in fixed order)."""
    return QuestionDef(
        {},
        question.min_selections,
        question.max_selections,
        [],
        ranked=bool(question.ranked),
        method=question.method,
        seats=question.seats,
        unit=question.unit,
        order=question.candidate_order,
    ).race_keys()


def _committee_part(election: Election, names: dict[str, str]) -> dict[str, Any]:
    """``{"committee": {...}}`` when the election names its committee, else nothing."""
    if not names:
        return {}
    contact = json.loads(election.committee_contact or "{}")
    return {"committee": {"name": names, **{k: contact.get(k, "") for k in CONTACT_FIELDS}}}


#: The committee's contact fields, in the order forms and pages show them.
CONTACT_FIELDS = ("email", "phone", "reply_to")


def current_definition(election: Election, manifest: dict[str, Any]) -> dict[str, Any]:
    """The draft's definition as the committee would write it, every language included.

    Read from :func:`build_manifest`'s document plus the settings the manifest does not
    carry, so a change of one setting (the trustee numbers, the questions) rewrites the
    definition with everything else as it was.
    """
    out: dict[str, Any] = {
        "kind": manifest["kind"],
        "title": manifest["title"],
        "instructions": manifest["instructions"] or None,
        "opens_at": manifest["opens_at"],
        "closes_at": manifest["closes_at"],
        "rule": manifest["outcome"]["rule"],
        "supermajority": manifest["outcome"]["supermajority"],
        "quorum": manifest["outcome"]["quorum"],
        "allow_blank": manifest["allow_blank"],
        "trustees": dict(manifest["trustees"]),
        "objection_days": election.objection_days,
        "time_zone": manifest.get("time_zone", election.time_zone),
        "questions": [
            {
                "text": q["text"],
                "min": q["min"],
                "max": q["max"],
                "options": [o["text"] for o in q["options"]],
                **{key: q[key] for key in RACE_KEYS if key in q},
            }
            for q in manifest["questions"]
        ],
    }
    if "subtotals" in manifest:
        out["subtotals"] = manifest["subtotals"]
    if manifest.get("revoting") is True:
        out["revoting"] = True
    if "committee" in manifest:
        out["committee"] = manifest["committee"]
    if manifest.get("witnesses"):
        out["witnesses"] = [dict(w) for w in manifest["witnesses"]]
    return out


def outcome_rule(
    election: Election, questions: list[dict[str, Any]], *, seats: bool = False
) -> OutcomeRule:
    """The rule the count is decided by, recorded in the manifest so the verifier reads it.

    Recognition, ratification and strike votes approve the first option of their
    question ("yes") by a majority or a supermajority of the valid votes.  Officer
    elections elect whoever has more than the threshold (one half, or the
    supermajority), else send the top two to a runoff.  A custom election with one
    question is a yes/no vote like the first group; with several questions there is no
    single option to approve, so each question is decided like an officer election.
    ``seats`` (protocol v2): a question where a member may mark several options fills
    that many seats, so the election is decided by plurality (PROTOCOL 15.4); a share
    of "valid votes" means nothing when one ballot is several votes.  So is an election
    of races (a ranked or per-unit race): each choose race fills its ``max`` seats, each
    ranked race is decided by its method (PROTOCOL 17).
    Raises RuleError when the stored fractions do not make a rule.
    """
    quorum = parse_fraction(election.quorum) if election.quorum else None
    if seats and (any(q["max"] > 1 for q in questions) or has_races(questions)):
        return OutcomeRule(RuleKind.PLURALITY, quorum_fraction=quorum)
    threshold = (
        parse_fraction(election.supermajority)
        if election.rule == "supermajority" and election.supermajority
        else Fraction(1, 2)
    )
    approval = election.kind in APPROVAL_KINDS or (
        election.kind == "custom" and len(questions) == 1
    )
    if not approval:
        if threshold >= 1:
            raise RuleError("an election of candidates cannot require all valid votes")
        return OutcomeRule(RuleKind.PLURALITY_WITH_RUNOFF, threshold, quorum)
    kind = RuleKind.SUPERMAJORITY if election.rule == "supermajority" else RuleKind.MAJORITY
    # Each question approves its first option ("Yes", in the member's language).  One
    # question names it alone, as protocol v1 did; several name theirs per question.
    firsts = {q["id"]: q["options"][0]["id"] for q in questions if q["options"]}
    if len(firsts) > 1:
        return OutcomeRule(kind, threshold, quorum, approve_option=firsts)
    return OutcomeRule(kind, threshold, quorum, approve_option=next(iter(firsts.values()), "yes"))
