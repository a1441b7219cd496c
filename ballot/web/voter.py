"""The voter's page at /v/<token>: the ballot itself, or the state of the link; and /v, where
a member types the code of a printed letter.

A GET never consumes the token (mail scanners and link previews fetch links); only
``POST /api/cast`` (:mod:`ballot.web.casting`) does.  ``POST /v`` takes a typed letter code
(:func:`ballot.store.tokens.letter_token_of` forgives case, spaces, O/0 and I/1) and sends
the member on to ``/v/<code>``; a code that opens nothing is refused with the same words
whoever asks, and every try counts against the token rate limit.  Responses carry ``no-referrer``
and a strict CSP (see :mod:`ballot.web.security`) because the URL holds the token; the
page's script then takes the token out of the address bar.  The ballot itself is built
by :mod:`ballot.web.ballot_page`.
"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect

from ballot.i18n import LANGUAGES, normalise, translations
from ballot.store.revotes import last_ballot
from ballot.store.tokens import letter_token_of, lookup_token
from ballot.web.ballot_page import ballot_page, can_vote_again, render
from ballot.web.deps import Db

CodeForm = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _(message: str) -> str:
    """Marks a message for extraction; translated when the page is rendered."""
    return message


NOT_A_CODE = _(
    "A code has 20 letters and digits, in four groups of five. Check that none is missing "
    "or extra, and type it again."
)
NO_BALLOT = _(
    "This code does not open a ballot. Check each character and type it again. If it "
    "still does not work, ask the election committee for a new letter."
)


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
    ) -> Response[Any]:
        """The ballot (or the link's state) in the voter's language; never consumes the token.

        A letter code typed loosely into the address bar goes on to its written form, the
        one the page's script takes out of the address bar and casts with."""
        code = letter_token_of(token)
        if code is not None and code != token:
            query = f"?lang={lang}" if lang in LANGUAGES else ""
            return Redirect(f"/v/{code}{query}", status_code=303)
        found = await lookup_token(db, token)
        last = None
        if found is not None and can_vote_again(found) and found.voter.alias:
            # Revoting: the member's last ballot, as the public board names it.
            last = await last_ballot(db, found.election.id, found.voter.alias)
        return ballot_page(found, lang, request.headers.get("accept-language"), last=last)

    @get("/", opt={"access": "public"}, cache_control=None)
    async def resume(
        self, request: Request[Any, Any, Any], lang: FromQuery[str | None] = None
    ) -> Response[str]:
        """Where a member types their letter's code; also where a reload lands once the token
        has left the address bar (vote.js goes back to the ballot)."""
        return self._code_page(request, lang)

    @staticmethod
    def _code_page(
        request: Request[Any, Any, Any],
        lang: str | None,
        status: int = 200,
        error: str = "",
    ) -> Response[str]:
        language = normalise(lang or request.headers.get("accept-language"))
        return render(
            language,
            "vote/resume.html",
            status_code=status,
            languages=list(LANGUAGES),
            chosen=lang if lang in LANGUAGES else "",
            error=translations(language).gettext(error) if error else "",
        )

    @post(
        "/",
        opt={"access": "public", "exclude_from_csrf": True},
        cache_control=None,
        status_code=303,
    )
    async def typed_code(
        self, request: Request[Any, Any, Any], db: Db, data: CodeForm
    ) -> Response[Any]:
        """A typed letter code: on to its ballot, or refused saying nothing of anyone."""
        lang = data.get("lang") or None
        code = letter_token_of(str(data.get("code", "")))
        if code is None:
            return self._code_page(request, lang, 400, NOT_A_CODE)
        if await lookup_token(db, code) is None:
            return self._code_page(request, lang, 404, NO_BALLOT)
        query = f"?lang={lang}" if lang in LANGUAGES else ""
        return Redirect(f"/v/{code}{query}", status_code=303)
