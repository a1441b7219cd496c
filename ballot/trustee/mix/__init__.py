"""The trustee's part in the mix-net of ranked races (PROTOCOL 18): :mod:`.board` checks
the board's mix, :mod:`.acts` shuffles and decrypts."""

from ballot.trustee.mix.acts import (
    MixDecryptOutcome,
    ShuffleOutcome,
    mix_awaits,
    run_mix_decrypt,
    run_shuffle,
)
from ballot.trustee.mix.board import MixRefused, Progress, checked_mix

__all__ = [
    "MixDecryptOutcome",
    "MixRefused",
    "Progress",
    "ShuffleOutcome",
    "checked_mix",
    "mix_awaits",
    "run_mix_decrypt",
    "run_shuffle",
]
