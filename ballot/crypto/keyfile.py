"""Trustee key files: a secret share sealed under a passphrase (Argon2id + AES-256-GCM).

A trustee carries the file away from the ceremony and brings it back for the
tally; the passphrase is the only thing protecting it at rest, so the key is
stretched with Argon2id (memory-hard, so guessing on GPUs is expensive).

File layout (one line of JSON, then a newline)::

    {"ciphertext":"<hex>","header":{"format":"ballot/trustee-key/v1",
     "kdf":{"memory_cost":65536,"name":"argon2id","parallelism":1,
     "salt":"<32 hex>","time_cost":3},"label":"..."},"nonce":"<24 hex>"}

Keys sorted, no spaces, ASCII only (non-ASCII label characters escaped),
lowercase hex.  The file must be *exactly* that canonical serialisation of
what it parses to: so a change to any byte either breaks the parse, breaks
canonical form, or changes a value; and every value is authenticated, because
the canonical bytes of ``header`` are the GCM associated data, and the nonce
and ciphertext are GCM inputs.  Hence any single-byte change is detected.

Why the header is authenticated: an attacker who lowers the Argon2
parameters or swaps the label must not get a file that still opens.  Why
parameters read from a file are bounded: a hostile file asking for 1 TiB of
memory or a billion passes would otherwise be a denial of service.

Passphrases are NFC-normalised before hashing, so the same passphrase typed
on systems that compose accents differently (common for Vietnamese) opens
the file.
"""

from __future__ import annotations

import json
import secrets
import unicodedata
from dataclasses import dataclass

from argon2.exceptions import HashingError
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ballot.crypto.argon2_cost import argon2_profile

from .group import GroupError, hex_bytes

__all__ = [
    "DEFAULT_PARAMS",
    "FORMAT",
    "TEST_PARAMS",
    "Argon2Params",
    "KeyFileError",
    "MalformedKeyFile",
    "WrongPassphraseOrDamaged",
    "open_key",
    "profile_params",
    "read_label",
    "seal_key",
]

FORMAT = "ballot/trustee-key/v1"
SALT_LEN = 16
NONCE_LEN = 12
KEY_LEN = 32
#: Largest file we are willing to parse (secrets are small; refuse anything huge early).
MAX_FILE_BYTES = 64 * 1024
MAX_LABEL_CHARS = 200


class KeyFileError(ValueError):
    """A key file cannot be opened.  The message is safe to show to the trustee."""


class WrongPassphraseOrDamaged(KeyFileError):
    """Authentication failed: the passphrase is wrong, or the file was changed."""

    def __init__(self) -> None:
        super().__init__("cannot open the key file: wrong passphrase, or the file is damaged")


class MalformedKeyFile(KeyFileError):
    """Not a ballot key file, truncated, or an unsupported version."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"not a valid ballot key file: {detail}")


@dataclass(frozen=True, slots=True)
class Argon2Params:
    """Argon2id cost parameters; ``memory_cost`` is in KiB, as argon2 counts it."""

    time_cost: int = 3
    memory_cost: int = 64 * 1024
    parallelism: int = 1

    # Bounds for parameters read from a file (and for sealing).
    MIN_TIME = 1
    MAX_TIME = 10
    MAX_MEMORY = 1024 * 1024  # 1 GiB
    MAX_PARALLELISM = 16

    def check(self) -> None:
        """Refuse absurd costs: too weak to be argon2, or so large they are an attack."""
        for name in ("time_cost", "memory_cost", "parallelism"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool):
                raise MalformedKeyFile(f"Argon2 {name} must be an integer")
        if not 1 <= self.parallelism <= self.MAX_PARALLELISM:
            raise MalformedKeyFile(f"Argon2 parallelism must be 1 to {self.MAX_PARALLELISM}")
        if not self.MIN_TIME <= self.time_cost <= self.MAX_TIME:
            raise MalformedKeyFile(f"Argon2 time cost must be {self.MIN_TIME} to {self.MAX_TIME}")
        if not 8 * self.parallelism <= self.memory_cost <= self.MAX_MEMORY:
            raise MalformedKeyFile(
                f"Argon2 memory cost must be {8 * self.parallelism} to {self.MAX_MEMORY} KiB"
            )


DEFAULT_PARAMS = Argon2Params()
#: The smallest cost Argon2id allows: for the test suite (BALLOT_ARGON2_PROFILE=test) only.
TEST_PARAMS = Argon2Params(time_cost=1, memory_cost=8, parallelism=1)


def profile_params() -> Argon2Params:
    """The sealing cost of the configured profile: the defaults unless the tests ask.

    Opening never depends on it: a file records its own parameters.
    """
    return TEST_PARAMS if argon2_profile() == "test" else DEFAULT_PARAMS


def _canonical(obj: object) -> bytes:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _header(
    params: Argon2Params, salt: bytes, label: str, file_format: str = FORMAT
) -> dict[str, object]:
    """The authenticated header, built from values (so parsing can rebuild it exactly)."""
    return {
        "format": file_format,
        "kdf": {
            "name": "argon2id",
            "time_cost": params.time_cost,
            "memory_cost": params.memory_cost,
            "parallelism": params.parallelism,
            "salt": salt.hex(),
        },
        "label": label,
    }


def _normalise(passphrase: str) -> bytes:
    return unicodedata.normalize("NFC", passphrase).encode("utf-8")


def _derive(passphrase: str, salt: bytes, params: Argon2Params) -> bytes:
    try:
        return hash_secret_raw(
            _normalise(passphrase),
            salt,
            time_cost=params.time_cost,
            memory_cost=params.memory_cost,
            parallelism=params.parallelism,
            hash_len=KEY_LEN,
            type=Type.ID,
        )
    except HashingError as exc:  # pragma: no cover - parameters are checked first
        raise MalformedKeyFile("Argon2 refused the parameters") from exc


def seal_key(
    secret: bytes,
    passphrase: str,
    *,
    label: str = "",
    params: Argon2Params | None = None,
    file_format: str = FORMAT,
) -> bytes:
    """Encrypt ``secret`` under ``passphrase``; returns the whole file's bytes.

    ``label`` is stored in clear (authenticated), e.g. "Trustee 2, Branch 7
    ballot 2026", so a trustee can tell files apart without the passphrase.
    Without ``params`` the configured profile's cost is used (production: the defaults).
    ``file_format`` names what the secret is (a witness's signing key is sealed the same
    way under ``ballot/witness-key/v1``), so one kind of file never opens as the other.
    """
    if not passphrase:
        raise ValueError("the passphrase must not be empty")
    if len(label) > MAX_LABEL_CHARS:
        raise ValueError(f"the label is longer than {MAX_LABEL_CHARS} characters")
    params = params or profile_params()
    params.check()
    salt = secrets.token_bytes(SALT_LEN)
    nonce = secrets.token_bytes(NONCE_LEN)
    header = _header(params, salt, label, file_format)
    key = _derive(passphrase, salt, params)
    ct = AESGCM(key).encrypt(nonce, bytes(secret), _canonical(header))
    data = _canonical({"header": header, "nonce": nonce.hex(), "ciphertext": ct.hex()}) + b"\n"
    if len(data) > MAX_FILE_BYTES:
        raise ValueError("the secret is too large for a key file")
    return data


@dataclass(frozen=True, slots=True)
class _Parsed:
    header: dict[str, object]
    params: Argon2Params
    salt: bytes
    nonce: bytes
    ciphertext: bytes


def _hex_field(value: object, name: str, length: int | None = None) -> bytes:
    if not isinstance(value, str):
        raise MalformedKeyFile(f"'{name}' must be a hexadecimal string")
    try:
        return hex_bytes(value, f"'{name}'", length)
    except GroupError as exc:
        raise MalformedKeyFile(str(exc)) from exc


def _parse(data: bytes, file_format: str = FORMAT) -> _Parsed:
    if not isinstance(data, bytes | bytearray):
        raise MalformedKeyFile("expected the file's bytes")
    data = bytes(data)
    if len(data) > MAX_FILE_BYTES:
        raise MalformedKeyFile("the file is far too large")
    try:
        obj = json.loads(data.decode("ascii"))
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedKeyFile("it is not JSON (is the file truncated?)") from exc
    if not isinstance(obj, dict) or set(obj) != {"header", "nonce", "ciphertext"}:
        raise MalformedKeyFile("expected 'header', 'nonce' and 'ciphertext'")
    header = obj["header"]
    if not isinstance(header, dict) or set(header) != {"format", "kdf", "label"}:
        raise MalformedKeyFile("the header needs exactly 'format', 'kdf' and 'label'")
    if header["format"] != file_format:
        raise MalformedKeyFile(f"unsupported format {header['format']!r} (expected {file_format})")
    if not isinstance(header["label"], str):
        raise MalformedKeyFile("the label must be a string")
    kdf = header["kdf"]
    kdf_keys = {"name", "time_cost", "memory_cost", "parallelism", "salt"}
    if not isinstance(kdf, dict) or set(kdf) != kdf_keys or kdf["name"] != "argon2id":
        raise MalformedKeyFile("the key derivation must be argon2id with its parameters")
    params = Argon2Params(kdf["time_cost"], kdf["memory_cost"], kdf["parallelism"])
    params.check()
    salt = _hex_field(kdf["salt"], "salt", SALT_LEN)
    nonce = _hex_field(obj["nonce"], "nonce", NONCE_LEN)
    ct = _hex_field(obj["ciphertext"], "ciphertext")
    if len(ct) < 16:
        raise MalformedKeyFile("the ciphertext is shorter than its authentication tag")
    header = _header(params, salt, header["label"], file_format)
    rebuilt = {"header": header, "nonce": nonce.hex(), "ciphertext": ct.hex()}
    if _canonical(rebuilt) + b"\n" != data:
        # Catches any byte change that still parses to the same values (case of
        # hex digits, spacing, key order): the file must be exactly what we write.
        raise MalformedKeyFile("the file is damaged (it is not byte-for-byte as ballot wrote it)")
    return _Parsed(header, params, salt, nonce, ct)


def read_label(data: bytes, file_format: str = FORMAT) -> str:
    """The file's clear label (not authenticated until the file is opened)."""
    label = _parse(data, file_format).header["label"]
    assert isinstance(label, str)
    return label


def open_key(data: bytes, passphrase: str, file_format: str = FORMAT) -> bytes:
    """Decrypt a key file.  Raises a :class:`KeyFileError` with a clear message."""
    parsed = _parse(data, file_format)
    key = _derive(passphrase, parsed.salt, parsed.params)
    try:
        return AESGCM(key).decrypt(parsed.nonce, parsed.ciphertext, _canonical(parsed.header))
    except InvalidTag:
        raise WrongPassphraseOrDamaged() from None
