"""The ceremony run: poll the server, post each round's message, ride out restarts and
network failures, verify the transcript and write the sealed key file."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ballot.crypto.ceremony import (
    CeremonyError,
    Complaint,
    DealerMessage,
    TrusteeShare,
    answer_complaint,
    qualify_dealers,
    receive_shares,
    verify_transcript,
)
from ballot.crypto.keyfile import Argon2Params, open_key, seal_key
from ballot.crypto.sharebox import EncryptedShare, new_receiving_secret, receiving_key
from ballot.crypto.threshold import ThresholdError
from ballot.trustee.client import ServerRefused, TrusteeClient, TrusteeError, Unreachable

from .dealing import my_dealing
from .published import check_board_transcript, my_share
from .state import CeremonyState, Report, _write_private, load_state, quiet, state_path


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
    """Take part in every round, then write the sealed key file; raise TrusteeError if not.

    A server's answer that lacks a field or has one of the wrong type is refused as
    such (the bounds of its size and JSON are the client's), never a traceback.
    """
    try:
        return _run(
            client,
            election_id,
            passphrase,
            state_dir,
            key_file,
            timeout=timeout,
            poll_max=poll_max,
            report=report,
            params=params,
        )
    except (KeyError, TypeError, AttributeError, IndexError) as exc:
        raise TrusteeError(
            f"the server's ceremony data is malformed ({type(exc).__name__}: {exc}); "
            "nothing more was posted"
        ) from exc


def _run(
    client: TrusteeClient,
    election_id: str,
    passphrase: str,
    state_dir: Path,
    key_file: Path,
    *,
    timeout: float,
    poll_max: float,
    report: Report,
    params: Argon2Params | None,
) -> CeremonyOutcome:
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
    check_board_transcript(client, election_id, transcript)
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
