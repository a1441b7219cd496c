"""Protocol v2's board key and committed roll (PROTOCOL 5.1, 11.8), attacked.

Each record is built by honest code, then changed as an attacker would: an outsider, who
holds no key, re-chains and re-signs with a fresh key; a dishonest server re-signs with its
own.  Each failure must name its cause.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ballot.crypto.ballots import tracker
from ballot.crypto.manifest import manifest_hash
from ballot.record.election_record import canonical, read_record
from ballot.record.kinds import Kind
from ballot.record.signing import ServerKey
from ballot.record.synthetic import (
    GeneratedRecord,
    generate_record,
    rebuild_record,
    recognition_definition,
)
from ballot.record.verify import main, verify_record

from .conftest import Entry, board, extra_ballot, index_of, members, resign


def failure(path: Path) -> tuple[str | None, str]:
    report = verify_record(path, jobs=1)
    assert not report.ok, "a tampered record must fail"
    assert report.failure is not None
    return report.failed_step, report.failure


def resign_with(
    gen: GeneratedRecord,
    target: Path,
    key: ServerKey,
    edit: Callable[[list[Entry]], list[Entry]],
    **members_json: Any,
) -> Path:
    """An outsider's rewrite: edit the board, re-chain it and sign it with ``key``."""
    entries = edit(board(gen.path))
    rebuild_record(
        gen.path,
        target,
        key,
        [(e["kind"], e["at"], e["payload"]) for e in entries],
        members={k.replace("_json", ".json"): v for k, v in members_json.items()},
    )
    return target


def more_eligible(entries: list[Entry]) -> list[Entry]:
    """The issue's attack: 'eligible' raised so that a quorum is no longer met."""
    entries[index_of(entries, Kind.ROLL)]["payload"]["eligible"] += 10
    return entries


def fresh_key_json(key: ServerKey) -> dict[str, str]:
    return {"algorithm": "ed25519", "public_key": key.public_hex}


# --------------------------------------------------------------------------- the good record


def test_a_v2_record_binds_its_board_key_and_commits_its_roll(
    recognition: GeneratedRecord,
) -> None:
    record = read_record(recognition.path)
    assert record.version == 2 and record.index["format"] == "ballot/election-record/v2"
    definition = record.json("definition.json")
    assert definition["board_key"] == fresh_key_json(recognition.server_key)
    assert record.json("server_key.json") == definition["board_key"]
    entries = board(recognition.path)
    roll = entries[index_of(entries, Kind.ROLL)]["payload"]
    assert roll["eligible"] == 30 == len(roll["aliases"])
    assert roll["aliases"] == sorted(set(roll["aliases"])) == sorted(recognition.aliases)
    named = [e["payload"]["alias"] for e in entries if e["kind"] in (Kind.CAST, Kind.CHALLENGED)]
    assert len(named) == len(set(named)) == 11 and set(named) <= set(roll["aliases"])
    report = verify_record(recognition.path, jobs=1)
    assert report.ok, report.failure
    assert report.result is not None and report.result["eligible"] == 30


# --------------------------------------------------------------------------- the board key


def test_a_record_re_signed_with_another_key_fails(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    """The issue's attack: no key at all, yet a re-chained board re-signed with a fresh key
    (which the record then carries as its server key)."""
    fresh = ServerKey.generate()
    path = resign_with(
        recognition,
        tmp_path / "r.zip",
        fresh,
        more_eligible,
        server_key_json=fresh_key_json(fresh),
    )
    step, message = failure(path)
    assert step == "signed heads"
    assert "re-signed with another key" in message
    assert "board key bound in the election definition" in message


def test_a_record_re_signed_keeping_the_bound_key_in_server_key_json_fails(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    path = resign_with(recognition, tmp_path / "r.zip", ServerKey.generate(), more_eligible)
    step, message = failure(path)
    assert step == "signed heads"
    assert "signature check failed under the board key bound in the election definition" in (
        message
    )


def test_a_fresh_key_written_into_the_definition_breaks_the_ceremony(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    """Binding the fresh key in the definition changes the manifest hash, to which the
    trustees' keys (and so the fingerprint and every proof) are bound."""
    fresh = ServerKey.generate()
    definition = read_record(recognition.path).json("definition.json")
    definition["board_key"] = fresh_key_json(fresh)
    digest = manifest_hash(definition).hex()

    def rebind(entries: list[Entry]) -> list[Entry]:
        entries[0]["payload"] = {"definition": definition, "manifest_hash": digest}
        return more_eligible(entries)

    path = resign_with(
        recognition,
        tmp_path / "r.zip",
        fresh,
        rebind,
        server_key_json=fresh_key_json(fresh),
        definition_json=definition,
    )
    _index_with(path, manifest_hash=digest)
    step, message = failure(path)
    assert step == "key ceremony"
    assert "the key-ceremony transcript does not verify" in message


def _index_with(path: Path, **changes: str) -> None:
    """Rewrite record.json's fields (an outsider can: it is not signed)."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        data = {n: zf.read(n) for n in zf.namelist()}
    index = json.loads(data["record.json"])
    index.update(changes)
    data["record.json"] = canonical(index)
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in data.items():
            zf.writestr(name, content)


def test_a_v1_record_could_not_tell_a_fresh_key(tmp_path: Path) -> None:
    """Why v2 binds the key: the same rewrite of a v1 record verifies (its server key
    certifies itself), which is what v1 records keep doing."""
    gen = generate_record(
        tmp_path / "v1.zip", recognition_definition(), [[[0]]] * 3 + [[[1]]], version=1
    )
    fresh = ServerKey.generate()
    result = read_record(gen.path).json("result.json")
    result["eligible"] = 14

    def everywhere(entries: list[Entry]) -> list[Entry]:
        entries[index_of(entries, Kind.RESULT)]["payload"]["result"] = result
        return more_eligible(entries)

    path = resign_with(
        gen,
        tmp_path / "r.zip",
        fresh,
        everywhere,
        server_key_json=fresh_key_json(fresh),
        result_json=result,
    )
    report = verify_record(path, jobs=1)
    assert report.ok and report.result is not None and report.result["eligible"] == 14


def test_a_v2_record_relabelled_v1_fails(recognition: GeneratedRecord, tmp_path: Path) -> None:
    """A downgrade (so that server_key.json would be trusted again) is refused."""
    import zipfile

    data = members(recognition.path)
    del data["cosignatures.json"]
    index = dict(read_record(recognition.path).index)
    index["format"] = "ballot/election-record/v1"
    index["members"] = [m for m in index["members"] if m["name"] != "cosignatures.json"]
    path = tmp_path / "r.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for name, content in data.items():
            zf.writestr(name, content)
        zf.writestr("record.json", canonical(index))
    step, message = failure(path)
    assert step == "definition"
    assert "binds a board key" in message and "says v1" in message


def test_fingerprint_refuses_a_record_of_another_election(
    recognition: GeneratedRecord, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = generate_record(tmp_path / "other.zip", recognition_definition(), [[[0]]])
    noted = read_record(other.path).index["fingerprint"]
    report = verify_record(recognition.path, jobs=1, fingerprint=noted)
    assert not report.ok and report.failed_step == "election fingerprint"
    assert report.failure is not None and "this record is of another election" in report.failure
    assert main(recognition.path, None, 1, fingerprint=noted) == 1
    assert "FAIL (election fingerprint): this record is of another election" in (
        capsys.readouterr().out
    )


def test_fingerprint_accepts_its_own_election_grouped_or_not(
    recognition: GeneratedRecord,
) -> None:
    own = read_record(recognition.path).index["fingerprint"]
    grouped = " ".join(own[i : i + 4] for i in range(0, 64, 4)).upper()
    for given in (own, grouped):
        report = verify_record(recognition.path, jobs=1, fingerprint=given)
        assert report.ok, report.failure
        assert report.passed[:2] == ["record members", "election fingerprint"]


def test_fingerprint_that_is_not_one_is_refused(recognition: GeneratedRecord) -> None:
    report = verify_record(recognition.path, jobs=1, fingerprint="abc")
    assert report.failed_step == "election fingerprint"
    assert report.failure is not None and "64 hex digits" in report.failure


# --------------------------------------------------------------------------- the committed roll


def test_eligible_changed_fails(recognition: GeneratedRecord, tmp_path: Path) -> None:
    """Even the server, with its own key, cannot state another 'eligible' than the roll it
    committed."""
    step, message = failure(resign(recognition, tmp_path / "r.zip", more_eligible))
    assert step == "board lifecycle"
    assert "says 40 eligible members but commits 30 aliases" in message


def test_eligible_changed_with_the_result_fails(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    """Changed in the result too, so that the two agree: the roll still says otherwise."""
    result = read_record(recognition.path).json("result.json")
    result["eligible"] = 40

    def everywhere(entries: list[Entry]) -> list[Entry]:
        entries[index_of(entries, Kind.RESULT)]["payload"]["result"] = result
        return more_eligible(entries)

    path = resign(recognition, tmp_path / "r.zip", everywhere, result_json=result)
    step, message = failure(path)
    assert step == "board lifecycle" and "commits 30 aliases" in message


def test_a_ballot_for_an_uncommitted_alias_fails(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    """A ballot stuffed under an alias nobody holds."""

    def stuff(entries: list[Entry]) -> list[Entry]:
        i = index_of(entries, Kind.CAST, 2)
        ballot = extra_ballot(recognition, [[0]])
        new = copy.deepcopy(entries[i])
        new["payload"] = {"ballot": ballot, "tracker": tracker(ballot), "alias": "00000-00000"}
        entries.insert(i + 1, new)
        entries[index_of(entries, Kind.CLOSED)]["payload"]["cast"] += 1
        return entries

    step, message = failure(resign(recognition, tmp_path / "r.zip", stuff))
    assert step == "board lifecycle"
    assert "alias 00000-00000 is not on the committed roll" in message


def test_a_ballot_without_its_alias_fails(recognition: GeneratedRecord, tmp_path: Path) -> None:
    def drop(entries: list[Entry]) -> list[Entry]:
        del entries[index_of(entries, Kind.CAST, 1)]["payload"]["alias"]
        return entries

    step, message = failure(resign(recognition, tmp_path / "r.zip", drop))
    assert step == "board lifecycle"
    assert "payload must have ['alias', 'ballot', 'tracker']" in message


@pytest.mark.parametrize("second", [Kind.CAST, Kind.CHALLENGED])
def test_two_counted_ballots_for_one_alias_fail(
    recognition: GeneratedRecord, tmp_path: Path, second: Kind
) -> None:
    """A fresh, valid ballot in the name of a member who already voted: cast, or slipped
    into the challenged pool."""
    voted: dict[str, str] = {}

    def twice(entries: list[Entry]) -> list[Entry]:
        first = index_of(entries, Kind.CAST, 0)
        voted["alias"] = entries[first]["payload"]["alias"]
        ballot = extra_ballot(recognition, [[1]])
        payload: dict[str, Any] = {"ballot": ballot, "tracker": tracker(ballot)}
        payload["alias"] = voted["alias"]
        if second == Kind.CHALLENGED:
            payload["challenge"] = "C-99"
        new = {**copy.deepcopy(entries[first + 1]), "kind": str(second), "payload": payload}
        entries.insert(first + 2, new)
        closed = entries[index_of(entries, Kind.CLOSED)]["payload"]
        closed["cast" if second == Kind.CAST else "challenged"] += 1
        return entries

    path = resign(recognition, tmp_path / "r.zip", twice)
    step, message = failure(path)
    first = index_of(board(path), Kind.CAST, 0)
    assert step == "board lifecycle"
    assert f"a second counted ballot for alias {voted['alias']}" in message
    assert f"(its first is board entry {first})" in message


def _link_events(alias: str, *kinds: Kind, paper: bool = False) -> Callable[[Entry], list[Entry]]:
    def events(before: Entry) -> list[Entry]:
        out = []
        for kind in kinds:
            payload: dict[str, Any] = {"alias": alias}
            if kind == Kind.REVOKED:
                payload["voted_on_paper"] = paper
            out.append({"kind": str(kind), "at": before["at"], "payload": payload})
        return out

    return events


def _before_first_ballot(
    gen: GeneratedRecord, target: Path, *kinds: Kind, paper: bool = False
) -> tuple[Path, str]:
    """Link events for the alias of the first cast ballot, just before that ballot."""
    named: dict[str, str] = {}

    def edit(entries: list[Entry]) -> list[Entry]:
        i = index_of(entries, Kind.CAST, 0)
        named["alias"] = entries[i]["payload"]["alias"]
        events = _link_events(named["alias"], *kinds, paper=paper)(entries[i - 1])
        return entries[:i] + events + entries[i:]

    return resign(gen, target, edit), named["alias"]


def test_a_ballot_on_a_revoked_link_fails(recognition: GeneratedRecord, tmp_path: Path) -> None:
    path, alias = _before_first_ballot(recognition, tmp_path / "r.zip", Kind.REVOKED)
    step, message = failure(path)
    revoked = index_of(board(path), Kind.REVOKED)
    assert step == "board lifecycle"
    assert f"alias {alias} its link was revoked at board entry {revoked}" in message
    assert "no ballot may be cast with a revoked link" in message


def test_a_ballot_after_a_paper_vote_fails(recognition: GeneratedRecord, tmp_path: Path) -> None:
    path, alias = _before_first_ballot(recognition, tmp_path / "r.zip", Kind.REVOKED, paper=True)
    step, message = failure(path)
    assert step == "board lifecycle" and f"alias {alias} voted on paper" in message


def test_a_ballot_on_a_link_reissued_after_its_revocation_verifies(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    path, _ = _before_first_ballot(
        recognition, tmp_path / "r.zip", Kind.REVOKED, Kind.REISSUED, Kind.REISSUED
    )
    report = verify_record(path, jobs=1)
    assert report.ok, report.failure


def test_a_late_member_counts_among_the_eligible(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    """A member added after opening is committed by a new alias; 'eligible' in the result
    is then the whole committed roll."""
    result = read_record(recognition.path).json("result.json")
    result["eligible"] = 31

    def late(entries: list[Entry]) -> list[Entry]:
        i = index_of(entries, Kind.CAST, 0)
        added = {"kind": str(Kind.ROLL_ADDED), "at": entries[i]["at"], "payload": {}}
        added["payload"] = {"alias": "ZZZZZ-ZZZZZ"}
        entries[i]["payload"]["alias"] = "ZZZZZ-ZZZZZ"  # the late member votes
        entries.insert(i, added)
        entries[index_of(entries, Kind.RESULT)]["payload"]["result"] = result
        return entries

    path = resign(recognition, tmp_path / "r.zip", late, result_json=result)
    report = verify_record(path, jobs=1)
    assert report.ok, report.failure
    assert report.result is not None and report.result["eligible"] == 31


def test_a_ballot_before_its_late_member_was_added_fails(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    def early(entries: list[Entry]) -> list[Entry]:
        i = index_of(entries, Kind.CAST, 0)
        entries[i]["payload"]["alias"] = "ZZZZZ-ZZZZZ"
        added = {"kind": str(Kind.ROLL_ADDED), "at": entries[i]["at"]}
        added["payload"] = {"alias": "ZZZZZ-ZZZZZ"}
        entries.insert(i + 1, added)
        return entries

    step, message = failure(resign(recognition, tmp_path / "r.zip", early))
    assert step == "board lifecycle" and "alias ZZZZZ-ZZZZZ is not on the committed roll" in message


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (lambda a: a[::-1], "must be sorted and unique"),
        (lambda a: [a[0], *a], "must be sorted and unique"),
        (lambda a: [a[0].lower(), *a[1:]], "is not an alias"),
    ],
)
def test_a_roll_that_is_not_a_sorted_list_of_aliases_fails(
    recognition: GeneratedRecord,
    tmp_path: Path,
    edit: Callable[[list[str]], list[str]],
    expected: str,
) -> None:
    def change(entries: list[Entry]) -> list[Entry]:
        roll = entries[index_of(entries, Kind.ROLL)]["payload"]
        roll["aliases"] = edit(roll["aliases"])
        roll["eligible"] = len(roll["aliases"])
        return entries

    step, message = failure(resign(recognition, tmp_path / "r.zip", change))
    assert step == "board lifecycle" and expected in message


def test_link_entries_in_a_v1_record_fail(tmp_path: Path) -> None:
    gen = generate_record(tmp_path / "v1.zip", recognition_definition(), [[[0]]] * 2, version=1)

    def revoke(entries: list[Entry]) -> list[Entry]:
        i = index_of(entries, Kind.CAST, 0)
        event = _link_events("ABCDE-FGHJK", Kind.REVOKED)(entries[i])
        return entries[:i] + event + entries[i:]

    step, message = failure(resign(gen, tmp_path / "r.zip", revoke))
    assert step == "board lifecycle" and "a protocol-v2 entry on a v1 board" in message
