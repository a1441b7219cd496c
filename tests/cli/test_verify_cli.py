"""`ballot verify` as an observer runs it: a record file in, PASS or FAIL out."""

from __future__ import annotations

import zipfile
from pathlib import Path

from typer.testing import CliRunner

from ballot.cli import app
from ballot.record.synthetic import generate_record, recognition_definition


def test_verify_command_passes_a_good_record_and_confirms_a_tracker(tmp_path: Path) -> None:
    gen = generate_record(tmp_path / "r.zip", recognition_definition(), [[[0]]] * 3 + [[[1]]])
    runner = CliRunner()
    result = runner.invoke(app, ["verify", str(gen.path), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "PASS" in result.output
    # The result in words beside the ids, in ballot order: the definition's English texts.
    words = " ".join(result.output.split())
    assert "Do you want Local 1 to represent you? (represent): Yes (yes) 3, No (no) 1" in words
    counted = runner.invoke(
        app, ["verify", str(gen.path), "--jobs", "1", "--tracker", gen.trackers[0]]
    )
    assert counted.exit_code == 0, counted.output
    unknown = runner.invoke(app, ["verify", str(gen.path), "--jobs", "1", "--tracker", "0" * 64])
    assert unknown.exit_code == 1


def test_verify_command_fails_a_damaged_record(tmp_path: Path) -> None:
    gen = generate_record(tmp_path / "r.zip", recognition_definition(), [[[0]]] * 2)
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(gen.path) as src, zipfile.ZipFile(damaged, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "board.jsonl":
                lines = data.splitlines(keepends=True)
                data = b"".join(lines[:-1])  # drop the last board entry
            dst.writestr(item, data)
    result = CliRunner().invoke(app, ["verify", str(damaged), "--jobs", "1"])
    assert result.exit_code == 1
    assert "FAIL" in result.output


def test_verify_command_words_the_reasons(tmp_path: Path) -> None:
    """A v2 result's reasons are codes: `ballot verify` words them in English; a v1
    result's English sentences are printed as they are."""
    v2 = {
        **recognition_definition(),
        "board_key": {"algorithm": "ed25519", "public_key": "11" * 32},
    }
    gen = generate_record(tmp_path / "v2.zip", v2, [[[0]]] * 3 + [[[1]]])
    result = CliRunner().invoke(app, ["verify", str(gen.path), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "-> approved" in result.output
    assert "Yes has 3 of 4 valid votes, more than 1/2 (3 needed)." in result.output
    v1 = generate_record(tmp_path / "v1.zip", recognition_definition(), [[[0]]] * 3 + [[[1]]])
    result = CliRunner().invoke(app, ["verify", str(v1.path), "--jobs", "1"])
    assert "3 in favour is more than 1/2 of 4 valid votes" in result.output


def test_verify_prints_the_first_language_when_there_is_no_english(tmp_path: Path) -> None:
    d = recognition_definition()
    d["languages"] = ["ko"]
    d["questions"][0]["text"] = {"ko": "지역 1이 귀하를 대표하기를 원하십니까?"}
    d["questions"][0]["options"] = [
        {"id": "yes", "label": {"ko": "예"}},
        {"id": "no", "label": {"ko": "아니요"}},
    ]
    gen = generate_record(tmp_path / "r.zip", d, [[[1]]] * 2)
    result = CliRunner().invoke(app, ["verify", str(gen.path), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    assert "예 (yes) 0, 아니요 (no) 2" in " ".join(result.output.split())
