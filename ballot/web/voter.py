"""The voter's page at /v/<token>: for now, what state their vote is in, in their language.

A GET never consumes the token (mail scanners and link previews fetch links); the
casting endpoint comes with the ballot page.  Responses carry ``no-referrer`` and a
strict CSP (see :mod:`ballot.web.security`) because the URL holds the token.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.params import FromPath
from litestar.response import Template

from ballot.i18n import LANGUAGES, normalise, translations
from ballot.store.elections import election_title
from ballot.store.tokens import lookup_token
from ballot.web.deps import Db

STATUS_OF_TOKEN = {
    "active": "open",
    "used": "voted",
    "expired": "closed",
    "revoked": "invalid",
    "replaced": "invalid",
}


def i18n_context(language: str) -> dict[str, Any]:
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
        self, request: Request[Any, Any, Any], token: FromPath[str], db: Db
    ) -> Template:
        found = await lookup_token(db, token)
        if found is None:
            language = normalise(request.headers.get("accept-language"))
            status, title = "invalid", ""
        else:
            language = normalise(found.voter.language)
            status = STATUS_OF_TOKEN[found.status]
            title = await election_title(db, found.election.id, language)
        code = 404 if status == "invalid" else 200
        return Template(
            template_name="voter/status.html",
            context={**i18n_context(language), "status": status, "title": title},
            status_code=code,
            headers={"Cache-Control": "no-store"},
        )
