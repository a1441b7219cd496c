"""What the witness has verified so far, and the checks for each entry and head that arrives.

Nothing here is a second verifier: every check is the verifier's own, applied to a board
that grows page by page instead of a finished record.

* the chain: :func:`ballot.record.verify.scan.scan_board` and
  :func:`ballot.record.chain.verify_links` from the last verified entry;
* the lifecycle so far: :class:`ballot.record.verify.lifecycle.LifecycleSoFar`, and its
  whole-board rules once the election is certified;
* the definition in force and its key ceremony: :func:`ballot.election.context.context_from_text`;
* every cast, challenged and audited ballot: :func:`ballot.record.verify.ballots.check_chunk`;
* the server's signed heads: :func:`ballot.record.signing.verify_head_sequence` under the
  board key the definition names, each head on the entry it signs.

What it leaves to ``ballot verify`` on the finished record: replays across the board
(a set of every ciphertext seen), the tallies, decryptions and result.  The witness's
cosignature says "this board, up to here, is the one I was shown and it checked out as
it arrived"; it does not say the count is right.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ballot.election.context import ContextError, context_from_text
from ballot.election.witnesses import WitnessError, witness_names
from ballot.record.canonical import CanonicalError, canonical_json
from ballot.record.chain import ChainError, verify_links
from ballot.record.kinds import PROVEN_KINDS, Kind
from ballot.record.signing import SignatureError, SignedHead, verify_head_sequence
from ballot.record.verify.ballots import CHUNK, check_chunk, init_worker
from ballot.record.verify.lifecycle import LifecycleSoFar
from ballot.record.verify.report import VerificationFailed
from ballot.record.verify.scan import Line, scan_board

#: progress(done, total) while ballot proofs are checked.
Progress = Callable[[int, int], None]


class BoardProblem(Exception):
    """The board or a signed head does not verify: the witness must not cosign, and says so."""


def board_key_of(definition: Mapping[str, Any]) -> str | None:
    """The board key a definition names (``board_key``), or None (a protocol-v1 definition)."""
    value = definition.get("board_key")
    if (
        isinstance(value, dict)
        and value.get("algorithm") == "ed25519"
        and isinstance(value.get("public_key"), str)
    ):
        return str(value["public_key"])
    return None


class Follower:
    """One election's board as far as the witness has verified it."""

    def __init__(self, election_id: str, witness: str, stated_key: str | None = None) -> None:
        self.election_id = election_id
        self.witness = witness
        #: The key the server says it signs with: used only if the definition names none.
        self.stated_key = stated_key
        self.lifecycle = LifecycleSoFar()
        self.hashes: list[str] = []
        self.definition: dict[str, Any] | None = None
        self.last_head: SignedHead | None = None
        self.finished = False
        self._ceremony_texts: tuple[str, str] | None = None

    # -- what is known

    @property
    def seq(self) -> int:
        """The last verified entry's seq (-1: none yet)."""
        return len(self.hashes) - 1

    @property
    def board_key(self) -> str | None:
        """The key heads must verify under: the definition's, else the server's word."""
        bound = board_key_of(self.definition) if self.definition else None
        return bound or self.stated_key

    @property
    def key_bound(self) -> bool:
        return self.definition is not None and board_key_of(self.definition) is not None

    def witness_name(self) -> str | None:
        """This witness's name in the definition in force (None: not named, or none in force)."""
        if self.definition is None:
            return None
        try:
            return witness_names(self.definition).get(self.witness)
        except WitnessError as exc:
            raise BoardProblem(f"the definition's witness list is malformed: {exc}") from exc

    # -- entries

    def add_entries(
        self, entries: Sequence[Mapping[str, Any]], *, progress: Progress | None = None
    ) -> list[bytes]:
        """Verify entries from the server's API; return their lines for the state folder."""
        lines: list[bytes] = []
        for entry in entries:
            try:
                lines.append(canonical_json(dict(entry)))
            except CanonicalError as exc:
                raise BoardProblem(
                    f"board entry {self.seq + len(lines) + 1} is not protocol JSON: {exc}"
                ) from exc
        self.add_lines(lines, proofs=True, progress=progress)
        return lines

    def add_lines(
        self, raw: Sequence[bytes], *, proofs: bool, progress: Progress | None = None
    ) -> None:
        """Verify the next lines of the board (``proofs=False``: lines verified before,
        read back from the state folder; the chain and lifecycle are rebuilt, not the proofs)."""
        if not raw:
            return
        start = len(self.hashes)
        try:
            lines = scan_board(raw, start)
            verify_links(lines, after=(start - 1, self.hashes[-1]) if start else None)
        except VerificationFailed as exc:
            raise BoardProblem(f"{exc.step}: {exc.message}") from exc
        except ChainError as exc:
            raise BoardProblem(
                f"board chain: {exc} (the server's board does not continue the one it showed "
                "before)"
            ) from exc
        except ValueError as exc:
            raise BoardProblem(f"board chain: an entry cannot be hashed: {exc}") from exc
        items: list[tuple[int, str, bytes, bool]] = []
        for line in lines:
            try:
                self.lifecycle.add(line)
            except VerificationFailed as exc:
                raise BoardProblem(f"{exc.step}: {exc.message}") from exc
            self._follow(line)
            if line.kind in PROVEN_KINDS and proofs:
                items.append((line.seq, line.kind, line.raw, False))
        self._check_ballots(items, progress)
        self.hashes.extend(line.hash for line in lines)
        if self.lifecycle.certified and not self.finished:
            try:
                self.lifecycle.finish()
            except VerificationFailed as exc:
                raise BoardProblem(f"{exc.step}: {exc.message}") from exc
            self.finished = True

    def _follow(self, line: Line) -> None:
        """Keep the definition in force and its verified key ceremony as they change."""
        payload = line.payload or {}
        if line.kind == Kind.DEFINED:
            self.definition, self._ceremony_texts = dict(payload["definition"]), None
        elif line.kind == Kind.WITHDRAWN:
            self.definition, self._ceremony_texts = None, None
        elif line.kind == Kind.CEREMONY:
            assert self.definition is not None  # the lifecycle checked a definition is in force
            texts = (json.dumps(self.definition), json.dumps(payload["transcript"]))
            try:
                context = context_from_text(*texts)
            except ContextError as exc:
                raise BoardProblem(
                    f"board entry {line.seq} ({line.kind}): the key ceremony does not verify: {exc}"
                ) from exc
            if payload["fingerprint"] != context.fingerprint_hex:
                raise BoardProblem(
                    f"board entry {line.seq} ({line.kind}) states another fingerprint than the "
                    "joint key gives"
                )
            self._ceremony_texts = texts
        elif line.kind == Kind.OPENED:
            assert self._ceremony_texts is not None  # the lifecycle checked the ceremony
            units = (self.definition or {}).get("subtotals") is not None
            init_worker(*self._ceremony_texts, units)

    def _check_ballots(
        self, items: list[tuple[int, str, bytes, bool]], progress: Progress | None
    ) -> None:
        done = 0
        for start in range(0, len(items), CHUNK):
            chunk = items[start : start + CHUNK]
            found = check_chunk(chunk)
            problems = sorted(found.errors + found.chain_errors)
            if problems:
                raise BoardProblem(f"ballots: {problems[0][1]}")
            done += len(chunk)
            if progress is not None:
                progress(done, len(items))

    # -- signed heads

    def add_heads(self, raw: Sequence[Any]) -> list[SignedHead]:
        """Verify the server's next signed heads: each signature under the board key, each
        link to the head before, each on the verified entry it names."""
        if not raw:
            return []
        key = self.board_key
        if key is None:
            raise BoardProblem("signed heads: no board key is known to check them with")
        try:
            heads = [SignedHead.from_json(h) for h in raw]
            run = [self.last_head, *heads] if self.last_head is not None else heads
            verify_head_sequence(run, key, from_start=self.last_head is None)
        except SignatureError as exc:
            raise BoardProblem(f"signed heads: {exc}") from exc
        for head in heads:
            if head.election_id != self.election_id:
                raise BoardProblem(f"signed heads: a head for election {head.election_id!r}")
            if head.seq > self.seq:
                raise BoardProblem(
                    f"signed heads: the server signed board entry {head.seq}, but its board "
                    f"ends at entry {self.seq}"
                )
            if self.hashes[head.seq] != head.head_hash:
                raise BoardProblem(
                    f"signed heads: the server signed board entry {head.seq} with another hash "
                    "than the entry it serves (its board was rewritten)"
                )
        self.last_head = heads[-1]
        return heads
