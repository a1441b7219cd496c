"""``ballot trustee ...``: the trustee's own tool, run on the trustee's laptop.

* ``ceremony``: take part in the remote key ceremony, write the sealed key file;
* ``tally``: check the encrypted tally against the public board, decrypt, upload; in an
  election with ranked races, once the trustees have shuffled them, the same command
  decrypts the shuffled ballots (after checking every shuffle on the board);
* ``shuffle``: after the final result of an election with ranked races, check the board's
  mix, shuffle every ranked race with a proof, upload (PROTOCOL 18);
* ``check-key``: open a key file (offline, nothing sent);
* ``rehearse``: prove to the server, before voting opens, that the key file works (a
  rehearsal decryption of the server's own rehearsal ciphertext; the set-up checklist
  waits for every trustee's).

Secrets never appear on the command line or in the output: the account password and
the key passphrase are read with a hidden prompt, or from a file (``--password-file``,
``--passphrase-file``) or the environment (``BALLOT_TRUSTEE_PASSWORD``,
``BALLOT_TRUSTEE_PASSPHRASE``) for unattended runs.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer
from rich.console import Console

if TYPE_CHECKING:
    from ballot.crypto.ceremony import TrusteeShare
    from ballot.trustee.client import TrusteeClient

trustee_app = typer.Typer(
    help=(
        "The trustee's tool: key ceremony, key rehearsal, tally decryption, shuffles of "
        "ranked ballots, key file check."
    ),
    no_args_is_help=True,
)
console = Console()
errors = Console(stderr=True)

PASSWORD_ENV = "BALLOT_TRUSTEE_PASSWORD"  # noqa: S105 (a variable name)
PASSPHRASE_ENV = "BALLOT_TRUSTEE_PASSPHRASE"  # noqa: S105
MIN_PASSPHRASE = 10
DEFAULT_STATE = Path.home() / ".ballot-trustee"

Server = Annotated[str, typer.Option("--server", help="the ballot server's URL")]
KeyFile = Annotated[Path, typer.Option("--key-file", help="your sealed key file")]
ElectionId = Annotated[str, typer.Option("--election", help="the election id")]
Email = Annotated[str, typer.Option("--email", help="your trustee account's email")]
PasswordFile = Annotated[
    Path | None,
    typer.Option(
        "--password-file",
        help=f"read the account password from this file ({PASSWORD_ENV} also works)",
    ),
]
PassphraseFile = Annotated[
    Path | None,
    typer.Option(
        "--passphrase-file",
        help=f"read the key passphrase from this file ({PASSPHRASE_ENV} also works)",
    ),
]
Totp = Annotated[
    str | None, typer.Option("--totp", help="the current code of your authenticator app")
]


def _fail(message: str, code: int = 1) -> NoReturn:
    errors.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def _read_secret(path: Path | None, env: str, prompt: str, *, confirm: bool = False) -> str:
    if path is not None:
        try:
            return path.read_text(encoding="utf-8").rstrip("\r\n")
        except (OSError, UnicodeDecodeError) as exc:
            _fail(f"cannot read {path}: {exc}")
    value = os.environ.get(env)
    if value:
        return value
    value = getpass.getpass(prompt)
    if confirm and getpass.getpass("Again: ") != value:
        _fail("the two entries differ")
    return value


def _passphrase(path: Path | None, *, new: bool) -> str:
    value = _read_secret(path, PASSPHRASE_ENV, "Key file passphrase: ", confirm=new)
    if not value:
        _fail("the passphrase must not be empty")
    if new and len(value) < MIN_PASSPHRASE:
        _fail(f"choose a passphrase of at least {MIN_PASSPHRASE} characters")
    return value


def _reporter() -> Callable[[str, str], None]:
    last = {"wait": ""}

    def report(kind: str, message: str) -> None:
        if kind == "wait":
            if message != last["wait"]:
                console.print(f"[dim]… {message}[/]")
            last["wait"] = message
            return
        last["wait"] = ""
        mark = "[green]✓[/]" if kind == "step" else "[cyan]•[/]"
        console.print(f"{mark} {message}")

    return report


def _signed_in(
    server: str, email: str, password_file: Path | None, totp: str | None
) -> TrusteeClient:
    from ballot.trustee.client import TrusteeClient, TrusteeError

    password = _read_secret(password_file, PASSWORD_ENV, f"Password for {email}: ")
    client = TrusteeClient(server)
    try:
        client.login(email, password, totp)
    except TrusteeError as exc:
        client.close()
        _fail(str(exc))
    console.print(f"[green]✓[/] signed in to {server} as {email}")
    return client


@trustee_app.command("ceremony")
def ceremony(
    server: Server,
    election: ElectionId,
    email: Email,
    key_file: Annotated[Path, typer.Option("--key-file", help="where to write your sealed key")],
    password_file: PasswordFile = None,
    passphrase_file: PassphraseFile = None,
    state: Annotated[
        Path, typer.Option("--state", help="folder for the sealed ceremony state (resume)")
    ] = DEFAULT_STATE,
    timeout: Annotated[
        float, typer.Option("--timeout", help="seconds to wait for the other trustees")
    ] = 3600.0,
    poll_max: Annotated[
        float, typer.Option("--poll-max", help="longest pause between status checks (s)")
    ] = 5.0,
    totp: Totp = None,
) -> None:
    """Take part in the key ceremony over the network and save your sealed key file."""
    from ballot.trustee.ceremony import run_ceremony
    from ballot.trustee.client import TrusteeError

    if key_file.exists():
        _fail(f"{key_file} already exists; choose another file for the new key")
    passphrase = _passphrase(passphrase_file, new=True)
    with _signed_in(server, email, password_file, totp) as client:
        try:
            outcome = run_ceremony(
                client,
                election,
                passphrase,
                state,
                key_file,
                timeout=timeout,
                poll_max=poll_max,
                report=_reporter(),
            )
        except TrusteeError as exc:
            _fail(str(exc))
    for dealer, why in sorted(outcome.disqualified.items()):
        console.print(f"[yellow]![/] dealer {dealer} was disqualified: {why}")
    for trustee, why in sorted(outcome.false_complaints.items()):
        console.print(f"[yellow]![/] trustee {trustee} made a false complaint: {why}")
    console.print(
        f"[bold green]Key ceremony complete.[/] You are trustee {outcome.position} "
        f"({outcome.k} of {outcome.n} needed to decrypt)."
    )
    console.print(f"joint public key:        {outcome.joint_public_key}")
    console.print(f"your verification key:   {outcome.verification_key}")
    console.print(f"your sealed key file:    {outcome.key_file}")
    console.print("Keep the key file and its passphrase apart, and bring both on tally day.")


def _open_share(key_file: Path, passphrase_file: Path | None) -> tuple[str, TrusteeShare]:
    from ballot.crypto.ceremony import CeremonyError, TrusteeShare
    from ballot.crypto.keyfile import KeyFileError, open_key, read_label

    try:
        data = key_file.read_bytes()
        label = read_label(data)
    except OSError as exc:
        _fail(f"cannot read {key_file}: {exc}")
    except KeyFileError as exc:
        _fail(f"{key_file} is not a usable key file: {exc}")
    passphrase = _passphrase(passphrase_file, new=False)
    try:
        share = TrusteeShare.from_bytes(open_key(data, passphrase))
    except KeyFileError as exc:
        _fail(str(exc))
    except CeremonyError as exc:
        _fail(f"{key_file} opens but holds no trustee share: {exc}")
    return label, share


@trustee_app.command("check-key")
def check_key(
    key_file: KeyFile,
    passphrase_file: PassphraseFile = None,
) -> None:
    """Open your key file and show which trustee it is for (a rehearsal before tally day)."""
    from ballot.crypto.group import base_mul

    label, share = _open_share(key_file, passphrase_file)
    console.print("[bold green]The key file opens.[/]")
    if label:
        console.print(f"label:              {label}")
    console.print(f"trustee:            {share.index} of {share.n} ({share.k} needed)")
    console.print(f"verification key:   {base_mul(share.secret_share).hex()}")
    console.print(f"joint public key:   {share.joint_public_key.hex()}")
    console.print(f"manifest hash:      {share.manifest_hash.hex()}")


@trustee_app.command("rehearse")
def rehearse(
    server: Server,
    election: ElectionId,
    email: Email,
    trustee: Annotated[int, typer.Option("--trustee", help="your trustee number in this election")],
    key_file: KeyFile,
    password_file: PasswordFile = None,
    passphrase_file: PassphraseFile = None,
    totp: Totp = None,
) -> None:
    """Prove your key file works before voting opens (a rehearsal decryption; reveals nothing)."""
    from ballot.trustee.client import TrusteeError
    from ballot.trustee.rehearse import WrongKey, run_rehearsal

    _label, share = _open_share(key_file, passphrase_file)
    console.print(f"[green]✓[/] opened the key file: trustee {share.index} of {share.n}")
    with _signed_in(server, email, password_file, totp) as client:
        try:
            outcome = run_rehearsal(client, election, share, trustee, report=_reporter())
        except WrongKey as exc:
            errors.print(f"[bold red]Wrong key file:[/] {exc}")
            raise typer.Exit(2) from None
        except TrusteeError as exc:
            _fail(str(exc))
    console.print(
        f"[bold green]Your key works.[/] The server recorded that trustee {outcome.trustee} "
        f"proved their key ({outcome.proved_at}). Keep the key file and its passphrase apart "
        "until tally day."
    )


@trustee_app.command("tally")
def tally(
    server: Server,
    election: ElectionId,
    email: Email,
    key_file: KeyFile,
    password_file: PasswordFile = None,
    passphrase_file: PassphraseFile = None,
    totp: Totp = None,
) -> None:
    """Check the encrypted tally against the public board, then decrypt your part and upload it."""
    from ballot.trustee.client import TrusteeError
    from ballot.trustee.decrypt import TallyRefused, run_tally
    from ballot.trustee.mix import mix_awaits

    _label, share = _open_share(key_file, passphrase_file)
    console.print(f"[green]✓[/] opened the key file: trustee {share.index} of {share.n}")
    with _signed_in(server, email, password_file, totp) as client:
        try:
            awaiting = mix_awaits(client, election)
        except TrusteeError as exc:
            _fail(str(exc))
        if awaiting == "shuffles":
            _fail(
                "the ranked ballots are being shuffled: run `ballot trustee shuffle` first; "
                "their decryption follows once enough trustees have shuffled"
            )
        if awaiting == "partials":
            mix_cli.decrypt_mix(client, election, share)
            return
        try:
            outcome = run_tally(client, election, share, report=_reporter())
        except TallyRefused as exc:
            errors.print(f"[bold red]NOT decrypting:[/] {exc}")
            errors.print("Tell the election committee and the observers.")
            raise typer.Exit(2) from None
        except TrusteeError as exc:
            _fail(str(exc))
    if outcome.already:
        console.print("Nothing to do: your partial decryption for this round is already in.")
    elif outcome.combined:
        console.print("[bold green]Enough trustees have decrypted: the result is published.[/]")
    else:
        console.print(
            "[bold green]Done.[/] The result appears once enough trustees have decrypted."
        )


# The mix-net's commands (``shuffle``, and the mix half of ``tally``) are in their own
# module; importing it registers them on ``trustee_app`` with the helpers above.
from ballot.trustee import mix_cli as mix_cli  # noqa: E402
