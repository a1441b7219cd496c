"""``ballot trustee shuffle`` and the mix half of ``ballot trustee tally``: the trustee's
part in the mix-net of ranked races (PROTOCOL 18), with a progress bar for the long steps.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import typer

from ballot.trustee.cli import (
    ElectionId,
    Email,
    KeyFile,
    PassphraseFile,
    PasswordFile,
    Server,
    Totp,
    _fail,
    _open_share,
    _reporter,
    _signed_in,
    console,
    errors,
    trustee_app,
)

if TYPE_CHECKING:
    from ballot.crypto.ceremony import TrusteeShare
    from ballot.trustee.client import TrusteeClient
    from ballot.trustee.mix import Progress


@contextmanager
def _progress_bar() -> Iterator[Progress]:
    """A rich progress bar the mix's long steps report to (ciphertexts done of all)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TaskID,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        tasks: dict[str, TaskID] = {}

        def progress(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=max(total, 1))
            bar.update(tasks[what], completed=done, total=max(total, 1))

        yield progress


def _refused_mix(exc: Exception) -> NoReturn:
    errors.print(f"[bold red]NOT going on:[/] {exc}")
    errors.print("Tell the election committee and the observers.")
    raise typer.Exit(2)


def decrypt_mix(client: TrusteeClient, election: str, share: TrusteeShare) -> None:
    """Decrypt the shuffled ballots (``ballot trustee tally`` while the mix awaits it)."""
    from ballot.trustee.client import TrusteeError
    from ballot.trustee.decrypt import TallyRefused
    from ballot.trustee.mix import MixRefused, run_mix_decrypt

    try:
        with _progress_bar() as progress:
            outcome = run_mix_decrypt(
                client, election, share, report=_reporter(), progress=progress
            )
    except (MixRefused, TallyRefused) as exc:
        _refused_mix(exc)
    except TrusteeError as exc:
        _fail(str(exc))
    if outcome.already:
        console.print("Nothing to do: your decryption of the mixed ballots is already in.")
    elif outcome.combined:
        console.print(
            "[bold green]Enough trustees have decrypted the mixed ballots: the ranked "
            "results are published.[/]"
        )
    else:
        console.print(
            "[bold green]Done.[/] The ranked results appear once enough trustees have "
            "decrypted the mixed ballots."
        )


@trustee_app.command("shuffle")
def shuffle(
    server: Server,
    election: ElectionId,
    email: Email,
    key_file: KeyFile,
    password_file: PasswordFile = None,
    passphrase_file: PassphraseFile = None,
    totp: Totp = None,
) -> None:
    """After the final result: shuffle the ranked ballots with a proof, on this computer.

    Checks the board's mix first (every counted ballot, every earlier shuffle), then
    re-encrypts and permutes every ranked race's list and uploads it with its proofs."""
    from ballot.trustee.client import TrusteeError
    from ballot.trustee.decrypt import TallyRefused
    from ballot.trustee.mix import MixRefused, run_shuffle

    _label, share = _open_share(key_file, passphrase_file)
    console.print(f"[green]✓[/] opened the key file: trustee {share.index} of {share.n}")
    with _signed_in(server, email, password_file, totp) as client:
        try:
            with _progress_bar() as progress:
                outcome = run_shuffle(
                    client, election, share, report=_reporter(), progress=progress
                )
        except (MixRefused, TallyRefused) as exc:
            _refused_mix(exc)
        except TrusteeError as exc:
            _fail(str(exc))
    if outcome.position is None:
        console.print("Nothing to do: your shuffle of the ranked ballots is already in.")
    elif outcome.completed:
        console.print(
            f"[bold green]Yours was the last shuffle needed (position {outcome.position}).[/] "
            "The trustees can now decrypt the mixed ballots with `ballot trustee tally`."
        )
    else:
        console.print(
            f"[bold green]Done.[/] Your shuffle is at position {outcome.position}; the "
            "decryption follows once enough trustees have shuffled."
        )
