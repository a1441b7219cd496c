"""Reasons in words: one sentence per reason code, in the reader's language.

The one place reasons become sentences, for every page that shows them and for
``ballot verify``.  This module only picks the English message (and its plural) and its
parameters; the caller translates with its catalogue (``gettext``/``ngettext`` of
:mod:`ballot.i18n`), so the election layer stays free of any language machinery.  The
messages below are marked for ``pybabel extract`` by the two markers ``_`` and
``ngettext``, which here only *name* messages (the third argument of ``ngettext`` is the
parameter whose number chooses the plural form).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Final

from ballot.election.reasons import LIST_PARAMS, OPTION_PARAMS, Reason

__all__ = [
    "MESSAGES",
    "Phrase",
    "english",
    "phrase",
    "published_english",
    "read_reasons",
    "sentences",
]

Message = tuple[str, str | None, str | None]  # singular, plural, the counting parameter


def _(message: str) -> Message:
    """Marks a message without a number in it."""
    return (message, None, None)


def ngettext(singular: str, plural: str, count: str) -> Message:
    """Marks a message whose form follows the number in parameter ``count``."""
    return (singular, plural, count)


# fmt: off
# No comma after the last argument: pybabel would count one more argument.
_QUORUM_MET = ngettext(
    "%(turnout)s ballot counts towards the quorum of %(fraction)s of the %(eligible)s "
    "eligible members (%(needed)s needed): the quorum is met.",
    "%(turnout)s ballots count towards the quorum of %(fraction)s of the %(eligible)s "
    "eligible members (%(needed)s needed): the quorum is met.",
    "turnout"
)

#: The message of every code (and of a few variants, "code+variant").
MESSAGES: Final[Mapping[str, Message]] = {
    "quorum_fraction_met": _QUORUM_MET,
    "quorum_fraction_missed": ngettext(
        "%(turnout)s ballot counts towards the quorum of %(fraction)s of the %(eligible)s "
        "eligible members (%(needed)s needed): the quorum is not met.",
        "%(turnout)s ballots count towards the quorum of %(fraction)s of the %(eligible)s "
        "eligible members (%(needed)s needed): the quorum is not met.",
        "turnout"
    ),
    "quorum_count_met": ngettext(
        "%(turnout)s ballot counts towards the quorum (%(needed)s needed): the quorum is met.",
        "%(turnout)s ballots count towards the quorum (%(needed)s needed): the quorum is met.",
        "turnout"
    ),
    "quorum_count_missed": ngettext(
        "%(turnout)s ballot counts towards the quorum (%(needed)s needed): the quorum is not met.",
        "%(turnout)s ballots count towards the quorum (%(needed)s needed): the quorum is not met.",
        "turnout"
    ),
    "no_valid_votes": _("There are no valid votes."),
    "majority_reached": ngettext(
        "%(option)s has %(votes)s of %(valid)s valid vote, more than %(threshold)s "
        "(%(needed)s needed).",
        "%(option)s has %(votes)s of %(valid)s valid votes, more than %(threshold)s "
        "(%(needed)s needed).",
        "valid"
    ),
    "majority_missed": ngettext(
        "%(option)s has %(votes)s of %(valid)s valid vote, not more than %(threshold)s "
        "(%(needed)s needed).",
        "%(option)s has %(votes)s of %(valid)s valid votes, not more than %(threshold)s "
        "(%(needed)s needed).",
        "valid"
    ),
    "tie_at_threshold": ngettext(
        "%(option)s has %(votes)s vote and %(against)s against: exactly %(threshold)s of the "
        "valid votes is a tie, and a tie fails.",
        "%(option)s has %(votes)s votes and %(against)s against: exactly %(threshold)s of the "
        "valid votes is a tie, and a tie fails.",
        "votes"
    ),
    "supermajority_reached": ngettext(
        "%(option)s has %(votes)s of %(valid)s valid vote, at least %(threshold)s "
        "(%(needed)s needed).",
        "%(option)s has %(votes)s of %(valid)s valid votes, at least %(threshold)s "
        "(%(needed)s needed).",
        "valid"
    ),
    "supermajority_missed": ngettext(
        "%(option)s has %(votes)s of %(valid)s valid vote, less than %(threshold)s "
        "(%(needed)s needed).",
        "%(option)s has %(votes)s of %(valid)s valid votes, less than %(threshold)s "
        "(%(needed)s needed).",
        "valid"
    ),
    "no_majority": ngettext(
        "No choice has more than %(threshold)s of the %(valid)s valid vote (%(needed)s needed).",
        "No choice has more than %(threshold)s of the %(valid)s valid votes (%(needed)s needed).",
        "valid"
    ),
    "runoff": _("The runoff is between %(options)s."),
    "runoff_tie": ngettext(
        "%(tied)s are tied with %(votes)s vote each for the places left in the runoff "
        "(%(places)s); the committee breaks the tie by its rules.",
        "%(tied)s are tied with %(votes)s votes each for the places left in the runoff "
        "(%(places)s); the committee breaks the tie by its rules.",
        "votes"
    ),
    "runoff_tie+sure": _("Sure of a place in the runoff: %(sure)s."),
    "plurality_elected": ngettext(
        "Elected (%(seats)s seat): %(options)s.",
        "Elected (%(seats)s seats): %(options)s.",
        "seats"
    ),
    "plurality_tie": ngettext(
        "%(tied)s are tied with %(votes)s vote each for the seats left (%(places)s); the "
        "committee breaks the tie by its rules.",
        "%(tied)s are tied with %(votes)s votes each for the seats left (%(places)s); the "
        "committee breaks the tie by its rules.",
        "votes"
    ),
    "plurality_tie+elected": _("Elected before the tie: %(elected)s."),
    "seats_unfilled": ngettext(
        "%(filled)s of %(seats)s seat is filled: no other choice received a vote.",
        "%(filled)s of %(seats)s seats are filled: no other choice received a vote.",
        "seats"
    ),
    "challenges_cannot_change": ngettext(
        "The %(undecided)s undecided challenged ballot cannot change the result, however it "
        "is resolved.",
        "The %(undecided)s undecided challenged ballots cannot change the result, however "
        "they are resolved.",
        "undecided"
    ),
    "challenges_cannot_change+none": _("No challenged ballot is undecided."),
    "challenges_could_meet_quorum": ngettext(
        "The %(undecided)s undecided challenged ballot could bring the turnout up to the quorum.",
        "The %(undecided)s undecided challenged ballots could bring the turnout up to the quorum.",
        "undecided"
    ),
    "challenges_could_approve": ngettext(
        "If the %(undecided)s undecided challenged ballot were for %(option)s, the result "
        "would be approved.",
        "If the %(undecided)s undecided challenged ballots were for %(option)s, the result "
        "would be approved.",
        "undecided"
    ),
    "challenges_could_reject": ngettext(
        "If the %(undecided)s undecided challenged ballot were against %(option)s, the "
        "result would be rejected.",
        "If the %(undecided)s undecided challenged ballots were against %(option)s, the "
        "result would be rejected.",
        "undecided"
    ),
    "challenges_could_decide": ngettext(
        "There are no valid votes yet, so the %(undecided)s undecided challenged ballot "
        "could decide the result.",
        "There are no valid votes yet, so the %(undecided)s undecided challenged ballots "
        "could decide the result.",
        "undecided"
    ),
    "challenges_could_give_majority": ngettext(
        "With the %(undecided)s undecided challenged ballot, %(option)s could reach a majority.",
        "With the %(undecided)s undecided challenged ballots, %(option)s could reach a majority.",
        "undecided"
    ),
    "challenges_could_undo_majority": ngettext(
        "If the %(undecided)s undecided challenged ballot were for others, %(option)s could "
        "lose the majority.",
        "If the %(undecided)s undecided challenged ballots were for others, %(option)s could "
        "lose the majority.",
        "undecided"
    ),
    "challenges_could_level": ngettext(
        "With the %(undecided)s undecided challenged ballot, %(option)s could draw level "
        "with %(rival)s.",
        "With the %(undecided)s undecided challenged ballots, %(option)s could draw level "
        "with %(rival)s.",
        "undecided"
    ),
    "challenges_could_break_tie": ngettext(
        "The %(undecided)s undecided challenged ballot could break the tie.",
        "The %(undecided)s undecided challenged ballots could break the tie.",
        "undecided"
    ),
    "challenges_could_fill_seat": ngettext(
        "The %(undecided)s undecided challenged ballot could fill an empty seat.",
        "The %(undecided)s undecided challenged ballots could fill an empty seat.",
        "undecided"
    ),
}
# fmt: on


Gettext = Callable[[str], str]
Ngettext = Callable[[str, str, int], str]


@dataclass(frozen=True)
class Phrase:
    """A message to translate and the values to put in it."""

    singular: str
    plural: str | None = None
    n: int = 1
    params: Mapping[str, str | int] = field(default_factory=dict)

    def say(self, gettext: Gettext, ngettext: Ngettext) -> str:
        """The sentence through the reader's catalogue."""
        if self.plural is None:
            text = gettext(self.singular)
        else:
            text = ngettext(self.singular, self.plural, self.n)
        return text % dict(self.params) if self.params else text


def _message(reason: Reason) -> Message:
    if reason.code == "challenges_cannot_change" and reason["undecided"] == 0:
        return MESSAGES["challenges_cannot_change+none"]
    return MESSAGES[reason.code]


def phrase(reason: Reason, label: Callable[[str], str] = str) -> list[Phrase]:
    """The sentences of one reason (one, or two for a tie with sure places), with option
    ids put in words by ``label`` and lists of them joined."""
    params: dict[str, str | int] = {}
    for name, value in reason.params:
        if name in LIST_PARAMS and isinstance(value, tuple):
            params[name] = ", ".join(label(v) for v in value)
        elif name in OPTION_PARAMS and isinstance(value, str):
            params[name] = label(value)
        else:
            params[name] = value if isinstance(value, int) else str(value)
    singular, plural, count = _message(reason)
    n = reason[count] if count is not None else 1
    out = [Phrase(singular, plural, n if isinstance(n, int) else 1, params)]
    also = _ALSO.get(reason.code)
    if also is not None and reason[also]:
        out.append(Phrase(MESSAGES[f"{reason.code}+{also}"][0], None, 1, params))
    return out


#: Codes whose list parameter, when not empty, gets a sentence of its own.
_ALSO: Final = {"runoff_tie": "sure", "plurality_tie": "elected"}


def sentences(
    reasons: Iterable[Reason],
    gettext: Gettext,
    ngettext: Ngettext,
    label: Callable[[str], str] = str,
) -> list[str]:
    """Every reason as sentences in the catalogue's language."""
    return [p.say(gettext, ngettext) for r in reasons for p in phrase(r, label)]


def english(reasons: Iterable[Reason], label: Callable[[str], str] = str) -> list[str]:
    """Every reason in English (``ballot verify``, and the messages' own language)."""

    def plural(singular: str, plural: str, n: int) -> str:
        return singular if n == 1 else plural

    return sentences(reasons, lambda message: message, plural, label)


def published_english(published: object, label: Callable[[str], str] = str) -> list[str]:
    """A published outcome's reasons in English: codes (v2) in words, sentences (v1) as
    they are."""
    codes = read_reasons(published)
    if codes is not None:
        return english(codes, label)
    return [r for r in published if isinstance(r, str)] if isinstance(published, list) else []


def read_reasons(published: object) -> list[Reason] | None:
    """The reasons of a published v2 outcome, or None when they are not codes (a v1
    result's sentences, or something malformed)."""
    if not isinstance(published, list):
        return None
    try:
        return [Reason.from_json(r) for r in published]
    except ValueError:
        return None
