"""The voter's page at /v/<token>: for now, what state their vote is in, in their language.

A GET never consumes the token (mail scanners and link previews fetch links); the
casting endpoint comes with the ballot page.  Responses carry ``no-referrer`` and a
strict CSP (see :mod:`ballot.web.security`) because the URL holds the token.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Controller, MediaType, Request, Response, get
from litestar.params import FromPath

from ballot.i18n import LANGUAGES, jinja_env_for, normalise, translations
from ballot.store.elections import election_title
from ballot.store.tokens import lookup_token
from ballot.web.deps import Db

TEMPLATES = Path(__file__).parent / "templates"
STATUS_OF_TOKEN = {
    "active": "open",
    "used": "voted",
    "expired": "closed",
    "revoked": "invalid",
    "replaced": "invalid",
}


def i18n_context(language: str) -> dict[str, Any]:
    """gettext callables for the committee templates (English-first, but translatable)."""
    catalogue = translations(language)
    return {
        "lang": language,
        "language_name": LANGUAGES[language],
        "gettext": catalogue.gettext,
        "ngettext": catalogue.ngettext,
    }


@lru_cache(maxsize=len(LANGUAGES))
def voter_environment(language: str) -> Environment:
    """One Jinja environment per language, so a voter page is never in two languages."""
    return jinja_env_for(
        language, FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"])
    )


def render_voter_page(language: str, name: str, **context: Any) -> str:
    env = voter_environment(language)
    return env.get_template(f"voter/{name}.html").render(lang=language, **context)


class VoterController(Controller):
    path = "/v"

    @get("/{token:str}", opt={"access": "public"}, cache_control=None)
    async def voter_page(
        self, request: Request[Any, Any, Any], token: FromPath[str], db: Db
    ) -> Response[str]:
        found = await lookup_token(db, token)
        if found is None:
            language = normalise(request.headers.get("accept-language"))
            status, title = "invalid", ""
        else:
            language = normalise(found.voter.language)
            status = STATUS_OF_TOKEN[found.status]
            title = await election_title(db, found.election.id, language)
        code = 404 if status == "invalid" else 200
        html = render_voter_page(language, "status", status=status, title=title)
        return Response(
            html, media_type=MediaType.HTML, status_code=code, headers={"Cache-Control": "no-store"}
        )
