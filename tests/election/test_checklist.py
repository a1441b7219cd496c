"""The set-up checklist as a pure function: each step done or missing, in order, with
what is missing in words and who must act."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

from ballot.election.checklist import STEPS, SentTestMessage, SetupFacts, checklist, incomplete

NOW = datetime(2026, 5, 1, 9, tzinfo=UTC)

READY = SetupFacts(
    now=NOW,
    title=True,
    questions=1,
    short_questions=(),
    opens_at=NOW + timedelta(days=1),
    closes_at=NOW + timedelta(days=8),
    rule_problem=None,
    missing_texts={},
    signed_off={"en": True, "es": True},
    roll_size=6,
    roll_draft_waiting=False,
    trustees_n=2,
    seats={1: "t1@example.org", 2: "t2@example.org"},
    ceremony_done=True,
    rehearsed={1: NOW, 2: NOW},
    test_message=SentTestMessage("me@example.org", "es", NOW, "sent", NOW),
    notice=(date(2026, 4, 30), "Break room"),
)


def missing(facts: SetupFacts) -> dict[str, list[str]]:
    return {s.key: [m.english() for m in s.missing] for s in incomplete(checklist(facts))}


def test_every_step_done_means_nothing_incomplete_and_the_order_is_fixed() -> None:
    steps = checklist(READY)
    assert [s.key for s in steps] == [key for key, _, _ in STEPS]
    assert all(s.done and not s.missing for s in steps)
    assert incomplete(steps) == []


def test_a_definition_with_gaps_names_each_gap() -> None:
    facts = dataclasses.replace(
        READY, title=False, short_questions=(2,), rule_problem="two-thirds of nothing"
    )
    assert missing(facts) == {
        "definition": [
            "The election has no title.",
            "Question 2 needs at least two options.",
            "The result rule cannot be used: two-thirds of nothing",
        ]
    }


def test_the_voting_window_must_be_set_ordered_and_not_over() -> None:
    unset = dataclasses.replace(READY, opens_at=None)
    assert "not set" in missing(unset)["definition"][0]
    backwards = dataclasses.replace(READY, closes_at=READY.opens_at)
    assert missing(backwards)["definition"] == ["Voting must close after it opens."]
    over = dataclasses.replace(READY, now=NOW + timedelta(days=9))
    assert "already ended" in missing(over)["definition"][0]
    # Opening time already passed (the scheduler opens then) is fine while voting can run.
    due = dataclasses.replace(READY, now=NOW + timedelta(days=2))
    assert missing(due) == {}


def test_translations_name_each_language_and_are_the_translators_work() -> None:
    facts = dataclasses.replace(
        READY, missing_texts={"ko": 3}, signed_off={"en": True, "es": False, "ko": False}
    )
    assert missing(facts) == {
        "translations": [
            "한국어 (ko) lacks 3 texts.",
            "Nobody has signed off the Español (es) texts as they are now.",
        ]
    }
    step = next(s for s in checklist(facts) if s.key == "translations")
    assert step.actor == "translators"


def test_the_roll_needs_members_and_no_waiting_bad_rows() -> None:
    facts = dataclasses.replace(READY, roll_size=0, roll_draft_waiting=True)
    assert len(missing(facts)["roll"]) == 2


def test_rehearsals_name_each_trustee_who_has_not_proved_their_key() -> None:
    facts = dataclasses.replace(READY, rehearsed={2: NOW})
    step = next(s for s in checklist(facts) if s.key == "rehearsals")
    assert not step.done and step.actor == "trustees"
    assert step.who == ("1 (t1@example.org)",)
    assert step.missing[0].english() == (
        "Trustee 1 (t1@example.org) has not yet proved their key with a rehearsal decryption."
    )
    before = dataclasses.replace(READY, ceremony_done=False, rehearsed={})
    assert set(missing(before)) == {"ceremony", "rehearsals"}
    unnamed = dataclasses.replace(READY, seats={1: "t1@example.org"})
    assert missing(unnamed) == {"ceremony": ["No trustee is named for position 2."]}


def test_the_test_message_must_be_sent_delivered_and_confirmed() -> None:
    none = dataclasses.replace(READY, test_message=None)
    assert "Send a test invitation" in missing(none)["test_message"][0]
    waiting = dataclasses.replace(
        READY, test_message=SentTestMessage("me@example.org", "en", NOW, "queued")
    )
    assert missing(waiting)["test_message"] == [
        "Confirm that the test message to me@example.org arrived."
    ]
    failed = dataclasses.replace(
        READY, test_message=SentTestMessage("me@example.org", "en", NOW, "failed")
    )
    assert "could not be delivered" in missing(failed)["test_message"][0]


def test_the_notice_must_be_recorded() -> None:
    assert "notice" in missing(dataclasses.replace(READY, notice=None))


def test_sentences_translate_through_the_callers_catalogue() -> None:
    facts = dataclasses.replace(READY, roll_size=0)
    step = next(s for s in checklist(facts) if s.key == "roll")
    assert step.missing[0].words(lambda m: m.upper()) == (
        "THE ROLL IS EMPTY: IMPORT THE MEMBERS WHO MAY VOTE."
    )
