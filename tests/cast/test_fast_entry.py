"""The cast path assembles board entries from the ballot's canonical text; it must give
exactly the bytes and hash that ballot.record computes."""

from __future__ import annotations

from ballot.crypto.ballots import tracker
from ballot.record.board import BoardEntry
from ballot.record.canonical import canonical_json
from ballot.store.casting import entry_hash_of, payload_json


def test_fast_entry_equals_the_record_module() -> None:
    from ballot.crypto.ballots import encrypt_ballot
    from ballot.crypto.ceremony import local_ceremony
    from ballot.crypto.group import Element
    from ballot.crypto.manifest import ElectionManifest, election_fingerprint, manifest_hash

    definition = {
        "election_id": "e1",
        "questions": [
            {"id": "q1", "min": 0, "max": 2, "options": [{"id": "a"}, {"id": "b"}, {"id": "c"}]}
        ],
    }
    digest = manifest_hash(definition)
    transcript, _ = local_ceremony(1, 1, digest)
    key = Element.from_hex(str(transcript["joint_public_key"]))
    vkeys = transcript["verification_keys"]
    assert isinstance(vkeys, dict)
    fp = election_fingerprint(digest, key, [Element.from_hex(vkeys["1"])])
    ballot = encrypt_ballot(ElectionManifest.from_definition(definition), key, fp, [[0, 2]])[0]
    ballot_json = ballot.to_json()
    text = canonical_json(ballot_json).decode()
    track = tracker(ballot_json)
    at, prev = "2026-05-02T09:00:01Z", "ab" * 32
    for challenge in (None, "c0123456789abcdef"):
        payload = {"ballot": ballot_json, "tracker": track}
        kind = "ballot.cast"
        if challenge is not None:
            payload["challenge"] = challenge
            kind = "ballot.challenged"
        fast = payload_json(text, track, challenge)
        assert fast == canonical_json(payload).decode()
        entry = BoardEntry(17, kind, at, payload, prev)
        assert entry_hash_of(17, kind, at, fast, prev) == entry.hash


def test_fast_canonical_equals_rfc8785_and_falls_back_when_escaping_is_needed() -> None:
    from ballot.store.casting import fast_canonical

    samples: list[object] = [
        {"b": [1, None, "ab"], "a": {"z": 0, "y": "2026-05-02T09:00:01Z"}, "type": "x.y"},
        {"quote": 'say "hi"', "back": "a\\b", "ctl": "\n", "accent": "é", "emoji": "\U0001f600"},
        {"\u00e9": 1, "e": 2, "\U0001f600": 3, "\uff61": 4},  # key order by UTF-16 units
        [],
        {},
    ]
    for sample in samples:
        assert fast_canonical(sample) == canonical_json(sample), sample


def test_cast_path_names_board_kinds_only_through_the_record_vocabulary() -> None:
    """A kind spelled by hand could drift from the record's and fail the downloaded record."""
    from pathlib import Path

    import ballot
    from ballot.record.kinds import Kind

    root = Path(ballot.__file__).parent
    files = [
        *sorted((root / "store" / "casting").glob("*.py")),
        *sorted((root / "web" / "observer").glob("*.py")),
        *(
            root / "web" / name
            for name in (
                "casting.py",
                "observer_pages.py",
                "ballot_page.py",
                "voter.py",
                "refusals.py",
            )
        ),
    ]
    for path in files:
        source = path.read_text(encoding="utf-8")
        for kind in Kind:
            for quote in ('"', "'"):
                assert f"{quote}{kind.value}{quote}" not in source, (path.name, kind.value)
