"""Health checks for the load balancer, systemd and monitoring: ``/health/live`` and ``/health/ready``.

* ``live`` answers 200 as long as the process serves HTTP; it never touches the
  database, so a database outage does not make a supervisor restart healthy workers
  (restarting would not help and would drop in-flight casts).
* ``ready`` answers 200 only when the database answers within :data:`READY_TIMEOUT`
  seconds *and* its schema is at the newest migration this code knows; otherwise 503
  with the reason, so a proxy stops sending voters to a process that would fail them
  (e.g. during a failover, or after a code upgrade whose ``ballot db upgrade`` has not
  run yet).  The answer says nothing secret: no versions of software, no host names.
"""

from __future__ import annotations

import asyncio
from functools import lru_cache
from typing import Any

from alembic.script import ScriptDirectory
from litestar import Controller, Request, Response, get
from sqlalchemy import inspect, text

from ballot.migrations import alembic_config

READY_TIMEOUT = 2.0


@lru_cache(maxsize=1)
def migration_heads() -> frozenset[str]:
    """The head revision(s) of the migrations shipped with this code."""
    return frozenset(ScriptDirectory.from_config(alembic_config()).get_heads())


async def database_revisions(engine: Any) -> frozenset[str]:
    """The revision(s) the database says it is at (empty if never migrated)."""
    async with engine.connect() as conn:
        if not await conn.run_sync(lambda c: inspect(c).has_table("alembic_version")):
            return frozenset()
        rows = await conn.execute(text("SELECT version_num FROM alembic_version"))
        return frozenset(str(r[0]) for r in rows)


async def readiness(engine: Any, timeout: float = READY_TIMEOUT) -> tuple[bool, dict[str, Any]]:
    """(ready?, JSON body) for ``/health/ready``."""
    try:
        revisions = await asyncio.wait_for(database_revisions(engine), timeout)
    except TimeoutError:
        return False, {"status": "unavailable", "database": "timeout"}
    except Exception as exc:  # connection refused, authentication, DNS...
        return False, {"status": "unavailable", "database": type(exc).__name__}
    if revisions != migration_heads():
        return False, {
            "status": "unavailable",
            "database": "ok",
            "migrations": "behind" if revisions else "missing",
        }
    return True, {"status": "ok", "database": "ok", "migrations": "head"}


class HealthController(Controller):
    path = "/health"
    include_in_schema = False

    @get("/live", opt={"access": "public"}, cache_control=None)
    async def live(self) -> Response[dict[str, str]]:
        """The process is up (no database involved)."""
        return Response({"status": "ok"}, headers={"Cache-Control": "no-store"})

    @get("/ready", opt={"access": "public"}, cache_control=None)
    async def ready(self, request: Request[Any, Any, Any]) -> Response[dict[str, Any]]:
        """The database answers and its schema is at the newest migration."""
        ok, body = await readiness(request.app.state.engine)
        return Response(body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"})
