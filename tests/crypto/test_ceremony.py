"""The dealerless key ceremony: honest runs, cheating dealers, false complaints, transcripts."""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import pytest

from ballot.crypto.ceremony import (
    CeremonyError,
    Complaint,
    DealerMessage,
    DealerSecret,
    Resolution,
    TrusteeShare,
    answer_complaint,
    build_transcript,
    deal,
    judge_complaint,
    local_ceremony,
    new_receiving_secret,
    qualify_dealers,
    receive_shares,
    receiving_key,
    settle,
    trustee_share,
    verify_transcript,
)
from ballot.crypto.elgamal import encrypt
from ballot.crypto.group import Scalar
from ballot.crypto.keyfile import Argon2Params, open_key, seal_key
from ballot.crypto.proofs import SchnorrProof
from ballot.crypto.sharebox import (
    EncryptedShare,
    ShareboxError,
    check_receiving_key,
    open_share,
    open_with_ephemeral,
    seal_share,
)
from ballot.crypto.threshold import combine, partial_decrypt

MANIFEST = hashlib.sha256(b"Branch 7 ratification ballot").digest()
FINGERPRINT = hashlib.sha256(b"fingerprint").digest()


def seeded(seed: int) -> Callable[[], Scalar]:
    r = random.Random(seed)
    return lambda: Scalar.reduce64(r.randbytes(64))


# --------------------------------------------------------------------------- local ceremony


def test_local_ceremony_transcript_verifies_and_is_json() -> None:
    transcript, blobs = local_ceremony(2, 3, MANIFEST)
    again = json.loads(json.dumps(transcript))
    result = verify_transcript(again, MANIFEST)
    assert result.qualified == (1, 2, 3)
    assert result.disqualified == {} and result.false_complaints == {}
    assert transcript["complaints"] == []
    assert transcript["joint_public_key"] == result.joint_public_key.hex()
    assert set(cast(dict[str, str], transcript["verification_keys"])) == {"1", "2", "3"}
    shares = [TrusteeShare.from_bytes(b) for b in blobs]
    assert [s.index for s in shares] == [1, 2, 3]
    for s in shares:
        s.check(result)
        assert s.manifest_hash == MANIFEST and (s.k, s.n) == (2, 3)
        assert TrusteeShare.from_bytes(s.to_bytes()) == s


def test_local_ceremony_is_reproducible_with_a_seeded_rng() -> None:
    assert local_ceremony(2, 3, MANIFEST, rng=seeded(5)) == local_ceremony(
        2, 3, MANIFEST, rng=seeded(5)
    )
    assert local_ceremony(2, 3, MANIFEST, rng=seeded(5)) != local_ceremony(
        2, 3, MANIFEST, rng=seeded(6)
    )


def test_secret_blob_survives_a_key_file_and_decrypts() -> None:
    transcript, blobs = local_ceremony(2, 2, MANIFEST)
    result = verify_transcript(transcript, MANIFEST)
    fast = Argon2Params(1, 8, 1)
    shares = [
        TrusteeShare.from_bytes(open_key(seal_key(b, "pw", params=fast), "pw")) for b in blobs
    ]
    ct = encrypt(result.joint_public_key, 17, Scalar.random())
    partials = [partial_decrypt(s.index, s.secret_share, ct, FINGERPRINT, "q") for s in shares]
    assert combine(ct, "q", partials, result.verification_keys, 2, FINGERPRINT) == 17


@pytest.mark.parametrize(("k", "n"), [(0, 3), (4, 3), (1, 101)])
def test_impossible_thresholds_are_refused(k: int, n: int) -> None:
    with pytest.raises(CeremonyError, match="k <= n"):
        local_ceremony(k, n, MANIFEST)


def test_manifest_hash_must_be_32_bytes() -> None:
    with pytest.raises(CeremonyError, match="32 bytes"):
        local_ceremony(1, 1, b"short")


# --------------------------------------------------------------------------- transcript tampering


def _tampered(change: Callable[[dict], None]) -> dict:  # type: ignore[type-arg]
    transcript, _ = local_ceremony(2, 3, MANIFEST, rng=seeded(1))
    t = copy.deepcopy(transcript)
    change(t)
    return t


def test_transcript_for_another_election_is_refused() -> None:
    transcript, _ = local_ceremony(1, 2, MANIFEST)
    with pytest.raises(CeremonyError, match="another election"):
        verify_transcript(transcript, hashlib.sha256(b"other").digest())


def test_wrong_joint_key_or_verification_key_is_caught() -> None:
    t = _tampered(lambda t: t.update(joint_public_key=t["verification_keys"]["1"]))
    with pytest.raises(CeremonyError, match="joint public key"):
        verify_transcript(t, MANIFEST)
    t = _tampered(lambda t: t["verification_keys"].update({"2": t["verification_keys"]["3"]}))
    with pytest.raises(CeremonyError, match="verification key") as err:
        verify_transcript(t, MANIFEST)
    assert err.value.trustee == 2


def test_changed_commitment_disqualifies_and_names_the_dealer() -> None:
    def swap(t: dict) -> None:  # type: ignore[type-arg]
        c = t["dealers"][1]["commitments"]
        c[0], c[1] = c[1], c[0]

    with pytest.raises(CeremonyError, match="must be disqualified: proof of knowledge") as err:
        verify_transcript(_tampered(swap), MANIFEST)
    assert err.value.trustee == 2


def test_changed_receiving_key_breaks_the_coefficient_zero_proof() -> None:
    def rekey(t: dict) -> None:  # type: ignore[type-arg]
        t["dealers"][0]["receiving_key"] = receiving_key(new_receiving_secret()).hex()

    with pytest.raises(CeremonyError, match="coefficient 0") as err:
        verify_transcript(_tampered(rekey), MANIFEST)
    assert err.value.trustee == 1


def test_missing_encrypted_share_is_named() -> None:
    t = _tampered(lambda t: t["encrypted_shares"].pop(4))  # dealer 2 -> trustee 2
    with pytest.raises(CeremonyError, match="no encrypted share to trustee 2") as err:
        verify_transcript(t, MANIFEST)
    assert err.value.trustee == 2


@pytest.mark.parametrize(
    "change",
    [
        lambda t: t.update(format="other"),
        lambda t: t.pop("qualified"),
        lambda t: t.update(k=5),
        lambda t: t["dealers"][0].update(commitments="x"),
        lambda t: t["dealers"][0]["proofs"][0].update(response="00"),
        lambda t: t["encrypted_shares"][0].update(ciphertext="00"),
        lambda t: t.update(complaints=[{"complaint": {"dealer": 1}, "resolution": None}]),
        lambda t: t.update(qualified=[1, 2]),
        lambda t: t.update(qualified=[True, 2, 3]),
        lambda t: t.update(qualified=[1, 2, 3, 4]),
        lambda t: t.update(disqualified={"1": "made up"}),
        lambda t: t["dealers"].reverse(),  # one order only (PROTOCOL 6.5)
    ],
)
def test_malformed_or_false_transcripts_are_refused(change: Callable[[dict], None]) -> None:  # type: ignore[type-arg]
    with pytest.raises(CeremonyError):
        verify_transcript(_tampered(change), MANIFEST)


# --------------------------------------------------------------------------- step by step


@dataclass
class Rounds:
    k: int
    n: int
    secrets: dict[int, bytes]
    keys: dict[int, bytes]
    messages: list[DealerMessage]
    boxes: list[EncryptedShare]
    kept: dict[int, DealerSecret]

    def box(self, dealer: int, recipient: int) -> EncryptedShare:
        return next(b for b in self.boxes if (b.dealer, b.recipient) == (dealer, recipient))

    def replace_box(self, new: EncryptedShare) -> None:
        self.boxes = [
            new if (b.dealer, b.recipient) == (new.dealer, new.recipient) else b for b in self.boxes
        ]

    def receive(self) -> list:  # type: ignore[type-arg]
        valid, _ = qualify_dealers(self.messages, self.k, self.n, MANIFEST)
        return [
            receive_shares(i, self.secrets[i], MANIFEST, valid, self.boxes)
            for i in range(1, self.n + 1)
        ]


def rounds(k: int, n: int) -> Rounds:
    secrets = {i: new_receiving_secret() for i in range(1, n + 1)}
    keys = {i: receiving_key(s) for i, s in secrets.items()}
    messages, boxes, kept = [], [], {}
    for i in range(1, n + 1):
        message, sent, secret = deal(i, k, n, MANIFEST, keys)
        messages.append(message)
        boxes.extend(sent)
        kept[i] = secret
    return Rounds(k, n, secrets, keys, messages, boxes, kept)


def _bad_share(r: Rounds, dealer: int, recipient: int) -> None:
    """The dealer sends recipient a share off its polynomial, and keeps its evidence consistent."""
    wrong = r.kept[dealer].shares[recipient] + Scalar(1)
    box, eph = seal_share(wrong, r.keys[recipient], MANIFEST, dealer, recipient)
    r.replace_box(box)
    kept = r.kept[dealer]
    r.kept[dealer] = DealerSecret(
        dealer, {**kept.shares, recipient: wrong}, {**kept.ephemeral_secrets, recipient: eph}
    )


def _finish(r: Rounds, complaints: list[tuple[Complaint, Resolution | None]]):  # type: ignore[no-untyped-def]
    received = r.receive()
    result = settle(r.k, r.n, MANIFEST, r.messages, r.boxes, complaints)
    transcript = build_transcript(result, MANIFEST, r.messages, r.boxes, complaints)
    assert verify_transcript(json.loads(json.dumps(transcript)), MANIFEST) == result
    shares = [trustee_share(rec, result, MANIFEST) for rec in received]
    ct = encrypt(result.joint_public_key, 4, Scalar.random())
    partials = [
        partial_decrypt(s.index, s.secret_share, ct, FINGERPRINT, "q") for s in shares[: r.k]
    ]
    assert combine(ct, "q", partials, result.verification_keys, r.k, FINGERPRINT) == 4
    return result


def test_honest_rounds_raise_no_complaint() -> None:
    r = rounds(2, 3)
    assert all(rec.complaints == () for rec in r.receive())
    assert _finish(r, []).qualified == (1, 2, 3)


def test_dealer_of_a_bad_share_is_detected_and_disqualified() -> None:
    r = rounds(2, 3)
    _bad_share(r, dealer=2, recipient=3)
    received = r.receive()
    assert received[2].complaints == (Complaint(2, 3, "inconsistent"),)
    assert received[0].complaints == received[1].complaints == ()
    complaint = received[2].complaints[0]
    resolution = answer_complaint(r.kept[2], complaint)
    verdict = judge_complaint(
        complaint, resolution, r.messages[1], r.box(2, 3), r.keys[3], MANIFEST
    )
    assert (verdict.guilty, verdict.dealer_at_fault) == (2, True)
    assert "does not match the dealer's commitments" in verdict.reason
    result = _finish(r, [(complaint, resolution)])
    assert result.qualified == (1, 3)
    assert set(result.disqualified) == {2}


def test_undecryptable_box_blames_the_dealer_even_if_it_reveals_a_good_share() -> None:
    r = rounds(2, 3)
    good = r.box(1, 2)
    r.replace_box(dataclasses.replace(good, ciphertext=bytes(48)))
    complaint = r.receive()[1].complaints[0]
    assert complaint == Complaint(1, 2, "undecryptable")
    resolution = answer_complaint(r.kept[1], complaint)  # the true share and ephemeral secret
    verdict = judge_complaint(
        complaint, resolution, r.messages[0], r.box(1, 2), r.keys[2], MANIFEST
    )
    assert (verdict.guilty, verdict.dealer_at_fault) == (1, True)
    assert _finish(r, [(complaint, resolution)]).qualified == (2, 3)


def test_silent_dealer_or_wrong_evidence_is_guilty() -> None:
    r = rounds(2, 3)
    _bad_share(r, dealer=3, recipient=1)
    complaint = r.receive()[0].complaints[0]
    box, msg = r.box(3, 1), r.messages[2]
    assert judge_complaint(complaint, None, msg, box, r.keys[1], MANIFEST).guilty == 3
    honest = answer_complaint(r.kept[3], complaint)
    lying = dataclasses.replace(honest, ephemeral_secret=new_receiving_secret())
    verdict = judge_complaint(complaint, lying, msg, box, r.keys[1], MANIFEST)
    assert verdict.dealer_at_fault and "does not match the box" in verdict.reason
    # Reveal a correct share that is not what the box holds.
    true_share = honest.share - Scalar(1)
    swapped = dataclasses.replace(honest, share=true_share)
    verdict = judge_complaint(complaint, swapped, msg, box, r.keys[1], MANIFEST)
    assert verdict.dealer_at_fault and "another value" in verdict.reason
    assert _finish(r, [(complaint, None)]).disqualified.keys() == {3}


def test_false_complaint_names_the_complainer() -> None:
    r = rounds(2, 3)
    complaint = Complaint(dealer=1, recipient=3, reason="inconsistent")  # the share was fine
    resolution = answer_complaint(r.kept[1], complaint)
    verdict = judge_complaint(
        complaint, resolution, r.messages[0], r.box(1, 3), r.keys[3], MANIFEST
    )
    assert (verdict.guilty, verdict.dealer_at_fault) == (3, False)
    assert "false complaint" in verdict.reason
    result = _finish(r, [(complaint, resolution)])
    assert result.qualified == (1, 2, 3)
    assert set(result.false_complaints) == {3}


def test_bad_schnorr_proof_disqualifies_and_names_the_dealer() -> None:
    r = rounds(2, 4)
    m = r.messages[2]
    forged = SchnorrProof(m.proofs[1].challenge, m.proofs[1].response + Scalar(1))
    r.messages[2] = dataclasses.replace(m, proofs=(m.proofs[0], forged))
    valid, bad = qualify_dealers(r.messages, 2, 4, MANIFEST)
    assert set(valid) == {1, 2, 4}
    assert bad == {3: "proof of knowledge of coefficient 1 fails"}
    result = _finish(r, [])
    assert result.qualified == (1, 2, 4) and set(result.disqualified) == {3}


def test_copied_commitments_are_rejected() -> None:
    """A rogue dealer replaying another dealer's commitments and proofs under its index."""
    r = rounds(2, 3)
    r.messages[2] = dataclasses.replace(r.messages[0], dealer=3, receiving_key=r.keys[3])
    _, bad = qualify_dealers(r.messages, 2, 3, MANIFEST)
    assert set(bad) == {3}


def test_proofs_are_bound_to_the_manifest() -> None:
    r = rounds(1, 2)
    _, bad = qualify_dealers(r.messages, 1, 2, hashlib.sha256(b"other").digest())
    assert set(bad) == {1, 2}


def test_too_few_qualified_dealers_stops_the_ceremony() -> None:
    r = rounds(3, 3)
    _bad_share(r, dealer=1, recipient=2)
    complaint = r.receive()[1].complaints[0]
    with pytest.raises(CeremonyError, match="at least k = 3"):
        settle(3, 3, MANIFEST, r.messages, r.boxes, [(complaint, None)])


def test_absent_dealer_is_disqualified() -> None:
    r = rounds(1, 3)
    r.messages = r.messages[:2]
    r.boxes = [b for b in r.boxes if b.dealer != 3]
    result = settle(1, 3, MANIFEST, r.messages, r.boxes, [])
    assert result.disqualified == {3: "sent no dealer message"}


# --------------------------------------------------------------------------- share boxes


def test_share_box_opens_only_for_its_recipient_and_context() -> None:
    secret = new_receiving_secret()
    key = receiving_key(secret)
    share = Scalar.random()
    box, eph = seal_share(share, key, MANIFEST, 1, 2)
    assert open_share(box, secret, MANIFEST) == share
    assert open_with_ephemeral(box, eph, key, MANIFEST) == share
    with pytest.raises(ShareboxError, match="does not decrypt"):
        open_share(box, new_receiving_secret(), MANIFEST)
    with pytest.raises(ShareboxError):
        open_share(box, secret, hashlib.sha256(b"other").digest())
    for readdressed in (dataclasses.replace(box, dealer=3), dataclasses.replace(box, recipient=1)):
        with pytest.raises(ShareboxError):
            open_share(readdressed, secret, MANIFEST)


def test_small_order_receiving_key_is_refused() -> None:
    with pytest.raises(ShareboxError, match="small-order"):
        check_receiving_key(bytes(32))
    with pytest.raises(ShareboxError, match="small-order"):
        seal_share(Scalar(1), (1).to_bytes(32, "little"), MANIFEST, 1, 2)


# --------------------------------------------------------------------------- encodings


def test_every_ceremony_type_round_trips_through_json() -> None:
    r = rounds(2, 3)
    _bad_share(r, dealer=2, recipient=1)
    complaint = r.receive()[0].complaints[0]
    resolution = answer_complaint(r.kept[2], complaint)
    for value, cls in [
        (r.messages[0], DealerMessage),
        (r.boxes[0], EncryptedShare),
        (complaint, Complaint),
        (resolution, Resolution),
        (r.kept[1], DealerSecret),
    ]:
        assert cls.from_json(json.loads(json.dumps(value.to_json()))) == value  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("cls", "obj"),
    [
        (DealerMessage, {"dealer": 1}),
        (DealerMessage, {"dealer": 1, "receiving_key": "00", "commitments": [], "proofs": []}),
        (Complaint, {"dealer": 1, "recipient": 2, "reason": "bored"}),
        (
            Resolution,
            {"dealer": 1, "recipient": 2, "share": "ff" * 32, "ephemeral_secret": "00" * 32},
        ),
        (DealerSecret, {"dealer": 1, "shares": {"1": "zz"}, "ephemeral_secrets": {"1": "00"}}),
    ],
)
def test_malformed_ceremony_json_is_refused(cls: type, obj: object) -> None:
    with pytest.raises(CeremonyError):
        cls.from_json(obj)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "blob",
    [b"not json", b"{}", b'{"format":"other"}'],
)
def test_malformed_trustee_share_is_refused(blob: bytes) -> None:
    with pytest.raises(CeremonyError):
        TrusteeShare.from_bytes(blob)


def test_malformed_dealer_message_names_the_dealer() -> None:
    obj = rounds(1, 2).messages[1].to_json()
    obj["commitments"] = ["01" + "00" * 31]  # the identity: a commitment must be a real point
    with pytest.raises(CeremonyError, match="identity") as err:
        DealerMessage.from_json(obj)
    assert err.value.trustee == 2


def test_dealers_out_of_order_are_named() -> None:
    t = _tampered(lambda t: t["dealers"].reverse())
    with pytest.raises(CeremonyError, match=r"ascending index \(it lists \[3, 2, 1\]\)"):
        verify_transcript(t, MANIFEST)


def _absent_dealer_transcript() -> dict[str, Any]:
    r = rounds(1, 3)
    r.messages = r.messages[:2]
    r.boxes = [b for b in r.boxes if b.dealer != 3]
    result = settle(1, 3, MANIFEST, r.messages, r.boxes, [])
    transcript = build_transcript(result, MANIFEST, r.messages, r.boxes, [])
    return cast(dict[str, Any], json.loads(json.dumps(transcript)))


def test_a_disqualification_reason_is_text_whose_wording_is_not_compared() -> None:
    transcript = _absent_dealer_transcript()
    assert transcript["disqualified"] == {"3": "sent no dealer message"}
    transcript["disqualified"]["3"] = "absent on the day"
    assert set(verify_transcript(transcript, MANIFEST).disqualified) == {3}
    for bad in (7, "", None):
        transcript["disqualified"]["3"] = bad
        with pytest.raises(CeremonyError, match="must be non-empty text"):
            verify_transcript(transcript, MANIFEST)


def test_a_complaint_from_a_trustee_without_a_receiving_key_is_refused_whatever_its_dealer() -> (
    None
):
    """Trustee 3 dealt nothing (so published no receiving key) yet complains about dealer 2,
    who is disqualified anyway: the complaint is refused all the same, so the verdict does
    not depend on the order complaints are listed in (PROTOCOL 6.4)."""
    r = rounds(1, 3)
    m = r.messages[1]
    forged = SchnorrProof(m.proofs[0].challenge, m.proofs[0].response + Scalar(1))
    r.messages[1] = dataclasses.replace(m, proofs=(forged,))
    r.messages = r.messages[:2]
    r.boxes = [b for b in r.boxes if b.dealer != 3]
    with pytest.raises(CeremonyError, match="published no receiving key") as err:
        settle(1, 3, MANIFEST, r.messages, r.boxes, [(Complaint(2, 3, "inconsistent"), None)])
    assert err.value.trustee == 3


@pytest.mark.parametrize(
    ("complaints", "match"),
    [
        ([Complaint(1, 2, "missing"), Complaint(1, 2, "inconsistent")], "complained twice"),
        ([Complaint(2, 2, "inconsistent")], "not about another dealer"),
        ([Complaint(1, 4, "missing")], "not about another dealer"),
    ],
)
def test_double_self_and_out_of_range_complaints_void_the_transcript(
    complaints: list[Complaint], match: str
) -> None:
    r = rounds(1, 3)
    with pytest.raises(CeremonyError, match=match):
        settle(1, 3, MANIFEST, r.messages, r.boxes, [(c, None) for c in complaints])


def test_a_malformed_dealer_message_voids_the_transcript_but_a_wrong_one_disqualifies() -> None:
    """Parsing comes first: a message that is not well-formed (here an identity commitment)
    makes the transcript invalid; a well-formed one that does not verify (here k + 1
    commitments) disqualifies its dealer only (PROTOCOL 6.4)."""
    identity = "01" + "00" * 31
    t = _tampered(lambda t: t["dealers"][1]["commitments"].__setitem__(0, identity))
    with pytest.raises(CeremonyError, match="malformed dealer message") as err:
        verify_transcript(t, MANIFEST)
    assert err.value.trustee == 2
    r = rounds(2, 3)
    m = r.messages[2]
    r.messages[2] = dataclasses.replace(
        m, commitments=(*m.commitments, m.commitments[0]), proofs=(*m.proofs, m.proofs[0])
    )
    _, bad = qualify_dealers(r.messages, 2, 3, MANIFEST)
    assert bad == {3: "must commit to exactly 2 coefficients"}
