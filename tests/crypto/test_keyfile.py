"""Trustee key files: round trip, wrong passphrase, every corruption caught, header tamper."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ballot.crypto.keyfile import (
    DEFAULT_PARAMS,
    Argon2Params,
    KeyFileError,
    MalformedKeyFile,
    WrongPassphraseOrDamaged,
    open_key,
    read_label,
    seal_key,
)

FAST = Argon2Params(time_cost=1, memory_cost=8, parallelism=1)
SECRET = b'{"format":"ballot/trustee-share/v1","index":2}'


def sealed(secret: bytes = SECRET, passphrase: str = "correct horse", label: str = "") -> bytes:
    return seal_key(secret, passphrase, label=label, params=FAST)


def test_round_trip_returns_the_secret() -> None:
    data = sealed(label="Trustee 2 — Branch 7 ratification")
    assert open_key(data, "correct horse") == SECRET
    assert read_label(data) == "Trustee 2 — Branch 7 ratification"


def test_default_parameters_are_argon2id_64_mib_three_passes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BALLOT_ARGON2_PROFILE", "production")  # what a real deployment has
    assert (DEFAULT_PARAMS.time_cost, DEFAULT_PARAMS.memory_cost, DEFAULT_PARAMS.parallelism) == (
        3,
        64 * 1024,
        1,
    )
    data = seal_key(b"s", "pw")
    kdf = json.loads(data)["header"]["kdf"]
    assert kdf == kdf | {"name": "argon2id", "time_cost": 3, "memory_cost": 65536}
    assert open_key(data, "pw") == b"s"


def test_sealing_twice_gives_different_files() -> None:
    # Fresh salt and nonce each time: two files never share a key stream.
    assert sealed() != sealed()


def test_wrong_passphrase_gives_a_clear_error() -> None:
    with pytest.raises(WrongPassphraseOrDamaged, match="wrong passphrase, or the file is damaged"):
        open_key(sealed(), "correct horse ")


def test_passphrase_is_unicode_normalised() -> None:
    composed = "mật khẩu"
    decomposed = "ma\u0323\u0302t kha\u0302\u0309u"
    assert composed != decomposed
    assert open_key(sealed(passphrase=composed), decomposed) == SECRET


def test_empty_passphrase_is_refused() -> None:
    with pytest.raises(ValueError, match="passphrase"):
        seal_key(b"x", "", params=FAST)


def test_every_single_byte_change_is_detected() -> None:
    data = sealed(label="T1")
    for pos in range(len(data)):
        for delta in (1, 0x20, 0x80, 0xE0, 0xFF):
            bad = bytearray(data)
            bad[pos] = (bad[pos] + delta) % 256
            with pytest.raises(KeyFileError):
                open_key(bytes(bad), "correct horse")


def test_every_truncation_is_detected() -> None:
    data = sealed()
    for cut in range(len(data)):
        with pytest.raises(KeyFileError):
            open_key(data[:cut], "correct horse")
    with pytest.raises(KeyFileError):
        open_key(data + b"x", "correct horse")


def test_uppercase_hex_is_refused() -> None:
    data = sealed()
    obj = json.loads(data)
    obj["nonce"] = obj["nonce"].upper()
    assert obj["nonce"] != json.loads(data)["nonce"]
    bad = json.dumps(obj, sort_keys=True, separators=(",", ":")).encode() + b"\n"
    with pytest.raises(MalformedKeyFile, match="lower-case hexadecimal"):
        open_key(bad, "correct horse")


def _rewrite(data: bytes, change: dict[str, object]) -> bytes:
    obj = json.loads(data)
    obj["header"] = obj["header"] | change
    return json.dumps(obj, sort_keys=True, separators=(",", ":")).encode() + b"\n"


def test_tampered_header_is_detected() -> None:
    data = sealed(label="Trustee 1")
    with pytest.raises(WrongPassphraseOrDamaged):
        open_key(_rewrite(data, {"label": "Trustee 3"}), "correct horse")
    kdf = json.loads(data)["header"]["kdf"] | {"time_cost": 2}
    with pytest.raises(WrongPassphraseOrDamaged):
        open_key(_rewrite(data, {"kdf": kdf}), "correct horse")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("memory_cost", 2**40, "memory cost"),
        ("memory_cost", 1, "memory cost"),
        ("time_cost", 10**9, "time cost"),
        ("time_cost", 0, "time cost"),
        ("parallelism", 1000, "parallelism"),
        ("time_cost", "3", "integer"),
        ("time_cost", True, "integer"),
        ("name", "scrypt", "argon2id"),
    ],
)
def test_absurd_parameters_from_a_file_are_refused(field: str, value: object, message: str) -> None:
    data = sealed()
    kdf = json.loads(data)["header"]["kdf"] | {field: value}
    with pytest.raises(MalformedKeyFile, match=message):
        open_key(_rewrite(data, {"kdf": kdf}), "correct horse")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not JSON"),
        (b"\xff\xfe", "not JSON"),
        (b"[]", "expected"),
        (b'{"header":{},"nonce":"","ciphertext":""}', "header"),
        (b"x" * 100_000, "too large"),
    ],
)
def test_not_a_key_file(data: bytes, message: str) -> None:
    with pytest.raises(MalformedKeyFile, match=message):
        open_key(data, "pw")


def test_unsupported_version_is_named() -> None:
    data = _rewrite(sealed(), {"format": "ballot/trustee-key/v9"})
    with pytest.raises(MalformedKeyFile, match="unsupported format"):
        open_key(data, "correct horse")


@settings(max_examples=25, deadline=None)
@given(secret=st.binary(max_size=300), passphrase=st.text(min_size=1, max_size=40))
def test_round_trip_any_secret_and_passphrase(secret: bytes, passphrase: str) -> None:
    assert open_key(seal_key(secret, passphrase, params=FAST), passphrase) == secret
