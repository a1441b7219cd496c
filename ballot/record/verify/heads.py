"""The server's signed heads: each on its board entry, the last on the last entry.

Under which key: a v1 record's own ``server_key.json`` (which certifies itself: anyone can
re-sign a doctored board with a fresh key), a v2 record's key bound in the election
definition (``board_key``, PROTOCOL 5.1), which ``server_key.json`` must repeat.  A v2
board re-signed with any other key fails here, naming that.
"""

from __future__ import annotations

from typing import Any

from ballot.record.chain import is_hash
from ballot.record.election_record import RecordFormatError
from ballot.record.signing import SignatureError, SignedHead, verify_head_sequence
from ballot.record.verify.ceremony import Context, bound_board_key
from ballot.record.verify.report import failure


def _public_key(ctx: Context, raw_key: Any) -> str:
    """The key the heads must verify under (see the module's docstring)."""
    fail = failure("signed heads")
    if (
        not isinstance(raw_key, dict)
        or set(raw_key) != {"algorithm", "public_key"}
        or raw_key["algorithm"] != "ed25519"
        or not isinstance(raw_key["public_key"], str)
    ):
        raise fail("server_key.json must be {'algorithm': 'ed25519', 'public_key': hex}")
    if ctx.record.version < 2:
        return str(raw_key["public_key"])
    try:
        bound = bound_board_key(ctx.record.json("definition.json"))
    except ValueError as exc:
        raise fail(f"definition.json: {exc}") from exc
    if raw_key["public_key"] != bound:
        raise fail(
            "server_key.json holds another key than the board key bound in the election "
            "definition (board_key): the record was re-signed with another key"
        )
    return bound


def check_heads(ctx: Context) -> None:
    """Signed heads: every signature and link, each head on its board entry, and the
    final head on the last entry (so nothing was appended, cut or rewritten after it)."""
    fail = failure("signed heads")
    lines = ctx.lines
    try:
        raw_key = ctx.record.json("server_key.json")
        raw_heads = ctx.record.json("heads.json")
    except RecordFormatError as exc:
        raise fail(str(exc)) from exc
    public = _public_key(ctx, raw_key)
    if not isinstance(raw_heads, list) or not raw_heads:
        raise fail("heads.json must be a non-empty list of signed heads")
    try:
        heads = [SignedHead.from_json(h) for h in raw_heads]
    except SignatureError as exc:
        raise fail(f"signature check failed: {exc}") from exc
    try:
        verify_head_sequence(heads, public)
    except SignatureError as exc:
        bound = " bound in the election definition" if ctx.record.version >= 2 else ""
        raise fail(f"signature check failed under the board key{bound}: {exc}") from exc
    if ctx.record.version >= 2:
        _check_order(ctx, heads)
    for i, head in enumerate(heads):
        if head.election_id != ctx.record.election_id:
            raise fail(f"signed head {i} is for election {head.election_id!r}")
        if head.seq >= len(lines) or lines[head.seq].hash != head.head_hash:
            raise fail(
                f"signed head {i} signs board entry {head.seq} with another hash than the "
                "board has: the board was rewritten after it was signed"
            )
    last = heads[-1]
    if last.seq != lines[-1].seq:
        raise fail(
            f"the final signed head covers board entry {last.seq}, but the board ends at "
            f"entry {lines[-1].seq}: entries were added after the last signature"
        )
    if ctx.record.index["board_head"] != lines[-1].hash:
        raise fail("record.json's board_head is not the hash of the last board entry")


def check_fingerprint(index: Any, expected: str) -> None:
    """``--fingerprint``: the record must be of the election the caller noted.

    The index's fingerprint is compared here; the key-ceremony step later proves that it is
    the one the definition (with its board key) and the trustees' keys give, so a record
    that only claims the fingerprint fails there.
    """
    fail = failure("election fingerprint")
    wanted = "".join(str(expected).split()).lower()
    if not is_hash(wanted):
        raise fail(
            f"--fingerprint must be the election fingerprint: 64 hex digits (spaces allowed), "
            f"not {expected!r}"
        )
    stated = index.get("fingerprint") if isinstance(index, dict) else None
    if stated != wanted:
        raise fail(
            f"this record is of another election: its fingerprint is {stated}, but you asked "
            f"for {wanted}; do not use it to check the election you noted"
        )


def _check_order(ctx: Context, heads: list[SignedHead]) -> None:
    """Protocol v2 (PROTOCOL 11.9): each head signs a later entry than the head before it
    (no entry is signed twice), and no head is dated before the entry it signs (a time
    that goes back is checked for every version with the signatures)."""
    fail = failure("signed heads")
    for i, head in enumerate(heads):
        if i > 0 and head.seq <= heads[i - 1].seq:
            raise fail(
                f"signed head {i} signs board entry {head.seq}, but signed head {i - 1} already "
                f"signed entry {heads[i - 1].seq}: each head must sign a later entry"
            )
        if head.seq < len(ctx.lines) and head.at < ctx.lines[head.seq].at:
            raise fail(
                f"signed head {i} is dated {head.at}, before the board entry it signs "
                f"(entry {head.seq}, at {ctx.lines[head.seq].at}): a head cannot precede "
                "what it signs"
            )
