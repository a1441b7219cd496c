"""A result in words and figures: each option's share of the valid votes against the rule.

The committee page, the public result page and the printed tally sheet all show a count
through these functions, so a reader sees the same shares and the same sentence about the
threshold everywhere ("68.4% Yes; needed at least 2/3 = 66.7%").

Shares are exact fractions until they are written: a rounded percentage is only for
reading, never for deciding (the outcome comes from :mod:`ballot.election.outcome`).
When rounding would make a share look equal to its threshold while it is not, more
digits are shown, so "66.7% Yes; needed 66.7%" never appears beside "Rejected".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction

from babel.lists import format_list
from babel.numbers import format_decimal, format_percent

from ballot.election.outcome import OutcomeRule, RuleKind
from ballot.i18n import BABEL_LOCALES, normalise, translations


@dataclass(frozen=True)
class Share:
    """One option's line of a result: its label, votes and share of the valid votes."""

    label: str
    votes: int
    percent: str  # "68.4%", in the reader's language; "—" with no valid votes
    bar: str  # the bar's length, 0 to 100, for the chart ("68.4")
    approving: bool  # the option the rule approves with (yes/no rules)


@dataclass(frozen=True)
class Shares:
    """A question's options with their shares, and the threshold they are measured by."""

    options: list[Share]
    needed: str  # the sentence comparing the share with the threshold
    marker: str | None  # where the threshold sits on the chart (0 to 100), if anywhere
    quorum: str | None  # turnout against the quorum, when the rule has one


def _locale(language: str) -> str:
    return BABEL_LOCALES.get(normalise(language), "en")


def percent(value: Fraction, language: str, digits: int = 1) -> str:
    """``value`` (a share, 0 to 1) as a percentage with ``digits`` decimals, localised."""
    quantum = Decimal(1).scaleb(-(digits + 2))
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    rounded = exact.quantize(quantum, rounding=ROUND_HALF_EVEN)
    pattern = "#,##0." + "0" * digits + "%" if digits else "#,##0%"
    return str(format_percent(rounded, pattern, locale=_locale(language)))


def _distinct(a: Fraction, b: Fraction, language: str) -> tuple[str, str]:
    """Both as percentages, with enough digits that unequal values never read as equal."""
    for digits in (1, 2, 3, 4):
        left, right = percent(a, language, digits), percent(b, language, digits)
        if a == b or left != right:
            return left, right
    return left, right


def whole(n: int, language: str) -> str:
    """A count with the language's digit grouping (8,300 / 8.300 / 8 300)."""
    return str(format_decimal(n, locale=_locale(language)))


def fixed_votes(text: str, language: str) -> str:
    """An STV value as published ("1318.58256") with the language's grouping and decimal
    sign, every one of its five places kept (nothing is rounded for reading)."""
    return str(format_decimal(Decimal(text), "#,##0.00000", locale=_locale(language)))


def names(items: Sequence[str], language: str) -> str:
    """A list in the language's own way: "2 and 3", "2 y 3", "2 및 3"."""
    return str(format_list(list(items), locale=_locale(language))) if items else ""


def _bar(value: Fraction) -> str:
    return f"{float(value * 100):.3f}".rstrip("0").rstrip(".")


def shares(
    rule: OutcomeRule | None,
    options: Sequence[tuple[str, str, int]],
    void: int,
    eligible: int | None,
    language: str,
) -> Shares:
    """``options``: (id, label, votes) in ballot order; shares are of the valid votes."""
    _ = translations(normalise(language)).gettext
    valid = sum(votes for _id, _label, votes in options)
    approve = _approving(rule)
    lines = []
    for option_id, label, votes in options:
        share = Fraction(votes, valid) if valid else Fraction(0)
        lines.append(
            Share(
                label=label,
                votes=votes,
                percent=percent(share, language) if valid else "—",
                bar=_bar(share),
                approving=option_id == approve,
            )
        )
    needed, marker = _needed(rule, options, valid, language, _)
    return Shares(lines, needed, marker, _quorum(rule, valid + void, eligible, language, _))


def _approving(rule: OutcomeRule | None) -> str | None:
    """The approving option of a rule already narrowed to one question (None: none)."""
    if rule is None or not rule.approval or not isinstance(rule.approve_option, str):
        return None
    return rule.approve_option


def _needed(
    rule: OutcomeRule | None,
    options: Sequence[tuple[str, str, int]],
    valid: int,
    language: str,
    _: Callable[[str], str],
) -> tuple[str, str | None]:
    if rule is None:
        return "", None
    threshold = rule.threshold
    marker = _bar(threshold)
    if not valid:
        return _("No valid votes: no share can be worked out."), marker
    if not rule.approval:
        return (
            _("A choice needs more than %(threshold)s = %(percent)s of the valid votes to win.")
            % {"threshold": str(threshold), "percent": percent(threshold, language)},
            marker,
        )
    found = [(label, votes) for option_id, label, votes in options if option_id == _approving(rule)]
    if not found:
        return "", marker
    label, votes = found[0]
    share, needed = _distinct(Fraction(votes, valid), threshold, language)
    if rule.kind is RuleKind.SUPERMAJORITY:
        text = _("%(share)s %(option)s; needed at least %(threshold)s = %(percent)s")
    else:
        text = _("%(share)s %(option)s; needed more than %(threshold)s = %(percent)s")
    return (
        text % {"share": share, "option": label, "threshold": str(threshold), "percent": needed},
        marker,
    )


def _quorum(
    rule: OutcomeRule | None,
    turnout: int,
    eligible: int | None,
    language: str,
    _: Callable[[str], str],
) -> str | None:
    if rule is None:
        return None
    if rule.quorum_fraction is not None and eligible:
        mine, needed = _distinct(Fraction(turnout, eligible), rule.quorum_fraction, language)
        return _(
            "Turnout %(turnout)s of %(eligible)s eligible; quorum %(quorum)s = %(percent)s"
        ) % {
            "turnout": mine,
            "eligible": whole(eligible, language),
            "quorum": str(rule.quorum_fraction),
            "percent": needed,
        }
    if rule.quorum_count is not None:
        return _("%(turnout)s ballots returned; quorum %(quorum)s ballots") % {
            "turnout": whole(turnout, language),
            "quorum": whole(rule.quorum_count, language),
        }
    return None


def trustee_progress(done: int, needed: int, language: str) -> str:
    """ "1 of 2 trustees have decrypted": how far the decryption of a tally has come."""
    ngettext = translations(normalise(language)).ngettext
    # One line, no trailing comma: `pybabel extract` counts a trailing comma as a 4th argument.
    text = ngettext("%(done)s of %(num)s trustee has decrypted", "%(done)s of %(num)s trustees have decrypted", needed)  # fmt: skip
    return text % {"done": done, "num": needed}
