"""Checks against what the server published: this trustee's share from the transcript,
and the transcript on the public board (its hash chain checked)."""

from __future__ import annotations

from typing import Any

from ballot.crypto.ceremony import (
    CeremonyError,
    CeremonyResult,
    DealerMessage,
    TrusteeShare,
    receive_shares,
    trustee_share,
)
from ballot.crypto.sharebox import EncryptedShare
from ballot.record.board import BoardEntry, BoardFormatError, verify_chain
from ballot.record.chain import ChainError
from ballot.record.election_record import KIND_CEREMONY
from ballot.trustee.client import TrusteeClient, TrusteeError

from .state import CeremonyState


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


def check_board_transcript(client: TrusteeClient, election_id: str, transcript: Any) -> None:
    entries = board_entries(client, election_id)
    on_board = [e for e in entries if e.kind == KIND_CEREMONY]
    if not on_board or on_board[-1].payload.get("transcript") != transcript:
        raise TrusteeError("the public board does not show this ceremony transcript")
