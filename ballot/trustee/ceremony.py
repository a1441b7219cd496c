"""The trustee's side of the remote key ceremony, one step per round, resumable after a crash.

The tool keeps a small local *state file* sealed with the trustee's passphrase
(:mod:`ballot.crypto.keyfile`): the X25519 receiving secret and a 32-byte *dealing
seed*.  Everything else the trustee ever posts is recomputed from these and the public
messages, byte for byte:

* the dealing draws its coefficients, proof nonces and ephemeral keys from a
  deterministic generator keyed by the seed *and* by every public input of the
  dealing (election, attempt, manifest hash, position, k, n, all receiving keys), so
  a restarted tool posts the identical dealing (the server accepts an identical
  repost) and never reuses a nonce with different inputs;
* complaints follow from opening the boxes; resolutions from the re-derived dealing.

So a crash at any point is repaired by running the same command again.  The state is
written *before* the first message leaves the laptop and deleted once the key file is
written: the receiving secret and the dealing's secrets are not needed afterwards.

At the end the tool verifies the published transcript itself (every proof, every
complaint re-judged), checks that its secret share matches its public verification
key and the joint key, that the same transcript is on the public board, and only then
writes the sealed key file.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ballot.crypto.ceremony import (
    CeremonyError,
    CeremonyResult,
    Complaint,
    DealerMessage,
    DealerSecret,
    TrusteeShare,
    answer_complaint,
    deal,
    qualify_dealers,
    receive_shares,
    trustee_share,
    verify_transcript,
)
from ballot.crypto.group import Scalar
from ballot.crypto.keyfile import (
    Argon2Params,
    KeyFileError,
    WrongPassphraseOrDamaged,
    open_key,
    seal_key,
)
from ballot.crypto.sharebox import EncryptedShare, new_receiving_secret, receiving_key
from ballot.crypto.threshold import ThresholdError
from ballot.record.board import BoardEntry, BoardFormatError, verify_chain
from ballot.record.canonical import canonical_json
from ballot.record.chain import ChainError
from ballot.record.election_record import KIND_CEREMONY
from ballot.trustee.client import ServerRefused, TrusteeClient, TrusteeError, Unreachable

STATE_FORMAT = "ballot/trustee-ceremony-state/v1"

#: report(kind, message): kind is "step" (something done), "wait" or "info".
Report = Callable[[str, str], None]


def quiet(kind: str, message: str) -> None:
    return None


# --------------------------------------------------------------------------- local state


@dataclass(frozen=True)
class CeremonyState:
    """What the trustee must not lose during the ceremony (sealed on disk)."""

    election_id: str
    epoch: int
    manifest_hash: str
    position: int
    receiving_secret: bytes
    dealing_seed: bytes

    def to_bytes(self) -> bytes:
        return canonical_json(
            {
                "format": STATE_FORMAT,
                "election_id": self.election_id,
                "epoch": self.epoch,
                "manifest_hash": self.manifest_hash,
                "position": self.position,
                "receiving_secret": self.receiving_secret.hex(),
                "dealing_seed": self.dealing_seed.hex(),
            }
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> CeremonyState:
        try:
            d = json.loads(data)
            if d.pop("format") != STATE_FORMAT:
                raise ValueError("unknown format")
            return cls(
                election_id=str(d["election_id"]),
                epoch=int(d["epoch"]),
                manifest_hash=str(d["manifest_hash"]),
                position=int(d["position"]),
                receiving_secret=bytes.fromhex(d["receiving_secret"]),
                dealing_seed=bytes.fromhex(d["dealing_seed"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise TrusteeError("the saved ceremony state is not readable") from exc


def state_path(state_dir: Path, election_id: str) -> Path:
    return state_dir / f"ceremony-{election_id}.state"


def _write_private(path: Path, data: bytes) -> None:
    """Write atomically (temp file + rename), readable by the owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def load_state(path: Path, passphrase: str) -> CeremonyState | None:
    if not path.exists():
        return None
    try:
        return CeremonyState.from_bytes(open_key(path.read_bytes(), passphrase))
    except WrongPassphraseOrDamaged as exc:
        raise TrusteeError(
            f"the passphrase does not open the saved ceremony state {path} "
            "(use the passphrase you gave when this ceremony started)"
        ) from exc
    except KeyFileError as exc:
        raise TrusteeError(f"the saved ceremony state {path} is damaged: {exc}") from exc


# --------------------------------------------------------------------------- dealing


def dealing_rng(seed: bytes, context: bytes) -> Callable[[], Scalar]:
    """Deterministic non-zero scalars from the seed, separated by the dealing's inputs."""
    key = hmac.new(seed, b"ballot/v1/trustee-dealing\x00" + context, hashlib.sha512).digest()
    counter = itertools.count()

    def draw() -> Scalar:
        while True:
            block = hmac.new(key, next(counter).to_bytes(8, "big"), hashlib.sha512).digest()
            s = Scalar.reduce64(block)
            if not s.is_zero():
                return s

    return draw


def my_dealing(
    state: CeremonyState, k: int, n: int, keys: dict[int, bytes]
) -> tuple[DealerMessage, list[EncryptedShare], DealerSecret]:
    context = canonical_json(
        {
            "election_id": state.election_id,
            "epoch": state.epoch,
            "manifest_hash": state.manifest_hash,
            "position": state.position,
            "k": k,
            "n": n,
            "receiving_keys": {str(i): key.hex() for i, key in sorted(keys.items())},
        }
    )
    return deal(
        state.position,
        k,
        n,
        bytes.fromhex(state.manifest_hash),
        keys,
        rng=dealing_rng(state.dealing_seed, context),
    )


# --------------------------------------------------------------------------- the run


@dataclass(frozen=True)
class CeremonyOutcome:
    position: int
    k: int
    n: int
    joint_public_key: str
    verification_key: str
    disqualified: dict[int, str]
    false_complaints: dict[int, str]
    key_file: Path


def _keys(status: dict[str, Any]) -> dict[int, bytes]:
    return {int(i): bytes.fromhex(h) for i, h in status["receiving_keys"].items()}


class Poller:
    """Backoff between polls, and the overall time limit."""

    def __init__(self, timeout: float, first: float = 0.5, most: float = 5.0) -> None:
        self.deadline = time.monotonic() + timeout
        self.timeout = timeout
        self.first = first
        self.delay = first
        self.most = most

    def progressed(self) -> None:
        self.delay = self.first

    def wait(self, what: str) -> None:
        if time.monotonic() + self.delay > self.deadline:
            raise TrusteeError(f"gave up after {self.timeout:.0f} s waiting for {what}")
        time.sleep(self.delay)
        self.delay = min(self.delay * 2, self.most)


def _waiting(status: dict[str, Any]) -> str:
    round_ = status["round"]
    who = status.get("waiting_for", {}).get(round_, [])
    if not who:
        return "the server to settle the ceremony"
    return f"trustee(s) {', '.join(map(str, who))} to post the {round_.replace('_', ' ')} round"


def run_ceremony(
    client: TrusteeClient,
    election_id: str,
    passphrase: str,
    state_dir: Path,
    key_file: Path,
    *,
    timeout: float = 3600.0,
    poll_max: float = 5.0,
    report: Report = quiet,
    params: Argon2Params | None = None,
) -> CeremonyOutcome:
    """Take part in every round, then write the sealed key file; raise TrusteeError if not."""
    if key_file.exists():
        raise TrusteeError(f"{key_file} already exists; choose another file for the new key")
    poller = Poller(timeout, most=poll_max)
    status = _status(client, election_id, poller)
    position = status.get("position")
    if position is None:
        raise TrusteeError(f"this account is not a trustee of election {election_id}")
    if status["round"] == "not_started" or status["state"] != "key_ceremony":
        raise TrusteeError(
            f"election {election_id} is not in its key ceremony (state: {status['state']})"
        )
    k, n, mh = int(status["k"]), int(status["n"]), str(status["manifest_hash"])
    report("info", f"you are trustee {position} of {n}; any {k} can decrypt the tally")
    path = state_path(state_dir, election_id)
    state = load_state(path, passphrase)
    if state is not None and (state.epoch, state.manifest_hash, state.position) != (
        status["epoch"],
        mh,
        position,
    ):
        report("info", "the saved state belongs to an earlier attempt; starting afresh")
        state = None
    if state is None:
        if position not in status.get("waiting_for", {}).get("receiving_key", []):
            raise TrusteeError(
                "this ceremony has passed round 0 and the saved state from your first run "
                f"is not in {state_dir}; run the tool from the same directory, or ask the "
                "committee to start the ceremony again"
            )
        state = CeremonyState(
            election_id,
            int(status["epoch"]),
            mh,
            int(position),
            new_receiving_secret(),
            secrets.token_bytes(32),
        )
        label = f"ballot ceremony state, election {election_id}, trustee {position}"
        _write_private(path, seal_key(state.to_bytes(), passphrase, label=label, params=params))
        report("step", f"saved the sealed ceremony state to {path}")
    else:
        report("info", f"resuming from the saved state {path}")
    my_key = receiving_key(state.receiving_secret)
    stalled = 0
    while True:
        round_ = status["round"]
        waiting = status.get("waiting_for", {}).get(round_, [])
        if round_ == "failed":
            raise TrusteeError(f"the key ceremony failed: {status.get('failure')}")
        if round_ == "completed":
            break
        if round_ in ("receiving_key", "dealing", "complaints", "resolutions") and (
            position in waiting
        ):
            body = _message(round_, state, status, my_key, k, n, report)
            _post(client, election_id, round_, body, poller)
            report("step", f"posted the {round_.replace('_', ' ')} round")
            poller.progressed()
        else:
            stalled = stalled + 1 if round_ == "settle" else 0
            if stalled and stalled % 5 == 0:
                # Every message is in but nothing settled (the server crashed while
                # settling): an identical repost makes the server settle.
                body = _message("complaints", state, status, my_key, k, n, quiet)
                _post(client, election_id, "complaints", body, poller)
            report("wait", f"waiting for {_waiting(status)}")
            poller.wait(_waiting(status))
        status = _status(client, election_id, poller)
    if str(status["receiving_keys"].get(str(position))) != my_key.hex():
        raise TrusteeError("the ceremony used another receiving key for you than this tool's")
    outcome = _finish(client, election_id, state, status, passphrase, key_file, params, report)
    path.unlink(missing_ok=True)
    report("step", "deleted the ceremony state (its secrets are no longer needed)")
    return outcome


def _status(client: TrusteeClient, election_id: str, poller: Poller) -> dict[str, Any]:
    """GET the ceremony status, riding out short network failures until the deadline."""
    while True:
        try:
            return client.ceremony(election_id)
        except Unreachable:
            poller.wait("the server to answer again")
        except ServerRefused as exc:
            if exc.status < 500:
                raise
            poller.wait(f"the server to recover ({exc.message})")


def _post(client: TrusteeClient, election_id: str, round_: str, body: Any, poller: Poller) -> None:
    while True:
        try:
            client.post_round(election_id, round_, body)
            return
        except Unreachable:
            poller.wait("the server to answer again")
        except ServerRefused as exc:
            if exc.status < 500:
                raise
            poller.wait(f"the server to recover ({exc.message})")


def _message(
    round_: str,
    state: CeremonyState,
    status: dict[str, Any],
    my_key: bytes,
    k: int,
    n: int,
    report: Report,
) -> dict[str, Any]:
    """This trustee's message for ``round_``, recomputed from the state and public data."""
    mh = bytes.fromhex(state.manifest_hash)
    if round_ == "receiving_key":
        return {"receiving_key": my_key.hex()}
    keys = _keys(status)
    if keys.get(state.position) != my_key:
        raise TrusteeError(
            "the server holds another receiving key for you than this tool's saved one; "
            "ask the committee to start the ceremony again"
        )
    if round_ == "dealing":
        message, boxes, _ = my_dealing(state, k, n, keys)
        return {"dealer": message.to_json(), "encrypted_shares": [b.to_json() for b in boxes]}
    if round_ == "complaints":
        complaints = _complaints(state, status, k, n, mh)
        for c in complaints:
            report("info", f"complaining about dealer {c.dealer}: share is {c.reason}")
        return {"complaints": [c.to_json() for c in complaints]}
    # resolutions: answer every complaint against this dealer, from the re-derived dealing
    message, _, secret = my_dealing(state, k, n, keys)
    published = [m for m in status["dealers"] if m.get("dealer") == state.position]
    if published != [message.to_json()]:
        raise TrusteeError("the dealing on the server is not the one this tool made")
    against = [
        Complaint.from_json(c) for c in status["complaints"] if c["dealer"] == state.position
    ]
    for c in against:
        report("info", f"trustee {c.recipient} complains about your share ({c.reason}); answering")
    return {"resolutions": [answer_complaint(secret, c).to_json() for c in against]}


def _complaints(
    state: CeremonyState, status: dict[str, Any], k: int, n: int, mh: bytes
) -> list[Complaint]:
    try:
        messages = [DealerMessage.from_json(m) for m in status["dealers"]]
        boxes = [EncryptedShare.from_json(b) for b in status["encrypted_shares"]]
        valid, _bad = qualify_dealers(messages, k, n, mh)
    except (CeremonyError, ValueError) as exc:
        raise TrusteeError(f"the server's ceremony data is malformed: {exc}") from exc
    others = {d: m for d, m in valid.items() if d != state.position}
    received = receive_shares(state.position, state.receiving_secret, mh, others, boxes)
    return list(received.complaints)


def _finish(
    client: TrusteeClient,
    election_id: str,
    state: CeremonyState,
    status: dict[str, Any],
    passphrase: str,
    key_file: Path,
    params: Argon2Params | None,
    report: Report,
) -> CeremonyOutcome:
    mh = bytes.fromhex(state.manifest_hash)
    transcript = status.get("transcript")
    if transcript is None:
        raise TrusteeError("the ceremony is complete but the server shows no transcript")
    try:
        result = verify_transcript(transcript, mh)
    except (CeremonyError, ThresholdError) as exc:
        raise TrusteeError(f"the published ceremony transcript does not verify: {exc}") from exc
    report("step", "verified the transcript: every proof, every complaint re-judged")
    if status.get("joint_public_key") != result.joint_public_key.hex():
        raise TrusteeError("the server's joint public key is not the one the transcript gives")
    _check_board(client, election_id, transcript)
    report("step", "the same transcript is on the public board")
    share = my_share(state, transcript, result)
    label = f"ballot trustee {state.position} of {result.n}, election {election_id}"
    data = seal_key(share.to_bytes(), passphrase, label=label, params=params)
    if TrusteeShare.from_bytes(open_key(data, passphrase)) != share:  # pragma: no cover
        raise TrusteeError("the sealed key file does not open to the share; nothing written")
    _write_private(key_file, data)
    report("step", f"wrote your sealed key file {key_file}")
    return CeremonyOutcome(
        position=state.position,
        k=result.k,
        n=result.n,
        joint_public_key=result.joint_public_key.hex(),
        verification_key=result.verification_keys[state.position].hex(),
        disqualified=dict(result.disqualified),
        false_complaints=dict(result.false_complaints),
        key_file=key_file,
    )


def my_share(state: CeremonyState, transcript: Any, result: CeremonyResult) -> TrusteeShare:
    """x_l from this trustee's boxes (or revealed shares), checked against V_l and K."""
    mh = bytes.fromhex(state.manifest_hash)
    messages = {m.dealer: m for m in (DealerMessage.from_json(x) for x in transcript["dealers"])}
    boxes = [EncryptedShare.from_json(b) for b in transcript["encrypted_shares"]]
    qualified = {d: messages[d] for d in result.qualified}
    received = receive_shares(state.position, state.receiving_secret, mh, qualified, boxes)
    try:
        return trustee_share(received, result, mh)
    except CeremonyError as exc:
        raise TrusteeError(
            f"your secret share does not match the published ceremony: {exc.reason}"
        ) from exc


def board_entries(client: TrusteeClient, election_id: str) -> list[BoardEntry]:
    """The public board, parsed and its hash chain checked."""
    board = client.board(election_id)
    try:
        entries = [BoardEntry.from_json(e) for e in board["entries"]]
        verify_chain(entries)
    except (BoardFormatError, ChainError, KeyError, TypeError) as exc:
        raise TrusteeError(f"the public board does not check out: {exc}") from exc
    return entries


def _check_board(client: TrusteeClient, election_id: str, transcript: Any) -> None:
    entries = board_entries(client, election_id)
    on_board = [e for e in entries if e.kind == KIND_CEREMONY]
    if not on_board or on_board[-1].payload.get("transcript") != transcript:
        raise TrusteeError("the public board does not show this ceremony transcript")


__all__ = [
    "CeremonyOutcome",
    "CeremonyState",
    "board_entries",
    "dealing_rng",
    "load_state",
    "my_dealing",
    "quiet",
    "run_ceremony",
    "state_path",
]
