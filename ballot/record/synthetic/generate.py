"""Build one complete, valid synthetic election record, step by step, as the service would.

definition -> local key ceremony -> encrypted ballots (in parallel) -> board entries ->
homomorphic tally -> k trustees' partial decryptions -> combined counts -> the result
rule's result -> signed heads -> ZIP.  The trustees' secret shares exist together in one
process here, which is exactly what a real ceremony avoids: tests and benchmarks only.
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ballot.crypto.ballots import AuditedBallot, encrypt_ballot, tracker
from ballot.crypto.ceremony import TrusteeShare, local_ceremony
from ballot.crypto.elgamal import Ciphertext
from ballot.crypto.tally import EncryptedTally, aggregate, aggregate_units, decrypted_counts
from ballot.crypto.threshold import PartialDecryption, combine_tally, partial_decrypt_tally
from ballot.election.context import ElectionContext, context_from_text, read_definition
from ballot.election.result import expected_result, pool_order, result_version
from ballot.election.revoting import revoting_of
from ballot.record.aliases import new_aliases
from ballot.record.board import BoardEntry
from ballot.record.election_record import slot_label, write_record
from ballot.record.kinds import NOTE_STATE, Kind
from ballot.record.signing import ServerKey
from ballot.record.synthetic.mix import add_mix
from ballot.record.synthetic.parts import (
    BoardBuilder,
    Challenge,
    GeneratedRecord,
    Selection,
    encrypt_all,
)
from ballot.record.units import pool_units, subtotal_min_size, unit_slot_label


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
    version: int = 2,
    revotes: Sequence[tuple[int, Selection]] = (),
    shufflers: Sequence[int] | None = None,
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
    ``subtotals``.  ``version`` 2 (the default) binds the board key in the definition and
    commits the roll as ``eligible`` aliases, each ballot naming one (the cast votes', then
    the challenged ones', in the order given: ``GeneratedRecord.aliases``); version 1 makes
    the record an older server wrote.  ``revotes`` (the definition must allow revoting,
    PROTOCOL 11.10): (i, selection) casts again for the member of cast vote i, after every
    first cast; each member's last ballot counts (``GeneratedRecord.trackers`` lists them
    all in board order).  A definition with ranked races (their selections are rankings)
    gets the mix-net after the final result: ``shufflers`` (default the first k trustees)
    shuffle in that order, the first k trustees decrypt (:mod:`.mix`).
    """
    timings: dict[str, float] = {}
    definition = dict(json.loads(json.dumps(definition)))
    definition.setdefault("trustees", {"n": n, "k": k})
    key = server_key or ServerKey.generate()
    if version >= 2:
        definition.setdefault("board_key", {"algorithm": "ed25519", "public_key": key.public_hex})
    second_round = any(c.after_count for c in challenges)
    if second_round and not _decisions_valid(challenges):
        raise ValueError("a second round needs a decision for every challenge")
    _, mh = read_definition(definition)
    t0 = time.perf_counter()
    transcript, blobs = local_ceremony(k, n, mh)
    timings["ceremony"] = time.perf_counter() - t0
    shares = [TrusteeShare.from_bytes(b) for b in blobs]
    # The keys as everyone else derives them: from the public transcript, verified.
    texts = (json.dumps(definition), json.dumps(transcript))
    election = context_from_text(*texts)
    manifest, joint, fp = election.manifest, election.joint_public_key, election.fingerprint
    eligible = len(votes) + len(challenges) if eligible is None else eligible
    # Members' aliases in the order they vote (cast votes, then challenged ones).
    drawn = new_aliases(eligible) if version >= 2 else []
    if version >= 2 and eligible < len(votes) + len(challenges):
        raise ValueError("a v2 record needs an alias (an eligible member) for every ballot")

    min_size = subtotal_min_size(definition)
    cast_units = list(units) if units is not None else [""] * len(votes)
    if len(cast_units) != len(votes):
        raise ValueError("one unit per cast vote")
    t0 = time.perf_counter()
    every = [*votes, *(c.selection for c in challenges), *(sel for _, sel in revotes)]
    layouts: list[str | None] = [
        *cast_units,
        *(c.unit for c in challenges),
        *(cast_units[i] for i, _ in revotes),
    ]
    encrypted = encrypt_all(texts, every, jobs, layouts if manifest.has_units else None)
    audited = [
        AuditedBallot(*encrypt_ballot(manifest, joint, fp, selection)) for selection in audits
    ]
    timings["encrypt"] = time.perf_counter() - t0
    cast, challenged = encrypted[: len(votes)], encrypted[len(votes) : len(every) - len(revotes)]
    again = encrypted[len(every) - len(revotes) :]
    unit_of = {t: u for (_, t), u in zip(cast, cast_units, strict=True)}
    unit_of.update({t: c.unit for (_, t), c in zip(challenged, challenges, strict=True)})
    alias_of = {t: a for (_, t), a in zip(encrypted, drawn, strict=False)}
    for (i, _), (_, t) in zip(revotes, again, strict=True):
        unit_of[t], alias_of[t] = unit_of[cast[i][1]], alias_of[cast[i][1]]
    # Each member's last cast ballot, in board order: what every round counts.
    last: dict[str, tuple[Any, str]] = {}
    for bt in [*cast, *again]:
        last[alias_of.get(bt[1], bt[1])] = bt
    last_cast = sorted(last.values(), key=[*cast, *again].index)
    replaced = len(cast) + len(again) - len(last_cast)

    def with_unit(payload: dict[str, Any]) -> dict[str, Any]:
        if min_size is not None or manifest.has_units:
            payload["unit"] = unit_of[payload["tracker"]]
        if version >= 2:
            payload["alias"] = alias_of[payload["tracker"]]
        return payload

    t0 = time.perf_counter()
    board = BoardBuilder(manifest.election_id, key)

    def note(before: str, after: str) -> None:
        if notes:
            board.add(NOTE_STATE, {"from": before, "to": after})

    if withdrawn is not None:
        old = dict(json.loads(json.dumps(withdrawn)))
        old.setdefault("trustees", {"n": n, "k": k})
        if "board_key" in definition:
            old.setdefault("board_key", definition["board_key"])
        _, old_mh = read_definition(old)
        old_transcript, _ = local_ceremony(k, n, old_mh)
        old_fingerprint = ElectionContext.from_public(old, old_transcript).fingerprint
        board.add(Kind.DEFINED, {"definition": old, "manifest_hash": old_mh.hex()})
        note("draft", "key_ceremony")
        board.add(
            Kind.CEREMONY,
            {
                "transcript": old_transcript,
                "fingerprint": old_fingerprint.hex(),
            },
        )
        board.add(
            Kind.WITHDRAWN,
            {"manifest_hash": old_mh.hex(), "reason": "a question was worded wrongly"},
        )
        note("ready", "draft")
    board.add(Kind.DEFINED, {"definition": definition, "manifest_hash": mh.hex()})
    note("draft", "key_ceremony")
    board.add(Kind.CEREMONY, {"transcript": transcript, "fingerprint": fp.hex()})
    note("key_ceremony", "ready")
    roll: dict[str, Any] = {"eligible": eligible}
    if version >= 2:
        roll["aliases"] = sorted(drawn)
    board.add(Kind.ROLL, roll)
    board.add(Kind.OPENED, {})
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
        layout = {"unit": ""} if manifest.has_units else {}  # audits: a unit-less layout
        board.add(Kind.AUDITED, {"audit": audit.audit_json(), "tracker": track, **layout})

    for i, (ballot, track) in enumerate(cast):
        if pending and i > 0 and i % spacing == 0:
            cid, (cb, ct) = pending.pop(0)
            board.add(
                Kind.CHALLENGED,
                with_unit({"challenge": cid, "ballot": cb.to_json(), "tracker": ct}),
            )
        if pending_audits and i % audit_spacing == 0:
            add_audit(pending_audits.pop(0))
        board.add(Kind.CAST, with_unit({"ballot": ballot.to_json(), "tracker": track}))
    for ballot, track in again:
        board.add(Kind.CAST, with_unit({"ballot": ballot.to_json(), "tracker": track}))
    for cid, (cb, ct) in pending:
        board.add(
            Kind.CHALLENGED, with_unit({"challenge": cid, "ballot": cb.to_json(), "tracker": ct})
        )
    for audit in pending_audits:
        add_audit(audit)
    closed = {"cast": len(cast) + len(again), "challenged": len(challenged)}
    if revoting_of(definition):
        closed.update(counted=len(last_cast), replaced=replaced)
    board.add(Kind.CLOSED, closed)
    note("open", "closed")
    board.sign()
    decisions: dict[str, str] = {}

    def decide(after_count: bool) -> None:
        for cid, challenge in zip(ids, challenges, strict=True):
            if challenge.decision is not None and challenge.after_count == after_count:
                board.add(
                    Kind.DECIDED,
                    {"challenge": cid, "decision": challenge.decision, "reason": challenge.reason},
                )
                decisions[cid] = challenge.decision

    decide(False)
    timings["board"] = time.perf_counter() - t0
    keys = election.ceremony.verification_keys
    first_round: dict[str, int] = {}  # pools are decided by round 1's counted ballots

    def count(number: int) -> tuple[BoardEntry, dict[str, Any], EncryptedTally, list[Any]]:
        """One round: tally the counted ballots, k partial decryptions, the result."""
        overruled = sorted(c for c, d in decisions.items() if d == "overruled")
        counted_pairs = list(last_cast) + [
            bt for cid, bt in zip(ids, challenged, strict=True) if cid in overruled
        ]
        t0 = time.perf_counter()
        tally = aggregate_units(manifest, [(unit_of[t], b) for b, t in counted_pairs])
        timings["aggregate"] = timings.get("aggregate", 0.0) + time.perf_counter() - t0
        payload: dict[str, Any] = {
            "round": number,
            "tally": tally.to_json(),
            "counted": {"cast": len(last_cast), "overruled": overruled},
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
        board.add(Kind.TALLY, payload)
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
        for share in shares[:k] if labelled else ():  # every race ranked: nothing to decrypt
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
            board.add(Kind.PARTIAL, payload)
        t0 = time.perf_counter()
        slots = combine_tally(labelled, every, keys, k, fp) if labelled else {}
        timings["combine"] = timings.get("combine", 0.0) + time.perf_counter() - t0
        counts = decrypted_counts(manifest, tally, slots, slot_label)
        unit_counts = None
        if min_size is not None:
            unit_counts = {}
            for pool, u in unit_tallies.items():
                us = combine_tally(unit_labelled[pool], unit_every[pool], keys, k, fp)
                label = functools.partial(unit_slot_label, pool)
                unit_counts[pool] = (u.ballots, decrypted_counts(manifest, u, us, label))
        decided = list(decisions.values())
        result = expected_result(
            definition,
            manifest,
            counts,
            eligible=eligible,
            cast=len(cast) + len(again),
            replaced=replaced,
            challenged=len(challenges),
            sustained=decided.count("sustained"),
            overruled=decided.count("overruled"),
            units=unit_counts,
        )
        entry = board.add(Kind.RESULT, {"round": number, "result": result})
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
    if manifest.has_ranked:
        order = list(shufflers) if shufflers is not None else [s.index for s in shares[:k]]
        decryptors = [s.index for s in shares[:k]]
        add_mix(board, definition, shares, keys, joint, fp, shufflers=order, decryptors=decryptors)
    if certify is not None:
        board.add(Kind.CERTIFIED, {"round": rounds, "result_hash": final.hash, "reason": certify})
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
        version=result_version(definition),
    )
    timings["write"] = time.perf_counter() - t0
    return GeneratedRecord(
        Path(path),
        manifest.election_id,
        [t for _, t in [*cast, *again]],
        {cid: t for cid, (_, t) in zip(ids, challenged, strict=True)},
        result,
        key,
        timings,
        audit_trackers,
        rounds,
        drawn,
    )
