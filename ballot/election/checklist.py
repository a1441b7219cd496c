"""The set-up checklist: what must be done before an election may open, and who must do it.

A union's election committee runs a vote a few times a year; the steps between "we have
a ballot" and "members can vote" are easy to forget, and some can only be found missing
too late (a trustee's lost key file on tally day, invitations caught by a spam filter,
a notice never posted at the workplace, which labour boards treat as grounds to set an
election aside).  This module turns facts the store gathers into the list of steps, in
order, each done or not, with what is missing in words and who must act.  Opening is
refused until every step is done (``ballot.service.lifecycle``).

Sentences are English message ids with parameters; pages translate them with their
catalogue (the ``_`` below only marks them for ``pybabel extract``), as
:mod:`ballot.election.reason_words` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

from ballot.election.languages import LANGUAGES

__all__ = [
    "ACTORS",
    "STEPS",
    "Missing",
    "SentTestMessage",
    "SetupFacts",
    "Step",
    "checklist",
    "incomplete",
]


def _(message: str) -> str:
    """Marks a message for extraction; the caller translates it."""
    return message


#: Who acts on a step: the committee (admins), the named trustees, the translators.
ACTORS: Final = ("committee", "trustees", "translators")

#: Each step's key, title and actor, in the order they are done.
STEPS: Final[tuple[tuple[str, str, str], ...]] = (
    ("definition", _("The election definition is complete"), "committee"),
    ("translations", _("Translations are signed off"), "translators"),
    ("roll", _("The voter roll is imported"), "committee"),
    ("ceremony", _("Trustees are named and the key ceremony is finished"), "committee"),
    ("rehearsals", _("Every trustee has proved their key"), "trustees"),
    ("test_message", _("A test message arrived"), "committee"),
    ("notice", _("The notice of election is posted"), "committee"),
)


@dataclass(frozen=True)
class Missing:
    """One thing missing, as an English message id and its parameters."""

    message: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def english(self) -> str:
        return self.message % dict(self.params) if self.params else self.message

    def words(self, gettext: Any) -> str:
        """In the reader's language, through their catalogue's ``gettext``."""
        text = str(gettext(self.message))
        return text % dict(self.params) if self.params else text


@dataclass(frozen=True)
class Step:
    key: str
    title: str
    actor: str
    done: bool
    missing: tuple[Missing, ...] = ()
    #: Who must act, by name where there is one (trustees: "2 (t2@example.org)").
    who: tuple[str, ...] = ()


@dataclass(frozen=True)
class SentTestMessage:
    """The latest test message: where it went, and whether the committee saw it arrive."""

    to_address: str
    language: str
    queued_at: datetime
    status: str  # the outbox's: queued, sending, sent, retry, failed
    confirmed_at: datetime | None = None


@dataclass(frozen=True)
class SetupFacts:
    """What the checklist needs to know, gathered by the service from the store."""

    now: datetime
    title: bool
    questions: int
    #: Positions (1-based) of questions with fewer than two options.
    short_questions: tuple[int, ...]
    opens_at: datetime | None
    closes_at: datetime | None
    #: Why the result rule cannot be used, or None when it can.
    rule_problem: str | None
    #: Language code -> texts missing in it, for each language members may read.
    missing_texts: Mapping[str, int]
    #: Language code -> a current sign-off exists, for each language members may read.
    signed_off: Mapping[str, bool]
    roll_size: int
    #: A roll file with bad rows waits for corrections (nothing of it is on the roll).
    roll_draft_waiting: bool
    trustees_n: int
    #: Seated trustees: position -> how to name them (e-mail).
    seats: Mapping[int, str]
    ceremony_done: bool
    #: Positions whose key a rehearsal proved for the current joint key: position -> when.
    rehearsed: Mapping[int, datetime]
    test_message: SentTestMessage | None
    #: The notice of election: (date posted, where), or None.
    notice: tuple[date, str] | None


def _definition(f: SetupFacts) -> list[Missing]:
    out: list[Missing] = []
    if not f.title:
        out.append(Missing(_("The election has no title.")))
    if f.questions == 0:
        out.append(Missing(_("The ballot has no question.")))
    for position in f.short_questions:
        out.append(
            Missing(_("Question %(number)s needs at least two options."), {"number": position})
        )
    if f.opens_at is None or f.closes_at is None:
        out.append(Missing(_("The voting window (opening and closing times) is not set.")))
    elif f.closes_at <= f.opens_at:
        out.append(Missing(_("Voting must close after it opens.")))
    elif f.closes_at <= f.now:
        out.append(Missing(_("The voting window has already ended: set one in the future.")))
    if f.rule_problem:
        out.append(
            Missing(_("The result rule cannot be used: %(problem)s"), {"problem": f.rule_problem})
        )
    return out


def _language(code: str) -> str:
    return f"{LANGUAGES.get(code, code)} ({code})"


def _translations(f: SetupFacts) -> list[Missing]:
    out: list[Missing] = []
    for language, lacking in f.missing_texts.items():
        if lacking:
            out.append(
                Missing(
                    _("%(language)s lacks %(count)s texts."),
                    {"language": _language(language), "count": lacking},
                )
            )
    for language, signed in f.signed_off.items():
        if not signed and not f.missing_texts.get(language):
            out.append(
                Missing(
                    _("Nobody has signed off the %(language)s texts as they are now."),
                    {"language": _language(language)},
                )
            )
    return out


def _roll(f: SetupFacts) -> list[Missing]:
    out: list[Missing] = []
    if f.roll_draft_waiting:
        out.append(
            Missing(_("A roll file has rows with problems: correct them and import it again."))
        )
    if f.roll_size == 0:
        out.append(Missing(_("The roll is empty: import the members who may vote.")))
    return out


def _ceremony(f: SetupFacts) -> list[Missing]:
    out: list[Missing] = []
    unnamed = [p for p in range(1, f.trustees_n + 1) if p not in f.seats]
    if unnamed:
        out.append(
            Missing(
                _("No trustee is named for position %(positions)s."),
                {"positions": ", ".join(map(str, unnamed))},
            )
        )
    if not f.ceremony_done:
        out.append(Missing(_("The key ceremony is not finished.")))
    return out


def _rehearsals(f: SetupFacts) -> tuple[list[Missing], tuple[str, ...]]:
    if not f.ceremony_done:
        return [Missing(_("Trustees prove their keys after the key ceremony."))], ()
    out: list[Missing] = []
    who: list[str] = []
    for position in range(1, f.trustees_n + 1):
        if position in f.rehearsed:
            continue
        name = f.seats.get(position, "")
        who.append(f"{position} ({name})" if name else str(position))
        out.append(
            Missing(
                _("Trustee %(trustee)s has not yet proved their key with a rehearsal decryption."),
                {"trustee": who[-1]},
            )
        )
    return out, tuple(who)


def _test_message(f: SetupFacts) -> list[Missing]:
    sent = f.test_message
    if sent is None:
        return [Missing(_("Send a test invitation to an address the committee reads."))]
    if sent.confirmed_at is not None:
        return []
    if sent.status == "failed":
        return [
            Missing(
                _(
                    "The test message to %(address)s could not be delivered: check the mail "
                    "settings and send another."
                ),
                {"address": sent.to_address},
            )
        ]
    return [
        Missing(
            _("Confirm that the test message to %(address)s arrived."),
            {"address": sent.to_address},
        )
    ]


def _notice(f: SetupFacts) -> list[Missing]:
    if f.notice is None:
        return [Missing(_("Record the date and place the notice of election was posted."))]
    return []


def checklist(f: SetupFacts) -> list[Step]:
    """Every set-up step in order, each done or not, with what is missing."""
    rehearsals, trustees = _rehearsals(f)
    found: dict[str, tuple[list[Missing], tuple[str, ...]]] = {
        "definition": (_definition(f), ()),
        "translations": (_translations(f), ()),
        "roll": (_roll(f), ()),
        "ceremony": (_ceremony(f), ()),
        "rehearsals": (rehearsals, trustees),
        "test_message": (_test_message(f), ()),
        "notice": (_notice(f), ()),
    }
    return [
        Step(key, title, actor, not found[key][0], tuple(found[key][0]), found[key][1])
        for key, title, actor in STEPS
    ]


def incomplete(steps: Sequence[Step]) -> list[Step]:
    """The steps still to do (empty: the election may open)."""
    return [s for s in steps if not s.done]
