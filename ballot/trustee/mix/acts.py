"""A trustee's two acts in the mix-net: shuffle every ranked race, then decrypt the
shuffled ballots (PROTOCOL 18), each on the trustee's computer after the board's mix
is checked (:mod:`.board`), each posted to the server, which checks it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ballot.crypto.ceremony import TrusteeShare
from ballot.crypto.shuffle import Shuffle, shuffle_and_prove
from ballot.crypto.threshold import partial_decrypt_tally, verify_partials
from ballot.record.mix import labelled
from ballot.trustee.ceremony import Report, board_entries, quiet
from ballot.trustee.client import ServerRefused, TrusteeClient, TrusteeError
from ballot.trustee.mix.board import (
    CheckedMix,
    MixRefused,
    Progress,
    checked_mix,
    no_progress,
    same_as_server,
)

#: How often a shuffle is made again when another trustee's took its place meanwhile.
ATTEMPTS = 3


@dataclass(frozen=True)
class ShuffleOutcome:
    position: int | None  # None: this trustee had shuffled already
    ballots: dict[str, int]  # race id -> items shuffled
    completed: bool


@dataclass(frozen=True)
class MixDecryptOutcome:
    already: bool
    ciphertexts: int
    combined: bool
    result: Any


def mix_awaits(client: TrusteeClient, election_id: str) -> str | None:
    """What the election's mix awaits ("shuffles", "partials"), None when there is no mix
    now (no ranked race, not yet after the final result, or done)."""
    try:
        info = client.mix(election_id)
    except ServerRefused as exc:
        if exc.status in (404, 409):
            return None
        raise
    awaiting = info.get("awaiting")
    return awaiting if awaiting in ("shuffles", "partials") else None


def _status(client: TrusteeClient, election_id: str, awaiting: str) -> dict[str, Any]:
    try:
        info = client.mix(election_id)
    except ServerRefused as exc:
        raise TrusteeError(f"the election has no mix to take part in: {exc.message}") from exc
    if info.get("awaiting") != awaiting:
        now = {
            "shuffles": "the trustees are shuffling the ranked ballots",
            "partials": "the trustees are decrypting the mixed ballots",
        }
        raise TrusteeError(
            f"the mix does not await {awaiting} now ("
            + now.get(str(info.get("awaiting")), f"the election is {info.get('state')}")
            + ")"
        )
    return info


def _checked(
    client: TrusteeClient,
    election_id: str,
    share: TrusteeShare,
    info: dict[str, Any],
    report: Report,
    progress: Progress,
) -> CheckedMix:
    entries = board_entries(client, election_id)
    report("step", f"downloaded the public board ({len(entries)} entries, hash chain intact)")
    checked = checked_mix(entries, share, progress=progress)
    same_as_server(checked, info)
    report(
        "step",
        f"checked the board: {checked.ballots} counted ballots, "
        f"{len(checked.board.shufflers)} shuffle(s) and "
        f"{len(checked.board.partials)} decryption(s) of the mix before yours",
    )
    return checked


def _shuffle_once(
    client: TrusteeClient,
    election_id: str,
    share: TrusteeShare,
    info: dict[str, Any],
    report: Report,
    progress: Progress,
) -> ShuffleOutcome:
    checked = _checked(client, election_id, share, info, report, progress)
    board, election = checked.board, checked.election
    position = board.position
    total = sum(len(board.current[race.id]) * race.ranks for race in board.races)
    done = 0
    shuffles: dict[str, Shuffle | None] = {}
    for race in board.races:
        items = board.current[race.id]
        what = f"shuffling race '{race.id}'"
        progress(what, done, total)
        shuffles[race.id] = (
            shuffle_and_prove(election.fingerprint, position, election.joint_public_key, items)
            if items
            else None
        )
        done += len(items) * race.ranks
        progress(what, done, total)
    report("step", f"shuffled and proved {len(board.races)} race(s) at position {position}")
    races_json = {q: None if s is None else s.to_json() for q, s in shuffles.items()}
    answer = client.post_mix_shuffle(election_id, races_json)
    report("step", "uploaded the shuffle; the server checked and accepted it")
    counts = {race.id: len(board.current[race.id]) for race in board.races}
    return ShuffleOutcome(position, counts, bool(answer.get("completed")))


def run_shuffle(
    client: TrusteeClient,
    election_id: str,
    share: TrusteeShare,
    *,
    report: Report = quiet,
    progress: Progress = no_progress,
) -> ShuffleOutcome:
    """Check the board's mix, shuffle every ranked race at the next position, upload.

    If another trustee's shuffle takes the position first (the server refuses the
    stale one), the board is read again and the shuffle made again on the new list.
    """
    for attempt in range(1, ATTEMPTS + 1):
        info = _status(client, election_id, "shuffles")
        if share.index in (info.get("shufflers") or []):
            report("info", f"trustee {share.index} has already shuffled the ranked ballots")
            return ShuffleOutcome(None, {}, False)
        try:
            return _shuffle_once(client, election_id, share, info, report, progress)
        except ServerRefused as exc:
            moved = exc.status == 409 and client.mix(election_id).get("shufflers") != info.get(
                "shufflers"
            )
            if not moved or attempt == ATTEMPTS:
                raise
            report("info", "another trustee's shuffle came first: shuffling the new list")
    raise TrusteeError("the shuffle could not be placed")  # pragma: no cover - loop returns


def run_mix_decrypt(
    client: TrusteeClient,
    election_id: str,
    share: TrusteeShare,
    *,
    report: Report = quiet,
    progress: Progress = no_progress,
) -> MixDecryptOutcome:
    """Check the board's whole mix, then decrypt the last shuffle's output of every race
    (a partial decryption with a proof per ciphertext) and upload."""
    info = _status(client, election_id, "partials")
    if share.index in (info.get("decrypted") or []):
        report("info", f"trustee {share.index} has already decrypted the mixed ballots")
        return MixDecryptOutcome(True, 0, False, None)
    checked = _checked(client, election_id, share, info, report, progress)
    board, election = checked.board, checked.election
    if not board.completed:
        raise MixRefused("the board holds no mix.completed: the shuffles are not complete")
    key = election.ceremony.verification_keys[share.index]
    races_json: dict[str, list[Any]] = {}
    total = sum(len(items) for items in board.current.values())
    done = 0
    for race in board.races:
        cts = labelled(race.id, board.current[race.id])
        progress(f"decrypting race '{race.id}'", done, total)
        mine = partial_decrypt_tally(share.index, share.secret_share, cts, election.fingerprint)
        verify_partials(share.index, mine, cts, key, election.fingerprint)
        races_json[race.id] = [p.to_json() for p in mine]
        done += len(board.current[race.id])
        progress(f"decrypting race '{race.id}'", done, total)
    count = sum(len(v) for v in races_json.values())
    report("step", f"made {count} partial decryptions of the mixed ballots with proofs")
    answer = client.post_mix_partials(election_id, races_json)
    report("step", "uploaded the partial decryptions; the server accepted them")
    return MixDecryptOutcome(False, count, bool(answer.get("combined")), answer.get("result"))
