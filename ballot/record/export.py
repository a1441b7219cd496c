"""Build the downloadable election record from the server's board.

Why here and not in the store: the record is the board plus copies derived from
it, and the verifier (``ballot.record.verify``) decides which entries those copies
must equal.  Deriving them next to the verifier keeps one reading of the board:
the definition in force is the LAST ``election.defined`` (earlier ones were
withdrawn), the key ceremony is the ``ceremony.completed`` after it, and
tally.json / partials.json / result.json are the FINAL round's.

The caller passes entries in published form (``BoardEntry.to_json()``: seq, kind,
at, payload, prev, hash) and the signed heads (``SignedHead.to_json()``); nothing
here touches a database, so the same function serves the web route and the tests.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ballot.election.result import result_version
from ballot.record.cosign import Cosignature
from ballot.record.election_record import RecordFormatError, board_line, write_record
from ballot.record.kinds import Kind
from ballot.record.signing import SignedHead

__all__ = ["build_record", "carried_cosignatures", "final_round", "record_version"]


def _last(entries: Sequence[Mapping[str, Any]], kind: str) -> int | None:
    for i in range(len(entries) - 1, -1, -1):
        if entries[i]["kind"] == kind:
            return i
    return None


def final_round(entries: Sequence[Mapping[str, Any]]) -> int:
    """Position of the final ``tally.result`` in ``entries``.

    Raises :class:`RecordFormatError` while the board holds no final result: no result
    at all, a round whose tally awaits decryption, or challenges decided after a
    determinative round-1 result whose round 2 is not tallied yet.  A record written
    then would not verify (and would not be the election's outcome).
    """
    result = _last(entries, Kind.RESULT)
    tally = _last(entries, Kind.TALLY)
    if tally is not None and (result is None or tally > result):
        number = entries[tally]["payload"].get("round")
        raise RecordFormatError(
            f"the board has no result yet for round {number}: its tally (board entry "
            f"{entries[tally]['seq']}) still awaits decryption"
        )
    if result is None:
        raise RecordFormatError(
            "the board has no result yet (no 'tally.result' entry): the election record is "
            "published once the final result is on the board"
        )
    decided = _last(entries, Kind.DECIDED)
    if decided is not None and decided > result:
        raise RecordFormatError(
            "the board has no final result yet: challenges were decided after the round-1 "
            "result, so round 2 must be tallied first"
        )
    return result


def record_version(definition: Mapping[str, Any]) -> int:
    """The protocol version of an election's record: its results' version, 2 once its
    definition binds the board key (set when the election is created), else 1."""
    return result_version(definition)


def carried_cosignatures(
    definition: Mapping[str, Any],
    heads: Sequence[Mapping[str, Any]],
    cosignatures: Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """The cosignatures a record carries: those by a witness of the definition in force,
    on a signed head the record holds, in record order (board seq, witness key, time,
    signature), each once.  A witness named only in a withdrawn definition is dropped:
    the verifier knows the witnesses of the definition in force alone."""
    named = {w.get("public_key") for w in definition.get("witnesses") or () if isinstance(w, dict)}
    held = {SignedHead.from_json(h).hash for h in heads}
    kept: dict[tuple[int, str, str, str], dict[str, Any]] = {}
    for data in cosignatures:
        c = Cosignature.from_json(data)
        if c.witness in named and c.signed_head in held:
            kept[c.sort_key] = c.to_json()
    return [kept[k] for k in sorted(kept)]


def build_record(
    entries: Sequence[Mapping[str, Any]],
    heads: Sequence[Mapping[str, Any]],
    server_public_key: str,
    path: Path,
    cosignatures: Sequence[Mapping[str, Any]] = (),
) -> None:
    """Write the election record ZIP of a finished board to ``path`` (PROTOCOL 11.1).

    ``entries``: every board entry in seq order, published form; ``heads``: every
    signed head, oldest first; ``server_public_key``: the Ed25519 key, 64 hex;
    ``cosignatures``: the witnesses' cosignatures the server accepted (a version-2
    record carries those :func:`carried_cosignatures` keeps).
    Raises :class:`RecordFormatError` with a clear message when the board has no final
    result yet, lacks the definition or ceremony, or its last entry is not signed.
    """
    if not entries:
        raise RecordFormatError("the board is empty: the election has no record yet")
    result_at = final_round(entries)
    defined_at = _last(entries, Kind.DEFINED)
    if defined_at is None:
        raise RecordFormatError("the board has no 'election.defined' entry")
    ceremony_at = next(
        (i for i in range(defined_at + 1, len(entries)) if entries[i]["kind"] == Kind.CEREMONY),
        None,
    )
    if ceremony_at is None:
        raise RecordFormatError(
            "the board has no 'ceremony.completed' entry after the definition in force"
        )
    if not heads:
        raise RecordFormatError("the board has no signed head")
    last = entries[-1]
    if heads[-1].get("seq") != last["seq"]:
        raise RecordFormatError(
            f"the last signed head covers board entry {heads[-1].get('seq')}, but the board "
            f"ends at entry {last['seq']}: sign a head for the last entry first"
        )
    number = entries[result_at]["payload"].get("round")
    tally_at = _last(entries[:result_at], Kind.TALLY)
    assert tally_at is not None  # a result follows its tally on any board the server keeps
    partials = [
        dict(e["payload"])
        for e in entries[tally_at:result_at]
        if e["kind"] == Kind.PARTIAL and e["payload"].get("round") == number
    ]
    defined = entries[defined_at]["payload"]
    definition = defined["definition"]
    ceremony = entries[ceremony_at]["payload"]
    version = record_version(definition)
    write_record(
        Path(path),
        election_id=str(definition["election_id"]),
        manifest_hash=str(defined["manifest_hash"]),
        fingerprint=str(ceremony["fingerprint"]),
        definition=definition,
        ceremony=ceremony["transcript"],
        board=(board_line(e) for e in entries),
        heads=heads,
        server_key={"algorithm": "ed25519", "public_key": server_public_key},
        tally=entries[tally_at]["payload"]["tally"],
        partials=partials,
        result=entries[result_at]["payload"]["result"],
        board_head=str(last["hash"]),
        version=version,
        cosignatures=carried_cosignatures(definition, heads, cosignatures) if version > 1 else (),
    )
