"""The roll and account pages' words: refusals and states in the reader's language.

Services refuse in English with a machine-readable code; the pages show the sentence for
that code in the page's language (and the English message only for codes without one).
"""

from __future__ import annotations

from collections.abc import Callable

from ballot.election.refusal import Refused


def _(message: str) -> str:
    """Marks a message for extraction; translated when shown (see :func:`refusal_text`)."""
    return message


REFUSALS = {
    "roll_frozen": _("The roll cannot change any more: voting has opened."),
    "wrong_state": _("This cannot be done while the election is in its present stage."),
    "link_unchanged": _(
        "Nothing was changed: the member has already voted or has no working link."
    ),
    "no_live_link": _("This member has no working link. Use “Reissue the link” instead."),
    "not_on_roll": _("This member is not on the roll."),
    "late_member_unsupported": _(
        "A member cannot be added after voting opened yet: the public board entry for a late member is not available in this version."
    ),
    "own_account": _("You cannot do this to your own account. Use “Your account”."),
    "last_admin": _("This is the last committee member who can sign in; it cannot be disabled."),
    "no_draft": _("That roll file is no longer waiting. Upload it again."),
    "not_observer": _("Only observer accounts follow an election this way."),
    "observer_kind": _("Choose what the observer sees."),
    "no_account": _("There is no such account."),
    "no_election": _("There is no such election."),
    "already_voted": _("This member has already voted, so they cannot be checked in."),
    "no_aliases": _("This election cannot take paper ballots: it was defined before protocol v2."),
    "paper_with_races": _(
        "This election cannot take paper ballots: it has a ranked race or a race of one unit."
    ),
    "tally_taken": _("The tally is taken: paper ballots are counted before it."),
    "no_envelopes": _("No envelope is waiting to be counted in this pool."),
    "hand_count_posted": _("This pool's hand count is already on the board."),
    "same_member": _("You entered the first count: a second committee member must enter it."),
    "paper_uncounted": _(
        "Paper envelopes are waiting for their hand count: enter it before the tally."
    ),
    "no_contact": _("This member has no address for that way of sending on the roll."),
    "channel_invalid": _("Choose e-mail or text message."),
}

#: How a link is sent (the roll's ``channel``).
CHANNELS = {
    "email": _("E-mail"),
    "sms": _("Text message"),
}

#: What became of the newest message with a member's link, per channel.
DELIVERY = {
    "queued": _("Waiting to be sent"),
    "sent": _("Sent"),
    "delivered": _("Delivered to the phone"),
    "bounced": _("Bounced"),
    "failed": _("Failed"),
}

LINK_STATES = {
    "none": _("No link yet"),
    "active": _("Link works"),
    "used": _("Voted online"),
    "revoked": _("Link withdrawn"),
    "expired": _("Link expired"),
}

#: How a member voted (the roll's "voted by" indicator).
VOTED_BY = {
    "online": _("Yes, online"),
    "in_person": _("Yes, in person"),
    "paper": _("Yes, on paper"),
}

ROLES = {
    "admin": _("Committee member"),
    "trustee": _("Trustee"),
    "observer": _("Observer"),
}

OBSERVER_KINDS = {
    "names": _("Sees who has voted (names)"),
    "counts": _("Sees counts only"),
}

COLUMNS = {
    "member_id": _("Member number"),
    "name": _("Name"),
    "email": _("E-mail"),
    "phone": _("Phone"),
    "channel": _("Send links by"),
    "language": _("Language"),
    "unit": _("Unit"),
    "local": _("Unit"),
    "challenged": _("Challenged"),
}


def refusal_text(exc: Refused, gettext: Callable[[str], str]) -> str:
    """The refusal in the page's language (the service's own words if it has no code here)."""
    known = REFUSALS.get(exc.code)
    return gettext(known) if known else exc.message
