"""The mixed ballots decrypted, decoded and counted: the ``mix.result`` (PROTOCOL 18.6).

Rank plaintext 0 is "no further preference" (null), v in 1..n the race's candidate v-1
in canonical order; each race is counted by its method (PROTOCOL 17) with the election
fingerprint as the tie seed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ballot.crypto.elgamal import DecodeError
from ballot.crypto.group import Element
from ballot.crypto.shuffle import Item
from ballot.crypto.threshold import PartialDecryption, ThresholdError, combine_tally
from ballot.election.ranked import RankedCount, instant_runoff, scottish_stv
from ballot.record.mix.payloads import Decrypted, MixPartial, labelled
from ballot.record.mix.races import MixError, Race

__all__ = ["count_race", "decode_rank", "decrypt_lists", "mix_result"]


def decode_rank(race: Race, plaintext: int) -> str | None:
    """A rank's plaintext as the count reads it: 0 -> None, v -> candidate v-1."""
    if not 0 <= plaintext <= len(race.candidates):
        raise MixError(f"race '{race.id}': a rank decrypts to {plaintext}, not 0 to n")
    return None if plaintext == 0 else race.candidates[plaintext - 1]


def decrypt_lists(
    races: Sequence[Race],
    current: Mapping[str, Sequence[Item]],
    partials: Sequence[MixPartial],
    keys: Mapping[int, Element],
    k: int,
    fingerprint: bytes,
) -> dict[str, Decrypted]:
    """Race id -> the decrypted final list, item by item, from at least k trustees'
    partials (each verified again by the combination)."""
    out: dict[str, Decrypted] = {}
    for race in races:
        items = current[race.id]
        cts = labelled(race.id, items)
        given: list[PartialDecryption] = [p for mp in partials for p in mp.races[race.id]]
        if not cts:
            out[race.id] = []
            continue
        try:
            plain = combine_tally(cts, given, keys, k, fingerprint, maximum=len(race.candidates))
        except (ThresholdError, DecodeError) as exc:
            raise MixError(
                f"race '{race.id}': the mixed ballots cannot be decrypted: {exc}"
            ) from exc
        values = list(plain.values())  # list order: item by item, rank by rank
        w = race.ranks
        out[race.id] = [
            [decode_rank(race, v) for v in values[i * w : (i + 1) * w]] for i in range(len(items))
        ]
    return out


def count_race(race: Race, ballots: Sequence[Sequence[str | None]], seed: bytes) -> RankedCount:
    """The race's count by its method (PROTOCOL 17), the tie seed being the fingerprint."""
    if race.method == "instant_runoff":
        return instant_runoff(ballots, race.candidates, seed=seed, race=race.id)
    return scottish_stv(ballots, race.candidates, seats=race.seats, seed=seed, race=race.id)


def mix_result(
    races: Sequence[Race], decrypted: Mapping[str, Decrypted], fingerprint: bytes
) -> dict[str, Any]:
    """The ``mix.result`` payload: every ranked race's decrypted ballots and its count."""
    return {
        "races": {
            race.id: {
                "ballots": [list(b) for b in decrypted[race.id]],
                "count": count_race(race, decrypted[race.id], fingerprint).to_json(),
            }
            for race in races
        }
    }
