"""Ranked races in synthetic records: rankings encrypted rank by rank, the tally of the
choose questions only, and the mix-net's entries after the final result (PROTOCOL 8.1,
10, 18), made with the functions the service and the trustee tool use.

Nothing here is for production: every trustee's share is in this process, so one
function shuffles as every trustee in turn and decrypts as k of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ballot.crypto.ballots import EncryptedBallot, encrypt_ballot
from ballot.crypto.ballots.encrypted import EncryptedQuestion, EncryptedSlot
from ballot.crypto.ceremony import TrusteeShare
from ballot.crypto.elgamal import encrypt
from ballot.crypto.group import Element, Scalar
from ballot.crypto.manifest import ElectionManifest, QuestionSpec
from ballot.crypto.proofs import prove_range
from ballot.crypto.shuffle import Item, Shuffle, shuffle_and_prove
from ballot.crypto.tally import EncryptedTally, aggregate
from ballot.crypto.threshold import partial_decrypt_tally
from ballot.record.kinds import Kind
from ballot.record.mix import (
    MixCompleted,
    MixPartial,
    MixShuffled,
    decrypt_lists,
    input_lists,
    labelled,
    mix_result,
    ranked_races,
)
from ballot.record.synthetic.parts import BoardBuilder

#: In a synthetic ranking, this index stands for "no further preference" at its rank (a
#: gap, which only a tampered client can send).
NO_PREFERENCE = -1


def encrypt_ranking(
    question: QuestionSpec, qi: int, key: Element, fingerprint: bytes, ranking: Sequence[int]
) -> EncryptedQuestion:
    """A ranked race's w slots (PROTOCOL 8.1): rank s encrypts candidate index + 1, or 0
    past the ranking, with a range proof [0, n] in context ``["slot", qi, s]``.  The
    ranking is taken as given (repeats and gaps too), as a tampered client could send it."""
    w, n = question.max, question.option_count
    if len(ranking) > w or not all(NO_PREFERENCE <= c < n for c in ranking):
        raise ValueError(f"a ranking of question {qi} has at most {w} candidates of {n}")
    values = [c + 1 for c in ranking] + [0] * (w - len(ranking))
    slots = []
    for si, m in enumerate(values):
        r = Scalar.random()
        ct = encrypt(key, m, r)
        slots.append(
            EncryptedSlot(ct, prove_range(ct, m, r, key, 0, n, fingerprint, ["slot", qi, si]))
        )
    return EncryptedQuestion(tuple(slots), None)


def encrypt_vote(
    manifest: ElectionManifest, key: Element, fingerprint: bytes, selection: Sequence[Sequence[int]]
) -> EncryptedBallot:
    """A ballot as a voter's device makes it, each ranked race encrypted rank by rank."""
    placeholder = [
        [] if q.ranked else s for q, s in zip(manifest.questions, selection, strict=True)
    ]
    ballot, _secrets = encrypt_ballot(manifest, key, fingerprint, placeholder)
    if not manifest.has_ranked:
        return ballot
    questions = [
        encrypt_ranking(q, qi, key, fingerprint, selection[qi]) if q.ranked else enc
        for qi, (q, enc) in enumerate(zip(manifest.questions, ballot.questions, strict=True))
    ]
    return EncryptedBallot(ballot.election, tuple(questions))


def choose_only(
    definition: Mapping[str, Any], manifest: ElectionManifest
) -> tuple[dict[str, Any], ElectionManifest]:
    """The definition and manifest of the choose questions: what ``tally.result`` counts
    (a ranked race's result is the mix's, PROTOCOL 18)."""
    keep = [i for i, q in enumerate(manifest.questions) if not q.ranked]
    chosen = dict(definition)
    chosen["questions"] = [definition["questions"][i] for i in keep]
    return chosen, ElectionManifest(
        manifest.election_id, tuple(manifest.questions[i] for i in keep)
    )


def tally_ballots(manifest: ElectionManifest, ballots: Sequence[EncryptedBallot]) -> EncryptedTally:
    """The homomorphic tally; a ranked race is never summed, its entry has no slots."""
    if not manifest.has_ranked:
        return aggregate(manifest, ballots)
    keep = [i for i, q in enumerate(manifest.questions) if not q.ranked]
    if not keep:
        return EncryptedTally(len(ballots), tuple(() for _ in manifest.questions))
    _, sub = choose_only({"questions": [{}] * len(manifest.questions)}, manifest)
    part = aggregate(
        sub, (EncryptedBallot(b.election, tuple(b.questions[i] for i in keep)) for b in ballots)
    )
    sums = dict(zip(keep, part.questions, strict=True))
    return EncryptedTally(
        part.ballots, tuple(sums.get(i, ()) for i in range(len(manifest.questions)))
    )


@dataclass(frozen=True)
class _Entry:
    """A board line read back, as :func:`ballot.record.mix.input_lists` reads entries."""

    seq: int
    kind: str
    payload: Mapping[str, Any]


def _entries(lines: Iterable[bytes]) -> list[_Entry]:
    out = []
    for line in lines:
        data = json.loads(line)
        out.append(_Entry(data["seq"], data["kind"], data["payload"]))
    return out


def add_mix(
    board: BoardBuilder,
    definition: Mapping[str, Any],
    shares: Sequence[TrusteeShare],
    keys: Mapping[int, Element],
    joint: Element,
    fingerprint: bytes,
    *,
    shufflers: Sequence[int],
    decryptors: Sequence[int],
) -> None:
    """After the final result: every trustee of ``shufflers`` shuffles in turn, the chain is
    completed, ``decryptors`` decrypt the final lists, and the mix's result is posted."""
    races = ranked_races(definition)
    current: dict[str, tuple[Item, ...]] = {
        q: tuple(items) for q, items in input_lists(definition, _entries(board.lines)).items()
    }
    by_index = {s.index: s for s in shares}
    for position, trustee in enumerate(shufflers, start=1):
        shuffles: dict[str, Shuffle | None] = {}
        for race in races:
            items = current[race.id]
            shuffle = shuffle_and_prove(fingerprint, position, joint, items) if items else None
            shuffles[race.id] = shuffle
            current[race.id] = () if shuffle is None else shuffle.output
        board.add(Kind.MIX_SHUFFLED, MixShuffled(trustee, shuffles).to_json())
    board.add(Kind.MIX_COMPLETED, MixCompleted(tuple(shufflers)).to_json())
    partials = []
    for trustee in decryptors:
        share = by_index[trustee]
        mine = {
            race.id: partial_decrypt_tally(
                trustee, share.secret_share, labelled(race.id, current[race.id]), fingerprint
            )
            for race in races
        }
        partials.append(MixPartial(trustee, mine))
        board.add(Kind.MIX_PARTIAL, partials[-1].to_json())
    k = shares[0].k
    decrypted = decrypt_lists(races, current, partials, keys, k, fingerprint)
    board.add(Kind.MIX_RESULT, mix_result(races, decrypted, fingerprint))
    board.sign()
