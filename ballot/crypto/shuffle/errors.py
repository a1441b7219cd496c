"""What a shuffle check can refuse, named so that a reader knows which shuffler failed which check.

Every refusal of the mix-net is a :class:`ShuffleError` carrying ``check`` (one
of :data:`CHECKS`, a stable code a verifier can print or translate) and
``shuffler`` (the 1-based position of the shuffle in the chain, or None when
the fault is not one shuffler's: the cast list, or a chain with no shuffle).
The limits below bound the work a hostile record can ask of a verifier before
anything is decoded; an honest election is far within them.
"""

from __future__ import annotations

from typing import Final, Literal, get_args

__all__ = [
    "CHECKS",
    "MAX_CIPHERTEXTS",
    "MAX_ITEMS",
    "MAX_POSITION",
    "MAX_WIDTH",
    "Check",
    "ShuffleError",
]

#: Most items (ballots) one shuffle may carry.
MAX_ITEMS: Final = 1_000_000
#: Most ciphertexts per item (ranks of a ranked race; 64 options is the manifest's limit).
MAX_WIDTH: Final = 256
#: Most ciphertexts in one list (items x width): bounds a verifier's work and memory.
MAX_CIPHERTEXTS: Final = 1_000_000
#: Largest shuffler position (a chain is a handful of trustees; this only bounds parsing).
MAX_POSITION: Final = 1_000

Check = Literal[
    "malformed",  # JSON shape, encodings, sizes (strict parsing)
    "list",  # the list entering the chain: empty, ragged or too large
    "chain",  # a chain without any shuffle
    "election",  # the shuffle names another election (fingerprint)
    "position",  # the shuffle names another position in the chain
    "input",  # the shuffle's input is not the previous output (or the cast list)
    "length",  # the output has another number of items than the input
    "width",  # an output item has another number of ciphertexts than the input's
    "duplicate",  # a ciphertext appears twice in the output
    "proof",  # the proof of shuffle does not verify
]
CHECKS: Final[tuple[str, ...]] = get_args(Check)


class ShuffleError(ValueError):
    """A shuffle or a chain of shuffles is refused; ``check`` and ``shuffler`` say where."""

    def __init__(self, check: Check, detail: str, *, shuffler: int | None = None) -> None:
        self.check: Check = check
        self.detail = detail
        self.shuffler = shuffler
        where = f"shuffler {shuffler}: " if shuffler is not None else ""
        super().__init__(f"{where}{detail} [{check}]")

    def at(self, shuffler: int) -> ShuffleError:
        """The same refusal, attributed to the shuffler at ``shuffler``."""
        return ShuffleError(self.check, self.detail, shuffler=shuffler)
