"""A witness's cosignature of a server's signed head (PROTOCOL.md, "Witnessed heads").

A signed head lets anyone who *kept* it prove that the server rewrote its board later.
Nobody keeps heads by accident, and a record cut short after a genuine head still carries
good signatures.  A witness (an observer named in the election definition) follows the
board as it grows, checks every entry, and signs each server head it has verified with
its own Ed25519 key; the server publishes the cosignatures and the record carries them,
and the witness keeps its own append-only log.  A record that is a prefix of a board the
witness cosigned, or that conflicts with it, is then caught by ``ballot verify --witness``.

Signed message (RFC 8785 bytes)::

    {"type": "ballot.board.cosignature", "election": <id>, "witness": <64 hex public key>,
     "seq": <int>, "head": <hash of board entry seq>, "signed_head": <hash of the signed head>,
     "at": <the witness's time>}

``head`` repeats what the signed head says so that the cosignature alone can be held
against any board; ``signed_head`` binds the server's own statement (its time and its
chain of heads).  This module is pure: no files, no network.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from ballot.record.canonical import JSON, canonical_json, strict_loads
from ballot.record.chain import check_at, format_at, is_hash
from ballot.record.signing import ServerKey, SignatureError, SignedHead, verify_signature

COSIGNATURE_TYPE: Final = "ballot.board.cosignature"
FIELDS: Final = ("type", "election", "witness", "seq", "head", "signed_head", "at", "signature")

#: A witness signs with an Ed25519 key exactly like the server's board key.
WitnessKey = ServerKey


class CosignatureError(ValueError):
    """A cosignature is malformed or its signature does not verify."""


@dataclass(frozen=True)
class Cosignature:
    """Witness ``witness`` says: "I verified the board up to entry ``seq`` (hash ``head``),
    and the server's signed head ``signed_head`` on it"."""

    election_id: str
    witness: str
    seq: int
    head: str
    signed_head: str
    at: str
    signature: str

    def message(self) -> bytes:
        """The exact bytes the witness signs."""
        body = self.to_json()
        del body["signature"]
        return canonical_json(body)

    def to_json(self) -> dict[str, JSON]:
        return {
            "type": COSIGNATURE_TYPE,
            "election": self.election_id,
            "witness": self.witness,
            "seq": self.seq,
            "head": self.head,
            "signed_head": self.signed_head,
            "at": self.at,
            "signature": self.signature,
        }

    @classmethod
    def from_json(cls, data: object) -> Cosignature:
        """Parse a cosignature; its fields are checked, its signature is not (see verify)."""
        if not isinstance(data, Mapping) or set(data) != set(FIELDS):
            raise CosignatureError(
                f"a cosignature is an object with exactly the fields {', '.join(sorted(FIELDS))}"
            )
        if data["type"] != COSIGNATURE_TYPE:
            raise CosignatureError(f"not a cosignature (type {data['type']!r})")
        election, witness, seq = data["election"], data["witness"], data["seq"]
        if not isinstance(election, str) or not election:
            raise CosignatureError("a cosignature needs an election id")
        if not is_hash(witness):
            raise CosignatureError("the witness key must be 64 lower-case hex digits")
        if type(seq) is not int or seq < 0:
            raise CosignatureError(f"seq {seq!r} is not a non-negative integer")
        if not is_hash(data["head"]) or not is_hash(data["signed_head"]):
            raise CosignatureError("head and signed_head must be 64 lower-case hex digits")
        try:
            check_at(data["at"])
        except ValueError as exc:
            raise CosignatureError(str(exc)) from exc
        if not isinstance(data["signature"], str):
            raise CosignatureError("the signature must be a hex string")
        return cls(
            election,
            witness,
            seq,
            data["head"],
            data["signed_head"],
            data["at"],
            data["signature"],
        )

    def verify(self) -> None:
        """Raise :class:`CosignatureError` unless the witness's key signed this."""
        try:
            verify_signature(self.witness, self.message(), self.signature)
        except SignatureError as exc:
            raise CosignatureError(f"the witness's signature does not verify: {exc}") from exc

    def covers(self, head: SignedHead) -> bool:
        """Whether this cosignature is on exactly ``head``."""
        return (
            self.election_id == head.election_id
            and self.seq == head.seq
            and self.head == head.head_hash
            and self.signed_head == head.hash
        )

    @property
    def sort_key(self) -> tuple[int, str, str, str]:
        """The order of ``cosignatures.json``: by board seq, then witness key, time, signature."""
        return (self.seq, self.witness, self.at, self.signature)


def cosign(key: WitnessKey, head: SignedHead, at: str | datetime) -> Cosignature:
    """The witness's cosignature of ``head`` (which the caller has verified)."""
    stamp = format_at(at) if isinstance(at, datetime) else check_at(at)
    unsigned = Cosignature(
        head.election_id, key.public_hex, head.seq, head.head_hash, head.hash, stamp, ""
    )
    return Cosignature(
        unsigned.election_id,
        unsigned.witness,
        unsigned.seq,
        unsigned.head,
        unsigned.signed_head,
        unsigned.at,
        key.sign_hex(unsigned.message()),
    )


def parse_cosignature(data: Any) -> Cosignature:
    """Parse and verify one cosignature (fields, then the witness's signature)."""
    cosignature = Cosignature.from_json(data)
    cosignature.verify()
    return cosignature


def log_line(cosignature: Cosignature) -> bytes:
    """One line of a witness's log: the cosignature's RFC 8785 bytes, then LF."""
    return canonical_json(cosignature.to_json()) + b"\n"


def read_log(data: bytes) -> list[Cosignature]:
    """A witness's log (``cosigned.jsonl``): every line a cosignature that verifies, all by
    one witness for one election, in the order they were made (board seq never going back).

    Raises :class:`CosignatureError` naming the first bad line.
    """
    out: list[Cosignature] = []
    if data and not data.endswith(b"\n"):
        raise CosignatureError("the witness log does not end with a line end (cut short?)")
    for number, raw in enumerate(data.splitlines(), start=1):
        where = f"witness log line {number}"
        try:
            cosignature = parse_cosignature(strict_loads(raw))
        except CosignatureError as exc:
            raise CosignatureError(f"{where}: {exc}") from exc
        except ValueError as exc:
            raise CosignatureError(f"{where} is not JSON: {exc}") from exc
        if out and (cosignature.witness, cosignature.election_id) != (
            out[0].witness,
            out[0].election_id,
        ):
            raise CosignatureError(f"{where}: another witness or election than line 1")
        if out and cosignature.seq < out[-1].seq:
            raise CosignatureError(
                f"{where}: cosigns board entry {cosignature.seq} after entry {out[-1].seq}"
            )
        out.append(cosignature)
    if not out:
        raise CosignatureError("the witness log is empty: the witness has cosigned nothing")
    return out
