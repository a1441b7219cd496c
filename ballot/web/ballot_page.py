"""The ballot a voter sees at ``/v/<token>``, and the public pages' rendering.

Everything shown comes from the election *manifest* (the definition frozen before the
key ceremony and bound into the election fingerprint), in one language: the voter's
from the roll, or the one they pick with the switcher, among the languages the manifest
has.  Each language renders in its own Jinja environment, so a page cannot mix two.

The browser gets the definition, the joint key and the trustees' verification keys in
a JSON data block (CSP allows no inline script, but a ``type="application/json"`` block
is data, not script), recomputes the fingerprint itself and refuses to encrypt if it
differs from the one the server states.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import MediaType, Response

from ballot.crypto.ballots import tracker_display
from ballot.election.identity import committee_of, time_zone_of
from ballot.election.refusal import Refused
from ballot.i18n import HTML_LANG, LANGUAGES, jinja_env_for, normalise, translations
from ballot.store.casting import election_context
from ballot.store.models import Election
from ballot.store.tokens import TokenLookup
from ballot.web.ballot_questions import MemberBallot, question_views, rank_strings, text_in

#: The questions' views live in :mod:`ballot.web.ballot_questions`; these names stay here.
__all__ = [
    "STATE_OF_TOKEN",
    "ballot_page",
    "can_vote_again",
    "data_block",
    "environment",
    "identity_context",
    "manifest_languages",
    "pick_language",
    "question_views",
    "refusal_strings",
    "render",
    "text_in",
    "ui_strings",
]

TEMPLATES = Path(__file__).parent / "templates"

#: Page state for each token state (what the voter is told).
STATE_OF_TOKEN = {
    "active": "open",
    "used": "voted",
    "expired": "closed",
    "revoked": "invalid",
    "replaced": "invalid",
}


@lru_cache(maxsize=len(LANGUAGES))
def environment(language: str) -> Environment:
    return jinja_env_for(language, FileSystemLoader(TEMPLATES), autoescape=select_autoescape())


def render(language: str, template: str, status_code: int = 200, **context: Any) -> Response[str]:
    """A page in one language, never cached (voter pages carry personal state)."""
    html = (
        environment(language)
        .get_template(template)
        .render(
            lang=language,
            html_lang=HTML_LANG.get(language, language),
            language_names=LANGUAGES,
            **context,
        )
    )
    return Response(
        html,
        media_type=MediaType.HTML,
        status_code=status_code,
        headers={"Cache-Control": "no-store"},
    )


def data_block(value: Any) -> str:
    """JSON safe inside ``<script type="application/json">`` (no ``</script>`` break-out)."""
    return (
        json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def identity_context(definition: dict[str, Any] | None, language: str) -> dict[str, Any]:
    """What every page of an election shows around its content: the election's time zone
    (the ``moment`` filter reads it) and the committee's name and contact for the footer,
    in the page's language ("the election committee" when the definition names none)."""
    committee = committee_of(definition)
    return {
        "time_zone": time_zone_of(definition),
        "committee": {
            "name": committee.name_in(language)
            or translations(language).gettext("the election committee"),
            "email": committee.email,
            "phone": committee.phone,
        },
    }


def manifest_languages(definition: dict[str, Any] | None) -> list[str]:
    langs = (definition or {}).get("languages") or []
    return [code for code in LANGUAGES if code in langs] or ["en"]


def pick_language(requested: str | None, found: TokenLookup | None, offered: list[str]) -> str:
    if requested and normalise(requested) == requested.lower() and requested.lower() in offered:
        return requested.lower()
    if found is not None:
        own = normalise(found.voter.language)
        if own in offered:
            return own
    return offered[0] if offered else "en"


def ui_strings(language: str, revoting: bool = False) -> dict[str, str]:
    """Messages vote.js shows, already in the page's language (``revoting``: with the
    line the saved receipt adds, that the member may vote again until close)."""
    _ = translations(language).gettext
    again = (
        {
            "receipt_revote": _(
                "You can vote again until voting closes; only your last ballot counts."
            )
        }
        if revoting
        else {}
    )
    return {
        **again,
        "encrypting": _("Encrypting your ballot…"),
        "submitting": _("Submitting…"),
        "choose_min": _("Choose at least %(min)s."),
        "choose_one": _("Choose one"),
        "max_reached": _("You have chosen the most this question allows."),
        "blank": _("Blank ballot"),
        "fingerprint_mismatch": _(
            "This ballot cannot be trusted: the election's fingerprint does not match its keys. "
            "Do not vote here; contact the election committee."
        ),
        "crypto_failed": _("Your ballot could not be encrypted on this device:"),
        "no_token": _("Your voting link is missing. Open the link from your email again."),
        "network": _("The ballot could not be sent. Check your connection and try again."),
        "audit_posted": _(
            "The checked ballot was published on the public board as audited (position %(seq)s). "
            "It can never be cast."
        ),
        "audit_post_failed": _("The server did not record the audit:"),
        "refused": _("Your ballot was not accepted:"),
        "audit_passed": _(
            "The check passed: the encrypted ballot held exactly your choice. "
            "You have not voted yet."
        ),
        "audit_failed": _(
            "The check FAILED: this device did not encrypt your choice correctly. "
            "Do not vote on this device; use another one and tell the election committee."
        ),
        "audit_mismatch": _(
            "The check FAILED: the encrypted ballot holds a different choice from yours. "
            "Do not vote on this device; use another one and tell the election committee."
        ),
        "receipt_heading": _("Receipt of your vote"),
        "receipt_election": _("Election"),
        "receipt_tracker": _("Your tracker"),
        "receipt_time": _("Recorded at"),
        "receipt_secret": _("Your vote is recorded and secret. Nobody can see how you voted."),
        "receipt_find": _("Find your tracker on the public board:"),
        "start_again": _("Start again"),
    }


def refusal_strings(language: str) -> dict[str, str]:
    """What vote.js says, in the page's language, for each ``code`` of a refused cast or
    audit (see :mod:`ballot.store.casting.refusals`); unknown codes fall back to the
    server's English message."""
    _ = translations(language).gettext
    invalid = _(
        "Your ballot did not pass the server's checks, so it was not counted. "
        "Your link still works: reload this page and vote again."
    )
    return {
        "link_invalid": _("This link is not valid. It may have expired or been replaced."),
        "link_used": _(
            "This link has been used: a ballot was cast with it, so it cannot be used again."
        ),
        "voting_closed": _("Voting is closed."),
        "link_revoked": _(
            "This voting link was withdrawn by the election committee. Please contact them."
        ),
        "link_replaced": _(
            "This voting link was replaced by a newer one. Please use the most recent email "
            "from your election committee."
        ),
        "election_not_ready": _("This election is not ready for voting yet."),
        "ballot_malformed": invalid,
        "ballot_invalid": invalid,
        "wrong_election": _(
            "This ballot was made for another election. Reload this page and vote again."
        ),
        "replay": _(
            "Part of this ballot was already used, for example in a checked ballot. "
            "Vote again with a freshly encrypted ballot."
        ),
        "try_again": _(
            "The server could not record your ballot just now. Your link still works: "
            "please try again in a moment."
        ),
        "audit_limit": _(
            "This link has already checked many ballots. Please cast your ballot now."
        ),
        "challenged_final": _(
            "Your ballot was set aside as challenged, so it cannot be replaced. The election "
            "committee decides whether it counts."
        ),
    }


def can_vote_again(found: TokenLookup) -> bool:
    """Revoting (PROTOCOL 11.10): the link was used, voting is still open, the election
    lets members vote again, and the member's ballot is not sealed as challenged."""
    election = found.election
    return (
        found.status == "used"
        and election.state == "open"
        and election.revoting
        and not found.voter.challenged
    )


def ballot_page(
    found: TokenLookup | None,
    requested_language: str | None,
    accept: str | None,
    *,
    last: dict[str, Any] | None = None,
    device: dict[str, str] | None = None,
) -> Response[str]:
    """The voter's page for a token (found or not); a GET never changes anything.

    ``last`` (revoting): the member's last ballot on the board (tracker, time): the page
    shows it and offers the ballot again.  ``device``: the polling place's page
    (:mod:`ballot.web.polling_pages`), with the check-in's credential (``token``) and the
    check-in screen to return to (``return_url``); the script forgets the credential when
    the page returns there.
    """
    if found is None:
        language = normalise(requested_language or accept)
        return render(
            language,
            "vote/ballot.html",
            404,
            state="invalid",
            title="",
            languages=list(LANGUAGES),
            data="",
        )
    election: Election = found.election
    definition = json.loads(election.manifest) if election.manifest else None
    offered = manifest_languages(definition)
    language = pick_language(requested_language, found, offered)
    state = STATE_OF_TOKEN.get(found.status, "invalid")
    again = can_vote_again(found)
    if again:
        state = "open"
    context: dict[str, Any] = {
        **identity_context(definition, language),
        "state": state,
        "title": text_in((definition or {}).get("title"), language),
        "instructions": text_in((definition or {}).get("instructions"), language),
        "languages": offered,
        "election_id": election.id,
        "closes_at": election.closes_at,
        "questions": [],
        "data": "",
        "problem": None,
        # The member's alias on the public board (protocol v2): on the receipt, with the
        # page where they can look it up.
        "alias": found.voter.alias,
        # Revoting: the member may vote again until close; only the last ballot counts.
        "revoting": bool(election.revoting) and not found.voter.challenged,
        "last": (
            {**last, "tracker_short": tracker_display(last["tracker"])} if again and last else None
        ),
        "device": device is not None,
    }
    if state == "open" and definition is not None:
        try:
            keys = election_context(election)
        except Refused as exc:
            context["problem"] = exc.message
        else:
            voter = found.voter
            member = MemberBallot(voter.unit or "", voter.alias or "")
            context["questions"] = question_views(definition, language, member)
            context["fingerprint"] = keys.fingerprint_grouped
            context["data"] = data_block(
                {
                    "election_id": election.id,
                    "language": language,
                    "definition": definition,
                    "public_key": keys.public_key_hex,
                    "verification_keys": [k.hex() for k in keys.verification_keys],
                    "fingerprint": keys.fingerprint_hex,
                    "board_url": f"/board/{election.id}",
                    "audit_url": f"/audit?election={election.id}&lang={language}",
                    # The member's unit picks the races their ballot carries (PROTOCOL 8).
                    "unit": member.unit,
                    "strings": {
                        **ui_strings(language, context["revoting"]),
                        **rank_strings(language),
                    },
                    "refusals": refusal_strings(language),
                    **({"device": device} if device is not None else {}),
                }
            )
    code = 404 if state == "invalid" else 200
    return render(language, "vote/ballot.html", code, **context)
