"""The voter's page at /v/<token>: the ballot itself, or the state of the link.

A GET never consumes the token (mail scanners and link previews fetch links); only
``POST /api/cast`` (:mod:`ballot.web.casting`) does.  Responses carry ``no-referrer``
and a strict CSP (see :mod:`ballot.web.security`) because the URL holds the token; the
page's script then takes the token out of the address bar.  The ballot itself is built
by :mod:`ballot.web.ballot_page`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery

from ballot.i18n import LANGUAGES, normalise, translations
from ballot.store.revotes import last_ballot
from ballot.store.tokens import lookup_token
from ballot.web.ballot_page import ballot_page, can_vote_again, render
from ballot.web.deps import Db


def i18n_context(language: str) -> dict[str, Any]:
    """gettext callables for the committee templates (English-first, but translatable)."""
    catalogue = translations(language)
    return {
        "lang": language,
        "language_name": LANGUAGES[language],
        "gettext": catalogue.gettext,
        "ngettext": catalogue.ngettext,
    }


class VoterController(Controller):
    path = "/v"

    @get("/{token:str}", opt={"access": "public"}, cache_control=None)
    async def voter_page(
        self,
        request: Request[Any, Any, Any],
        token: FromPath[str],
        db: Db,
        lang: FromQuery[str | None] = None,
    ) -> Response[str]:
        """The ballot (or the link's state) in the voter's language; never consumes the token."""
        found = await lookup_token(db, token)
        last = None
        if found is not None and can_vote_again(found) and found.voter.alias:
            # Revoting: the member's last ballot, as the public board names it.
            last = await last_ballot(db, found.election.id, found.voter.alias)
        return ballot_page(found, lang, request.headers.get("accept-language"), last)

    @get("/", opt={"access": "public"}, cache_control=None)
    async def resume(
        self, request: Request[Any, Any, Any], lang: FromQuery[str | None] = None
    ) -> Response[str]:
        """Where a reload lands once the token has left the address bar (vote.js goes back)."""
        language = normalise(lang or request.headers.get("accept-language"))
        return render(language, "vote/resume.html", languages=[])
