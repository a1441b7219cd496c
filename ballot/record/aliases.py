"""Voter aliases: the public names of the roll's members on a protocol-v2 board (PROTOCOL 11.8).

When voting opens the board commits the frozen roll as a sorted list of random aliases, one
per eligible member; every ballot, and every reissue or revocation of a member's link, names
its alias.  Only the member (from their invitation) and the server know whose alias is
whose, so anyone can check the roll's size and that no alias voted twice, and each member can
check that no ballot was cast in their name, without the board naming anybody.

An alias is 10 characters of Crockford's base32 (digits and capitals without I, L, O, U:
nothing to misread) in two groups of five, ``7K3QD-M9XAT``: 50 random bits, typed from an
e-mail on a phone.  Uniqueness within an election is enforced where they are made (and by
the database); they need not be secret, only unpredictable, so ``secrets`` draws them.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Collection
from typing import Final

#: Crockford's base32 alphabet, in value order.
ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: Characters per group, and groups per alias.
GROUP: Final = 5
GROUPS: Final = 2
#: The spelling of an alias on the board, in mail and on pages.
ALIAS_PATTERN: Final = re.compile(
    "-".join([f"[{ALPHABET}]{{{GROUP}}}"] * GROUPS),
)
#: An alias's length as written (with its hyphen).
ALIAS_LENGTH: Final = GROUP * GROUPS + GROUPS - 1
#: Each random byte picks one character (256 is a multiple of 32, so all are equally likely).
_BYTE_TO_CHAR: Final = bytes(ord(ALPHABET[b % len(ALPHABET)]) for b in range(256))
#: What people type by mistake for a character of the alphabet (Crockford's decoding rules).
_READ_AS: Final = str.maketrans({"O": "0", "I": "1", "L": "1"})
_NOT_TYPED: Final = re.compile(r"[\s\-_.]+")


def is_alias(value: object) -> bool:
    """Whether ``value`` is an alias as written on the board."""
    return isinstance(value, str) and ALIAS_PATTERN.fullmatch(value) is not None


def _group(compact: str) -> str:
    return "-".join(compact[i : i + GROUP] for i in range(0, GROUP * GROUPS, GROUP))


def new_aliases(count: int, taken: Collection[str] = ()) -> list[str]:
    """``count`` fresh random aliases, distinct from each other and from ``taken``.

    One call to ``secrets`` per batch, so a roll of 260,000 members costs a fraction of a
    second; a clash (about one in 40,000 rolls of that size) is simply drawn again.
    """
    out: list[str] = []
    seen = set(taken)
    width = GROUP * GROUPS
    while len(out) < count:
        missing = count - len(out)
        raw = secrets.token_bytes(missing * width).translate(_BYTE_TO_CHAR).decode("ascii")
        for i in range(missing):
            alias = _group(raw[i * width : (i + 1) * width])
            if alias not in seen:
                seen.add(alias)
                out.append(alias)
    return out


def normalise_alias(text: str) -> str | None:
    """An alias as someone typed it (any case, spaces or no hyphen, O for 0, I or L for 1),
    in its board spelling; ``None`` if it cannot be one."""
    if not isinstance(text, str) or len(text) > 4 * ALIAS_LENGTH:
        return None
    compact = _NOT_TYPED.sub("", text).upper().translate(_READ_AS)
    if len(compact) != GROUP * GROUPS or any(c not in ALPHABET for c in compact):
        return None
    return _group(compact)
