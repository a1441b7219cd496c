"""``ballot trustee check-key``: a trustee's rehearsal before tally day, without a server."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from ballot.cli import app as cli_app
from ballot.crypto.ceremony import TrusteeShare, local_ceremony
from ballot.crypto.group import base_mul
from ballot.crypto.keyfile import Argon2Params, seal_key

QUICK = Argon2Params(1, 64, 1)  # tests only; the tool seals with the defaults
PASSPHRASE = "a long trustee passphrase"


def _key_file(tmp_path: Path) -> tuple[Path, TrusteeShare]:
    _, blobs = local_ceremony(2, 3, b"\x07" * 32)
    path = tmp_path / "trustee2.key"
    path.write_bytes(seal_key(blobs[1], PASSPHRASE, label="Trustee 2, test", params=QUICK))
    return path, TrusteeShare.from_bytes(blobs[1])


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli_app, ["trustee", "check-key", *args], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def test_the_key_file_opens_and_shows_the_trustee_and_its_public_key(tmp_path: Path) -> None:
    path, share = _key_file(tmp_path)
    secret = tmp_path / "passphrase"
    secret.write_text(PASSPHRASE + "\n")
    code, out = _run("--key-file", str(path), "--passphrase-file", str(secret))
    assert code == 0, out
    assert "2 of 3" in out and "Trustee 2, test" in out
    assert base_mul(share.secret_share).hex() in out
    assert share.secret_share.hex() not in out and PASSPHRASE not in out


def test_a_wrong_passphrase_or_a_damaged_file_is_a_clear_error(tmp_path: Path) -> None:
    path, _ = _key_file(tmp_path)
    wrong = tmp_path / "wrong"
    wrong.write_text("not the passphrase")
    code, out = _run("--key-file", str(path), "--passphrase-file", str(wrong))
    assert code == 1 and "passphrase" in out.lower(), out
    assert "not the passphrase" not in out
    damaged = tmp_path / "damaged.key"
    damaged.write_bytes(path.read_bytes()[:-20] + b"\n")
    code, out = _run("--key-file", str(damaged), "--passphrase-file", str(wrong))
    assert code == 1 and "not a usable key file" in out, out
    code, out = _run("--key-file", str(tmp_path / "missing.key"), "--passphrase-file", str(wrong))
    assert code == 1 and "cannot read" in out, out
