"""Every benchmark in ``bench/`` runs at its smoke size, so none can rot unseen.

The contract (docs/PERFORMANCE.md): every program in ``bench/`` takes ``--smoke`` (a few
hundred members or ballots, short duty samples) and, if it uses a database, ``--db URL``
for an empty one; here each runs on both engines where it takes ``--db``.  A run must
exit 0 and print its figures; their values are not checked (benchmarks are not timed
tests).  A new program in ``bench/`` is picked up without being listed here.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
PROGRAMS = sorted(p for p in BENCH.glob("*.py") if 'if __name__ == "__main__"' in p.read_text())
#: What each known program must print (any line for a program not listed here: the duty).
FIGURES = {
    "browser_crypto.py": [r"weight before", r"1 question \(yes/no\)", r"cpu duty after"],
    "cast.py": [
        r"cast \(\d+ clients",
        r"ratio cast / bare verification: \d",
        r"all ballots accepted",
    ],
    "crypto.py": [r"verify one yes/no ballot .* ms", r"aggregate 1,000,000 ballots", r"cpu duty"],
    "roll.py": [
        r"roll import +\d",
        r"import \+ open \(total\) +\d",
        r"sending +\d+ messages",
        r"all members on the roll, with a token and an invitation",
    ],
    "scale.py": [r"verify_record: PASS", r"ratio verify_record / ideal = \d"],
    "shuffle.py": [
        r"shuffle \+ prove +\d+ ms +\d+ +\d+\.\d\d ",
        r"verify \(parse JSON \+ every check\) +\d+ ms +\d+ +\d+\.\d\d ",
        r"cpu duty",
    ],
}
TIMEOUT = 300
CHROMIUM = "/usr/bin/chromium"
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def takes_a_database(program: Path) -> bool:
    return '"--db"' in program.read_text()


def drives_chromium(program: Path) -> bool:
    return CHROMIUM in program.read_text()


def run(program: Path, *extra: str) -> str:
    if drives_chromium(program) and not Path(CHROMIUM).exists():
        # As for the browser tests: skipped on a laptop without it, never in CI.
        if IN_CI:
            pytest.fail(f"required in CI but unavailable: {CHROMIUM} for {program.name}")
        pytest.skip(f"{CHROMIUM} is not installed")
    done = subprocess.run(
        [sys.executable, str(program), "--smoke", *extra],
        cwd=BENCH.parent,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, (
        f"{program.name} --smoke exited {done.returncode}\n{done.stdout}\n{done.stderr}"
    )
    for figure in FIGURES.get(program.name, [r"duty"]):
        assert re.search(figure, done.stdout), (
            f"{program.name} did not print /{figure}/:\n{done.stdout}"
        )
    return done.stdout


def test_the_known_programs_are_all_found() -> None:
    assert {p.name for p in PROGRAMS} >= set(FIGURES)


@pytest.mark.slow
@pytest.mark.parametrize(
    "program", [p for p in PROGRAMS if not takes_a_database(p)], ids=lambda p: p.name
)
def test_smoke(program: Path) -> None:
    run(program)


@pytest.mark.slow
@pytest.mark.parametrize(
    "program", [p for p in PROGRAMS if takes_a_database(p)], ids=lambda p: p.name
)
def test_smoke_on_each_engine(program: Path, db_url: str) -> None:
    out = run(program, "--db", db_url)
    engine = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    assert f"database: {engine}" in out
