"""Helpers for the ranked-count tests: ballots from compact text, and BLT files."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import strategies as st

DATA = Path(__file__).parent / "data" / "ranked"
SEED = bytes(range(32))
NAMES = ["ana", "ben", "cy", "dee", "eve", "fay"]


def ballots(text: str, width: int | None = None) -> list[list[str | None]]:
    """``"3 a b c"`` lines: 3 ballots ranking a, b, c; ``-`` is "no further preference".

    Every ballot is padded with "no further preference" to ``width`` ranks (default: the
    longest line), as the decrypted ballots of one race all have the same width.
    """
    rows: list[tuple[int, list[str | None]]] = []
    for line in text.strip().splitlines():
        count, *entries = line.split()
        rows.append((int(count), [None if e == "-" else e for e in entries]))
    w = width or max(len(e) for _, e in rows)
    return [entries + [None] * (w - len(entries)) for n, entries in rows for _ in range(n)]


def load_blt(name: str) -> tuple[list[str], int, list[list[str | None]]]:
    """A BLT file: candidate ids (lower-case surnames), seats, and the ballots."""
    lines = (DATA / name).read_text(encoding="utf-8").splitlines()
    n, seats = map(int, lines[0].split())
    end = lines.index("0")
    names = lines[end + 1 : end + 1 + n]
    ids = [re.sub(r"\s*\(.*\)$", "", nm).split()[-1].lower() for nm in names]
    out: list[list[str | None]] = []
    for line in lines[1:end]:
        weight, *prefs = map(int, line.split())
        assert prefs[-1] == 0
        entries: list[str | None] = [ids[p - 1] for p in prefs[:-1]]
        out.extend([entries + [None] * (n - len(entries))] * weight)
    return ids, seats, out


@st.composite
def races(draw: st.DrawFn, max_ballots: int = 40) -> tuple[list[str], list[list[str | None]]]:
    """A race (1 to 6 candidates) and its decrypted ballots, a quarter of them drawn freely
    (gaps, repeats and an unknown id included), the rest regular rankings."""
    n = draw(st.integers(1, len(NAMES)))
    ids = NAMES[:n]
    width = n
    entry = st.one_of(st.sampled_from(ids), st.none(), st.just("zed"))
    regular = st.permutations(ids).flatmap(
        lambda p: st.integers(0, width).map(lambda k: [*p[:k], *[None] * (width - k)])
    )
    irregular = st.lists(entry, min_size=width, max_size=width)
    ballot = st.one_of(regular, regular, regular, irregular)
    return ids, draw(st.lists(ballot, max_size=max_ballots))
