"""The canonical text of a cast's board entry and receipt, built without re-canonicalising.

A batch of casts writes many entries; assembling their RFC 8785 text from the ballot's
canonical form (computed once, at verification) keeps the group commit cheap.  The commit
checks the last entry's hash against :class:`ballot.record.board.BoardEntry`, so the
shortcut and the record module cannot drift apart unnoticed.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from ballot.record.canonical import canonical_json


def fast_canonical(obj: Any) -> bytes:
    """RFC 8785 bytes, via the C encoder, of data the server built itself from typed
    protocol objects (a parsed ballot's ``to_json()``, a receipt, a head): strings,
    safe integers, null, lists and objects, never floats.

    For such data JCS is exactly sorted keys and no whitespace as long as no string needs
    escaping: key order by UTF-16 code units equals Python's for ASCII, integers print
    alike.  Any escape in the output (a quote, a control or non-ASCII character) means
    the shortcut does not apply, and the full canonicaliser is used instead.
    """
    text_ = json.dumps(obj, sort_keys=True, separators=(",", ":"), allow_nan=False)
    if "\\" in text_:
        return canonical_json(obj)
    return text_.encode("ascii")


def payload_json(
    ballot_text: str,
    tracker_hex: str,
    challenge: str | None,
    unit: str | None = None,
    alias: str | None = None,
) -> str:
    """RFC 8785 text of a ballot entry's payload, assembled from the ballot's canonical text.

    Keys in canonical order ("alias" first); the alias, tracker and challenge id are plain
    ASCII (an alias is base32 and a hyphen), so no escaping is involved; the unit label
    (when the election publishes subtotals or has a per-unit race) is encoded by the
    canonicaliser.  Saves re-canonicalising the ballot for every entry.
    """
    head = "" if alias is None else f'"alias":{canonical_json(alias).decode()},'
    tail = "" if unit is None else f',"unit":{canonical_json(unit).decode()}'
    if challenge is None:
        return f'{{{head}"ballot":{ballot_text},"tracker":"{tracker_hex}"{tail}}}'
    return (
        f'{{{head}"ballot":{ballot_text},"challenge":"{challenge}",'
        f'"tracker":"{tracker_hex}"{tail}}}'
    )


def entry_hash_of(seq: int, kind: str, at: str, payload_text: str, prev: str) -> str:
    """The hash :class:`ballot.record.board.BoardEntry` gives this entry (SHA-256 of its
    canonical body), from the payload's canonical text."""
    body = f'{{"at":"{at}","kind":"{kind}","payload":{payload_text},"prev":"{prev}","seq":{seq}}}'
    return hashlib.sha256(body.encode("ascii")).hexdigest()
