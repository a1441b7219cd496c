"""The remote key ceremony's rounds: what each trustee may post, when, and the settlement.

Trustees take part from their own machines (``ballot trustee ceremony``); the server is
only the bulletin board between them.  It checks every message *before* storing it,
so a malformed or wrong message is refused with a reason and changes nothing:

0. ``receiving_key``: each trustee's X25519 receiving key (small-order keys refused);
1. ``dealing`` (once all n keys are in): the trustee's dealer message, which must
   verify (k commitments, Schnorr proofs, its own receiving key), and exactly one
   encrypted share for every trustee 1..n;
2. ``complaints`` (once all n have dealt): the trustee's complaints about boxes
   addressed to it, possibly none;
3. ``resolutions`` (once all n have complained or not): each accused dealer answers
   every complaint against it;
4. then the server settles (:func:`ballot.crypto.ceremony.settle`), which judges the
   complaints from public data and computes the joint key.

Reposting the identical message is accepted (a trustee's tool resumes after a crash);
a different second message for the same round is refused.  The server cannot check a
complaint's truth (it cannot open boxes): the resolution and the judgement do that.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.crypto.ceremony import (
    CeremonyError,
    CeremonyResult,
    Complaint,
    DealerMessage,
    Resolution,
    build_transcript,
    settle,
)
from ballot.crypto.sharebox import EncryptedShare, ShareboxError, check_receiving_key
from ballot.crypto.threshold import ThresholdError
from ballot.election.refusal import Grounds, Refused
from ballot.record.canonical import canonical_json
from ballot.record.kinds import Kind
from ballot.store.ceremony_tables import CeremonyMessage
from ballot.store.models import BoardEntryRow

#: Trustee rounds in order (the "failure" row is the server's, trustee 0).
TRUSTEE_ROUNDS = ("receiving_key", "dealing", "complaints", "resolutions")


def _refused(message: str, grounds: Grounds = Grounds.INVALID) -> Refused:
    """A round message refused: bad content (invalid) unless ``grounds`` says otherwise."""
    return Refused(message, code="round_refused", grounds=grounds)


def canonical(body: Any) -> str:
    return canonical_json(body).decode("utf-8")


# --------------------------------------------------------------------------- storage


async def ceremony_epoch(session: AsyncSession, election_id: str) -> int | None:
    """Seq of the board entry defining the election the current ceremony is bound to."""
    seq: int | None = await session.scalar(
        select(BoardEntryRow.seq)
        .where(
            BoardEntryRow.election_id == election_id,
            BoardEntryRow.kind == Kind.DEFINED,
        )
        .order_by(BoardEntryRow.seq.desc())
        .limit(1)
    )
    return seq


async def stored_messages(
    session: AsyncSession, election_id: str, epoch: int
) -> dict[str, dict[int, Any]]:
    """round -> trustee -> message body, for one ceremony attempt."""
    rows = await session.scalars(
        select(CeremonyMessage)
        .where(CeremonyMessage.election_id == election_id, CeremonyMessage.epoch == epoch)
        .order_by(CeremonyMessage.id)
    )
    out: dict[str, dict[int, Any]] = {}
    for row in rows:
        out.setdefault(row.round, {})[row.trustee] = json.loads(row.body)
    return out


async def store_message(
    session: AsyncSession,
    election_id: str,
    epoch: int,
    round_: str,
    trustee: int,
    body: Any,
    now: datetime,
) -> None:
    session.add(
        CeremonyMessage(
            election_id=election_id,
            epoch=epoch,
            round=round_,
            trustee=trustee,
            body=canonical(body),
            posted_at=now,
        )
    )
    await session.flush()


# --------------------------------------------------------------------------- the rounds


def _keys_exactly(body: Any, keys: set[str], what: str) -> dict[str, Any]:
    if not isinstance(body, dict) or set(body) != keys:
        raise _refused(f"{what} must be a JSON object with exactly the keys {sorted(keys)}")
    return body


def _named(exc: Exception) -> str:
    return exc.reason if isinstance(exc, CeremonyError) else str(exc)


@dataclass
class Rounds:
    """One ceremony attempt's accepted messages, parsed; decides what comes next."""

    k: int
    n: int
    manifest_hash: bytes
    keys: dict[int, bytes] = field(default_factory=dict)
    dealers: dict[int, DealerMessage] = field(default_factory=dict)
    boxes: dict[int, list[EncryptedShare]] = field(default_factory=dict)
    complaints: dict[int, list[Complaint]] = field(default_factory=dict)
    resolutions: dict[int, list[Resolution]] = field(default_factory=dict)
    failure: str | None = None

    @classmethod
    def load(
        cls, k: int, n: int, manifest_hash: bytes, stored: dict[str, dict[int, Any]]
    ) -> Rounds:
        """Rebuild from stored (already checked) messages."""
        r = cls(k, n, manifest_hash)
        for t, body in stored.get("receiving_key", {}).items():
            r.keys[t] = bytes.fromhex(body["receiving_key"])
        for t, body in stored.get("dealing", {}).items():
            r.dealers[t] = DealerMessage.from_json(body["dealer"])
            r.boxes[t] = [EncryptedShare.from_json(b) for b in body["encrypted_shares"]]
        for t, body in stored.get("complaints", {}).items():
            r.complaints[t] = [Complaint.from_json(c) for c in body["complaints"]]
        for t, body in stored.get("resolutions", {}).items():
            r.resolutions[t] = [Resolution.from_json(x) for x in body["resolutions"]]
        failure = stored.get("failure", {}).get(0)
        r.failure = failure["reason"] if failure else None
        return r

    # -- progress

    def accused(self) -> dict[int, list[Complaint]]:
        """dealer -> complaints filed against it."""
        out: dict[int, list[Complaint]] = {}
        for filed in self.complaints.values():
            for c in filed:
                out.setdefault(c.dealer, []).append(c)
        return out

    def waiting_for(self, round_: str) -> list[int]:
        """Trustees whose message for ``round_`` is still missing."""
        everyone = range(1, self.n + 1)
        if round_ == "receiving_key":
            return [t for t in everyone if t not in self.keys]
        if round_ == "dealing":
            return [t for t in everyone if t not in self.dealers]
        if round_ == "complaints":
            return [t for t in everyone if t not in self.complaints]
        return [t for t in sorted(self.accused()) if t not in self.resolutions]

    def current(self) -> str:
        """The open round, or "settle" when every message is in, or "failed"."""
        if self.failure is not None:
            return "failed"
        for round_ in TRUSTEE_ROUNDS:
            if self.waiting_for(round_):
                return round_
        return "settle"

    # -- checking one trustee's message

    def check(self, round_: str, trustee: int, body: Any) -> dict[str, Any]:
        """Parse and check ``body`` as ``trustee``'s message for ``round_``.

        Returns the normalised body to store; raises Refused saying what is wrong.
        """
        if round_ == "receiving_key":
            return self._check_key(trustee, body)
        if round_ == "dealing":
            return self._check_dealing(trustee, body)
        if round_ == "complaints":
            return self._check_complaints(trustee, body)
        if round_ == "resolutions":
            return self._check_resolutions(trustee, body)
        raise _refused(f"unknown ceremony round {round_!r}", Grounds.NOT_FOUND)

    def _check_key(self, trustee: int, body: Any) -> dict[str, Any]:
        d = _keys_exactly(body, {"receiving_key"}, "a receiving key message")
        value = d["receiving_key"]
        try:
            key = bytes.fromhex(value) if isinstance(value, str) else b""
            if len(key) != 32 or value != key.hex():
                raise ShareboxError("must be 32 bytes as 64 lower-case hex digits")
            check_receiving_key(key)
        except (ValueError, ShareboxError) as exc:
            raise _refused(f"trustee {trustee}'s receiving key is refused: {exc}") from exc
        if any(k == key for t, k in self.keys.items() if t != trustee):
            raise _refused(f"trustee {trustee}'s receiving key is already another trustee's")
        return {"receiving_key": key.hex()}

    def _check_dealing(self, trustee: int, body: Any) -> dict[str, Any]:
        d = _keys_exactly(body, {"dealer", "encrypted_shares"}, "a dealing")
        try:
            message = DealerMessage.from_json(d["dealer"])
        except CeremonyError as exc:
            raise _refused(f"trustee {trustee}'s dealer message: {_named(exc)}") from exc
        if message.dealer != trustee:
            raise _refused(f"trustee {trustee} posted a dealer message for dealer {message.dealer}")
        if message.receiving_key != self.keys.get(trustee):
            raise _refused(
                f"trustee {trustee}'s dealer message carries another receiving key "
                "than the one it published in round 0"
            )
        try:
            message.verify(self.k, self.manifest_hash)
        except CeremonyError as exc:
            raise _refused(
                f"trustee {trustee}'s dealer message does not verify: {exc.reason}"
            ) from exc
        raw = d["encrypted_shares"]
        if not isinstance(raw, list):
            raise _refused(f"trustee {trustee}: 'encrypted_shares' must be a list")
        boxes: list[EncryptedShare] = []
        for item in raw:
            try:
                box = EncryptedShare.from_json(item)
            except (ShareboxError, ValueError) as exc:
                raise _refused(
                    f"trustee {trustee}: an encrypted share is malformed: {exc}"
                ) from exc
            if box.dealer != trustee:
                raise _refused(
                    f"trustee {trustee} posted an encrypted share of dealer {box.dealer}"
                )
            boxes.append(box)
        recipients = sorted(b.recipient for b in boxes)
        if recipients != list(range(1, self.n + 1)):
            raise _refused(
                f"trustee {trustee} must post exactly one encrypted share for each trustee "
                f"1..{self.n} (got recipients {recipients})"
            )
        boxes.sort(key=lambda b: b.recipient)
        return {"dealer": message.to_json(), "encrypted_shares": [b.to_json() for b in boxes]}

    def _check_complaints(self, trustee: int, body: Any) -> dict[str, Any]:
        d = _keys_exactly(body, {"complaints"}, "a complaints message")
        raw = d["complaints"]
        if not isinstance(raw, list):
            raise _refused(f"trustee {trustee}: 'complaints' must be a list (possibly empty)")
        parsed: list[Complaint] = []
        for item in raw:
            try:
                c = Complaint.from_json(item)
            except CeremonyError as exc:
                raise _refused(f"trustee {trustee}: a complaint is malformed: {exc}") from exc
            if c.recipient != trustee:
                raise _refused(f"trustee {trustee} may only complain about its own shares")
            if not 1 <= c.dealer <= self.n or c.dealer == trustee:
                raise _refused(
                    f"trustee {trustee} complains about dealer {c.dealer}, "
                    "which is not another trustee"
                )
            if any(p.dealer == c.dealer for p in parsed):
                raise _refused(f"trustee {trustee} complains twice about dealer {c.dealer}")
            parsed.append(c)
        parsed.sort(key=lambda c: c.dealer)
        return {"complaints": [c.to_json() for c in parsed]}

    def _check_resolutions(self, trustee: int, body: Any) -> dict[str, Any]:
        d = _keys_exactly(body, {"resolutions"}, "a resolutions message")
        raw = d["resolutions"]
        against = {c.recipient for c in self.accused().get(trustee, [])}
        if not against:
            raise _refused(f"no complaint was filed against trustee {trustee}", Grounds.CONFLICT)
        if not isinstance(raw, list):
            raise _refused(f"trustee {trustee}: 'resolutions' must be a list")
        parsed: list[Resolution] = []
        for item in raw:
            try:
                res = Resolution.from_json(item)
            except CeremonyError as exc:
                raise _refused(f"trustee {trustee}: a resolution is malformed: {exc}") from exc
            if res.dealer != trustee:
                raise _refused(f"trustee {trustee} may only answer complaints against itself")
            parsed.append(res)
        answered = sorted(r.recipient for r in parsed)
        if answered != sorted(against):
            raise _refused(
                f"trustee {trustee} must answer exactly the complaints of trustees "
                f"{sorted(against)} (answered {answered})"
            )
        parsed.sort(key=lambda r: r.recipient)
        return {"resolutions": [r.to_json() for r in parsed]}

    # -- settlement

    def settle(self) -> tuple[CeremonyResult, dict[str, object]]:
        """Judge every complaint and build the transcript from what was posted.

        Silent accused dealers count as unanswered (at fault); missing dealers are
        disqualified.  Raises CeremonyError when fewer than k dealers qualify.
        """
        messages = [self.dealers[t] for t in sorted(self.dealers)]
        boxes = [b for t in sorted(self.boxes) for b in self.boxes[t]]
        answers = {(r.dealer, r.recipient): r for rs in self.resolutions.values() for r in rs}
        pairs = sorted(
            (
                (c, answers.get((c.dealer, c.recipient)))
                for cs in self.complaints.values()
                for c in cs
            ),
            key=lambda p: (p[0].dealer, p[0].recipient),
        )
        try:
            result = settle(self.k, self.n, self.manifest_hash, messages, boxes, pairs)
        except ThresholdError as exc:
            raise CeremonyError(None, str(exc)) from exc
        return result, build_transcript(result, self.manifest_hash, messages, boxes, pairs)

    def public(self) -> dict[str, Any]:
        """Everything a trustee needs for its next round (all of it public)."""
        accused = self.accused()
        return {
            "round": self.current(),
            "waiting_for": {r: self.waiting_for(r) for r in TRUSTEE_ROUNDS},
            "receiving_keys": {str(t): key.hex() for t, key in sorted(self.keys.items())},
            "dealers": [self.dealers[t].to_json() for t in sorted(self.dealers)],
            "encrypted_shares": [b.to_json() for t in sorted(self.boxes) for b in self.boxes[t]],
            "complaints": [
                c.to_json() for t in sorted(self.complaints) for c in self.complaints[t]
            ],
            "accused": sorted(accused),
            "resolutions": [
                r.to_json() for t in sorted(self.resolutions) for r in self.resolutions[t]
            ],
            "failure": self.failure,
        }
