"""Reading bounces (pure): RFC 3464 reports and plain "returned mail" texts, written for these
tests in the shapes Postfix, qmail, Exim and large providers send; which message each is
about (the bounce address, the envelope id, the returned Message-ID) and what it says."""

from __future__ import annotations

from pathlib import Path

import pytest

from ballot.mail.bounces import Report, read_report
from ballot.mail.envelope import (
    envelope_sender,
    is_ref,
    message_id,
    new_envelope_ref,
    ref_in,
    ref_of_message_id,
)

REPORTS = Path(__file__).parent / "reports"
REF = "k2m7q3x5z4w6n2pa"
BOUNCES = "bounces@mail.local42.example"


def report(name: str, ref: str = REF) -> bytes:
    return (REPORTS / name).read_bytes().replace(REF.encode(), ref.encode())


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("dsn_failed.eml", Report(REF, "bounced", "5.1.1")),
        ("dsn_expired.eml", Report(REF, "bounced", "4.4.7")),  # the relay gave up
        ("dsn_delayed.eml", Report(REF, "delayed", "4.4.1")),  # by Original-Envelope-Id
        ("dsn_delivered.eml", Report(REF, "delivered", "2.0.0")),
        ("dsn_relayed_by_id.eml", Report(REF, "delivered", "2.0.0")),  # by Message-ID
        ("plain_qmail.eml", Report(REF, "bounced", "5.2.1")),
        ("plain_exim.eml", Report(REF, "bounced", "5.0.0")),  # an SMTP reply, no enhanced code
        ("plain_delayed.eml", Report(REF, "delayed", "4.2.2")),
    ],
)
def test_each_report_says_which_message_and_what_became_of_it(name: str, expected: Report) -> None:
    assert read_report(report(name), bounce_address=BOUNCES) == expected
    assert read_report(report(name)) == expected  # no bounce address set: the same


def test_what_is_not_a_report_says_nothing() -> None:
    for raw in (report("auto_reply.eml"), b"", b"\x00\xff garbage", b"Subject: hi\n\nhello"):
        assert read_report(raw, bounce_address=BOUNCES) is None


def test_the_envelope_recipient_names_the_message_first() -> None:
    other = new_envelope_ref()
    found = read_report(report("plain_exim.eml"), to=[f"bounces+{other}@mail.local42.example"])
    assert found == Report(other, "bounced", "5.0.0")
    # An address that is not our bounce address is not read as one.
    foreign = read_report(
        report("plain_delayed.eml").replace(b"bounces+", b"someone+"), bounce_address=BOUNCES
    )
    assert foreign == Report(None, "delayed", "4.2.2")


def test_a_report_naming_no_message_of_ours_has_no_reference() -> None:
    raw = report("dsn_failed.eml").replace(REF.encode(), b"not-one-of-ours")
    assert read_report(raw) == Report(None, "bounced", "5.1.1")


def test_the_quoted_message_is_never_read_for_codes() -> None:
    # The qmail sample quotes "4.2.1" and "450" below its marker: its fate is its own 5.2.1.
    raw = report("plain_qmail.eml").replace(b"550 5.2.1", b"")
    assert read_report(raw) == Report(REF, "bounced", "")  # "failure notice", no code


def test_references_and_addresses() -> None:
    refs = {new_envelope_ref() for _ in range(100)}
    assert len(refs) == 100 and all(is_ref(r) and len(r) == 16 for r in refs)
    ref = refs.pop()
    sender = envelope_sender(BOUNCES, ref)
    assert sender == f"bounces+{ref}@mail.local42.example"
    assert envelope_sender("", ref) is None and envelope_sender(BOUNCES, None) is None
    assert envelope_sender("not an address", ref) is None
    assert ref_in(sender, BOUNCES) == ref
    assert ref_in(sender.upper(), BOUNCES) == ref  # a server that folds case
    assert ref_in(f"<{sender}>") == ref
    assert ref_in(f"other+{ref}@mail.local42.example", BOUNCES) is None
    assert ref_in(f"bounces+{ref}@elsewhere.example", BOUNCES) is None
    assert ref_in(f"bounces+{ref[:-1]}@mail.local42.example", BOUNCES) is None
    assert ref_of_message_id(message_id(ref, "local42.example")) == ref
    assert ref_of_message_id("<20260504.abc@example.net>") is None


def test_relays_that_offer_dsn_are_asked_for_headers_only_reports() -> None:
    from ballot.config import Settings
    from ballot.mail.sender import dsn_options

    ref = new_envelope_ref()
    plain = Settings()
    assert dsn_options(plain, ref, offered=False) == ([], [])
    assert dsn_options(plain, None, offered=True) == ([], [])
    assert dsn_options(plain, ref, offered=True) == (
        ["RET=HDRS", f"ENVID={ref}"],
        ["NOTIFY=FAILURE,DELAY"],
    )
    success = plain.with_(mail_dsn_success=True)
    assert dsn_options(success, ref, offered=True)[1] == ["NOTIFY=SUCCESS,FAILURE,DELAY"]
