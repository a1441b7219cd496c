"""The witness's key file: sealed like a trustee's, never opened as one (nor one as it)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ballot.crypto.keyfile import KeyFileError, seal_key
from ballot.witness.keys import key_label, new_key_file, open_key_file


def test_a_new_key_opens_with_its_passphrase_only(tmp_path: Path) -> None:
    path = tmp_path / "witness.key"
    key = new_key_file(path, "a long enough phrase", "Rosa, Local 12")
    assert path.stat().st_mode & 0o777 == 0o600
    assert open_key_file(path, "a long enough phrase").public_hex == key.public_hex
    assert key_label(path) == "Rosa, Local 12"
    with pytest.raises(KeyFileError, match="wrong passphrase"):
        open_key_file(path, "another phrase entirely")
    with pytest.raises(FileExistsError):
        new_key_file(path, "a long enough phrase")


def test_a_trustee_key_file_is_not_a_witness_key(tmp_path: Path) -> None:
    from ballot.crypto.keyfile import open_key

    trustee = tmp_path / "trustee.key"
    trustee.write_bytes(seal_key(b"\x01" * 32, "a long enough phrase"))
    with pytest.raises(KeyFileError, match="expected ballot/witness-key/v1"):
        open_key_file(trustee, "a long enough phrase")
    witness = tmp_path / "witness.key"
    new_key_file(witness, "a long enough phrase")
    with pytest.raises(KeyFileError, match="expected ballot/trustee-key/v1"):
        open_key(witness.read_bytes(), "a long enough phrase")
