"""Witnessed heads: the record's cosignatures, and one witness's log held against the record.

Two checks (PROTOCOL.md, "Witnessed heads"):

* ``cosignatures``: every cosignature the record carries is by a witness the definition
  names, verifies, and is on a signed head the record holds, on the board as it is;
* ``witness`` (``ballot verify --witness LOG``): the record's final head is cosigned by
  that witness, and nothing the witness cosigned is missing from the record (a prefix)
  or different in it (a fork).

They come right after the definition: the witness's log is the one piece of evidence
a dishonest server cannot re-sign, so its verdict is reported before any other.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

from ballot.election.witnesses import WitnessError, witness_names
from ballot.record.cosign import Cosignature, CosignatureError, read_log
from ballot.record.election_record import RecordFormatError
from ballot.record.reader import MAX_MEMBER_BYTES
from ballot.record.signing import SignatureError, SignedHead
from ballot.record.verify.ceremony import Context
from ballot.record.verify.report import VerificationFailed, failure

#: The name of the witness's log in its state folder (``ballot observe --state DIR``).
LOG_NAME: Final = "cosigned.jsonl"


def _heads(ctx: Context, step: str) -> list[SignedHead]:
    """The record's signed heads (already checked by the signed-heads step)."""
    try:
        return [SignedHead.from_json(h) for h in ctx.record.json("heads.json")]
    except (RecordFormatError, SignatureError, TypeError) as exc:
        raise VerificationFailed(step, f"heads.json: {exc}") from exc


def _names(ctx: Context, step: str) -> dict[str, str]:
    try:
        return witness_names(ctx.definition or {})
    except WitnessError as exc:
        raise VerificationFailed(step, f"the definition's witness list: {exc}") from exc


def check_cosignatures(ctx: Context) -> list[Cosignature]:
    """Every cosignature in cosignatures.json (none in a version-1 record)."""
    fail = failure("cosignatures")
    if ctx.record.version < 2:
        return []
    try:
        raw = ctx.record.json("cosignatures.json")
    except RecordFormatError as exc:
        raise fail(str(exc)) from exc
    if not isinstance(raw, list):
        raise fail("cosignatures.json must be a list of cosignatures")
    names = _names(ctx, "cosignatures")
    heads = {h.hash: h for h in _heads(ctx, "cosignatures")}
    lines = ctx.lines
    out: list[Cosignature] = []
    for i, item in enumerate(raw):
        try:
            c = Cosignature.from_json(item)
        except CosignatureError as exc:
            raise fail(f"cosignature {i}: {exc}") from exc
        if c.election_id != ctx.record.election_id:
            raise fail(f"cosignature {i} is for election {c.election_id!r}")
        name = names.get(c.witness)
        if name is None:
            raise fail(
                f"cosignature {i} is by an unknown witness (key {c.witness[:16]}…): the "
                "definition names no witness with this key"
            )
        try:
            c.verify()
        except CosignatureError as exc:
            raise fail(f"cosignature {i} by witness {name!r}: {exc}") from exc
        if c.seq >= len(lines) or lines[c.seq].hash != c.head:
            raise fail(
                f"cosignature {i} by witness {name!r} is on board entry {c.seq} with another "
                "hash than the board has: a wrong head, or the board was rewritten after the "
                "witness saw it"
            )
        head = heads.get(c.signed_head)
        if head is None or not c.covers(head):
            raise fail(
                f"cosignature {i} by witness {name!r} is on a signed head (board entry "
                f"{c.seq}) that heads.json does not hold"
            )
        if out and not out[-1].sort_key < c.sort_key:
            raise fail(
                "cosignatures.json must be sorted by board seq, witness key and time, "
                f"without repeats (cosignature {i})"
            )
        out.append(c)
    return out


def read_witness_log(path: Path) -> list[Cosignature]:
    """A witness's log from its file, or from its state folder (``DIR/cosigned.jsonl``)."""
    fail = failure("witness")
    where = Path(path)
    if where.is_dir():
        where = where / LOG_NAME
    try:
        with where.open("rb") as f:
            data = f.read(MAX_MEMBER_BYTES + 1)
    except OSError as exc:
        raise fail(f"cannot read the witness log {where}: {exc}") from exc
    if len(data) > MAX_MEMBER_BYTES:
        raise fail(f"the witness log {where} is larger than {MAX_MEMBER_BYTES} bytes")
    try:
        return read_log(data)
    except CosignatureError as exc:
        raise fail(f"the witness log {where} is damaged or forged: {exc}") from exc


def check_witness(ctx: Context, log: Sequence[Cosignature], carried: Sequence[Cosignature]) -> str:
    """Hold one witness's log against the record; the sentence to report when it passes.

    ``carried``: the record's own cosignatures (already verified), which count for the
    final head too: the witness may have cosigned it after copying its log.
    """
    fail = failure("witness")
    first = log[0]
    if first.election_id != ctx.record.election_id:
        raise fail(
            f"the witness log is for election {first.election_id!r}, the record for "
            f"{ctx.record.election_id!r}"
        )
    name = _names(ctx, "witness").get(first.witness)
    if name is None:
        raise fail(
            f"the witness log is by key {first.witness[:16]}…, which the record's definition "
            "does not name as a witness"
        )
    lines, heads = ctx.lines, _heads(ctx, "witness")
    held = {h.hash for h in heads}
    last = lines[-1].seq
    # A conflict is the gravest finding, so it is named first, earliest entry first.
    for c in sorted(log, key=lambda c: c.seq):
        if c.seq > last:
            break
        if lines[c.seq].hash != c.head:
            raise fail(
                f"board entry {c.seq} is not what witness {name!r} cosigned at {c.at}: the "
                "record conflicts with the board the witness saw (a fork)"
            )
        if c.signed_head not in held:
            raise fail(
                f"witness {name!r} cosigned the server's signed head on board entry {c.seq} "
                f"at {c.at}, and this record does not hold that head: the server's signed "
                "heads were rewritten (a fork)"
            )
    latest = max(log, key=lambda c: c.seq)
    if latest.seq > last:
        raise fail(
            f"the record ends at board entry {last}, but witness {name!r} cosigned board entry "
            f"{latest.seq} at {latest.at}: the record is cut short (a prefix of the board the "
            "witness saw)"
        )
    final = heads[-1]
    mine = [*log, *(c for c in carried if c.witness == first.witness)]
    done = next((c for c in mine if c.covers(final)), None)
    if done is None:
        raise fail(
            f"the record's final signed head (board entry {final.seq}) is not cosigned by "
            f"witness {name!r}; its latest cosignature is on board entry {latest.seq}"
        )
    return f"witness {name!r} cosigned the final head (board entry {final.seq}) at {done.at}"
