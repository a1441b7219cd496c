"""Witnessed heads (PROTOCOL.md, "Witnessed heads"): cosignatures in the record, and one
witness's log held against a record with ``ballot verify --witness``.

Every attack record is built by honest code and then changed as a dishonest server would:
cut short after a head the witness cosigned, forked (re-chained and re-signed with the
server's own key), or carrying a cosignature by an unknown witness or on a wrong head.
Each failure names its cause.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from ballot.cli import app as cli_app
from ballot.record.cosign import Cosignature, WitnessKey, cosign, log_line
from ballot.record.election_record import read_record, write_record
from ballot.record.signing import ServerKey, SignedHead
from ballot.record.synthetic import Challenge, GeneratedRecord, generate_record
from ballot.record.synthetic import recognition_definition as base_definition
from ballot.record.verify import verify_record

from .conftest import board, resign

WITNESS = WitnessKey.from_private_bytes(bytes(range(32)))
OTHER = WitnessKey.from_private_bytes(bytes(range(1, 33)))
BOARD_KEY = ServerKey.from_private_bytes(bytes(range(3, 35)))
NAME = "Rosa Lopez (observer, Local 12)"


def witnessed_definition() -> dict[str, Any]:
    """A protocol-v2 definition: it binds the board key and names one witness."""
    d = base_definition()
    d["board_key"] = {"algorithm": "ed25519", "public_key": BOARD_KEY.public_hex}
    d["witnesses"] = [{"name": NAME, "public_key": WITNESS.public_hex}]
    return d


@pytest.fixture(scope="module")
def honest(tmp_path_factory: pytest.TempPathFactory) -> GeneratedRecord:
    """A certified election whose definition names one witness (the record carries no
    cosignature as generated; :func:`v2` rewrites it with some)."""
    path = tmp_path_factory.mktemp("witnessed") / "honest.zip"
    votes = [[[0]]] * 4 + [[[1]]] * 2
    return generate_record(
        path,
        witnessed_definition(),
        votes,
        challenges=[Challenge([[1]], "overruled")],
        eligible=20,
        certify="no objections were filed",
        notes=True,
        server_key=BOARD_KEY,
    )


def heads_of(path: Path) -> list[SignedHead]:
    return [SignedHead.from_json(h) for h in read_record(path).json("heads.json")]


def cosigned_all(path: Path, key: WitnessKey = WITNESS) -> list[Cosignature]:
    """The witness followed the whole board and cosigned every head as it came."""
    return [cosign(key, head, head.at) for head in heads_of(path)]


def write_log(path: Path, log: Sequence[Cosignature]) -> Path:
    path.write_bytes(b"".join(log_line(c) for c in log))
    return path


def v2(
    source: Path,
    target: Path,
    cosignatures: Sequence[Cosignature] = (),
    *,
    upto: int | None = None,
    raw_cosignatures: Sequence[dict[str, Any]] | None = None,
) -> Path:
    """``source`` as a version-2 record carrying ``cosignatures``; ``upto``: cut it right
    after signed head number ``upto`` (the board up to that head's entry, the heads up to
    it, and only the cosignatures on them: what a server hiding what came later ships)."""
    record = read_record(source)
    lines = record.board_lines()
    heads = [dict(h) for h in record.json("heads.json")]
    if upto is not None:
        last = heads[upto]["seq"]
        lines, heads = lines[: last + 1], heads[: upto + 1]
        cosignatures = [c for c in cosignatures if c.seq <= last]
    carried = (
        list(raw_cosignatures)
        if raw_cosignatures is not None
        else [c.to_json() for c in sorted(cosignatures, key=lambda c: c.sort_key)]
    )
    write_record(
        target,
        election_id=record.election_id,
        manifest_hash=record.index["manifest_hash"],
        fingerprint=record.index["fingerprint"],
        definition=record.json("definition.json"),
        ceremony=record.json("ceremony.json"),
        board=[line + b"\n" for line in lines],
        heads=heads,
        server_key=record.json("server_key.json"),
        tally=record.json("tally.json"),
        partials=record.json("partials.json"),
        result=record.json("result.json"),
        board_head=json.loads(lines[-1])["hash"],
        version=2,
        cosignatures=carried,
    )
    return target


def failed(report: Any, step: str) -> str:
    assert not report.ok, "the record should not verify"
    assert report.failed_step == step, (report.failed_step, report.failure)
    assert report.failure is not None
    return str(report.failure)


def test_a_witnessed_record_verifies_with_and_without_the_witness_log(
    honest: GeneratedRecord, tmp_path: Path
) -> None:
    log = cosigned_all(honest.path)
    record = v2(honest.path, tmp_path / "r.zip", log)
    plain = verify_record(record, jobs=1)
    assert plain.ok, plain.failure
    assert "cosignatures" in plain.passed and "witness" not in plain.passed
    witnessed = verify_record(record, jobs=1, witness=write_log(tmp_path / "log.jsonl", log))
    assert witnessed.ok, witnessed.failure
    assert "witness" in witnessed.passed
    final = heads_of(honest.path)[-1]
    assert witnessed.witnessed is not None
    assert f"cosigned the final head (board entry {final.seq})" in witnessed.witnessed
    assert NAME in witnessed.witnessed


def test_the_log_alone_vouches_for_a_record_that_carries_no_cosignature(
    honest: GeneratedRecord, tmp_path: Path
) -> None:
    """The witness's own log is the evidence; the record need not carry it."""
    log = write_log(tmp_path / "log.jsonl", cosigned_all(honest.path))
    report = verify_record(v2(honest.path, tmp_path / "r.zip"), jobs=1, witness=log)
    assert report.ok, report.failure


def test_a_record_cut_after_any_cosigned_head_fails_under_the_witness(
    honest: GeneratedRecord, tmp_path: Path
) -> None:
    log = cosigned_all(honest.path)
    log_file = write_log(tmp_path / "log.jsonl", log)
    heads = heads_of(honest.path)
    assert len(heads) >= 3
    last = heads[-1]
    for i, head in enumerate(heads[:-1]):
        cut = v2(honest.path, tmp_path / f"cut-{i}.zip", log, upto=i)
        message = failed(verify_record(cut, jobs=1, witness=log_file), "witness")
        assert message == (
            f"the record ends at board entry {head.seq}, but witness {NAME!r} cosigned board "
            f"entry {last.seq} at {log[-1].at}: the record is cut short (a prefix of the board "
            "the witness saw)"
        )


def test_a_prefix_cut_after_a_result_verifies_alone_but_not_under_the_witness(
    honest: GeneratedRecord, tmp_path: Path
) -> None:
    """The freshness gap the witness closes: the cut record is genuine, signatures and all."""
    heads = heads_of(honest.path)
    entries = board(honest.path)
    result_seq = next(e["seq"] for e in entries if e["kind"] == "tally.result")
    at_result = next(i for i, h in enumerate(heads) if h.seq == result_seq)
    log = cosigned_all(honest.path)
    cut = v2(honest.path, tmp_path / "cut.zip", log, upto=at_result)
    alone = verify_record(cut, jobs=1)
    assert alone.ok, alone.failure
    message = failed(verify_record(cut, jobs=1, witness=write_log(tmp_path / "l", log)), "witness")
    assert "the record is cut short" in message


def test_a_forked_board_fails_naming_the_entry_the_witness_saw(
    honest: GeneratedRecord, tmp_path: Path
) -> None:
    """The server re-chains and re-signs a board that differs from one the witness cosigned."""
    log = cosigned_all(honest.path)
    cosigned_seqs = {c.seq for c in log}

    def drop_a_note(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        first_note = next(i for i, e in enumerate(entries) if e["kind"].startswith("note."))
        return entries[:first_note] + entries[first_note + 1 :]

    forked = resign(honest, tmp_path / "forked.zip", drop_a_note)
    message = failed(
        verify_record(
            v2(forked, tmp_path / "forked2.zip"),
            jobs=1,
            witness=write_log(tmp_path / "log.jsonl", log),
        ),
        "witness",
    )
    first = min(cosigned_seqs)
    assert message.startswith(f"board entry {first} is not what witness {NAME!r} cosigned at")
    assert message.endswith("the record conflicts with the board the witness saw (a fork)")


def test_re_signed_heads_over_the_same_board_are_a_fork_too(
    honest: GeneratedRecord, tmp_path: Path
) -> None:
    """Same entries, but the server replaced its chain of signed heads (one fresh head)."""
    log = cosigned_all(honest.path)
    resigned = resign(honest, tmp_path / "resigned.zip", lambda entries: entries)
    message = failed(
        verify_record(
            v2(resigned, tmp_path / "r2.zip"), jobs=1, witness=write_log(tmp_path / "l", log)
        ),
        "witness",
    )
    assert f"witness {NAME!r} cosigned the server's signed head on board entry" in message
    assert message.endswith("the server's signed heads were rewritten (a fork)")


def test_a_final_head_the_witness_never_cosigned_fails(
    honest: GeneratedRecord, tmp_path: Path
) -> None:
    log = cosigned_all(honest.path)[:-1]  # the witness stopped before the last head
    message = failed(
        verify_record(
            v2(honest.path, tmp_path / "r.zip", log),
            jobs=1,
            witness=write_log(tmp_path / "l", log),
        ),
        "witness",
    )
    final = heads_of(honest.path)[-1]
    assert message == (
        f"the record's final signed head (board entry {final.seq}) is not cosigned by "
        f"witness {NAME!r}; its latest cosignature is on board entry {log[-1].seq}"
    )


def test_a_log_of_a_witness_the_definition_does_not_name_fails(
    honest: GeneratedRecord, tmp_path: Path
) -> None:
    stranger = write_log(tmp_path / "l", cosigned_all(honest.path, OTHER))
    message = failed(
        verify_record(v2(honest.path, tmp_path / "r.zip"), jobs=1, witness=stranger), "witness"
    )
    assert message == (
        f"the witness log is by key {OTHER.public_hex[:16]}…, which the record's definition "
        "does not name as a witness"
    )


def test_a_tampered_log_fails_naming_its_line(honest: GeneratedRecord, tmp_path: Path) -> None:
    log = cosigned_all(honest.path)
    data = json.loads(log_line(log[1]))
    data["seq"] = data["seq"] + 1  # moved to a later entry: the signature no longer holds
    lines = [log_line(log[0]), json.dumps(data).encode() + b"\n", *map(log_line, log[2:])]
    path = tmp_path / "tampered.jsonl"
    path.write_bytes(b"".join(lines))
    message = failed(
        verify_record(v2(honest.path, tmp_path / "r.zip"), jobs=1, witness=path), "witness"
    )
    assert "is damaged or forged: witness log line 2: the witness's signature does not verify" in (
        message
    )


def test_a_cosignature_by_an_unknown_witness_fails(honest: GeneratedRecord, tmp_path: Path) -> None:
    stranger = cosigned_all(honest.path, OTHER)[-1]
    report = verify_record(v2(honest.path, tmp_path / "r.zip", [stranger]), jobs=1)
    message = failed(report, "cosignatures")
    assert message == (
        f"cosignature 0 is by an unknown witness (key {OTHER.public_hex[:16]}…): the definition "
        "names no witness with this key"
    )


def test_a_cosignature_on_a_wrong_head_fails(honest: GeneratedRecord, tmp_path: Path) -> None:
    heads = heads_of(honest.path)
    # Signed by the named witness, on board entry N, but with entry N-1's hash.
    genuine = heads[1]
    other_hash = board(honest.path)[genuine.seq - 1]["hash"]
    wrong = SignedHead(
        genuine.election_id, genuine.seq, other_hash, genuine.at, genuine.prev, genuine.signature
    )
    message = failed(
        verify_record(
            v2(honest.path, tmp_path / "r.zip", [cosign(WITNESS, wrong, genuine.at)]), jobs=1
        ),
        "cosignatures",
    )
    assert message == (
        f"cosignature 0 by witness {NAME!r} is on board entry {genuine.seq} with another hash "
        "than the board has: a wrong head, or the board was rewritten after the witness saw it"
    )


def test_a_cosignature_on_a_head_the_record_does_not_hold_fails(
    honest: GeneratedRecord, tmp_path: Path
) -> None:
    genuine = heads_of(honest.path)[1]
    other = SignedHead(
        genuine.election_id, genuine.seq, genuine.head_hash, genuine.at, genuine.prev, "00" * 64
    )
    message = failed(
        verify_record(
            v2(honest.path, tmp_path / "r.zip", [cosign(WITNESS, other, genuine.at)]), jobs=1
        ),
        "cosignatures",
    )
    assert message == (
        f"cosignature 0 by witness {NAME!r} is on a signed head (board entry {genuine.seq}) "
        "that heads.json does not hold"
    )


def test_a_cosignature_whose_signature_fails_is_named(
    honest: GeneratedRecord, tmp_path: Path
) -> None:
    good = cosigned_all(honest.path)[0].to_json()
    bad = {**good, "at": "2030-01-01T00:00:00Z"}  # changed after signing
    message = failed(
        verify_record(v2(honest.path, tmp_path / "r.zip", raw_cosignatures=[bad]), jobs=1),
        "cosignatures",
    )
    assert message.startswith(f"cosignature 0 by witness {NAME!r}: the witness's signature")


def test_cosignatures_out_of_order_fail(honest: GeneratedRecord, tmp_path: Path) -> None:
    log = [c.to_json() for c in cosigned_all(honest.path)]
    message = failed(
        verify_record(
            v2(honest.path, tmp_path / "r.zip", raw_cosignatures=list(reversed(log))), jobs=1
        ),
        "cosignatures",
    )
    assert message.startswith("cosignatures.json must be sorted by board seq")


def test_ballot_verify_witness_on_the_command_line(honest: GeneratedRecord, tmp_path: Path) -> None:
    log = cosigned_all(honest.path)
    folder = tmp_path / "witness-state"
    folder.mkdir()
    write_log(folder / "cosigned.jsonl", log)
    record = v2(honest.path, tmp_path / "r.zip", log)
    ok = CliRunner().invoke(
        cli_app,
        ["verify", str(record), "--witness", str(folder), "--jobs", "1"],
        env={"COLUMNS": "200"},
    )
    assert ok.exit_code == 0, ok.output
    assert "ok   witness" in ok.output and f"witness {NAME!r} cosigned the final head" in ok.output
    cut = v2(honest.path, tmp_path / "cut.zip", log, upto=0)
    bad = CliRunner().invoke(
        cli_app,
        ["verify", str(cut), "--witness", str(folder / "cosigned.jsonl"), "--jobs", "1"],
        env={"COLUMNS": "200"},
    )
    assert bad.exit_code == 1, bad.output
    assert "FAIL (witness)" in bad.output and "cut short" in bad.output
