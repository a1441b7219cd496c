"""``ballot observe``: the witness's command (``ballot.cli`` hands its arguments here).

* ``ballot observe new-key FILE``: make a signing key, seal it under a passphrase,
  print the public key for the committee to name in the definition;
* ``ballot observe URL --key FILE --state DIR [--once]``: follow the board at URL (the
  election's board page), verify, cosign, until the election is certified.

The passphrase is read with a hidden prompt, or from ``--passphrase-file`` or
``BALLOT_WITNESS_PASSPHRASE`` for unattended runs; it never appears in the output.
Exit status: 0 done, 1 a problem of this run (key, folder, network), 2 the board
does not verify (tell the committee and the other observers).
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

PASSPHRASE_ENV = "BALLOT_WITNESS_PASSPHRASE"  # noqa: S105 (a variable name)
MIN_PASSPHRASE = 10

console = Console(soft_wrap=True)
errors = Console(stderr=True, soft_wrap=True)


class _Stop(Exception):
    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _passphrase(path: Path | None, *, new: bool) -> str:
    if path is not None:
        try:
            value = path.read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            raise _Stop(f"cannot read {path}: {exc}") from exc
    else:
        value = os.environ.get(PASSPHRASE_ENV) or getpass.getpass("Witness key passphrase: ")
        if new and not os.environ.get(PASSPHRASE_ENV) and getpass.getpass("Again: ") != value:
            raise _Stop("the two entries differ")
    if not value:
        raise _Stop("the passphrase must not be empty")
    if new and len(value) < MIN_PASSPHRASE:
        raise _Stop(f"choose a passphrase of at least {MIN_PASSPHRASE} characters")
    return value


def new_key(file: Path, label: str, passphrase_file: Path | None) -> int:
    """``ballot observe new-key FILE``: make and seal a key; print its public half."""
    from ballot.crypto.keyfile import KeyFileError
    from ballot.witness.keys import new_key_file

    try:
        if file.exists():
            raise _Stop(f"{file} already exists; choose another file for the new key")
        passphrase = _passphrase(passphrase_file, new=True)
        try:
            key = new_key_file(file, passphrase, label)
        except (OSError, KeyFileError, ValueError) as exc:
            raise _Stop(f"cannot write {file}: {exc}") from exc
    except _Stop as exc:
        errors.print(f"[bold red]error:[/] {exc}")
        return exc.code
    console.print(f"[green]✓[/] wrote your sealed witness key to {file}")
    console.print(f"public key: [bold]{key.public_hex}[/]")
    console.print(
        "Give the committee this public key and the name to show for you; they name you "
        "as a witness before the key ceremony.  Keep the key file and its passphrase safe."
    )
    return 0


class _Printer:
    """The witness's reporter: one line per step, a bar while ballots are checked."""

    def __init__(self) -> None:
        self.bar: Progress | None = None
        self.task: Any = None

    def step(self, message: str) -> None:
        self._end_bar()
        console.print(f"[green]✓[/] {message}")

    def note(self, message: str) -> None:
        self._end_bar()
        console.print(f"[cyan]•[/] {message}")

    def progress(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = Progress(
                TextColumn("ballot proofs"),
                BarColumn(),
                MofNCompleteColumn(),
                console=console,
                transient=True,
            )
            self.bar.start()
            self.task = self.bar.add_task("ballots", total=total)
        self.bar.update(self.task, completed=done, total=total)
        if done >= total:
            self._end_bar()

    def _end_bar(self) -> None:
        if self.bar is not None:
            self.bar.stop()
            self.bar, self.task = None, None


def observe(
    url: str,
    key_file: Path,
    state_dir: Path,
    *,
    once: bool,
    interval: float,
    passphrase_file: Path | None,
) -> int:
    """``ballot observe URL --key FILE --state DIR``; returns the exit status."""
    from ballot.crypto.keyfile import KeyFileError
    from ballot.witness.client import WitnessClient, parse_board_url
    from ballot.witness.follow import BoardProblem, Follower
    from ballot.witness.keys import open_key_file
    from ballot.witness.run import NotNamed, TrusteeError, follow_board, resume
    from ballot.witness.state import StateError, WitnessState

    printer = _Printer()
    try:
        try:
            server, election_id = parse_board_url(url)
        except ValueError as exc:
            raise _Stop(str(exc)) from exc
        try:
            key = open_key_file(key_file, _passphrase(passphrase_file, new=False))
        except (OSError, KeyFileError) as exc:
            raise _Stop(f"{key_file}: {exc}") from exc
        try:
            state = WitnessState.open(state_dir, server, election_id, key.public_hex)
        except (OSError, StateError) as exc:
            raise _Stop(str(exc)) from exc
        with WitnessClient(server, election_id) as client:
            try:
                stated = client.public().get("server_key")
                follower = Follower(
                    election_id, key.public_hex, stated if isinstance(stated, str) else None
                )
                console.print(f"following the board of election {election_id} at {server}")
                resume(state, follower, printer)
                done = follow_board(
                    client, state, follower, key, printer, once=once, interval=interval
                )
            except BoardProblem as exc:
                raise _Stop(
                    f"the board does not verify, nothing more is cosigned: {exc}\n"
                    "Tell the election committee and the other observers.",
                    2,
                ) from exc
            except NotNamed as exc:
                raise _Stop(str(exc)) from exc
            except TrusteeError as exc:
                raise _Stop(str(exc)) from exc
        if not follower.key_bound and follower.definition is not None:
            console.print(
                "[yellow]![/] the definition names no board key, so the heads were checked "
                "with the key the server states (protocol v2 binds it in the definition)"
            )
    except KeyboardInterrupt:
        printer.note("stopped; run the same command again to continue")
        return 0
    except _Stop as exc:
        printer.note("stopped")
        errors.print(f"[bold red]error:[/] {exc}")
        return exc.code
    finally:
        printer._end_bar()
    if done.certified:
        console.print(
            f"[bold green]The election is certified[/] and its last head cosigned.  "
            f"Your log: {state.log_path} (give it to `ballot verify --witness`)."
        )
    else:
        console.print(
            f"{follower.seq + 1} board entries verified; {state.cosigned_count} cosignatures "
            f"in {state.log_path}"
        )
    return 0
