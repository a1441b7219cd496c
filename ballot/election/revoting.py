"""Revoting: whether a member may cast again, and which of an alias's ballots counts.

A per-election setting of protocol v2 (PROTOCOL 11.10), off by default.  Off, each alias
has one ballot, as always.  On, a member may cast again with the same link until voting
closes; the **last** ``ballot.cast`` of an alias in board order counts and the earlier
ones are *replaced*.  Why off by default: the US Department of Labor has treated changing
a vote after casting as needing a link between voter and ballot, and union constitutions
differ, so the committee decides per election, before the key ceremony (the setting is in
the definition, so the manifest hash and the fingerprint bind it).

One definition key: ``"revoting": true`` or ``false``; absent means off.  A definition
that binds no board key (protocol v1) never revotes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

#: The definition key.
KEY: Final = "revoting"


class RevotingError(ValueError):
    """The definition's ``revoting`` member is unusable."""


def revoting_of(definition: Mapping[str, Any] | None) -> bool:
    """Whether the definition lets a member cast again (the last ballot counting).

    Raises :class:`RevotingError` for a value other than true or false, or for revoting in
    a definition of protocol v1 (no ``board_key``): only v2 boards name the alias that ties
    a member's ballots together.
    """
    if not definition or KEY not in definition:
        return False
    value = definition[KEY]
    if type(value) is not bool:
        raise RevotingError("'revoting' must be true or false")
    if value and "board_key" not in definition:
        raise RevotingError(
            "revoting is a setting of protocol v2: a definition without a board key cannot "
            "allow it (its ballots name no alias to tell a member's last ballot)"
        )
    return value


def replaced_ballots(ballots: Iterable[tuple[int, str]]) -> dict[int, int]:
    """Of the cast ballots ``(board seq, alias)``, those a later one of the same alias
    replaces: replaced seq -> the seq of that alias's last ballot (the one that counts)."""
    last: dict[str, int] = {}
    seqs: dict[str, list[int]] = {}
    for seq, alias in sorted(ballots):
        if alias in last:
            seqs.setdefault(alias, []).append(last[alias])
        last[alias] = seq
    return {seq: last[alias] for alias, earlier in seqs.items() for seq in earlier}
