"""Cast and audit refusals are the domain's Refused; the web layer gives each its status."""

from __future__ import annotations

from ballot.election.refusal import Grounds, Refused
from ballot.store.casting import refusals
from ballot.store.casting.audits import _limit_reached
from ballot.web.refusals import STATUS, status_for


def test_every_ground_has_one_status() -> None:
    assert set(STATUS) == set(Grounds)
    assert status_for(Grounds.CONFLICT) == 409


def test_voter_facing_codes_keep_their_statuses() -> None:
    expected = {
        "used": ("link_used", 409),
        "expired": ("voting_closed", 410),
        "revoked": ("link_revoked", 410),
        "replaced": ("link_replaced", 410),
        None: ("link_invalid", 404),
        "no such state": ("link_invalid", 404),
    }
    for state, (code, status) in expected.items():
        refused = refusals.link_refused(state)
        assert (refused.code, status_for(refused.grounds)) == (code, status), state
    for refused, code, status in [
        (refusals.replay(), "replay", 409),
        (refusals.try_again(), "try_again", 503),
        (refusals.not_ready("no keys"), "election_not_ready", 409),
        (_limit_reached(), "audit_limit", 429),
    ]:
        assert isinstance(refused, Refused)
        assert (refused.code, status_for(refused.grounds)) == (code, status)


def test_the_old_name_still_catches_cast_refusals() -> None:
    from ballot.store.casting import CastRefused

    try:
        raise refusals.link_refused("used")
    except CastRefused as exc:
        assert exc.message == "this voting link has already been used to cast a ballot"
