"""``ballot mail``: bounces into the delivery status (the rest of the mail is the worker's).

* ``ballot mail bounce [--to ADDRESS] < report.eml``: one bounce or delivery report from
  standard input (a mailbox's delivery program, or by hand).  Exit status 0: recorded, or
  nothing new; 65: not a delivery report; 67: names no message of ours (sysexits'
  EX_DATAERR and EX_NOUSER, as mail servers read a delivery program's status).  Nothing
  changes unless the status is 0.
* ``ballot mail receive-bounces [--host H] [--port P]``: the SMTP receiver for the bounce
  domain (:mod:`ballot.mail.bounce_receiver`), until SIGINT or SIGTERM.

Server packages are imported inside the commands, so ``ballot`` still starts where only
the verifier is installed.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from typing import Annotated, Any

import typer

from ballot.config import Settings

mail_app = typer.Typer(help="E-mail delivery: bounces and delivery reports.", no_args_is_help=True)

EX_DATAERR, EX_NOUSER = 65, 67


async def _take(settings: Settings, raw: bytes, to: tuple[str, ...]) -> Any:
    from ballot.mail.bounce_inbox import Taken, take_report
    from ballot.store.db import make_engine, make_session_factory
    from ballot.store.types import utcnow

    engine = make_engine(settings.database_url)
    try:
        async with make_session_factory(engine)() as session:
            outcome = await take_report(
                session, raw, utcnow(), to=to, bounce_address=settings.bounce_address
            )
            if outcome.taken in (Taken.RECORDED, Taken.NOTHING_NEW):
                await session.commit()
            return outcome
    finally:
        await engine.dispose()


@mail_app.command("bounce")
def bounce(
    to: Annotated[
        list[str] | None,
        typer.Option("--to", help="the address the report was delivered to (its envelope's)"),
    ] = None,
) -> None:
    """Record one bounce or delivery report (RFC 3464 or a plain bounce) read from stdin."""
    from ballot.mail.bounce_inbox import Taken
    from ballot.mail.bounces import MAX_REPORT

    raw = sys.stdin.buffer.read(MAX_REPORT + 1)
    if len(raw) > MAX_REPORT:
        typer.echo("error: the report is larger than 1 MB: nothing changed", err=True)
        raise typer.Exit(EX_DATAERR)
    outcome = asyncio.run(_take(Settings.from_env(), raw, tuple(to or ())))
    if outcome.taken is Taken.UNREADABLE:
        typer.echo("not a bounce or delivery report: nothing changed", err=True)
        raise typer.Exit(EX_DATAERR)
    report = outcome.report
    said = f"{report.fate}" + (f" ({report.status})" if report.status else "")
    if outcome.taken is Taken.UNKNOWN:
        typer.echo(f"a report ({said}) about no message of ours: nothing changed", err=True)
        raise typer.Exit(EX_NOUSER)
    if outcome.taken is Taken.RECORDED:
        typer.echo(f"recorded: {said}")
    else:
        typer.echo(f"nothing new: {said} (already recorded)")


@mail_app.command("receive-bounces")
def receive_bounces(
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="port to listen on")] = 2525,
) -> None:
    """Run the SMTP receiver for the bounce address (BALLOT_BOUNCE_ADDRESS) until stopped."""
    from ballot.logs import configure_logging
    from ballot.mail.bounce_receiver import BounceReceiver
    from ballot.store.db import make_engine, make_session_factory

    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)

    async def run() -> None:
        engine = make_engine(settings.database_url)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        receiver = BounceReceiver(make_session_factory(engine), settings, host, port)
        try:
            await receiver.start()
            await stop.wait()
        finally:
            await receiver.close()
            await engine.dispose()

    try:
        asyncio.run(run())
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
