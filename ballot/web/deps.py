"""Request-scoped helpers shared by controllers: database session, acting context."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, cast

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.service.acting import Acting
from ballot.store.models import Account
from ballot.store.types import utcnow

#: The request's database session (injected by name; see ``provide_db``).
Db = NamedDependency[AsyncSession]


async def provide_db(state: State) -> AsyncIterator[AsyncSession]:
    async with state.session_factory() as session:
        yield session


def account_of(request: Request[Any, Any, Any]) -> Account:
    """The signed-in account (the access guard has already made sure there is one)."""
    account = cast("Account | None", request.scope.get("ballot_account"))
    assert account is not None
    return account


def reader_of(request: Request[Any, Any, Any]) -> Account | None:
    """The signed-in account, if any (on public routes too)."""
    return cast("Account | None", request.scope.get("ballot_account"))


def acting(request: Request[Any, Any, Any]) -> Acting:
    account = cast("Account | None", request.scope.get("ballot_account"))
    actor = f"account:{account.email}" if account is not None else "anonymous"
    state = request.app.state
    return Acting(
        settings=state.settings, board_key=state.secrets.board_key, actor=actor, now=state.clock()
    )


def client_ip(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


def now(request: Request[Any, Any, Any]) -> Any:
    return request.app.state.clock() if hasattr(request.app.state, "clock") else utcnow()
