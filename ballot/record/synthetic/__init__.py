"""Synthetic election records, made directly (no web server, no database).

Why: the verifier must be tested on complete records -- good ones, and ones
tampered in every way that matters -- and measured at the size of a national
ratification vote (150,000 ballots).  Driving the web service that far would
take hours; this builds the same record the service publishes, step by step:
definition -> local key ceremony -> encrypted ballots (in parallel) -> board
entries -> homomorphic tally -> k trustees' partial decryptions -> combined
counts -> outcome -> result entry -> signed heads -> ZIP.

Nothing here is for production: the trustees' secret shares exist together in
one process, which is exactly what a real ceremony avoids.
"""

from __future__ import annotations

from ballot.record.synthetic.definitions import (
    officer_definition,
    officers_definition,
    ratification_definition,
    recognition_definition,
)
from ballot.record.synthetic.generate import generate_record
from ballot.record.synthetic.parts import Challenge, GeneratedRecord, Selection, rebuild_record

__all__ = [
    "Challenge",
    "GeneratedRecord",
    "Selection",
    "generate_record",
    "officer_definition",
    "officers_definition",
    "ratification_definition",
    "rebuild_record",
    "recognition_definition",
]
