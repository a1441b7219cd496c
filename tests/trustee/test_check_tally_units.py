"""The trustee's check covers the unit subtotals too (PROTOCOL 10.5): it recomputes the
pools from the board's unit labels and each pool's sum before decrypting anything.

Board: min_size 2; cast 'A' 2 (yes, yes), 'B' 2 (no, no), 'C' 1 (yes).  'C' is too small,
so the other units' pool takes the smallest named unit ('A', by label at equal size):
pools 'B' and ''.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from ballot.crypto.ballots import encrypt_ballot
from ballot.crypto.ceremony import TrusteeShare, local_ceremony
from ballot.crypto.group import Element
from ballot.crypto.manifest import ElectionManifest, election_fingerprint, manifest_hash
from ballot.crypto.tally import aggregate
from ballot.crypto.threshold import partial_decrypt_tally, verify_partials
from ballot.record.board import BoardEntry, append
from ballot.record.synthetic import recognition_definition
from ballot.trustee.decrypt import TallyRefused, check_tally

AT = datetime(2026, 5, 9, 17, 0, tzinfo=UTC)
VOTES = [("A", 0), ("A", 0), ("B", 1), ("B", 1), ("C", 0)]


@pytest.fixture(scope="module")
def keyed() -> tuple[dict[str, Any], dict[str, Any], list[TrusteeShare]]:
    definition = recognition_definition("units-trustee")
    definition["subtotals"] = {"by": "unit", "min_size": 2}
    transcript, blobs = local_ceremony(2, 3, manifest_hash(definition))
    return definition, transcript, [TrusteeShare.from_bytes(b) for b in blobs]


def board_and_info(
    keyed: Any, pools: dict[str, list[int]] | None = None, units_in_tally: bool = True
) -> tuple[list[BoardEntry], dict[str, Any], list[TrusteeShare]]:
    """The board with VOTES, and the tally info the server would send.  ``pools``: which
    ballots (by position) each published subtotal sums (default: the honest pools)."""
    definition, transcript, shares = keyed
    mh = manifest_hash(definition)
    manifest = ElectionManifest.from_definition(definition)
    vkeys = [Element.from_hex(transcript["verification_keys"][str(i)]) for i in (1, 2, 3)]
    key = shares[0].joint_public_key
    fp = election_fingerprint(mh, key, vkeys)
    entries: list[BoardEntry] = []

    def add(kind: str, payload: dict[str, Any]) -> BoardEntry:
        entries.append(append(entries[-1] if entries else None, kind, payload, AT))
        return entries[-1]

    add("election.defined", {"definition": definition, "manifest_hash": mh.hex()})
    add("ceremony.completed", {"transcript": transcript, "fingerprint": fp.hex()})
    add("roll.frozen", {"eligible": 5})
    add("election.opened", {})
    ballots = []
    for i, (unit, choice) in enumerate(VOTES):
        ballot = encrypt_ballot(manifest, key, fp, [[choice]])[0]
        ballots.append(ballot)
        add("ballot.cast", {"ballot": ballot.to_json(), "tracker": f"{i:064x}", "unit": unit})
    add("election.closed", {"cast": 5, "challenged": 0})
    pools = pools if pools is not None else {"B": [2, 3], "": [0, 1, 4]}
    payload: dict[str, Any] = {
        "round": 1,
        "tally": aggregate(manifest, ballots).to_json(),
        "counted": {"cast": 5, "overruled": []},
    }
    if units_in_tally:
        payload["units"] = {
            pool: aggregate(manifest, [ballots[i] for i in members]).to_json()
            for pool, members in pools.items()
        }
    entry = add("tally.encrypted", payload)
    info = {
        "round": 1,
        "seq": entry.seq,
        "entry_hash": entry.hash,
        "tally": payload["tally"],
        "counted": payload["counted"],
        "labels": ["q0/s0"],
        **({"units": payload["units"]} if units_in_tally else {}),
    }
    return entries, info, shares


def test_honest_unit_subtotals_pass_and_can_be_decrypted(keyed: Any) -> None:
    entries, info, shares = board_and_info(keyed)
    checked = check_tally(entries, info, shares[0])
    assert checked.units is not None and sorted(checked.units) == ["", "B"]
    assert list(checked.units["B"]) == ["unit:B/q0/s0"]
    for labelled in checked.units.values():
        mine = partial_decrypt_tally(1, shares[0].secret_share, labelled, checked.fingerprint)
        verify_partials(1, mine, labelled, checked.verification_key, checked.fingerprint)


def test_a_small_unit_published_alone_is_refused(keyed: Any) -> None:
    entries, info, shares = board_and_info(keyed, {"A": [0, 1], "B": [2, 3], "C": [4]})
    with pytest.raises(TallyRefused, match=r"pooling the board's units below 2 ballots gives"):
        check_tally(entries, info, shares[0])


def test_a_subtotal_that_is_not_its_pools_sum_is_refused(keyed: Any) -> None:
    entries, info, shares = board_and_info(keyed, {"B": [2, 4], "": [0, 1, 3]})
    with pytest.raises(TallyRefused, match="subtotal of unit 'B' is not the homomorphic sum"):
        check_tally(entries, info, shares[0])


def test_subtotals_missing_from_the_tally_are_refused(keyed: Any) -> None:
    entries, info, shares = board_and_info(keyed, units_in_tally=False)
    with pytest.raises(TallyRefused, match="unit subtotals sent differ"):
        check_tally(entries, info, shares[0])


def test_subtotals_sent_that_the_board_does_not_hold_are_refused(keyed: Any) -> None:
    entries, info, shares = board_and_info(keyed)
    info["units"] = dict(info["units"])
    info["units"]["B"], info["units"][""] = info["units"][""], info["units"]["B"]
    with pytest.raises(TallyRefused, match="unit subtotals sent differ"):
        check_tally(entries, info, shares[0])


class FakeServer:
    """What ``run_tally`` asks of the server, answered from a board built here."""

    def __init__(self, info: dict[str, Any]) -> None:
        self.info = {**info, "trustees": {"k": 2, "n": 3}, "submitted": []}
        self.posted: dict[str, Any] = {}

    def tally(self, election_id: str) -> dict[str, Any]:
        return self.info

    def post_partials(
        self, election_id: str, round_: int, partials: list[Any], units: Any = None
    ) -> dict[str, Any]:
        self.posted = {"round": round_, "partials": partials, "units": units}
        return {"accepted": True, "combined": False, "result": None}


def test_run_tally_decrypts_and_uploads_every_unit_subtotal(
    keyed: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ballot.trustee.decrypt as trustee_decrypt
    from ballot.crypto.threshold import PartialDecryption

    entries, info, shares = board_and_info(keyed)
    monkeypatch.setattr(trustee_decrypt, "board_entries", lambda client, election_id: entries)
    server = FakeServer(info)
    trustee_decrypt.run_tally(server, "units-trustee", shares[1])  # type: ignore[arg-type]
    units = server.posted["units"]
    assert sorted(units) == ["", "B"]
    checked = check_tally(entries, info, shares[1])
    assert checked.units is not None
    for pool, labelled in checked.units.items():
        parsed = [PartialDecryption.from_json(p) for p in units[pool]]
        verify_partials(2, parsed, labelled, checked.verification_key, checked.fingerprint)


def test_round_two_is_checked_against_the_round_one_pools(keyed: Any) -> None:
    """A challenged 'C' ballot overruled after round 1 joins the pool round 1 made for it."""
    definition, transcript, shares = keyed
    mh = manifest_hash(definition)
    manifest = ElectionManifest.from_definition(definition)
    vkeys = [Element.from_hex(transcript["verification_keys"][str(i)]) for i in (1, 2, 3)]
    key = shares[0].joint_public_key
    fp = election_fingerprint(mh, key, vkeys)
    entries: list[BoardEntry] = []

    def add(kind: str, payload: dict[str, Any]) -> BoardEntry:
        entries.append(append(entries[-1] if entries else None, kind, payload, AT))
        return entries[-1]

    add("election.defined", {"definition": definition, "manifest_hash": mh.hex()})
    add("ceremony.completed", {"transcript": transcript, "fingerprint": fp.hex()})
    add("roll.frozen", {"eligible": 5})
    add("election.opened", {})
    ballots = [encrypt_ballot(manifest, key, fp, [[c]])[0] for _, c in VOTES]
    for i, (unit, _) in enumerate(VOTES[:4]):
        add("ballot.cast", {"ballot": ballots[i].to_json(), "tracker": f"{i:064x}", "unit": unit})
    add(
        "ballot.challenged",
        {"challenge": "C-1", "ballot": ballots[4].to_json(), "tracker": "ee" * 32, "unit": "C"},
    )
    add("election.closed", {"cast": 4, "challenged": 1})

    def tally(round_: int, overruled: list[str], pools: dict[str, list[int]]) -> dict[str, Any]:
        counted = [0, 1, 2, 3] + ([4] if overruled else [])
        payload = {
            "round": round_,
            "tally": aggregate(manifest, [ballots[i] for i in counted]).to_json(),
            "counted": {"cast": 4, "overruled": overruled},
            "units": {
                p: aggregate(manifest, [ballots[i] for i in m]).to_json() for p, m in pools.items()
            },
        }
        entry = add("tally.encrypted", payload)
        return {**payload, "seq": entry.seq, "entry_hash": entry.hash, "labels": ["q0/s0"]}

    # round 1: 'C' has no counted ballot yet but could join the other pool: 'A' joins it
    first = tally(1, [], {"B": [2, 3], "": [0, 1]})
    assert sorted(check_tally(entries, first, shares[0]).units or {}) == ["", "B"]
    add("tally.result", {"round": 1, "result": {"determinative": True}})
    add("challenge.decided", {"challenge": "C-1", "decision": "overruled", "reason": "ok"})
    second = tally(2, ["C-1"], {"B": [2, 3], "": [0, 1, 4]})
    assert sorted(check_tally(entries, second, shares[0]).units or {}) == ["", "B"]
    entries.pop()
    short = tally(2, ["C-1"], {"B": [2, 3], "": [0, 1]})  # the overruled ballot left out
    with pytest.raises(TallyRefused, match="other units' pool is not the homomorphic sum"):
        check_tally(entries, short, shares[0])
