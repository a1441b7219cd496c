"""The mix as the public board has it, checked on the trustee's computer before any act.

A trustee must never shuffle or decrypt a list the server made up: the server could ask
to "decrypt the mixed ballots" of a list that is one member's ballot copied, or not
shuffled at all, and so learn how that member ranked.  So the tool derives every race's
input list from the board's counted ballots itself (checking each ballot's proofs and
that no ciphertext appears twice, as for the tally), checks every shuffle on the board
against the list before it, every ``mix.completed`` and every partial decryption, and
acts only on the list that chain ends with.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ballot.crypto.ballots import BallotError, EncryptedBallot
from ballot.crypto.ceremony import CeremonyError, TrusteeShare
from ballot.crypto.threshold import ThresholdError
from ballot.election.context import (
    ContextError,
    ElectionContext,
    context_from_text,
    read_definition,
)
from ballot.record.board import BoardEntry
from ballot.record.kinds import MIX_KINDS, Kind, is_final_result
from ballot.record.mix import (
    MixBoard,
    MixError,
    check_partial,
    check_shuffled,
    counted_ballots,
    follow,
    input_lists,
    parse_completed,
    parse_partial,
    parse_shuffled,
    ranked_races,
)
from ballot.trustee.client import TrusteeError
from ballot.trustee.counted import check_counted_ballots

#: (what is being done, done so far, total): the CLI draws it as a progress bar.
Progress = Callable[[str, int, int], None]


def no_progress(_what: str, _done: int, _total: int) -> None:
    """The default: no progress shown."""


class MixRefused(TrusteeError):
    """The board's mix does not check out, or the server's account of it differs."""


@dataclass(frozen=True)
class CheckedMix:
    """The election and its mix as the board has them, every entry checked."""

    election: ElectionContext
    board: MixBoard
    ballots: int  # counted ballots of the final round


def election_on_board(entries: Sequence[BoardEntry], share: TrusteeShare) -> ElectionContext:
    """The definition in force and its ceremony, from the board; the key file must be one
    of this ceremony's trustees'."""
    defined = [e for e in entries if e.kind == Kind.DEFINED]
    if not defined:
        raise MixRefused("the board holds no election definition")
    definition = defined[-1].payload.get("definition")
    if not isinstance(definition, dict):
        raise MixRefused("the election definition on the board is not an object")
    try:
        _manifest, manifest_hash = read_definition(definition)
    except ContextError as exc:
        raise MixRefused(f"the election definition on the board is invalid: {exc}") from exc
    if manifest_hash != share.manifest_hash:
        raise MixRefused("this key file belongs to another election (manifest hash differs)")
    ceremonies = [e for e in entries if e.kind == Kind.CEREMONY and e.seq > defined[-1].seq]
    transcript = ceremonies[-1].payload.get("transcript") if ceremonies else None
    if not isinstance(transcript, dict):
        raise MixRefused("the board holds no key ceremony transcript for this definition")
    try:
        election = context_from_text(json.dumps(definition), json.dumps(transcript))
        share.check(election.ceremony)
    except (ContextError, CeremonyError, ThresholdError) as exc:
        raise MixRefused(f"your key does not fit the published ceremony: {exc}") from exc
    return election


def _check_ballots(election: ElectionContext, entries: list[BoardEntry]) -> int:
    """Every counted ballot of the final round valid and distinct (as before a tally)."""
    counted = counted_ballots(election.definition, entries)
    try:
        parsed = [EncryptedBallot.from_json(e.payload.get("ballot")) for e in counted]
    except (BallotError, ValueError) as exc:
        raise MixRefused(f"a counted ballot on the board cannot be read: {exc}") from exc
    texts = (json.dumps(election.definition), json.dumps(election.transcript))
    check_counted_ballots(texts, entries, [e.seq for e in counted], parsed)
    return len(counted)


def _mix_entry(entry: BoardEntry, board: MixBoard, election: ElectionContext) -> None:
    """Check one more mix entry against what the board holds before it, then take it."""
    races, fp = board.races, election.fingerprint
    if entry.kind == Kind.MIX_SHUFFLED:
        shuffled = parse_shuffled(entry.payload, races)
        board.current = check_shuffled(
            shuffled, board, fingerprint=fp, public_key=election.joint_public_key
        )
        board.shufflers.append(shuffled.trustee)
    elif entry.kind == Kind.MIX_COMPLETED:
        completed = parse_completed(entry.payload)
        if list(completed.shufflers) != board.shufflers or len(board.shufflers) != election.k:
            raise MixError(
                f"{Kind.MIX_COMPLETED} names shufflers {list(completed.shufflers)}, the board "
                f"holds shuffles by {board.shufflers} and {election.k} are needed"
            )
        board.completed = True
    elif entry.kind == Kind.MIX_PARTIAL:
        partial = parse_partial(entry.payload, races)
        key = election.ceremony.verification_keys.get(partial.trustee)
        if key is None:
            raise MixError(
                f"{Kind.MIX_PARTIAL} of trustee {partial.trustee}, who holds no key share"
            )
        check_partial(partial, board, fingerprint=fp, verification_key=key)
        board.partials[partial.trustee] = partial
    elif entry.kind == Kind.MIX_RESULT:
        board.result = entry.payload


def checked_mix(
    entries: list[BoardEntry], share: TrusteeShare, *, progress: Progress = no_progress
) -> CheckedMix:
    """The board's mix with every entry checked: MixRefused naming the first fault."""
    election = election_on_board(entries, share)
    try:
        races = ranked_races(election.definition)
    except MixError as exc:
        raise MixRefused(f"the election definition on the board is invalid: {exc}") from exc
    if not races:
        raise MixRefused("this election has no ranked race: there is nothing to mix")
    if not any(e.kind == Kind.RESULT and is_final_result(e.payload) for e in entries):
        raise MixRefused("the board holds no final result: the mix comes after it")
    ballots = _check_ballots(election, entries)
    mix_entries = [e for e in entries if e.kind in MIX_KINDS]
    try:
        board = follow(races, input_lists(election.definition, entries), [])
        for done, entry in enumerate(mix_entries, start=1):
            progress("checking the mix on the board", done - 1, len(mix_entries))
            _mix_entry(entry, board, election)
        progress("checking the mix on the board", len(mix_entries), len(mix_entries))
    except MixError as exc:
        raise MixRefused(f"the mix on the public board does not check out: {exc}") from exc
    return CheckedMix(election, board, ballots)


def same_as_server(checked: CheckedMix, info: dict[str, Any]) -> None:
    """The server's account of the mix (``GET .../mix``) must be the board's."""
    board = checked.board
    if info.get("shufflers") != board.shufflers:
        raise MixRefused(
            f"the server says trustees {info.get('shufflers')!r} shuffled, the board says "
            f"{board.shufflers}"
        )
    if info.get("decrypted") != sorted(board.partials):
        raise MixRefused("the server's list of trustees who decrypted differs from the board's")
