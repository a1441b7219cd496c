"""The witnesses an election definition names: who may cosign the board's signed heads.

The committee names each witness (an observer: a candidate's agent, the other union, a
labour-board official) with the public half of a key the witness made on their own
computer (``ballot observe new-key``).  The list is part of the definition, so the
manifest hash and the fingerprint bind it before the key ceremony: nobody can add a
friendly witness once voting has started, and the server cannot forge one.

Shape (PROTOCOL.md, "Witnessed heads")::

    "witnesses": [{"name": "<text>", "public_key": "<64 lower-case hex>"}, ...]

possibly empty; names and keys each unique.  One reading for the server, the witness's
tool and the verifier.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

#: More witnesses than this is not a committee's list but an attack on the manifest's size.
MAX_WITNESSES: Final = 50
MAX_NAME: Final = 200
_HEX = frozenset("0123456789abcdef")


class WitnessError(ValueError):
    """The definition's witness list is malformed; ``problems`` says every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Witness:
    name: str
    public_key: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "public_key": self.public_key}


def key_problem(public_key: object) -> str | None:
    """Why ``public_key`` is not a witness key as the definition spells one, or None."""
    if not isinstance(public_key, str) or len(public_key) != 64 or not set(public_key) <= _HEX:
        return "a public key is 64 lower-case hex digits (what 'ballot observe new-key' prints)"
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
    except ValueError:
        return "not an Ed25519 public key"
    return None


def name_problem(name: object) -> str | None:
    """Why ``name`` is not a usable witness name, or None."""
    if not isinstance(name, str) or not name.strip():
        return "a name is needed"
    if name != name.strip():
        return "the name has spaces at its start or end"
    if len(name) > MAX_NAME:
        return f"the name is longer than {MAX_NAME} characters"
    if any(unicodedata.category(c).startswith("C") for c in name):
        return "the name holds control characters"
    return None


def witness_problems(value: Any) -> list[str]:
    """Every problem of a definition's ``witnesses`` value (empty: it is well-formed)."""
    if value is None:
        return []
    if not isinstance(value, list):
        return ["witnesses: must be a list of {name, public_key}"]
    if len(value) > MAX_WITNESSES:
        return [f"witnesses: at most {MAX_WITNESSES}"]
    problems: list[str] = []
    names: set[str] = set()
    keys: set[str] = set()
    for i, item in enumerate(value, start=1):
        where = f"witness {i}"
        if not isinstance(item, dict) or set(item) != {"name", "public_key"}:
            problems.append(f"{where}: must be an object with exactly 'name' and 'public_key'")
            continue
        for problem in (name_problem(item["name"]), key_problem(item["public_key"])):
            if problem is not None:
                problems.append(f"{where}: {problem}")
        name, key = item["name"], item["public_key"]
        if isinstance(name, str):
            if name.casefold() in names:
                problems.append(f"{where}: the name {name!r} is used twice")
            names.add(name.casefold())
        if isinstance(key, str):
            if key in keys:
                problems.append(f"{where}: the same public key is named twice")
            keys.add(key)
    return problems


def read_witnesses(definition: Mapping[str, Any]) -> tuple[Witness, ...]:
    """The witnesses a definition names (none if it has no ``witnesses``: protocol v1)."""
    value = definition.get("witnesses")
    if problems := witness_problems(value):
        raise WitnessError(problems)
    return tuple(Witness(w["name"], w["public_key"]) for w in value or ())


def witness_names(definition: Mapping[str, Any]) -> dict[str, str]:
    """Public key -> name of every witness the definition names."""
    return {w.public_key: w.name for w in read_witnesses(definition)}
