"""Small synthetic records and the tools to tamper with them.

Two kinds of tampering matter.  An outsider edits the file: they can fix the
SHA-256 sums in record.json but cannot sign, so the chain or the signed heads
give them away.  A dishonest server holds the signing key: it can re-chain and
re-sign a doctored board (``rebuild_record``), and only the cryptographic checks
behind the signatures can catch it.  Both are exercised.
"""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from ballot.crypto.ballots import encrypt_ballot
from ballot.crypto.group import Element
from ballot.crypto.manifest import ElectionManifest
from ballot.record.election_record import INDEX_NAME, canonical, read_record
from ballot.record.synthetic import (
    Challenge,
    GeneratedRecord,
    generate_record,
    rebuild_record,
    recognition_definition,
)

Entry = dict[str, Any]


@pytest.fixture(scope="session")
def recognition(tmp_path_factory: pytest.TempPathFactory) -> GeneratedRecord:
    """5 yes, 3 no, one overruled challenge (no), one sustained (yes), one undecided."""
    path = tmp_path_factory.mktemp("records") / "recognition.zip"
    votes = [[[0]]] * 5 + [[[1]]] * 3
    challenges = [
        Challenge([[1]], "overruled"),
        Challenge([[0]], "sustained"),
        Challenge([[0]], None),
    ]
    return generate_record(
        path, recognition_definition(), votes, challenges=challenges, eligible=30
    )


def _member(keyword: str) -> str:
    """``server_key_json`` -> ``server_key.json`` (keyword arguments cannot hold dots)."""
    stem, _, ext = keyword.rpartition("_")
    return f"{stem}.{ext}"


def board(path: Path) -> list[Entry]:
    return [json.loads(line) for line in read_record(path).board_lines()]


def members(path: Path) -> dict[str, bytes]:
    return dict(read_record(path).members)


def rewrite_unsigned(source: Path, target: Path, **changed: bytes) -> Path:
    """An outsider's edit: change members and fix record.json's sums (no signing key)."""
    record = read_record(source)
    data = dict(record.members)
    data.update({_member(name): value for name, value in changed.items()})
    index = dict(record.index)
    names = record.member_names
    index["members"] = [
        {"name": n, "sha256": hashlib.sha256(data[n]).hexdigest(), "bytes": len(data[n])}
        for n in names
    ]
    with zipfile.ZipFile(target, "w") as zf:
        for name in names:
            zf.writestr(name, data[name])
        zf.writestr(INDEX_NAME, canonical(index))
    return target


def lines_of(entries: list[Entry]) -> bytes:
    return b"".join(canonical(e) + b"\n" for e in entries)


def resign(
    gen: GeneratedRecord,
    target: Path,
    edit: Callable[[list[Entry]], list[Entry]],
    **members_json: Any,
) -> Path:
    """A dishonest server's edit: change the board, re-chain and re-sign it with its key."""
    entries = edit(board(gen.path))
    rebuild_record(
        gen.path,
        target,
        gen.server_key,
        [(e["kind"], e["at"], e["payload"]) for e in entries],
        members={_member(k): v for k, v in members_json.items()},
    )
    return target


def extra_ballot(gen: GeneratedRecord, selection: list[list[int]]) -> dict[str, Any]:
    """A valid ballot for this record's election (as a voter's device would make it)."""
    record = read_record(gen.path)
    manifest = ElectionManifest.from_definition(record.json("definition.json"))
    key = Element.from_hex(record.json("ceremony.json")["joint_public_key"])
    fp = bytes.fromhex(record.index["fingerprint"])
    ballot, _ = encrypt_ballot(manifest, key, fp, selection)
    return ballot.to_json()


def index_of(entries: list[Entry], kind: str, nth: int = 0) -> int:
    return [i for i, e in enumerate(entries) if e["kind"] == kind][nth]


@pytest.fixture(scope="session")
def full(tmp_path_factory: pytest.TempPathFactory) -> GeneratedRecord:
    """Every lifecycle feature at once: a withdrawn first definition, two audited ballots,
    a determinative round 1 (C-3 overruled before the count; C-1 and C-2 decided after it),
    round 2, a certification and state notes.

    Round 1: 5+1 yes, 4 no, two undecided (they could tie it, and a tie loses).
    Round 2: C-1 (no) overruled, C-2 (yes) sustained: 6 yes, 5 no, approved.
    """
    path = tmp_path_factory.mktemp("records") / "full.zip"
    earlier = recognition_definition()
    earlier["title"] = {"en": "Union recognition vote (draft)"}
    votes = [[[0]]] * 5 + [[[1]]] * 4
    challenges = [
        Challenge([[1]], "overruled", "on the payroll after all", after_count=True),
        Challenge([[0]], "sustained", "a supervisor", after_count=True),
        Challenge([[0]], "overruled", "agreed before the count"),
    ]
    return generate_record(
        path,
        recognition_definition(),
        votes,
        challenges=challenges,
        audits=[[[0]], [[1]]],
        eligible=30,
        withdrawn=earlier,
        certify="no objections were filed",
        notes=True,
    )


def find(entries: list[Entry], kind: str, **payload: Any) -> int:
    """Position of the first entry of ``kind`` whose payload has these values."""
    return next(
        i
        for i, e in enumerate(entries)
        if e["kind"] == kind and all(e["payload"].get(k) == v for k, v in payload.items())
    )


def unused_alias(gen: GeneratedRecord, entries: list[Entry]) -> str:
    """A committed alias with no ballot on ``entries``: what a server stuffing a ballot, or
    replaying one, would name to get past the roll's checks (PROTOCOL 11.8)."""
    voted = {e["payload"].get("alias") for e in entries}
    return next(a for a in gen.aliases if a not in voted)


@pytest.fixture(scope="session")
def officers(tmp_path_factory: pytest.TempPathFactory) -> GeneratedRecord:
    """Officer elections with two ranked races and a choose question, a 3-of-4 key: three
    shuffles (trustees 2, 1, 3), the mixed ballots decrypted by trustees 1, 2, 3, then the
    certification.  President (instant runoff, no ties): Dubois, then Brooks excluded,
    Alvarez elected in round 3; council (Scottish STV, 2 seats): Ito elected in round 1, his
    surplus transferred in round 2, Jansen elected last."""
    from .mix_support import CHALLENGES, VOTES, officers_3_of_4

    path = tmp_path_factory.mktemp("records") / "officers.zip"
    return generate_record(
        path,
        officers_3_of_4(),
        VOTES,
        challenges=CHALLENGES,
        eligible=20,
        k=3,
        n=4,
        shufflers=[2, 1, 3],
        certify="no objections were filed",
    )
