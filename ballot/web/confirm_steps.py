"""The committee's irreversible steps: what each needs, what it will do, in figures.

Each step has its own confirmation page (:mod:`ballot.web.confirm_pages`) that states the
step's consequences in numbers read from the database when the page is drawn, and the
form that takes the step asks for a deliberate gesture (a ticked box, and for the steps
that reach every member, the number of members typed out).  The server checks that
gesture again on the POST (:func:`unconfirmed`); a POST without it is refused and changes
nothing.  A step that is impossible now says why (:attr:`StepCheck.blocked`) instead of
offering a button.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.languages import LANGUAGES
from ballot.record.kinds import Kind
from ballot.service import challenges
from ballot.store.board import count_kinds
from ballot.store.elections import missing_translations, questions_of, texts_by_language
from ballot.store.models import Election
from ballot.store.roll import roll_size
from ballot.store.step_facts import named_trustees, roll_by_language, voted_count


@dataclass(frozen=True)
class Step:
    """One irreversible step: its name in URLs, the states it may be taken from, and how
    its form is sent (``action``: the election's ``state``, ``tally`` or ``certify`` URL)."""

    name: str
    needs: tuple[str, ...]
    action: str
    target: str | None = None
    #: Must the committee type the number of members on the roll to confirm?
    typed: bool = False


STEPS: dict[str, Step] = {
    s.name: s
    for s in (
        Step("start-ceremony", ("draft",), "state", target="key_ceremony"),
        Step("back-to-draft", ("key_ceremony", "ready"), "state", target="draft"),
        Step("open", ("ready",), "state", target="open", typed=True),
        Step("close", ("open",), "state", target="closed", typed=True),
        Step("tally", ("closed",), "tally"),
        Step("certify", ("tallied",), "certify"),
    )
}
#: The step a change of state is, by the state asked for (``ready`` is not one: it can
#: be undone by going back to draft, and happens by itself after a ceremony here).
STEP_OF_TARGET = {s.target: s for s in STEPS.values() if s.target}
#: The steps offered on the election page in each state, in the order shown.
OFFERED: dict[str, tuple[str, ...]] = {
    "draft": ("start-ceremony",),
    "key_ceremony": ("back-to-draft",),
    "ready": ("open", "back-to-draft"),
    "open": ("close",),
    "closed": ("tally",),
    "mixing": (),
    "decrypting_mixed": (),
    "tallied": ("certify",),
    "certified": (),
}


@dataclass
class StepCheck:
    """A step as it stands now: possible or not (``blocked``: a reason code, with
    ``detail``), and its consequences in figures (``facts``)."""

    step: Step
    blocked: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def members(self) -> int:
        return int(self.facts.get("members", 0))


def _languages(by_language: dict[str, int]) -> list[dict[str, Any]]:
    """Languages of the roll, most members first, with their names as their readers write them."""
    ordered = sorted(by_language.items(), key=lambda item: (-item[1], item[0]))
    return [{"code": c, "name": LANGUAGES.get(c, c), "members": n} for c, n in ordered]


async def _texts_blocked(db: AsyncSession, election: Election, check: StepCheck) -> None:
    missing = await missing_translations(db, election.id)
    if missing:
        check.blocked = "texts_missing"
        check.detail["languages"] = [LANGUAGES.get(c, c) for c in sorted(missing)]


async def _start_ceremony(db: AsyncSession, election: Election, check: StepCheck) -> None:
    texts = await texts_by_language(db, election.id)
    check.facts.update(
        questions=len(await questions_of(db, election.id)),
        languages=len(texts),
        named=await named_trustees(db, election.id),
    )
    await _texts_blocked(db, election, check)


async def _open(db: AsyncSession, election: Election, check: StepCheck) -> None:
    check.facts["by_language"] = _languages(await roll_by_language(db, election.id))
    check.facts["closes_at"] = election.closes_at
    if check.members == 0:
        check.blocked = "roll_empty"
    else:
        await _texts_blocked(db, election, check)


async def _close(db: AsyncSession, election: Election, check: StepCheck) -> None:
    voted = await voted_count(db, election.id)
    counts = await count_kinds(db, election.id, (Kind.CAST, Kind.CHALLENGED))
    check.facts.update(
        voted=voted,
        not_voted=check.members - voted,
        cast=counts[Kind.CAST],
        challenged=counts[Kind.CHALLENGED],
        closes_at=election.closes_at,
    )


async def _tally(db: AsyncSession, election: Election, check: StepCheck) -> None:
    view = await challenges.challenges_view(db, election)
    counts = await count_kinds(db, election.id, (Kind.CAST, Kind.CHALLENGED))
    overruled = sum(1 for c in view["challenges"] if c["decision"] == "overruled")
    check.facts.update(
        round=view["next_round"],
        cast=counts[Kind.CAST],
        challenged=counts[Kind.CHALLENGED],
        overruled=overruled,
    )
    if view["next_round"] is None:
        if view["pending_round"] is not None:
            check.blocked, check.detail["round"] = "tally_pending", view["pending_round"]
        elif view["undecided"]:
            check.blocked, check.detail["undecided"] = "challenges_undecided", view["undecided"]
        else:
            check.blocked = "count_finished"


async def _certify(db: AsyncSession, election: Election, check: StepCheck, now: datetime) -> None:
    deadline = challenges.objection_deadline(election)
    view = await challenges.challenges_view(db, election)
    check.facts.update(round=view["round"], objection_ends=deadline)
    if deadline is None or now < deadline:
        check.blocked, check.detail["until"] = "objection_period", deadline


async def check_step(db: AsyncSession, election: Election, step: Step, now: datetime) -> StepCheck:
    """The step's figures and whether it may be taken now (read afresh from the database)."""
    check = StepCheck(step)
    check.facts.update(
        members=await roll_size(db, election.id),
        trustees_n=election.trustees_n,
        trustees_k=election.trustees_k,
        state=election.state,
    )
    if election.state not in step.needs:
        check.blocked = "wrong_state"
        check.detail["needs"] = step.needs
        return check
    if step.name == "start-ceremony":
        await _start_ceremony(db, election, check)
    elif step.name == "open":
        await _open(db, election, check)
    elif step.name == "close":
        await _close(db, election, check)
    elif step.name == "tally":
        await _tally(db, election, check)
    elif step.name == "certify":
        await _certify(db, election, check, now)
    return check


def unconfirmed(check: StepCheck, data: dict[str, str]) -> list[str]:
    """The confirmation fields the form lacks or got wrong (empty: confirmed).

    ``understood`` is the ticked box; ``members`` the number of members on the roll,
    typed, for steps that reach every member (compared with the roll as it is now, so
    a roll that changed since the page was drawn is confirmed again).
    """
    wrong = []
    if data.get("understood") != "yes":
        wrong.append("understood")
    if check.step.typed and data.get("members", "").strip() != str(check.members):
        wrong.append("members")
    return wrong
