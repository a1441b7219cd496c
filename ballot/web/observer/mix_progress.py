"""How far the mix-net of the ranked races has come, read from the board (PROTOCOL 18).

After the final count of the choose questions, each of k trustees shuffles the ranked
races' ballots in turn (``mix.shuffled``); once k have, the service closes the chain
(``mix.completed``) and k trustees each decrypt the shuffled ballots (``mix.partial``);
then the decrypted rankings and their counts are published (``mix.result``).  Observers
and the committee see the same sentence from the same entries: "Mixing: trustees 2 and 3
have shuffled; 1 more needed", "Decrypting the mixed ballots: 1 of 2 trustees".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from ballot.election.reason_words import Message, Phrase, ngettext
from ballot.i18n import translations
from ballot.web.observer.board_facts import BoardFacts, Posted
from ballot.web.results_view import names, whole

__all__ = ["MixProgress", "has_ranked", "mix_progress", "trustees_needed"]

# fmt: off
# No comma after the last argument: pybabel would count one more argument.
_NONE_SHUFFLED = ngettext(
    "Mixing the ranked ballots: no trustee has shuffled yet; %(num)s is needed.",
    "Mixing the ranked ballots: no trustee has shuffled yet; %(num)s are needed.",
    "num"
)
_SHUFFLED = ngettext(
    "Mixing the ranked ballots: trustee %(trustees)s has shuffled.",
    "Mixing the ranked ballots: trustees %(trustees)s have shuffled.",
    "trustees"
)
_MORE = ngettext("%(num)s more is needed.", "%(num)s more are needed.", "num")
_DECRYPTED = ngettext(
    "Decrypting the mixed ballots: %(done)s of %(num)s trustee has decrypted.",
    "Decrypting the mixed ballots: %(done)s of %(num)s trustees have decrypted.",
    "num"
)
# fmt: on


@dataclass(frozen=True)
class MixProgress:
    """The stage of the mix-net, who has done their part, and the sentence saying so."""

    stage: Literal["mixing", "decrypting"]
    done: tuple[int, ...]  # trustee numbers, in board order
    needed: int
    text: str


def has_ranked(definition: Mapping[str, Any] | None) -> bool:
    """Whether the definition has a ranked race (the count then ends with a mix-net)."""
    questions = (definition or {}).get("questions")
    return isinstance(questions, list) and any(
        isinstance(q, Mapping) and q.get("ranked") is True for q in questions
    )


def trustees_needed(definition: Mapping[str, Any] | None) -> int | None:
    """k: how many trustees shuffle, and how many decrypt (None if the definition cannot say)."""
    trustees = (definition or {}).get("trustees")
    k = trustees.get("k") if isinstance(trustees, Mapping) else None
    return k if isinstance(k, int) and not isinstance(k, bool) and k >= 1 else None


def _trustees(entries: Iterable[Posted]) -> tuple[int, ...]:
    """Each trustee named by the entries, once, in board order."""
    seen: list[int] = []
    for e in entries:
        t = e.payload.get("trustee")
        if isinstance(t, int) and not isinstance(t, bool) and t not in seen:
            seen.append(t)
    return tuple(seen)


def mix_progress(facts: BoardFacts, language: str) -> MixProgress | None:
    """The mix-net's progress, while the ranked races wait for it; None before the final
    count, once ``mix.result`` is on the board, or in an election without ranked races."""
    needed = trustees_needed(facts.definition)
    if (
        needed is None
        or not has_ranked(facts.definition)
        or facts.final is None
        or facts.mix_result is not None
    ):
        return None
    catalogue = translations(language)

    def say(message: Message, n: int, **params: str) -> str:
        singular, plural, _count = message
        return Phrase(singular, plural, n, params).say(catalogue.gettext, catalogue.ngettext)

    if facts.mix_completed is None:
        done = _trustees(facts.shuffles)
        more = max(needed - len(done), 0)
        if not done:
            text = say(_NONE_SHUFFLED, needed, num=whole(needed, language))
        else:
            listed = names([whole(t, language) for t in done], language)
            text = say(_SHUFFLED, len(done), trustees=listed)
            text += " " + say(_MORE, more, num=whole(more, language))
        return MixProgress("mixing", done, needed, text)
    done = _trustees(facts.mix_partials)
    text = say(_DECRYPTED, needed, done=whole(len(done), language), num=whole(needed, language))
    return MixProgress("decrypting", done, needed, text)
