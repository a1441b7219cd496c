"""The mix-net of ranked races on the board (PROTOCOL 18): pure functions shared by the
service, the trustee tool and the verifier.

* :mod:`.races`: the ranked races of a definition, the input lists derived from the board;
* :mod:`.payloads`: the four mix entries' payloads, built and parsed strictly; the labels;
* :mod:`.chain`: the mix entries followed in order, the checks of one more entry;
* :mod:`.result`: decryption, decoding and counting into ``mix.result``.
"""

from ballot.record.mix.chain import MixBoard, check_partial, check_shuffled, follow
from ballot.record.mix.payloads import (
    Decrypted,
    MixCompleted,
    MixPartial,
    MixShuffled,
    label,
    labelled,
    parse_completed,
    parse_partial,
    parse_result,
    parse_shuffled,
)
from ballot.record.mix.races import (
    METHODS,
    BoardItem,
    MixError,
    MixFault,
    Race,
    counted_ballots,
    input_lists,
    race_of,
    ranked_races,
)
from ballot.record.mix.result import count_race, decode_rank, decrypt_lists, mix_result

__all__ = [
    "METHODS",
    "BoardItem",
    "Decrypted",
    "MixBoard",
    "MixCompleted",
    "MixError",
    "MixFault",
    "MixPartial",
    "MixShuffled",
    "Race",
    "check_partial",
    "check_shuffled",
    "count_race",
    "counted_ballots",
    "decode_rank",
    "decrypt_lists",
    "follow",
    "input_lists",
    "label",
    "labelled",
    "mix_result",
    "parse_completed",
    "parse_partial",
    "parse_result",
    "parse_shuffled",
    "race_of",
    "ranked_races",
]
