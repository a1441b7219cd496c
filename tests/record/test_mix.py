"""The mix-net of ranked races on the board (PROTOCOL 18): input lists, payloads, checks,
decryption and the ``mix.result``, with 2-of-3 trustees and ballots made directly."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest

from ballot.crypto.ceremony import TrusteeShare, local_ceremony, verify_transcript
from ballot.crypto.elgamal import encrypt
from ballot.crypto.group import Scalar
from ballot.crypto.shuffle import shuffle_and_prove
from ballot.crypto.threshold import partial_decrypt_tally
from ballot.record.board import BoardEntry, append
from ballot.record.kinds import Kind
from ballot.record.mix import (
    MixError,
    MixPartial,
    MixShuffled,
    check_partial,
    check_shuffled,
    decrypt_lists,
    follow,
    input_lists,
    label,
    labelled,
    mix_result,
    parse_completed,
    parse_partial,
    parse_result,
    parse_shuffled,
    ranked_races,
)

MANIFEST = hashlib.sha256(b"mix test manifest").digest()
FP = hashlib.sha256(b"mix test fingerprint").digest()
AT = "2026-05-10T09:00:00Z"

DEFINITION: dict[str, Any] = {
    "election_id": "officers",
    "questions": [
        {"id": "q0", "min": 1, "max": 1, "options": [{"id": "yes"}, {"id": "no"}]},
        {
            "id": "president",
            "ranked": True,
            "method": "instant_runoff",
            "seats": 1,
            "min": 0,
            "max": 2,
            "options": [{"id": "ana"}, {"id": "ben"}, {"id": "cy"}],
        },
        {
            "id": "north",
            "ranked": True,
            "unit": "North",
            "method": "scottish_stv",
            "seats": 1,
            "min": 0,
            "max": 2,
            "options": [{"id": "dee"}, {"id": "eve"}],
        },
    ],
}


def seeded(seed: int) -> Callable[[], Scalar]:
    r = random.Random(seed)
    return lambda: Scalar.reduce64(r.randbytes(64))


@cache
def keys() -> tuple[Any, tuple[TrusteeShare, ...]]:
    transcript, blobs = local_ceremony(2, 3, MANIFEST, rng=seeded(7))
    return verify_transcript(transcript, MANIFEST), tuple(TrusteeShare.from_bytes(b) for b in blobs)


def slots(values: list[int]) -> dict[str, Any]:
    key = keys()[0].joint_public_key
    return {
        "slots": [{**encrypt(key, v, Scalar.random()).to_json(), "proof": None} for v in values],
        "count_proof": None,
    }


def board(rankings: list[tuple[str, list[int], list[int] | None]]) -> list[BoardEntry]:
    """A board: each ballot (unit, president ranks, north ranks or None), one challenged
    ballot that is overruled and one that is sustained, then the tally."""
    entries: list[BoardEntry] = []

    def post(kind: str, payload: dict[str, Any]) -> None:
        entries.append(append(entries[-1] if entries else None, kind, payload, AT))

    post(Kind.DEFINED, {"definition": DEFINITION, "manifest_hash": "00" * 32})
    for unit, president, north in rankings:
        qs = [slots([0]), slots(president)] + ([slots(north)] if north is not None else [])
        post(Kind.CAST, {"ballot": {"questions": qs}, "tracker": "ab" * 32, "unit": unit})
    for cid, ranks in (("c1", [3, 0]), ("c2", [2, 0])):
        qs = [slots([0]), slots(ranks)]
        post(Kind.CHALLENGED, {"challenge": cid, "ballot": {"questions": qs}, "unit": "South"})
    post(Kind.DECIDED, {"challenge": "c1", "decision": "overruled", "reason": "ok"})
    post(Kind.DECIDED, {"challenge": "c2", "decision": "sustained", "reason": "no"})
    post(Kind.TALLY, {"round": 2})
    post(Kind.RESULT, {"round": 2})
    return entries


BALLOTS = [("North", [1, 2], [1, 0]), ("South", [2, 1], None), ("North", [1, 0], [2, 1])]


def test_input_lists_follow_the_contract() -> None:
    races = ranked_races(DEFINITION)
    assert [(r.id, r.index, r.ranks, r.method) for r in races] == [
        ("president", 1, 2, "instant_runoff"),
        ("north", 2, 2, "scottish_stv"),
    ]
    lists = input_lists(DEFINITION, board(BALLOTS))
    assert len(lists["president"]) == 4  # three cast, one overruled; not the sustained one
    assert len(lists["north"]) == 2  # only the North ballots carry it
    assert all(len(item) == 2 for items in lists.values() for item in items)


def test_labels_are_exact() -> None:
    assert label("president", 0, 1) == "mix:president/b0/r1"
    lists = input_lists(DEFINITION, board(BALLOTS))
    assert list(labelled("north", lists["north"])) == [
        "mix:north/b0/r0",
        "mix:north/b0/r1",
        "mix:north/b1/r0",
        "mix:north/b1/r1",
    ]


def test_a_whole_mix_decrypts_to_the_rankings_and_counts() -> None:
    result, shares = keys()
    key = result.joint_public_key
    races = ranked_races(DEFINITION)
    entries = board(BALLOTS)
    mix = follow(races, input_lists(DEFINITION, entries), entries)
    for trustee in (3, 1):
        shuffled = MixShuffled(
            trustee,
            {r.id: shuffle_and_prove(FP, mix.position, key, mix.current[r.id]) for r in races},
        )
        parsed = parse_shuffled(shuffled.to_json(), races)
        mix.current = check_shuffled(parsed, mix, fingerprint=FP, public_key=key)
        mix.shufflers.append(trustee)
        with pytest.raises(MixError, match="already shuffled"):
            check_shuffled(parsed, mix, fingerprint=FP, public_key=key)
    assert parse_completed({"shufflers": [3, 1]}).shufflers == (3, 1)
    partial = MixPartial(1, {})
    with pytest.raises(MixError, match="after the chain"):
        check_partial(partial, mix, fingerprint=FP, verification_key=key)
    mix.completed = True
    for share in shares[:2]:
        partial = MixPartial(
            share.index,
            {
                r.id: partial_decrypt_tally(
                    share.index, share.secret_share, labelled(r.id, mix.current[r.id]), FP
                )
                for r in races
            },
        )
        parsed_partial = parse_partial(partial.to_json(), races)
        vkey = result.verification_keys[share.index]
        check_partial(parsed_partial, mix, fingerprint=FP, verification_key=vkey)
        mix.partials[share.index] = parsed_partial
    plain = decrypt_lists(
        races, mix.current, list(mix.partials.values()), result.verification_keys, 2, FP
    )
    assert sorted(map(repr, plain["president"])) == sorted(
        map(repr, [["ana", "ben"], ["ben", "ana"], ["ana", None], ["cy", None]])
    )
    assert sorted(map(repr, plain["north"])) == sorted(map(repr, [["dee", None], ["eve", "dee"]]))
    payload = mix_result(races, plain, FP)
    parsed_result = parse_result(payload, races)
    assert parsed_result["president"][1]["elected"] == ["ana"]
    assert payload["races"]["president"]["count"]["tie_seed"] == FP.hex()


def test_a_bad_shuffle_names_race_trustee_and_position() -> None:
    result, _ = keys()
    key = result.joint_public_key
    races = ranked_races(DEFINITION)
    entries = board(BALLOTS)
    mix = follow(races, input_lists(DEFINITION, entries), entries)
    wrong = {r.id: shuffle_and_prove(FP, 2, key, mix.current[r.id]) for r in races}
    with pytest.raises(MixError, match="trustee 2, race 'president', position 1"):
        check_shuffled(MixShuffled(2, wrong), mix, fingerprint=FP, public_key=key)


def test_strict_payloads() -> None:
    races = ranked_races(DEFINITION)
    with pytest.raises(MixError, match="exactly the keys"):
        parse_shuffled({"trustee": 1, "races": {}, "extra": 1}, races)
    with pytest.raises(MixError, match="names exactly the ranked races"):
        parse_shuffled({"trustee": 1, "races": {"president": None}}, races)
    with pytest.raises(MixError, match="twice"):
        parse_completed({"shufflers": [1, 1]})
    with pytest.raises(MixError, match="trustee number"):
        parse_partial({"trustee": True, "races": {}}, races)
    with pytest.raises(MixError, match="lists of 2"):
        parse_result(
            {
                "races": {
                    "president": {"ballots": [["ana"]], "count": {}},
                    "north": {"ballots": [], "count": {}},
                }
            },
            races,
        )


def test_method_and_seats_are_read_from_the_definition() -> None:
    bad = {**DEFINITION, "questions": [dict(DEFINITION["questions"][1], seats=2)]}
    with pytest.raises(MixError, match="seats"):
        ranked_races(bad)
    bad = {**DEFINITION, "questions": [dict(DEFINITION["questions"][1], method="borda")]}
    with pytest.raises(MixError, match="method"):
        ranked_races(bad)
