"""The mix-net's entries of a synthetic record with ranked races, after the final result
(PROTOCOL 18), made with the functions the service and the trustee tool use.

Nothing here is for production: every trustee's share is in this process, so one
function shuffles as every trustee in turn and decrypts as k of them.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ballot.crypto.ceremony import TrusteeShare
from ballot.crypto.group import Element
from ballot.crypto.shuffle import Item, Shuffle, shuffle_and_prove
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
