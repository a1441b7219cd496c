"""A ranked count's round events in words, one sentence each (PROTOCOL 17.6).

The one place the events of :mod:`.events` become sentences, for the result pages, the
tally sheet and ``ballot verify``, as :mod:`ballot.election.reason_words` is for the
outcome reasons: this module picks the English message (and its plural) and fills in the
parameters; the caller translates with its catalogue, and says how a candidate id and a
value (an integer, or an STV fixed decimal) are written in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Final

from ballot.election.ranked.events import Event, EventValue
from ballot.election.reason_words import Gettext, Message, Ngettext, Phrase, _, ngettext

__all__ = ["EVENT_MESSAGES", "event_phrases", "event_sentences", "plural_of"]

# fmt: off
# No comma after the last argument: pybabel would count one more argument.
#: The message of every event code (and of a variant, "code+variant").
EVENT_MESSAGES: Final[Mapping[str, Message]] = {
    "ballots_read": ngettext(
        "%(ballots)s ballot carries this race: %(valid)s with a first preference, "
        "%(blank)s blank.",
        "%(ballots)s ballots carry this race: %(valid)s with a first preference, "
        "%(blank)s blank.",
        "ballots"
    ),
    "ballots_read+irregular": ngettext(
        "%(irregular)s ballot skipped or repeated a rank: it is read up to that rank.",
        "%(irregular)s ballots skipped or repeated a rank: each is read up to that rank.",
        "irregular"
    ),
    "quota_set": ngettext(
        "The quota is %(quota)s votes: the %(valid)s valid votes divided by the seats plus "
        "one (%(seats)s seat), rounded down, plus one.",
        "The quota is %(quota)s votes: the %(valid)s valid votes divided by the seats plus "
        "one (%(seats)s seats), rounded down, plus one.",
        "seats"
    ),
    "no_valid_votes": _("There are no valid votes: nobody is elected."),
    "first_preferences_counted": ngettext(
        "First preferences counted: %(votes)s vote.",
        "First preferences counted: %(votes)s votes.",
        "votes"
    ),
    "tie_broken_by_earlier_round": _(
        "%(tied)s were level. The tie was broken by an earlier round: %(chosen)s was "
        "chosen by the votes in round %(round)s."
    ),
    "tie_broken_by_lot": _(
        "%(tied)s were level in every earlier round. The tie was broken by lot: "
        "%(chosen)s. The lot is public: anyone can redo it from the election fingerprint."
    ),
    "surplus_transferred": ngettext(
        "The surplus of %(candidate)s (%(surplus)s vote) was transferred: %(transferred)s "
        "to the next preferences, %(non_transferable)s with no further preference, "
        "%(loss)s lost to rounding.",
        "The surplus of %(candidate)s (%(surplus)s votes) was transferred: %(transferred)s "
        "to the next preferences, %(non_transferable)s with no further preference, "
        "%(loss)s lost to rounding.",
        "surplus"
    ),
    "candidate_excluded": ngettext(
        "%(candidate)s had the fewest votes (%(votes)s) and was excluded: %(transferred)s "
        "went to the next preferences, %(non_transferable)s had no further preference.",
        "%(candidate)s had the fewest votes (%(votes)s) and was excluded: %(transferred)s "
        "went to the next preferences, %(non_transferable)s had no further preference.",
        "votes"
    ),
    "majority_reached": ngettext(
        "%(candidate)s has %(votes)s of the %(continuing)s continuing vote, more than half: "
        "elected.",
        "%(candidate)s has %(votes)s of the %(continuing)s continuing votes, more than half: "
        "elected.",
        "continuing"
    ),
    "no_majority": ngettext(
        "Nobody has more than half of the %(continuing)s continuing vote (%(needed)s "
        "needed). %(leader)s leads with %(votes)s.",
        "Nobody has more than half of the %(continuing)s continuing votes (%(needed)s "
        "needed). %(leader)s leads with %(votes)s.",
        "continuing"
    ),
    "quota_reached": _("%(candidate)s reached the quota of %(quota)s with %(votes)s: elected."),
    "last_vacancies_filled": ngettext(
        "%(candidates)s elected without reaching the quota: no more candidates continue "
        "than the %(vacancies)s seat left.",
        "%(candidates)s elected without reaching the quota: no more candidates continue "
        "than the %(vacancies)s seats left.",
        "vacancies"
    ),
    "seats_unfilled": ngettext(
        "Only %(filled)s of the %(seats)s seat is filled: too few candidates stood.",
        "Only %(filled)s of the %(seats)s seats are filled: too few candidates stood.",
        "seats"
    ),
}
# fmt: on

#: Parameters naming one candidate, and those listing several.
_CANDIDATE: Final = frozenset({"candidate", "chosen", "leader"})
_CANDIDATES: Final = frozenset({"tied", "candidates"})


def plural_of(value: EventValue) -> int:
    """The number that picks a plural form: an integer as it is; a fixed decimal by its
    whole part when it has no fraction (``"3.00000"`` is 3), else 2 (any other form)."""
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        whole, _sep, part = value.partition(".")
        if whole.isdigit() and part.strip("0") == "":
            return int(whole)
    return 2


def _commas(names: Sequence[str]) -> str:
    return ", ".join(names)


def event_phrases(
    event: Event,
    label: Callable[[str], str] = str,
    number: Callable[[int | str], str] = str,
    join: Callable[[Sequence[str]], str] = _commas,
) -> list[Phrase]:
    """The sentences of one event: candidates named by ``label``, lists of them joined by
    ``join`` (commas, or the language's "A, B and C"), values and counts written by
    ``number``."""
    params: dict[str, str | int] = {}
    for name, value in event.params:
        if name in _CANDIDATES and isinstance(value, tuple):
            params[name] = join([label(c) for c in value])
        elif name in _CANDIDATE and isinstance(value, str):
            params[name] = label(value)
        elif isinstance(value, (int, str)):
            params[name] = number(value)
    singular, plural, count = EVENT_MESSAGES[event.code]
    n = plural_of(event[count]) if count is not None else 1
    out = [Phrase(singular, plural, n, params)]
    if event.code == "ballots_read" and event["irregular"]:
        singular, plural, count = EVENT_MESSAGES["ballots_read+irregular"]
        out.append(Phrase(singular, plural, plural_of(event["irregular"]), params))
    return out


def event_sentences(
    events: Iterable[Event],
    gettext: Gettext,
    ngettext: Ngettext,
    label: Callable[[str], str] = str,
    number: Callable[[int | str], str] = str,
    join: Callable[[Sequence[str]], str] = _commas,
) -> list[str]:
    """Every event as sentences in the catalogue's language."""
    return [p.say(gettext, ngettext) for e in events for p in event_phrases(e, label, number, join)]
