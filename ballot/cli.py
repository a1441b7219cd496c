"""The ``ballot`` command: serve, migrate, accounts, roll import, reminders, worker, demo,
bounces (``ballot mail``, :mod:`ballot.mail.commands`).

Every command reads its configuration from ``BALLOT_*`` environment variables (see
:mod:`ballot.config`).  Commands that change an election go through :mod:`ballot.service`
and write the same activity-log entries as the web pages (the actor is ``cli:<user>``).
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from ballot.config import Settings

app = typer.Typer(
    help="ballot: end-to-end verifiable online voting for trade unions.", no_args_is_help=True
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
admin_app = typer.Typer(help="Committee accounts.", no_args_is_help=True)
roll_app = typer.Typer(help="The voter roll.", no_args_is_help=True)
record_app = typer.Typer(help="The election record (the downloadable ZIP).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(admin_app, name="admin")
app.add_typer(roll_app, name="roll")
app.add_typer(record_app, name="record")
app.add_typer(__import__("ballot.trustee.cli").trustee.cli.trustee_app, name="trustee")
app.add_typer(__import__("ballot.mail.commands").mail.commands.mail_app, name="mail")
console = Console()
errors = Console(stderr=True)


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name in some containers
        return "cli"


def _fail(message: str, code: int = 1) -> None:
    errors.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


async def _with_session(settings: Settings, work: Any) -> Any:
    from ballot.store.db import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    try:
        async with make_session_factory(engine)() as session:
            return await work(session)
    finally:
        await engine.dispose()


def _context(settings: Settings) -> Any:
    from ballot.service.acting import Acting
    from ballot.store.serverkey import load_or_create
    from ballot.store.types import utcnow

    return Acting(
        settings=settings,
        board_key=load_or_create(settings.secret_key_file).board_key,
        actor=_actor(),
        now=utcnow(),
    )


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or upgrade the database schema to the newest version."""
    from ballot.migrations import upgrade

    settings = Settings.from_env()
    upgrade(settings.database_url)
    console.print("database is up to date")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="address to listen on")] = None,
    port: Annotated[int | None, typer.Option(help="port to listen on")] = None,
) -> None:
    """Run the web server (uvicorn); upgrades the database first."""
    import uvicorn

    from ballot.logs import uvicorn_log_config
    from ballot.migrations import upgrade
    from ballot.web.app import create_app

    settings = Settings.from_env()
    upgrade(settings.database_url)
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_config=uvicorn_log_config(settings.log_level, settings.log_format),
    )


@admin_app.command("create")
def admin_create(
    email: Annotated[str, typer.Option(help="sign-in email")],
    name: Annotated[str, typer.Option(help="full name")],
    role: Annotated[str, typer.Option(help="admin, observer or trustee")] = "admin",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from stdin")
    ] = False,
) -> None:
    """Create a committee account (the first admin, observers, trustees)."""
    from ballot.election.refusal import Refused
    from ballot.service.accounts import create_account
    from ballot.store.types import utcnow

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            _fail("the passwords differ")
    settings = Settings.from_env()

    async def work(session: Any) -> None:
        now = utcnow()
        await create_account(
            session, _actor(), email=email, name=name, role=role, password=password, now=now
        )
        await session.commit()

    try:
        asyncio.run(_with_session(settings, work))
    except Refused as exc:
        _fail(exc.message)
    console.print(f"created {role} account {email.strip().lower()}")


@admin_app.command("unlock")
def admin_unlock(email: Annotated[str, typer.Argument(help="the account's sign-in email")]) -> None:
    """Clear an account's sign-in throttle (out of band, for a member locked out)."""
    from ballot.store.accounts import normalise_email
    from ballot.store.activity import log_activity
    from ballot.store.throttle import unlock
    from ballot.store.types import utcnow

    address = normalise_email(email)

    async def work(session: Any) -> int:
        cleared = await unlock(session, address)
        await log_activity(session, _actor(), "account_unlocked", utcnow(), email=address)
        await session.commit()
        return cleared

    cleared = asyncio.run(_with_session(Settings.from_env(), work))
    console.print(f"cleared {cleared} sign-in throttle(s) of {address}")


@roll_app.command("import")
def roll_import(
    election: Annotated[str, typer.Argument(help="election id")],
    file: Annotated[
        Path, typer.Argument(help="CSV file: member_id,name,email,language,unit,challenged")
    ],
) -> None:
    """Import a voter roll CSV: every row, or nothing (each bad row is listed)."""
    from ballot.election.refusal import Refused
    from ballot.service import voters
    from ballot.service.acting import get_election

    settings = Settings.from_env()
    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        _fail(f"cannot read {file}: {exc}")
    ctx = _context(settings)

    async def work(session: Any) -> Any:
        e = await get_election(session, election, lock=True)
        result = await voters.import_roll(session, ctx, e, text)
        if result.ok:
            await session.commit()
        else:
            await session.rollback()
        return result

    try:
        result = asyncio.run(_with_session(settings, work))
    except Refused as exc:
        _fail(exc.message)
    if not result.ok:
        table = Table("line", "column", "problem", title="The roll was not imported")
        for p in result.problems:
            table.add_row(str(p.line), p.column, p.message)
        errors.print(table)
        raise typer.Exit(1)
    console.print(f"imported {result.imported} members into {election}")


@record_app.command("export")
def record_export(
    election: Annotated[str, typer.Argument(help="election id")],
    out: Annotated[Path, typer.Argument(help="where to write the record (.zip)")],
) -> None:
    """Write an election's record (board, signed heads, ceremony, result) for `ballot verify`."""
    from ballot.election.refusal import Refused
    from ballot.service.acting import get_election
    from ballot.store.record_export import RecordUnavailable, export_record
    from ballot.store.serverkey import load_or_create

    settings = Settings.from_env()
    if not Path(settings.secret_key_file).exists():
        # A new key would not match the board's signed heads.
        _fail(f"the server key file {settings.secret_key_file} does not exist")
    public = load_or_create(settings.secret_key_file).board_key.public_hex

    async def work(session: Any) -> None:
        await get_election(session, election)
        await export_record(session, election, public, out)

    try:
        asyncio.run(_with_session(settings, work))
    except Refused as exc:
        _fail(exc.message)
    except RecordUnavailable as exc:
        _fail(f"no record for {election}: {exc}")
    except OSError as exc:
        _fail(f"cannot write {out}: {exc}")
    console.print(f"wrote the record of {election} to {out}")


@app.command()
def reminders(election: Annotated[str, typer.Argument(help="election id")]) -> None:
    """Send a reminder (with a fresh link) to every member who has not voted yet."""
    from ballot.election.refusal import Refused
    from ballot.service.acting import get_election
    from ballot.service.voters import send_reminders

    settings = Settings.from_env()
    ctx = _context(settings)

    async def work(session: Any) -> int:
        e = await get_election(session, election)
        queued = await send_reminders(session, ctx, e)
        await session.commit()
        return queued

    try:
        queued = asyncio.run(_with_session(settings, work))
    except Refused as exc:
        _fail(exc.message)
    console.print(f"queued {queued} reminders")


@app.command()
def schedule() -> None:
    """Open and close votes whose time has come (once; the worker and server do it continuously)."""
    from ballot.service.schedule import run_schedule_once
    from ballot.store.serverkey import load_or_create
    from ballot.store.types import utcnow

    settings = Settings.from_env()

    async def main() -> list[tuple[str, str]]:
        from ballot.store.db import make_engine, make_session_factory

        engine = make_engine(settings.database_url)
        try:
            key = load_or_create(settings.secret_key_file).board_key
            return await run_schedule_once(make_session_factory(engine), settings, key, utcnow())
        finally:
            await engine.dispose()

    for election_id, state in asyncio.run(main()):
        console.print(f"{election_id}: {state}")


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="send what is queued, then exit")] = False,
) -> None:
    """Run the mail worker, and apply the voting schedule between batches."""
    import signal

    from ballot.logs import configure_logging
    from ballot.service.schedule import run_worker

    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_format)  # JSON lines, redacted

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(sig, stop.set)
        await run_worker(settings, once=once, stop=stop)

    asyncio.run(main())


@app.command()
def demo(
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="create the demo, print the links, exit")
    ] = False,
    directory: Annotated[Path, typer.Option(help="where demo data goes (wiped first)")] = Path(
        "demo-data"
    ),
    port: Annotated[int, typer.Option(help="port for the demo server")] = 8000,
) -> None:
    """A complete demo election on SQLite: accounts, roll, ceremony, open, server and mail sink."""
    from ballot.demo import run_demo

    run_demo(directory=directory, serve=not no_serve, port=port)


@app.command()
def verify(
    record: Annotated[Path, typer.Argument(help="the election record file (.zip) to check")],
    tracker: Annotated[
        str | None,
        typer.Option("--tracker", help="also confirm that this ballot tracker was counted"),
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", help="worker processes (default: all cores)")
    ] = None,
    witness: Annotated[
        Path | None,
        typer.Option(
            "--witness",
            help="a witness's log (cosigned.jsonl, or its `ballot observe --state` folder): "
            "the record must end on a head it cosigned and agree with all it cosigned",
        ),
    ] = None,
    fingerprint: Annotated[
        str | None,
        typer.Option(
            "--fingerprint",
            help="the election fingerprint you noted when voting opened: a record of any "
            "other election fails",
        ),
    ] = None,
) -> None:
    """Verify an election record offline: chain, signatures, every proof, tally and outcome."""
    from ballot.record.verify import main as verify_main

    raise typer.Exit(verify_main(record, tracker, jobs, witness, fingerprint))


@app.command()
def observe(
    target: Annotated[
        str,
        typer.Argument(
            help="the election's board page (https://host/board/ID) to follow, or 'new-key'"
        ),
    ],
    file: Annotated[
        Path | None, typer.Argument(help="with new-key: where to write the new key file")
    ] = None,
    key: Annotated[Path | None, typer.Option("--key", help="your sealed witness key file")] = None,
    state: Annotated[
        Path | None,
        typer.Option("--state", help="your folder for this election: verified board, log"),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="poll once (verify, cosign), then exit")
    ] = False,
    interval: Annotated[
        float, typer.Option("--interval", min=1.0, help="seconds between polls")
    ] = 30.0,
    label: Annotated[
        str, typer.Option("--label", help="with new-key: a clear label stored in the file")
    ] = "",
    passphrase_file: Annotated[
        Path | None,
        typer.Option(
            "--passphrase-file",
            help="read the key passphrase from this file (BALLOT_WITNESS_PASSPHRASE also works)",
        ),
    ] = None,
) -> None:
    """Witness an election: follow its board, verify each entry, cosign the server's heads.

    `ballot observe new-key FILE` makes your signing key (the committee names its public
    key as a witness before the key ceremony); `ballot observe URL --key FILE --state DIR`
    follows the board until the election is certified (Ctrl-C stops; run it again to
    continue).  Your log of cosignatures is DIR/cosigned.jsonl: `ballot verify --witness`.
    """
    from ballot.witness import cli as witness_cli

    if target == "new-key":
        if file is None:
            _fail("give the file to write: ballot observe new-key FILE")
        assert file is not None
        raise typer.Exit(witness_cli.new_key(file, label, passphrase_file))
    if file is not None:
        _fail(f"unexpected argument {str(file)!r} (only new-key takes a file)")
    if key is None or state is None:
        _fail("give --key FILE (your witness key) and --state DIR (your folder for it)")
    assert key is not None and state is not None
    raise typer.Exit(
        witness_cli.observe(
            target, key, state, once=once, interval=interval, passphrase_file=passphrase_file
        )
    )


def main() -> None:
    os.environ.setdefault("PYTHONIOENCODING", "utf-8")
    app()


if __name__ == "__main__":
    main()
