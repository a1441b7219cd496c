"""The Litestar application: ``create_app(settings)``.

The app owns one database engine, the server secrets, a clock (replaceable in tests)
and, when ``settings.schedule_interval`` is positive, a background task that applies
the voting schedule (opening and closing on time).

Around every route: security headers on every response (:mod:`ballot.web.security`),
per-address rate limits on token look-ups and sign-ins (:mod:`ballot.web.ratelimit`),
health checks (:mod:`ballot.web.health`) and the JSON API's OpenAPI schema
(:mod:`ballot.web.openapi`).  Production starts it through :func:`app_from_env`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Litestar, MediaType, Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
)
from litestar.logging.config import LoggingConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.response import Redirect
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from ballot.config import Settings
from ballot.election.refusal import Refused
from ballot.i18n import install_filters, translations
from ballot.logs import configure_logging
from ballot.service.schedule import schedule_loop
from ballot.store.db import make_engine, make_session_factory
from ballot.store.serverkey import load_or_create
from ballot.store.types import utcnow
from ballot.web.api import API_CONTROLLERS
from ballot.web.auth import PasswordChangeRequired, access_guard
from ballot.web.board_pages import BOARD_CONTROLLERS
from ballot.web.casting import CastController
from ballot.web.ceremony_api import CEREMONY_CONTROLLERS
from ballot.web.checklist_api import ChecklistApi
from ballot.web.checklist_pages import CHECKLIST_CONTROLLERS
from ballot.web.committee_results import TallySheetController
from ballot.web.confirm_pages import CONFIRM_CONTROLLERS
from ballot.web.count_api import COUNT_CONTROLLERS
from ballot.web.definition_pages import DEFINITION_CONTROLLERS
from ballot.web.deps import provide_db
from ballot.web.errors import refused_handler
from ballot.web.health import HealthController
from ballot.web.mail_events import MailEvents
from ballot.web.mix_api import MIX_CONTROLLERS
from ballot.web.observer_pages import OBSERVER_CONTROLLERS
from ballot.web.openapi import openapi_config
from ballot.web.pages import PAGE_CONTROLLERS
from ballot.web.paper_api import PAPER_API_CONTROLLERS
from ballot.web.paper_pages import PAPER_CONTROLLERS
from ballot.web.polling_pages import POLLING_CONTROLLERS
from ballot.web.print_pages import PrintPages
from ballot.web.ratelimit import RateLimits, rate_limit_middleware
from ballot.web.roll_desk_routes import ROLL_ACCOUNT_PAGES
from ballot.web.security import csrf_cookie_name, csrf_session_middleware, security_headers_hook
from ballot.web.setup_pages import SETUP_CONTROLLERS
from ballot.web.sms_receipts import SmsReceipts
from ballot.web.validation import input_middleware, unexpected_error
from ballot.web.voter import VoterController
from ballot.web.ways_pages import WaysToVotePages
from ballot.web.witness_api import WITNESS_CONTROLLERS

HERE = Path(__file__).parent
log = logging.getLogger(__name__)

CSRF_HEADER = "x-csrftoken"


def jinja_environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
    )
    env.install_gettext_translations(translations("en"), newstyle=True)  # type: ignore[attr-defined]
    install_filters(env)
    return env


def _wants_json(request: Request[Any, Any, Any]) -> bool:
    return request.url.path.startswith("/api/")


def _not_signed_in(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if _wants_json(request):
        return Response({"error": "sign in first"}, status_code=401)
    return Redirect(path="/login", query_params={"next": request.url.path}, status_code=303)


def _change_password(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    if _wants_json(request):
        return Response(
            {"error": "choose your own password first, on /committee/account"}, status_code=403
        )
    return Redirect(path="/committee/account", status_code=303)


def _forbidden(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    message = getattr(exc, "detail", "") or "forbidden"
    if _wants_json(request):
        return Response({"error": message}, status_code=403)
    return Response(f"Forbidden: {message}", status_code=403, media_type=MediaType.TEXT)


def _log_server_error(logger: Any, scope: Any, traceback: list[str]) -> None:
    """Log unhandled exceptions (500s) only; 4xx answers are the client's business.

    The path goes through ``ballot.logs``' redaction like everything else.
    """
    exc = sys.exc_info()[1]
    if isinstance(exc, HTTPException) and exc.status_code < 500:
        return
    handled = tuple(k for k in scope["litestar_app"].exception_handlers if isinstance(k, type))
    if isinstance(exc, handled) and not isinstance(exc, HTTPException):
        return  # answered by one of our handlers (a refusal), not a failure
    logger.error(
        "unhandled exception on %s %s", scope.get("method"), scope.get("path"), exc_info=True
    )


def create_app(
    settings: Settings, *, clock: Callable[[], datetime] = utcnow, schedule: bool | None = None
) -> Litestar:
    """Build the app.  ``clock`` lets tests move time; ``schedule`` overrides the background task."""
    secrets_ = load_or_create(settings.secret_key_file)
    engine = make_engine(settings.database_url)
    session_factory = make_session_factory(engine)
    run_schedule = settings.schedule_interval > 0 if schedule is None else schedule

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        stop = asyncio.Event()
        task = (
            asyncio.create_task(
                schedule_loop(session_factory, settings, secrets_.board_key, clock, stop)
            )
            if run_schedule
            else None
        )
        try:
            yield
        finally:
            stop.set()
            if task is not None:
                await task
            queue = app.state.get("cast_queue")
            if queue is not None:  # give its held connections back before the pool closes
                await queue.close()
            await engine.dispose()

    state = State(
        {
            "settings": settings,
            "engine": engine,
            "session_factory": session_factory,
            "secrets": secrets_,
            "clock": clock,
            "rate_limits": RateLimits.from_settings(settings),
        }
    )
    return Litestar(
        route_handlers=[
            *API_CONTROLLERS,
            *COUNT_CONTROLLERS,
            *MIX_CONTROLLERS,
            *CEREMONY_CONTROLLERS,
            *PAGE_CONTROLLERS,
            *SETUP_CONTROLLERS,
            ChecklistApi,
            *CHECKLIST_CONTROLLERS,
            *CONFIRM_CONTROLLERS,
            TallySheetController,
            PrintPages,
            WaysToVotePages,
            *DEFINITION_CONTROLLERS,
            *ROLL_ACCOUNT_PAGES,
            VoterController,
            CastController,
            *BOARD_CONTROLLERS,
            *WITNESS_CONTROLLERS,
            *OBSERVER_CONTROLLERS,
            *PAPER_API_CONTROLLERS,
            *PAPER_CONTROLLERS,
            *POLLING_CONTROLLERS,
            create_static_files_router(
                path="/static",
                directories=[HERE / "static"],
                opt={"access": "public"},
                include_in_schema=False,
            ),
            HealthController,
            SmsReceipts,
            MailEvents,
        ],
        guards=[access_guard],
        dependencies={"db": Provide(provide_db)},
        state=state,
        csrf_config=CSRFConfig(
            secret=secrets_.session_key.hex(),
            cookie_name=csrf_cookie_name(settings.cookie_secure),
            header_name=CSRF_HEADER,
            cookie_secure=settings.cookie_secure,
            cookie_httponly=True,
            cookie_samesite="lax",
        ),
        template_config=TemplateConfig(
            engine=JinjaTemplateEngine.from_environment(jinja_environment())
        ),
        exception_handlers={
            NotAuthorizedException: _not_signed_in,
            PermissionDeniedException: _forbidden,
            PasswordChangeRequired: _change_password,
            Refused: refused_handler,
            Exception: unexpected_error,
        },
        before_send=[security_headers_hook(settings.hsts)],
        middleware=[rate_limit_middleware, input_middleware, csrf_session_middleware],
        lifespan=[lifespan],
        openapi_config=openapi_config(),
        # Unhandled exceptions are logged (through ballot.logs' redacting handler once
        # configured); Litestar must not install its own root handler.
        logging_config=LoggingConfig(
            configure_root_logger=False,
            log_exceptions="always",
            exception_logging_handler=_log_server_error,
            loggers={"litestar": {"level": "INFO", "handlers": [], "propagate": True}},
        ),
    )


def app_from_env() -> Litestar:
    """The production entry point: ``uvicorn --factory ballot.web.app:app_from_env``.

    Each uvicorn worker process calls this once: settings from ``BALLOT_*`` variables,
    then JSON logs with redaction (after the app exists, because building it configures
    Litestar's loggers).  Migrations are *not* run here: ``ballot db upgrade`` runs once,
    with the schema owner's credentials, before the workers start (deploy/).
    """
    settings = Settings.from_env()
    application = create_app(settings)
    configure_logging(settings.log_level, settings.log_format)
    return application
