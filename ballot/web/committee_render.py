"""Committee pages in the reader's language.

The committee of a union whose members speak six languages is itself multilingual; its
pages are rendered in one language each (its own Jinja environment, as the voter pages
are, so a page never mixes two): ``?ui=`` (``?lang=`` names a language being edited or
previewed), remembered in a cookie so one choice holds on every committee page, else the
browser's ``Accept-Language``, else English.  Forms carry the CSRF token as Litestar's templates do.
"""

from __future__ import annotations

import html
from functools import partial
from typing import Any
from urllib.parse import urlencode

from litestar import MediaType, Request, Response
from litestar.datastructures import Cookie
from litestar.utils.scope.state import ScopeState

from ballot.i18n import HTML_LANG, LANGUAGES, normalise, translations, zone_label
from ballot.web import committee_words
from ballot.web.ballot_page import environment
from ballot.web.roll_problem_words import problem_text

LANG_COOKIE = "ballot_committee_lang"
#: The query parameter that picks the page's language.
PARAM = "ui"


def committee_language(request: Request[Any, Any, Any]) -> str:
    """The language asked for (query, then the remembered choice, then the browser)."""
    asked = request.query_params.get(PARAM)
    if asked and normalise(asked) == asked:
        return str(asked)
    kept = request.cookies.get(LANG_COOKIE)
    if kept and kept in LANGUAGES:
        return kept
    return normalise(request.headers.get("accept-language"))


def gettext_of(request: Request[Any, Any, Any]) -> Any:
    """The page language's gettext, for messages made in Python."""
    return translations(committee_language(request)).gettext


def language_links(request: Request[Any, Any, Any]) -> list[tuple[str, str, str]]:
    """(code, name, href) for the language menu: this page, in each language."""
    params = {k: v for k, v in request.query_params.items() if k != PARAM}
    return [
        (code, name, f"{request.url.path}?{urlencode({**params, PARAM: code})}")
        for code, name in LANGUAGES.items()
    ]


def shared_context(request: Request[Any, Any, Any], language: str) -> dict[str, Any]:
    """What every committee template may use, whichever engine renders it: the language
    menu, the words for internal names (``cwords``) and time zones in words."""
    return {
        "html_lang": HTML_LANG.get(language, language),
        "language_links": language_links(request),
        "cwords": committee_words,
        "zone_label": partial(zone_label, language=language),
        "problem_text": partial(problem_text, gettext=translations(language).gettext),
    }


def language_cookie(request: Request[Any, Any, Any], language: str) -> list[Cookie]:
    """The cookie that keeps a language asked for with ``?ui=`` for the next pages."""
    if request.query_params.get(PARAM) != language:
        return []
    return [
        Cookie(
            key=LANG_COOKIE,
            value=language,
            path="/",
            httponly=True,
            samesite="lax",
            secure=request.app.state.settings.cookie_secure,
        )
    ]


def committee_page(
    request: Request[Any, Any, Any], template: str, status: int = 200, **context: Any
) -> Response[str]:
    """Render ``committee/<template>.html`` for this reader; never cached (personal data)."""
    language = committee_language(request)
    zone = getattr(context.get("election"), "time_zone", None)
    if "time_zone" not in context and isinstance(zone, str):
        # Every time on a page about one election is shown in its zone (the moment filter).
        context["time_zone"] = zone
    stored = ScopeState.from_scope(request.scope).csrf_token
    token = stored if isinstance(stored, str) else ""
    body = (
        environment(language)
        .get_template(f"committee/{template}.html")
        .render(
            lang=language,
            account=request.scope.get("ballot_account"),
            **shared_context(request, language),
            csrf_input=f'<input type="hidden" name="_csrf_token" value="{html.escape(token)}">',
            **context,
        )
    )
    cookies = language_cookie(request, language)
    return Response(
        body,
        media_type=MediaType.HTML,
        status_code=status,
        headers={"Cache-Control": "no-store"},
        cookies=cookies,
    )
