"""The definition in force and the key ceremony bound to it, read through ElectionContext.

The verifier builds the manifest, the verified ceremony, the keys and the fingerprint as
the service and the trustee tool do (:mod:`ballot.election.context`), so the three agree
on them by construction; what is checked here is that the record binds them as it says.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ballot.crypto.ceremony import CeremonyResult
from ballot.crypto.manifest import ElectionManifest
from ballot.election.context import (
    ContextError,
    ElectionContext,
    context_from_text,
    read_definition,
)
from ballot.election.revoting import RevotingError, revoting_of
from ballot.record.chain import is_hash
from ballot.record.election_record import ElectionRecord
from ballot.record.kinds import Kind
from ballot.record.units import SubtotalsError, subtotal_min_size
from ballot.record.verify.report import failure
from ballot.record.verify.scan import Line


@dataclass
class Context:
    """What the checks learn, in order: the record and its board, then the election's keys."""

    record: ElectionRecord
    lines: list[Line]
    definition: dict[str, Any] | None = None
    manifest: ElectionManifest | None = None
    manifest_hash: bytes = b""
    election: ElectionContext | None = None  # once the key ceremony verified
    min_size: int | None = None  # subtotals per unit: the minimum pool size
    #: The definition and the transcript as JSON text: what the ballot workers start from.
    texts: tuple[str, str] = ("", "")

    @property
    def ceremony(self) -> CeremonyResult | None:
        return None if self.election is None else self.election.ceremony

    @property
    def fingerprint(self) -> bytes:
        return b"" if self.election is None else self.election.fingerprint


def _reason(exc: ContextError) -> str:
    """The underlying reason of a context refusal, without the context's own preamble."""
    return str(exc.__cause__ or exc)


def bound_board_key(definition: Any) -> str:
    """The board key a v2 definition binds (PROTOCOL 5.1), as 64 lower-case hex;
    ValueError saying what is wrong."""
    if not isinstance(definition, dict) or "board_key" not in definition:
        raise ValueError(
            "a v2 record's definition must bind the board key ('board_key'); without it "
            "nothing says which key may sign this election's board"
        )
    key = definition["board_key"]
    if (
        not isinstance(key, dict)
        or set(key) != {"algorithm", "public_key"}
        or key["algorithm"] != "ed25519"
        or not is_hash(key["public_key"])
    ):
        raise ValueError(
            "'board_key' must be {'algorithm': 'ed25519', 'public_key': <64 lower-case hex>}"
        )
    return str(key["public_key"])


def check_definition(ctx: Context) -> None:
    """definition.json against record.json and the definition in force on the board."""
    fail = failure("definition")
    index = ctx.record.index
    definition = ctx.record.json("definition.json")
    if not isinstance(definition, dict):
        raise fail("the election definition is invalid: it is not a JSON object")
    try:
        manifest, mh = read_definition(definition)
    except ContextError as exc:
        raise fail(f"the election definition is invalid: {_reason(exc)}") from exc
    if mh.hex() != index["manifest_hash"]:
        raise fail("definition.json does not hash to the manifest hash in record.json")
    if manifest.election_id != index["election_id"]:
        raise fail("record.json names another election than definition.json")
    if ctx.record.version >= 2:
        try:
            bound_board_key(definition)
        except ValueError as exc:
            raise fail(f"the election definition is invalid: {exc}") from exc
    elif "board_key" in definition:
        raise fail(
            "the definition binds a board key, so its record is a v2 record, but record.json "
            "says v1 (a v1 verifier would take the key from server_key.json)"
        )
    try:
        ctx.min_size = subtotal_min_size(definition)
        revoting_of(definition)  # a boolean, and only where ballots name aliases (v2)
    except (SubtotalsError, RevotingError) as exc:
        raise fail(f"the election definition is invalid: {exc}") from exc
    first = ctx.lines[0] if ctx.lines else None
    if first is None or first.kind != Kind.DEFINED or first.payload is None:
        raise fail(f"board entry 0 must be '{Kind.DEFINED}'")
    # The definition in force is the last one: earlier ones were withdrawn before opening.
    last = [x for x in ctx.lines if x.kind == Kind.DEFINED][-1]
    if last.payload != {"definition": definition, "manifest_hash": mh.hex()}:
        raise fail(f"board entry {last.seq} ({Kind.DEFINED}) differs from definition.json")
    ctx.definition, ctx.manifest, ctx.manifest_hash = definition, manifest, mh


def check_ceremony(ctx: Context) -> None:
    """The ceremony bound to the definition in force, verified; the fingerprint it gives."""
    fail = failure("key ceremony")
    transcript = ctx.record.json("ceremony.json")
    defined = [x for x in ctx.lines if x.kind == Kind.DEFINED]
    in_force = defined[-1].seq
    # Ceremonies before the last definition were for withdrawn definitions: ignored.
    entries = [x for x in ctx.lines if x.kind == Kind.CEREMONY and x.seq > in_force]
    if not entries or entries[0].payload is None:
        raise fail(
            f"the board holds no '{Kind.CEREMONY}' entry after the definition in force "
            f"(board entry {in_force})"
        )
    entry = entries[0]
    assert entry.payload is not None
    bound = transcript.get("manifest_hash") if isinstance(transcript, dict) else None
    for old in defined[:-1]:
        if bound != ctx.manifest_hash.hex() and bound == (old.payload or {}).get("manifest_hash"):
            raise fail(
                f"the key ceremony (ceremony.json, board entry {entry.seq}) is bound to the "
                f"withdrawn definition of board entry {old.seq}, not to the definition in "
                f"force (board entry {in_force})"
            )
    if not isinstance(transcript, dict):
        raise fail("the key-ceremony transcript does not verify: it is not a JSON object")
    assert ctx.definition is not None
    texts = (json.dumps(ctx.definition), json.dumps(transcript))
    try:
        election = context_from_text(*texts)
    except ContextError as exc:
        raise fail(f"the key-ceremony transcript does not verify: {_reason(exc)}") from exc
    result, fp = election.ceremony, election.fingerprint
    if entry.payload != {"transcript": transcript, "fingerprint": fp.hex()}:
        if entry.payload.get("transcript") != transcript:
            raise fail(f"board entry {entry.seq} ({Kind.CEREMONY}) differs from ceremony.json")
        raise fail(
            f"board entry {entry.seq} ({Kind.CEREMONY}) states another fingerprint than the "
            "joint key gives"
        )
    if fp.hex() != ctx.record.index["fingerprint"]:
        raise fail("record.json's fingerprint is not the one the ceremony's keys give")
    trustees = (ctx.definition or {}).get("trustees")
    if isinstance(trustees, dict) and (trustees.get("n"), trustees.get("k")) != (
        result.n,
        result.k,
    ):
        raise fail(
            f"the definition asks for {trustees.get('k')} of {trustees.get('n')} trustees, "
            f"the ceremony made {result.k} of {result.n}"
        )
    ctx.election, ctx.texts = election, texts
