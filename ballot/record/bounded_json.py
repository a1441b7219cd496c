"""JSON parsed within bounds: a nesting depth and a number length, checked before parsing.

Records and server answers come from anywhere.  Python's parser recurses once per
nested array or object, so text nested 100,000 deep ends in ``RecursionError`` (a
traceback, not a refusal), and an integer of 100,000 digits is refused only through
the interpreter's own conversion limit.  The protocol's JSON is shallow (a record
nests at most about ten levels) and its integers fit in 2^53, so PROTOCOL.md 11.6
lets a verifier refuse anything nested deeper than :data:`MAX_DEPTH` or with a
number literal longer than :data:`MAX_NUMBER_CHARS`, and this module refuses exactly
that, with a sentence saying which rule.

The depth is found without recursion and in C-speed passes: strings are cut out
(brackets inside them are text), everything but brackets dropped (``{}`` read as
``[]``), and adjacent ``[]`` pairs removed once per pass; a document of depth ``d`` is empty after
exactly ``d`` passes, so at most :data:`MAX_DEPTH` passes decide.  Most documents
have fewer brackets than the limit and skip even that.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any, Final

__all__ = [
    "MAX_DEPTH",
    "MAX_NUMBER_CHARS",
    "JSONBoundsError",
    "bounded_loads",
    "check_depth",
]

#: Deepest nesting of arrays and objects a reader accepts (the record uses about 10).
MAX_DEPTH: Final = 64
#: Longest number literal accepted (the protocol's integers are at most 16 digits).
MAX_NUMBER_CHARS: Final = 32

#: ``{`` read as ``[`` and ``}`` as ``]``: a parser recurses alike for both.
_UNIFY: Final = bytes.maketrans(b"{}", b"[]")
#: Everything but brackets.
_NOT_BRACKET: Final = bytes(c for c in range(256) if c not in b"[]{}")


class JSONBoundsError(ValueError):
    """The text is nested too deep or holds an over-long number (the message says which)."""


def _brackets(raw: bytes) -> bytes:
    """The brackets outside strings, ``{}`` written as ``[]``.

    Escaped backslashes, then escaped quotes, are dropped first (left to right, as a
    JSON reader pairs them); every quote left then opens or closes a string, so the
    text between the 2nd and 3rd, 4th and 5th... quote is outside strings.
    """
    if b"\\" in raw:
        raw = raw.replace(b"\\\\", b"").replace(b'\\"', b"")
    return b"".join(raw.split(b'"')[0::2]).translate(_UNIFY, _NOT_BRACKET)


def _too_deep(brackets: bytes, limit: int) -> bool:
    """Whether a parser of text with these brackets could recurse deeper than ``limit``.

    Each pass removes the innermost ``[]`` pairs, one level: balanced brackets of depth
    ``d`` are gone after exactly ``d`` passes.  When no pair is left the rest reads
    ``]...][...[``: a parser stops at the first unmatched ``]`` (so it never went
    deeper than the passes so far), and otherwise the unmatched ``[`` add to them.
    """
    for passes in range(limit + 1):
        if not brackets:
            return False
        reduced = brackets.replace(b"[]", b"")
        if len(reduced) == len(brackets):
            return not brackets.startswith(b"]") and passes + len(brackets) > limit
        brackets = reduced
    return True


def check_depth(data: bytes | str, limit: int = MAX_DEPTH) -> None:
    """Raise :class:`JSONBoundsError` if ``data`` nests arrays and objects deeper than ``limit``.

    Sound for malformed text too: whatever a recursive parser would descend into
    before it stops is counted, so a parser handed text that passes never recurses
    deeper than ``limit`` (malformed text may be refused here instead of by the parser).
    """
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    if raw.count(b"[") + raw.count(b"{") <= limit:
        return
    if _too_deep(_brackets(raw), limit):
        raise JSONBoundsError(f"nested deeper than {limit} levels")


def _bounded(kind: str, convert: Callable[[str], Any]) -> Callable[[str], Any]:
    def parse(literal: str) -> Any:
        if len(literal) > MAX_NUMBER_CHARS:
            raise JSONBoundsError(
                f"{kind} of {len(literal)} characters (at most {MAX_NUMBER_CHARS} allowed)"
            )
        return convert(literal)

    return parse


_INT: Final = _bounded("an integer", int)
_FLOAT: Final = _bounded("a number", float)


def bounded_loads(
    data: bytes | str,
    *,
    object_pairs_hook: Callable[[list[tuple[str, Any]]], Any] | None = None,
    parse_constant: Callable[[str], Any] | None = None,
) -> Any:
    """``json.loads`` of UTF-8 ``data`` after the depth check, with bounded number literals.

    Raises ``ValueError``: :class:`JSONBoundsError` for a bound, ``UnicodeDecodeError``
    or ``json.JSONDecodeError`` for text that is not JSON.
    """
    check_depth(data)
    text = data.decode("utf-8") if isinstance(data, bytes) else data
    return json.loads(
        text,
        parse_int=_INT,
        parse_float=_FLOAT,
        object_pairs_hook=object_pairs_hook,
        parse_constant=parse_constant,
    )
