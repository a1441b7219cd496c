"""What the observer pages say, in the reader's language: the rule, an outcome, a time.

Sentences go through the page's gettext, so every language shows the same facts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from litestar import Request

from ballot.election.identity import DEFAULT_TIME_ZONE
from ballot.election.outcome import OutcomeRule, RuleKind
from ballot.election.revoting import RevotingError, revoting_of
from ballot.i18n import format_moment, normalise
from ballot.record.chain import parse_at
from ballot.web.ballot_page import text_in


def revoting_words(definition: Mapping[str, Any], _: Callable[[str], str]) -> list[str]:
    """Whether members may vote again (PROTOCOL 11.10), in a sentence; [] when they may not
    or the definition cannot say."""
    try:
        again = revoting_of(definition)
    except RevotingError:
        return []
    if not again:
        return []
    return [
        _(
            "Members may vote again until voting closes: only each member's last ballot "
            "counts, and earlier ones are shown on the board as replaced."
        )
    ]


def rule_words(rule: OutcomeRule | None, _: Callable[[str], str]) -> list[str]:
    """The rule, in sentences a member can read."""
    if rule is None:
        return [_("The rule for this vote cannot be read from the definition.")]
    t = str(rule.threshold)
    if rule.kind is RuleKind.MAJORITY and t == "1/2":
        out = [_("Rule: more than half of the valid votes must be in favour; a tie fails.")]
    elif rule.kind is RuleKind.MAJORITY:
        out = [_("Rule: more than %(share)s of the valid votes must be in favour.") % {"share": t}]
    elif rule.kind is RuleKind.SUPERMAJORITY:
        out = [_("Rule: at least %(share)s of the valid votes must be in favour.") % {"share": t}]
    elif rule.kind is RuleKind.PLURALITY:
        out = [
            _(
                "Rule: the choices with the most votes fill the seats (as many as a member may "
                "mark); the committee breaks a tie for the last seat."
            )
        ]
    else:
        out = [
            _(
                "Rule: a choice with more than %(share)s of the valid votes wins; otherwise "
                "the top two go to a runoff."
            )
            % {"share": t}
        ]
    if rule.quorum_fraction is not None:
        out.append(
            _("Quorum: at least %(share)s of the eligible members must return a ballot.")
            % {"share": str(rule.quorum_fraction)}
        )
    if rule.quorum_count is not None:
        out.append(
            _("Quorum: at least %(count)s ballots must be returned.") % {"count": rule.quorum_count}
        )
    out.append(_("Void (blank) ballots count towards turnout but are not valid votes."))
    return out


def state_words(state: str, _: Callable[[str], str]) -> str:
    """An election's state as a member would say it (never the internal name)."""
    names = {
        "draft": _("Being prepared"),
        "key_ceremony": _("Trustees are making the keys"),
        "ready": _("Ready, not open yet"),
        "open": _("Open for voting"),
        "closed": _("Voting closed; counting"),
        "mixing": _("Voting closed; trustees are shuffling the ranked ballots"),
        "decrypting_mixed": _("Voting closed; trustees are decrypting the mixed ballots"),
        "tallied": _("Counted; result provisional"),
        "certified": _("Result certified"),
    }
    return names.get(state, state)


def outcome_words(result: str, label: Callable[[str], str], _: Callable[[str], str]) -> str:
    """An outcome key of :class:`ballot.election.outcome.Outcome` in words."""

    def names(ids: str) -> str:
        return ", ".join(label(i) for i in ids.split(",") if i)

    if result == "approved":
        return _("Approved: the votes in favour meet the rule.")
    if result == "rejected":
        return _("Rejected: the votes in favour do not meet the rule.")
    if result == "tie_fails":
        return _("Rejected: the vote is tied, and a tie fails.")
    if result == "no_quorum":
        return _("No decision: turnout is below the quorum.")
    if result == "no_valid_votes":
        return _("No decision: there are no valid votes.")
    if result.startswith("elected:"):
        return _("Elected: %(name)s.") % {"name": names(result.removeprefix("elected:"))}
    if result.startswith("elected_tie:"):
        sure, _sep, tied = result.removeprefix("elected_tie:").partition(";")
        text = _(
            "No decision yet: %(names)s are tied for the last seat; the committee breaks the "
            "tie by its rules."
        ) % {"names": names(tied)}
        if sure:
            text += " " + _("Elected: %(name)s.") % {"name": names(sure)}
        return text
    if result.startswith("runoff:"):
        return _("No majority: a runoff between %(names)s follows.") % {
            "names": names(result.removeprefix("runoff:"))
        }
    if result.startswith("runoff_tie:"):
        sure, _sep, tied = result.removeprefix("runoff_tie:").partition(";")
        text = _(
            "No majority: a runoff follows, but %(names)s are tied for a place in it; the "
            "committee breaks the tie by its rules."
        ) % {"names": names(tied)}
        if sure:
            text += " " + _("Sure of a place in the runoff: %(names)s.") % {"names": names(sure)}
        return text
    return result


def when(at: str, language: str, zone: str | None = DEFAULT_TIME_ZONE) -> dict[str, str]:
    """A board time for the page: ``text`` in the page's language and the election's zone,
    with the zone's name (:func:`ballot.i18n.format_moment`); ``iso`` for ``<time>``."""
    return {"iso": at, "text": format_moment(parse_at(at), language, zone)}


def page_language(request: Request[Any, Any, Any], lang: str | None, offered: list[str]) -> str:
    """The language asked for (query, then browser), among those the election offers."""
    language = normalise(lang or request.headers.get("accept-language"))
    return language if language in offered else offered[0]


def page_title(definition: Mapping[str, Any] | None, language: str, fallback: str) -> str:
    """The election's title in ``language`` (``fallback`` when the board has none)."""
    return text_in((definition or {}).get("title"), language) or fallback
