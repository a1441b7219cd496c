"""The record container and the verifier's fast canonical path."""

from __future__ import annotations

import json
from pathlib import Path

from ballot.record.canonical import canonical_json
from ballot.record.chain import body_hash
from ballot.record.election_record import read_record
from ballot.record.synthetic import GeneratedRecord
from ballot.record.verify import _compact, _entry_hash, _plain, verify_record

from .conftest import Entry, index_of, resign


def test_records_are_byte_reproducible(recognition: GeneratedRecord, tmp_path: Path) -> None:
    from ballot.record.synthetic import rebuild_record

    entries = [json.loads(x) for x in read_record(recognition.path).board_lines()]
    triples = [(e["kind"], e["at"], e["payload"]) for e in entries]
    rebuild_record(recognition.path, tmp_path / "a.zip", recognition.server_key, triples)
    rebuild_record(recognition.path, tmp_path / "b.zip", recognition.server_key, triples)
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_fast_path_is_byte_identical_to_rfc8785_on_every_ballot_entry(
    recognition: GeneratedRecord,
) -> None:
    for raw in read_record(recognition.path).board_lines():
        entry = json.loads(raw)
        if entry["kind"] not in ("ballot.cast", "ballot.challenged"):
            continue
        assert _plain(raw)
        body = {k: v for k, v in entry.items() if k != "hash"}
        assert _compact(body) == canonical_json(body)
        assert _entry_hash(entry, True) == body_hash(body) == entry["hash"]
        assert _compact(entry["payload"]["ballot"]) == canonical_json(entry["payload"]["ballot"])


def test_non_ascii_challenge_ids_take_the_general_encoder(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    """An id such as 'Ç-1' is escaped differently by json.dumps and RFC 8785: the
    verifier must notice and hash such entries with the general encoder."""

    def rename(entries: list[Entry]) -> list[Entry]:
        for e in entries:
            if e["kind"] in ("ballot.challenged", "challenge.decided"):
                e["payload"]["challenge"] = "Ç" + e["payload"]["challenge"]
        counted = entries[index_of(entries, "tally.encrypted")]["payload"]["counted"]
        counted["overruled"] = sorted("Ç" + c for c in counted["overruled"])
        return entries

    path = resign(recognition, tmp_path / "r.zip", rename)
    lines = read_record(path).board_lines()
    assert not all(_plain(x) for x in lines)
    report = verify_record(path, tracker=recognition.challenge_trackers["C-2"])
    assert report.ok, report.failure
    assert report.tracker is not None and "'ÇC-2' (sustained)" in report.tracker.message


def test_duplicate_keys_in_a_board_line_are_refused(
    recognition: GeneratedRecord, tmp_path: Path
) -> None:
    from .conftest import rewrite_unsigned

    lines = read_record(recognition.path).board_lines()
    i = next(n for n, x in enumerate(lines) if b'"kind":"ballot.cast"' in x)
    lines[i] = lines[i][:-1] + b',"seq":' + str(i).encode() + b"}"
    path = rewrite_unsigned(
        recognition.path, tmp_path / "r.zip", board_jsonl=b"\n".join(lines) + b"\n"
    )
    report = verify_record(path)
    assert not report.ok and report.failed_step == "board chain"
    assert "duplicate key" in (report.failure or "")
