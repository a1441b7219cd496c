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

import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from ballot.crypto.ballots import AuditedBallot, EncryptedBallot, encrypt_ballot, tracker
from ballot.crypto.ceremony import TrusteeShare, local_ceremony
from ballot.crypto.elgamal import Ciphertext
from ballot.crypto.group import Element
from ballot.crypto.manifest import ElectionManifest, election_fingerprint, manifest_hash
from ballot.crypto.tally import EncryptedTally, aggregate, counts_from_slots
from ballot.crypto.threshold import PartialDecryption, combine_tally, partial_decrypt_tally
from ballot.record.board import BoardEntry, append
from ballot.record.canonical import canonical_json
from ballot.record.election_record import (
    KIND_AUDITED,
    KIND_CAST,
    KIND_CEREMONY,
    KIND_CERTIFIED,
    KIND_CHALLENGED,
    KIND_CLOSED,
    KIND_DECIDED,
    KIND_DEFINED,
    KIND_OPENED,
    KIND_PARTIAL,
    KIND_RESULT,
    KIND_ROLL,
    KIND_TALLY,
    KIND_WITHDRAWN,
    board_line,
    slot_label,
    write_record,
)
from ballot.record.signing import ServerKey, SignedHead, sign_head
from ballot.record.units import pool_order, pool_units, subtotal_min_size, unit_slot_label
from ballot.record.verify import expected_result

__all__ = [
    "Challenge",
    "GeneratedRecord",
    "generate_record",
    "officer_definition",
    "ratification_definition",
    "rebuild_record",
    "recognition_definition",
]

Selection = Sequence[Sequence[int]]  # per question, the selected option indices

#: Sign a head every this many entries (and at each milestone).
HEAD_EVERY: Final = 50_000
_START: Final = datetime(2026, 11, 2, 9, 0, 0, tzinfo=UTC)


def _texts(en: str) -> dict[str, str]:
    return {"en": en}


def recognition_definition(election_id: str = "recognition-test") -> dict[str, Any]:
    """A certification vote: one yes/no question, majority of valid votes, a tie loses."""
    return {
        "election_id": election_id,
        "kind": "recognition",
        "title": _texts("Union recognition vote"),
        "rule": {"kind": "majority", "threshold": "1/2", "approve_option": "yes"},
        "trustees": {"n": 3, "k": 2},
        "questions": [
            {
                "id": "represent",
                "text": _texts("Do you want Local 1 to represent you?"),
                "min": 1,
                "max": 1,
                "options": [
                    {"id": "yes", "label": _texts("Yes")},
                    {"id": "no", "label": _texts("No")},
                ],
            }
        ],
    }


def ratification_definition(election_id: str = "ratification-test") -> dict[str, Any]:
    """A strike-authorisation style vote: carried only with at least 2/3 of valid votes."""
    d = recognition_definition(election_id)
    d["kind"] = "ratification"
    d["rule"] = {"kind": "supermajority", "threshold": "2/3", "approve_option": "yes"}
    d["questions"][0]["id"] = "authorise"
    d["questions"][0]["text"] = _texts("Do you authorise a strike?")
    return d


def officer_definition(election_id: str = "officer-test") -> dict[str, Any]:
    """An officer election with three candidates: a majority wins, else a runoff of the top two."""
    return {
        "election_id": election_id,
        "kind": "officer",
        "title": _texts("Election of the local president"),
        "rule": {"kind": "plurality_with_runoff", "threshold": "1/2"},
        "trustees": {"n": 3, "k": 2},
        "questions": [
            {
                "id": "president",
                "text": _texts("President"),
                "min": 1,
                "max": 1,
                "options": [
                    {"id": "alvarez", "label": _texts("R. Alvarez")},
                    {"id": "brooks", "label": _texts("T. Brooks")},
                    {"id": "chen", "label": _texts("M. Chen")},
                ],
            }
        ],
    }


@dataclass(frozen=True)
class Challenge:
    """A challenged voter's sealed ballot and what the committee decided (None: undecided).

    ``after_count``: decided only after a round-1 count whose challenges were
    determinative, so the ballot (if overruled) is counted in round 2.
    """

    selection: Selection
    decision: str | None = None
    reason: str = "eligibility disputed"
    after_count: bool = False
    unit: str = ""  # the voter's unit (only published if the definition asks for subtotals)


@dataclass
class GeneratedRecord:
    path: Path
    election_id: str
    trackers: list[str]  # cast ballots, in board order
    challenge_trackers: dict[str, str]  # challenge id -> tracker
    result: dict[str, Any]  # the final round's
    server_key: ServerKey
    timings: dict[str, float] = field(default_factory=dict)
    audit_trackers: list[str] = field(default_factory=list)  # audited ballots, board order
    rounds: int = 1


# --------------------------------------------------------------------------- encryption

_W: dict[str, Any] = {}


def _init_encryptor(definition_text: str, key_hex: str, fingerprint_hex: str) -> None:
    _W["manifest"] = ElectionManifest.from_definition(json.loads(definition_text))
    _W["key"] = Element.from_hex(key_hex)
    _W["fingerprint"] = bytes.fromhex(fingerprint_hex)


def _encrypt_chunk(selections: Sequence[Selection]) -> list[tuple[EncryptedBallot, str]]:
    """Encrypt ballots; return each with its tracker (SHA-256 of its canonical JSON)."""
    out = []
    for selection in selections:
        ballot, _secrets = encrypt_ballot(_W["manifest"], _W["key"], _W["fingerprint"], selection)
        text = canonical_json(ballot.to_json())
        out.append((ballot, hashlib.sha256(text).hexdigest()))
    return out


def _encrypt_all(
    init: tuple[str, str, str], selections: Sequence[Selection], jobs: int | None
) -> list[tuple[EncryptedBallot, str]]:
    workers = jobs or os.cpu_count() or 1
    if len(selections) < 200 or workers == 1:
        _init_encryptor(*init)
        return _encrypt_chunk(selections)
    size = 500
    chunks = [selections[i : i + size] for i in range(0, len(selections), size)]
    out: list[tuple[EncryptedBallot, str]] = []
    with ProcessPoolExecutor(workers, initializer=_init_encryptor, initargs=init) as pool:
        for part in pool.map(_encrypt_chunk, chunks):
            out.extend(part)
    return out


# --------------------------------------------------------------------------- board building


class _Board:
    """Appends entries, writes their lines, and signs heads at milestones."""

    def __init__(self, election_id: str, key: ServerKey) -> None:
        self.election_id = election_id
        self.key = key
        self.last: BoardEntry | None = None
        self.lines: list[bytes] = []
        self.heads: list[SignedHead] = []
        self.clock = _START

    def add(self, kind: str, payload: Mapping[str, Any]) -> BoardEntry:
        self.clock += timedelta(seconds=1)
        entry = append(self.last, kind, payload, self.clock)
        self.lines.append(board_line(entry.to_json()))
        self.last = entry
        if entry.seq % HEAD_EVERY == HEAD_EVERY - 1:
            self.sign()
        return entry

    def sign(self) -> None:
        assert self.last is not None
        previous = self.heads[-1] if self.heads else None
        if previous is not None and previous.seq == self.last.seq:
            return
        self.heads.append(sign_head(self.key, self.election_id, self.last, self.clock, previous))


def _decisions_valid(challenges: Sequence[Challenge]) -> bool:
    """A second round needs every challenge decided (before it or after round 1)."""
    return all(c.decision in ("sustained", "overruled") for c in challenges)


def generate_record(
    path: Path,
    definition: Mapping[str, Any],
    votes: Sequence[Selection],
    *,
    challenges: Sequence[Challenge] = (),
    audits: Sequence[Selection] = (),
    eligible: int | None = None,
    k: int = 2,
    n: int = 3,
    jobs: int | None = None,
    server_key: ServerKey | None = None,
    withdrawn: Mapping[str, Any] | None = None,
    certify: str | None = None,
    notes: bool = False,
    units: Sequence[str] | None = None,
) -> GeneratedRecord:
    """Build and write a complete, valid election record; return what a test needs to know.

    ``audits``: selections of Benaloh-audited ballots (published with their openings,
    among the cast ones).  ``withdrawn``: an earlier definition that got its own key
    ceremony and was then withdrawn before ``definition`` replaced it.  Challenges with
    ``after_count`` are decided after round 1, which must then be determinative, and
    a round 2 counts them (every challenge needs a decision then).  ``certify``: the
    reason of a ``result.certified`` entry after the final result.  ``notes``: add
    ``note.state`` entries at the transitions, as the service does.  ``units``: each
    cast vote's unit (default ``""``), published and subtotalled if the definition has
    ``subtotals``.
    """
    timings: dict[str, float] = {}
    definition = dict(json.loads(json.dumps(definition)))
    definition.setdefault("trustees", {"n": n, "k": k})
    second_round = any(c.after_count for c in challenges)
    if second_round and not _decisions_valid(challenges):
        raise ValueError("a second round needs a decision for every challenge")
    manifest = ElectionManifest.from_definition(definition)
    mh = manifest_hash(definition)
    t0 = time.perf_counter()
    transcript, blobs = local_ceremony(k, n, mh)
    timings["ceremony"] = time.perf_counter() - t0
    shares = [TrusteeShare.from_bytes(b) for b in blobs]
    joint = shares[0].joint_public_key
    claimed = transcript["verification_keys"]
    assert isinstance(claimed, dict)
    vkeys = [Element.from_hex(str(claimed[str(i)])) for i in range(1, n + 1)]
    fp = election_fingerprint(mh, joint, vkeys)
    key = server_key or ServerKey.generate()
    eligible = len(votes) + len(challenges) if eligible is None else eligible

    t0 = time.perf_counter()
    init = (json.dumps(definition), joint.hex(), fp.hex())
    encrypted = _encrypt_all(init, [*votes, *(c.selection for c in challenges)], jobs)
    audited = [
        AuditedBallot(*encrypt_ballot(manifest, joint, fp, selection)) for selection in audits
    ]
    timings["encrypt"] = time.perf_counter() - t0
    cast, challenged = encrypted[: len(votes)], encrypted[len(votes) :]
    min_size = subtotal_min_size(definition)
    cast_units = list(units) if units is not None else [""] * len(votes)
    if len(cast_units) != len(votes):
        raise ValueError("one unit per cast vote")
    unit_of = {t: u for (_, t), u in zip(cast, cast_units, strict=True)}
    unit_of.update({t: c.unit for (_, t), c in zip(challenged, challenges, strict=True)})

    def with_unit(payload: dict[str, Any]) -> dict[str, Any]:
        if min_size is not None:
            payload["unit"] = unit_of[payload["tracker"]]
        return payload

    t0 = time.perf_counter()
    board = _Board(manifest.election_id, key)

    def note(before: str, after: str) -> None:
        if notes:
            board.add("note.state", {"from": before, "to": after})

    if withdrawn is not None:
        old = dict(json.loads(json.dumps(withdrawn)))
        old.setdefault("trustees", {"n": n, "k": k})
        old_mh = manifest_hash(old)
        old_transcript, _ = local_ceremony(k, n, old_mh)
        board.add(KIND_DEFINED, {"definition": old, "manifest_hash": old_mh.hex()})
        note("draft", "key_ceremony")
        board.add(
            KIND_CEREMONY,
            {
                "transcript": old_transcript,
                "fingerprint": _fingerprint_of(old_transcript, old_mh).hex(),
            },
        )
        board.add(
            KIND_WITHDRAWN,
            {"manifest_hash": old_mh.hex(), "reason": "a question was worded wrongly"},
        )
        note("ready", "draft")
    board.add(KIND_DEFINED, {"definition": definition, "manifest_hash": mh.hex()})
    note("draft", "key_ceremony")
    board.add(KIND_CEREMONY, {"transcript": transcript, "fingerprint": fp.hex()})
    note("key_ceremony", "ready")
    board.add(KIND_ROLL, {"eligible": eligible})
    board.add(KIND_OPENED, {})
    note("ready", "open")
    board.sign()
    # Challenged and audited ballots arrive among the others, spread evenly.
    spacing = max(1, len(cast) // (len(challenged) + 1))
    audit_spacing = max(1, len(cast) // (len(audited) + 1))
    ids = [f"C-{i + 1}" for i in range(len(challenged))]
    pending = list(zip(ids, challenged, strict=True))
    pending_audits = list(audited)
    audit_trackers: list[str] = []

    def add_audit(audit: AuditedBallot) -> None:
        track = tracker(audit.ballot)
        audit_trackers.append(track)
        board.add(KIND_AUDITED, {"audit": audit.audit_json(), "tracker": track})

    for i, (ballot, track) in enumerate(cast):
        if pending and i > 0 and i % spacing == 0:
            cid, (cb, ct) = pending.pop(0)
            board.add(
                KIND_CHALLENGED,
                with_unit({"challenge": cid, "ballot": cb.to_json(), "tracker": ct}),
            )
        if pending_audits and i % audit_spacing == 0:
            add_audit(pending_audits.pop(0))
        board.add(KIND_CAST, with_unit({"ballot": ballot.to_json(), "tracker": track}))
    for cid, (cb, ct) in pending:
        board.add(
            KIND_CHALLENGED, with_unit({"challenge": cid, "ballot": cb.to_json(), "tracker": ct})
        )
    for audit in pending_audits:
        add_audit(audit)
    board.add(KIND_CLOSED, {"cast": len(cast), "challenged": len(challenged)})
    note("open", "closed")
    board.sign()
    decisions: dict[str, str] = {}

    def decide(after_count: bool) -> None:
        for cid, challenge in zip(ids, challenges, strict=True):
            if challenge.decision is not None and challenge.after_count == after_count:
                board.add(
                    KIND_DECIDED,
                    {"challenge": cid, "decision": challenge.decision, "reason": challenge.reason},
                )
                decisions[cid] = challenge.decision

    decide(False)
    timings["board"] = time.perf_counter() - t0
    keys = {i + 1: v for i, v in enumerate(vkeys)}
    first_round: dict[str, int] = {}  # pools are decided by round 1's counted ballots

    def count(number: int) -> tuple[BoardEntry, dict[str, Any], EncryptedTally, list[Any]]:
        """One round: tally the counted ballots, k partial decryptions, the result."""
        overruled = sorted(c for c, d in decisions.items() if d == "overruled")
        counted_pairs = list(cast) + [
            bt for cid, bt in zip(ids, challenged, strict=True) if cid in overruled
        ]
        counted = [b for b, _ in counted_pairs]
        t0 = time.perf_counter()
        tally = aggregate(manifest, counted)
        timings["aggregate"] = timings.get("aggregate", 0.0) + time.perf_counter() - t0
        payload: dict[str, Any] = {
            "round": number,
            "tally": tally.to_json(),
            "counted": {"cast": len(cast), "overruled": overruled},
        }
        unit_tallies: dict[str, EncryptedTally] = {}
        if min_size is not None:
            if number == 1:
                for _, t in counted_pairs:
                    first_round[unit_of[t]] = first_round.get(unit_of[t], 0) + 1
            mapping = pool_units(first_round, unit_of.values(), min_size)
            for pool in pool_order(mapping.values()):
                unit_tallies[pool] = aggregate(
                    manifest, [b for b, t in counted_pairs if mapping[unit_of[t]] == pool]
                )
            payload["units"] = {p: u.to_json() for p, u in unit_tallies.items()}
        board.add(KIND_TALLY, payload)
        labelled: dict[str, Ciphertext] = {
            slot_label(qi, si): ct
            for qi, q in enumerate(tally.questions)
            for si, ct in enumerate(q)
        }
        unit_labelled = {
            pool: {
                unit_slot_label(pool, qi, si): ct
                for qi, q in enumerate(u.questions)
                for si, ct in enumerate(q)
            }
            for pool, u in unit_tallies.items()
        }
        t0 = time.perf_counter()
        partials: list[dict[str, Any]] = []
        every: list[PartialDecryption] = []
        unit_every: dict[str, list[PartialDecryption]] = {p: [] for p in unit_tallies}
        for share in shares[:k]:
            mine = partial_decrypt_tally(share.index, share.secret_share, labelled, fp)
            every.extend(mine)
            mine_json: dict[str, Any] = {
                "round": number,
                "trustee": share.index,
                "partials": [p.to_json() for p in mine],
            }
            if min_size is not None:
                mine_json["units"] = {}
                for pool, lab in unit_labelled.items():
                    theirs = partial_decrypt_tally(share.index, share.secret_share, lab, fp)
                    unit_every[pool].extend(theirs)
                    mine_json["units"][pool] = [p.to_json() for p in theirs]
            partials.append(mine_json)
        timings["partial_decrypt"] = timings.get("partial_decrypt", 0.0) + time.perf_counter() - t0
        for payload in partials:
            board.add(KIND_PARTIAL, payload)
        t0 = time.perf_counter()
        slots = combine_tally(labelled, every, keys, k, fp)
        timings["combine"] = timings.get("combine", 0.0) + time.perf_counter() - t0
        counts = [
            counts_from_slots(
                manifest, qi, [slots[slot_label(qi, si)] for si in range(len(q))], tally.ballots
            )
            for qi, q in enumerate(tally.questions)
        ]
        unit_counts = None
        if min_size is not None:
            unit_counts = {}
            for pool, u in unit_tallies.items():
                us = combine_tally(unit_labelled[pool], unit_every[pool], keys, k, fp)
                unit_counts[pool] = (
                    u.ballots,
                    [
                        counts_from_slots(
                            manifest,
                            qi,
                            [us[unit_slot_label(pool, qi, si)] for si in range(len(q))],
                            u.ballots,
                        )
                        for qi, q in enumerate(u.questions)
                    ],
                )
        decided = list(decisions.values())
        result = expected_result(
            definition,
            manifest,
            counts,
            eligible=eligible,
            cast=len(cast),
            challenged=len(challenges),
            sustained=decided.count("sustained"),
            overruled=decided.count("overruled"),
            units=unit_counts,
        )
        entry = board.add(KIND_RESULT, {"round": number, "result": result})
        board.sign()
        return entry, result, tally, partials

    final, result, tally, partials = count(1)
    rounds = 1
    if second_round:
        if not result["determinative"]:
            raise ValueError(
                "challenges decided after the count need a round 2, which needs a round-1 "
                "result whose challenges are determinative"
            )
        decide(True)
        final, result, tally, partials = count(2)
        rounds = 2
    if certify is not None:
        board.add(KIND_CERTIFIED, {"round": rounds, "result_hash": final.hash, "reason": certify})
        note("tallied", "certified")
    board.sign()
    assert board.last is not None

    t0 = time.perf_counter()
    write_record(
        Path(path),
        election_id=manifest.election_id,
        manifest_hash=mh.hex(),
        fingerprint=fp.hex(),
        definition=definition,
        ceremony=transcript,
        board=board.lines,
        heads=[h.to_json() for h in board.heads],
        server_key={"algorithm": "ed25519", "public_key": key.public_hex},
        tally=tally.to_json(),
        partials=partials,
        result=result,
        board_head=board.last.hash,
    )
    timings["write"] = time.perf_counter() - t0
    return GeneratedRecord(
        Path(path),
        manifest.election_id,
        [t for _, t in cast],
        {cid: t for cid, (_, t) in zip(ids, challenged, strict=True)},
        result,
        key,
        timings,
        audit_trackers,
        rounds,
    )


def _fingerprint_of(transcript: Mapping[str, Any], mh: bytes) -> bytes:
    """The election fingerprint a ceremony transcript gives (its K and V_1..V_n)."""
    claimed = transcript["verification_keys"]
    keys = [Element.from_hex(str(claimed[str(i)])) for i in range(1, len(claimed) + 1)]
    return election_fingerprint(mh, Element.from_hex(str(transcript["joint_public_key"])), keys)


def rebuild_record(
    source: Path,
    target: Path,
    key: ServerKey,
    entries: Iterable[tuple[str, str, dict[str, Any]]],
    *,
    members: Mapping[str, Any] | None = None,
) -> None:
    """Re-chain and re-sign a board from (kind, at, payload) triples: what a dishonest
    server holding the key could publish.  Tests use it to reach the checks that
    come after the chain and the signatures.  ``members`` overrides other JSON members.
    """
    from ballot.record.election_record import read_record

    record = read_record(source)
    last: BoardEntry | None = None
    lines: list[bytes] = []
    for kind, at, payload in entries:
        last = append(last, kind, payload, at)
        lines.append(board_line(last.to_json()))
    assert last is not None
    head = sign_head(key, record.election_id, last, last.at)
    docs = {name: record.json(name) for name in record.members if name != "board.jsonl"}
    docs.update(members or {})
    write_record(
        Path(target),
        election_id=record.election_id,
        manifest_hash=record.index["manifest_hash"],
        fingerprint=record.index["fingerprint"],
        definition=docs["definition.json"],
        ceremony=docs["ceremony.json"],
        board=lines,
        heads=[head.to_json()],
        server_key=docs["server_key.json"],
        tally=docs["tally.json"],
        partials=docs["partials.json"],
        result=docs["result.json"],
        board_head=last.hash,
    )
