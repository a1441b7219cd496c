"""The committee pages' words for the system's own names: states, link and mail
states, mail kinds and the activity log's acts.

The database and the board keep short internal names (``key_ceremony``, ``tokens_issued``);
a person reads these words instead, in the page's language (templates call
``_(cwords.STATES[state])``).  A name without words here shows as it is, and
``tests/structure/test_committee_words.py`` fails until it has them.
"""

from __future__ import annotations

from ballot.web.roll_words import ROLES as ROLES


def _(message: str) -> str:
    """Marks a message for extraction; translated where it is shown."""
    return message


#: An election's state, as the committee names it.
STATES = {
    "draft": _("Draft"),
    "key_ceremony": _("Key ceremony"),
    "ready": _("Ready to open"),
    "open": _("Open for voting"),
    "closed": _("Voting closed"),
    "mixing": _("Shuffling the ranked ballots"),
    "decrypting_mixed": _("Decrypting the mixed ballots"),
    "tallied": _("Counted (provisional)"),
    "certified": _("Certified"),
}

#: Voting links by state (``voter_tokens.status``).
TOKENS = {
    "active": _("Working"),
    "used": _("Used to vote"),
    "expired": _("Expired"),
    "revoked": _("Withdrawn"),
    "replaced": _("Replaced by a new link"),
}

#: Messages in the outbox, by state and kind.
MAIL_STATUSES = {
    "queued": _("Waiting to be sent"),
    "sending": _("Being sent"),
    "sent": _("Sent"),
    "retry": _("Waiting to retry"),
    "failed": _("Failed"),
}
MAIL_KINDS = {
    "invitation": _("Invitation"),
    "reminder": _("Reminder"),
    "notice": _("Notice"),
    "test": _("Test message"),
}

#: The activity log's acts (``log_activity``'s ``action``).
ACTIONS = {
    "ways_to_vote_set": _("Ways to vote on the notice changed"),
    "envelope_received": _("Paper envelope recorded"),
    "envelope_set_aside": _("Paper envelope set aside unopened"),
    "hand_count_agreed": _("Hand count agreed and posted"),
    "hand_count_disagreed": _("Hand counts disagreed"),
    "hand_count_entered": _("Hand count entered"),
    "link_sent_by_channel": _("Voting link sent another way"),
    "polling_check_in": _("Member checked in at the polling place"),
    "polling_place_opened": _("Polling place opened"),
    "account_created": _("Account made"),
    "account_disabled": _("Account disabled"),
    "account_enabled": _("Account enabled again"),
    "account_unlocked": _("Account unlocked"),
    "ceremony_failed": _("Key ceremony failed"),
    "ceremony_recorded": _("Key ceremony recorded"),
    "ceremony_round": _("Key ceremony round"),
    "ceremony_settled": _("Key ceremony settled"),
    "challenge_decided": _("Challenge decided"),
    "election_created": _("Election created"),
    "election_updated": _("Definition changed"),
    "late_member_added": _("Late member added"),
    "letter_printed": _("Voting letter printed for a member"),
    "letters_printed": _("Voting letters printed"),
    "notice_posted": _("Notice of election posted"),
    "step_confirmed": _("Irreversible step confirmed"),
    "test_message_arrived": _("Test message arrived"),
    "test_message_sent": _("Test message sent"),
    "trustee_key_proved": _("Trustee proved they hold their key"),
    "not_voted_list_downloaded": _("List of members who have not voted downloaded"),
    "observer_granted": _("Observer given an election"),
    "observer_removed": _("Observer stopped following an election"),
    "partials_accepted": _("Trustee's decryption accepted"),
    "mix_shuffled": _("Trustee's shuffle of the ranked ballots accepted"),
    "mix_completed": _("Every shuffle of the ranked ballots is in"),
    "mix_partials_accepted": _("Trustee's decryption of the mixed ballots accepted"),
    "mix_result_posted": _("Ranked results published"),
    "password_changed": _("Password changed"),
    "password_reset": _("Temporary password made"),
    "reminders": _("Reminders sent"),
    "result_certified": _("Result certified"),
    "result_posted": _("Result published"),
    "roll_imported": _("Roll imported"),
    "sign_in": _("Signed in"),
    "tally_taken": _("Tally taken"),
    "token_reissued": _("Voting link reissued"),
    "token_revoked": _("Voting link withdrawn"),
    "tokens_expired": _("Voting links expired"),
    "tokens_issued": _("Voting links issued"),
    "totp_enabled": _("Two-factor sign-in turned on"),
    "transition": _("State changed"),
    "translations_set": _("Texts in a language saved"),
    "translations_signed_off": _("Texts in a language signed off"),
    "trustee_named": _("Trustee named"),
    "trustee_submission": _("Trustee's ceremony data received"),
    "voter_added": _("Member added"),
    "voter_address_changed": _("Member's e-mail address changed"),
    "voter_corrected": _("Member corrected"),
    "voter_removed": _("Member removed"),
    "witness_named": _("Witness named"),
    "witness_removed": _("Witness removed"),
}


ACTORS = {
    "scheduler": _("The schedule (automatic)"),
    "anonymous": _("Someone not signed in"),
}


def actor_words(actor: str) -> str:
    """Who acted, as a message id or an e-mail address: the log's ``account:`` prefix
    is left out, and the system's own actors get words (``ACTORS``)."""
    kind, _sep, who = actor.partition(":")
    if kind == "account" and who:
        return who
    return ACTORS.get(actor, actor)
