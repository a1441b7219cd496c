"""Rehearsal day for one trustee: prove to the server that the key file still works.

The tool takes only a nonce from the server.  It reads the election's definition and key
ceremony from the public board (hash chain checked), checks that the key file belongs to
that ceremony, derives the rehearsal ciphertext from the nonce itself and decrypts that
(:mod:`ballot.crypto.rehearsal`): whatever the server sends, the key is never used on a
ciphertext the tool did not make, so a rehearsal cannot decrypt anything a member cast.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ballot.crypto.ceremony import CeremonyError, TrusteeShare
from ballot.crypto.group import hex_bytes
from ballot.crypto.rehearsal import NONCE_BYTES, RehearsalError, rehearse
from ballot.election.context import ContextError, context_from_text
from ballot.record.kinds import Kind
from ballot.trustee.ceremony import Report, board_entries, quiet
from ballot.trustee.client import ServerRefused, TrusteeClient, TrusteeError


class WrongKey(TrusteeError):
    """The key file is not this trustee's key for this election's ceremony."""


@dataclass(frozen=True)
class RehearsalOutcome:
    trustee: int
    proved_at: str


def run_rehearsal(
    client: TrusteeClient,
    election_id: str,
    share: TrusteeShare,
    trustee: int,
    *,
    report: Report = quiet,
) -> RehearsalOutcome:
    """Check the key against the board, answer a fresh challenge, and have it recorded."""
    if share.index != trustee:
        raise WrongKey(
            f"this key file is trustee {share.index}'s, not trustee {trustee}'s: use your own "
            "key file (or check --trustee)"
        )
    entries = board_entries(client, election_id)
    defined = [e for e in entries if e.kind == Kind.DEFINED]
    ceremonies = [
        e for e in entries if e.kind == Kind.CEREMONY and defined and e.seq > defined[-1].seq
    ]
    if not ceremonies:
        raise TrusteeError("the public board holds no finished key ceremony for this election")
    try:
        context = context_from_text(
            json.dumps(defined[-1].payload.get("definition")),
            json.dumps(ceremonies[-1].payload.get("transcript")),
        )
    except ContextError as exc:
        raise TrusteeError(f"the election on the public board is not usable: {exc}") from exc
    if share.manifest_hash != context.manifest_hash:
        raise WrongKey("this key file belongs to another election (its manifest hash differs)")
    try:
        share.check(context.ceremony)
    except CeremonyError as exc:
        raise WrongKey(
            f"this key file does not fit this election's key ceremony ({exc.reason}): it is "
            "not your key for this election, or it is damaged"
        ) from exc
    report("step", f"the key file fits the published key ceremony (trustee {trustee})")
    try:
        challenge = client.rehearsal_challenge(election_id)
    except ServerRefused as exc:
        raise TrusteeError(f"no rehearsal now: {exc.message}") from exc
    if challenge.get("trustee") != trustee:
        raise TrusteeError(
            f"the server seats you as trustee {challenge.get('trustee')}, not trustee {trustee}"
        )
    try:
        nonce = hex_bytes(challenge.get("nonce"), "nonce", NONCE_BYTES)
        answer = rehearse(
            trustee,
            share.secret_share,
            context.ceremony.verification_keys[trustee],
            context.joint_public_key,
            context.fingerprint,
            nonce,
        )
    except (RehearsalError, ValueError) as exc:
        raise WrongKey(str(exc)) from exc
    report("step", "decrypted the rehearsal ciphertext (derived here from the server's nonce)")
    reply = client.post_rehearsal(election_id, answer.to_json())
    report("step", "the server checked the proof and recorded it")
    return RehearsalOutcome(trustee, str(reply.get("proved_at", "")))
