"""``ballot demo``: a complete recognition vote to click through, on SQLite in ./demo-data.

Everything here is for demonstration: the passwords are printed, the trustees' key
files are written next to the database (in a folder named DEMO-ONLY...), and mail goes
to a local SMTP sink instead of real inboxes.  Rerunning wipes the folder and starts
fresh.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import secrets
import shutil
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from ballot.config import Settings

if TYPE_CHECKING:
    from ballot.store.tokens import IssuedToken

console = Console(soft_wrap=True)
MARKER = ".ballot-demo"
KEYS_DIR = "DEMO-ONLY-trustee-keys"

TITLE = {
    "en": "Union recognition vote — Riverside Warehouse",
    "es": "Votación de reconocimiento sindical — Almacén Riverside",
    "ko": "노동조합 인정 투표 — 리버사이드 창고",
    "zh": "工会承认投票 — 河滨仓库",
    "vi": "Bỏ phiếu công nhận công đoàn — Kho Riverside",
    "tl": "Botohan sa pagkilala sa unyon — Riverside Warehouse",
}
INSTRUCTIONS = {
    "en": "Choose one answer. Your vote is secret.",
    "es": "Elija una respuesta. Su voto es secreto.",
    "ko": "하나의 답을 선택하십시오. 귀하의 투표는 비밀입니다.",
    "zh": "请选择一个答案。您的投票是保密的。",
    "vi": "Hãy chọn một câu trả lời. Lá phiếu của bạn được giữ bí mật.",
    "tl": "Pumili ng isang sagot. Lihim ang iyong boto.",
}
QUESTION = {
    "en": "Do you want to be represented by Warehouse Workers Local 1 for collective bargaining?",
    "es": "¿Desea ser representado por Warehouse Workers Local 1 para la negociación colectiva?",
    "ko": "단체교섭을 위해 Warehouse Workers Local 1의 대표를 받기를 원하십니까?",
    "zh": "您是否希望由 Warehouse Workers Local 1 代表您进行集体谈判？",
    "vi": "Bạn có muốn được Warehouse Workers Local 1 đại diện trong thương lượng tập thể không?",
    "tl": "Gusto mo bang katawanin ka ng Warehouse Workers Local 1 sa sama-samang pakikipagtawaran?",
}
YES = {"en": "Yes", "es": "Sí", "ko": "예", "zh": "是", "vi": "Có", "tl": "Oo"}
NO = {"en": "No", "es": "No", "ko": "아니요", "zh": "否", "vi": "Không", "tl": "Hindi"}

ROLL = """member_id,name,email,language,unit,challenged
W-1001,Maria Gonzalez,maria.gonzalez@example.org,es,Inbound,
W-1002,James Carter,james.carter@example.org,en,Inbound,
W-1003,Kim Min-jun,kim.minjun@example.org,ko,Inbound,
W-1004,Li Wei,li.wei@example.org,zh,Inbound,
W-1005,Nguyen Thi Lan,nguyen.lan@example.org,vi,Inbound,
W-1006,Jose Santos,jose.santos@example.org,tl,Outbound,
W-1007,Aisha Brown,aisha.brown@example.org,en,Outbound,
W-1008,Carlos Ramirez,carlos.ramirez@example.org,es,Outbound,
W-1009,Park Ji-woo,park.jiwoo@example.org,ko,Outbound,
W-1010,Chen Jing,chen.jing@example.org,zh,Outbound,
W-1011,Tran Van Minh,tran.minh@example.org,vi,Returns,
W-1012,Maricel Reyes,maricel.reyes@example.org,tl,Returns,
W-1013,Robert Miller,robert.miller@example.org,en,Returns,
W-1014,Lucia Hernandez,lucia.hernandez@example.org,es,Returns,
W-1015,Wang Fang,wang.fang@example.org,zh,Maintenance,
W-1016,Le Thi Hoa,le.hoa@example.org,vi,Maintenance,
W-1017,Angelo Cruz,angelo.cruz@example.org,tl,Maintenance,
W-1018,Sarah Johnson,sarah.johnson@example.org,en,Maintenance,yes
W-1019,Diego Torres,diego.torres@example.org,es,Inbound,
W-1020,Choi Seo-yeon,choi.seoyeon@example.org,ko,Returns,
"""


@dataclass
class DemoResult:
    settings: Settings
    election_id: str
    admin: tuple[str, str]
    observer: tuple[str, str]
    trustees: list[tuple[str, str]]
    links: dict[str, str] = field(default_factory=dict)  # member id -> voting link
    key_files: list[Path] = field(default_factory=list)


def demo_settings(directory: Path, port: int, smtp_port: int = 2525) -> Settings:
    return Settings(
        database_url=f"sqlite+aiosqlite:///{(directory / 'ballot.sqlite3').resolve()}",
        base_url=f"http://127.0.0.1:{port}",
        secret_key_file=directory / "server-secret.key",
        smtp_host="127.0.0.1",
        smtp_port=smtp_port,
        mail_from="election-committee@demo.invalid",
        cookie_secure=False,
        schedule_interval=5.0,
        host="127.0.0.1",
        port=port,
        # The demo goes through the set-up checklist like a real election (it does every
        # step itself: sign-offs, rehearsals, a test message, the notice).
        setup_checklist=True,
    )


def fresh_directory(directory: Path) -> None:
    """Wipe a previous demo (only a folder this command made, recognised by its marker)."""
    if directory.exists():
        if any(directory.iterdir()) and not (directory / MARKER).exists():
            raise SystemExit(f"{directory} exists and is not a ballot demo folder; not touching it")
        shutil.rmtree(directory)
    directory.mkdir(parents=True)
    (directory / MARKER).write_text("made by `ballot demo`; deleted on the next run\n")


def _definition(now: Any) -> dict[str, Any]:
    return {
        "kind": "recognition",
        "title": TITLE,
        "instructions": INSTRUCTIONS,
        "opens_at": (now - timedelta(minutes=1)).isoformat(),
        "closes_at": (now + timedelta(days=7)).isoformat(),
        "rule": "majority",
        "allow_blank": False,
        "trustees": {"n": 3, "k": 2},
        "questions": [{"text": QUESTION, "min": 1, "max": 1, "options": [YES, NO]}],
    }


async def build_demo(directory: Path, settings: Settings) -> DemoResult:
    """Create the demo election, open it, and return what to print."""
    from ballot.migrations import upgrade_engine
    from ballot.service import ceremony, lifecycle, setup
    from ballot.service.acting import Acting, get_election
    from ballot.store import accounts
    from ballot.store.db import make_engine, make_session_factory
    from ballot.store.elections import create_election, parse_definition
    from ballot.store.models import ElectionTrustee
    from ballot.store.roll import import_roll
    from ballot.store.serverkey import load_or_create
    from ballot.store.types import utcnow

    engine = make_engine(settings.database_url)
    await upgrade_engine(engine)
    factory = make_session_factory(engine)
    board_key = load_or_create(settings.secret_key_file).board_key
    now = utcnow()
    issued: list[IssuedToken] = []
    ctx = Acting(settings, board_key, "demo", now, on_issued=issued.extend)
    try:
        async with factory() as db:
            admin = ("admin@demo.invalid", secrets.token_urlsafe(9))
            observer = ("observer@demo.invalid", secrets.token_urlsafe(9))
            trustees = [(f"trustee{i}@demo.invalid", secrets.token_urlsafe(9)) for i in (1, 2, 3)]
            admin_account = await accounts.create_account(
                db, email=admin[0], name="Demo Admin", role="admin", password=admin[1], now=now
            )
            await accounts.create_account(
                db,
                email=observer[0],
                name="Demo Observer",
                role="observer",
                password=observer[1],
                now=now,
            )
            trustee_accounts = [
                await accounts.create_account(
                    db, email=e, name=f"Demo Trustee {i}", role="trustee", password=p, now=now
                )
                for i, (e, p) in enumerate(trustees, start=1)
            ]
            election = await create_election(
                db, parse_definition(_definition(now)), now, election_id="demo"
            )
            for position, account in enumerate(trustee_accounts, start=1):
                db.add(
                    ElectionTrustee(
                        election_id=election.id, account_id=account.id, position=position
                    )
                )
            result = await import_roll(db, election.id, ROLL)
            assert result.ok, result.problems
            await lifecycle.transition(db, ctx, election, "key_ceremony")
            passphrases = [secrets.token_urlsafe(12) for _ in trustees]
            sealed = await ceremony.run_local_ceremony(db, ctx, election, passphrases)
            key_files = write_trustee_keys(directory, sealed, passphrases)
            await setup_checklist(db, ctx, election, admin_account, sealed, passphrases)
            await db.commit()
            await deliver_test_message(directory, settings, factory)
            election = await get_election(db, election.id, lock=True)
            await setup.confirm_test_message(db, ctx, election)
            await lifecycle.transition(db, ctx, election, "ready")
            await lifecycle.transition(db, ctx, election, "open")
            await db.commit()
    finally:
        await engine.dispose()
    by_voter = {t.voter_id: t for t in issued}
    links: dict[str, str] = {}
    async with _session(settings) as db:
        from sqlalchemy import select

        from ballot.store.models import Voter

        for voter in await db.scalars(
            select(Voter).where(Voter.election_id == "demo").order_by(Voter.member_id)
        ):
            if voter.id in by_voter:
                links[f"{voter.member_id} {voter.name} ({voter.language}, {voter.unit})"] = (
                    f"{settings.base_url}/v/{by_voter[voter.id].token}"
                )
    return DemoResult(settings, "demo", admin, observer, trustees, links, key_files)


async def setup_checklist(
    db: Any, ctx: Any, election: Any, admin: Any, sealed: list[bytes], passphrases: list[str]
) -> None:
    """The set-up checklist's steps, as a committee and its trustees would do them: every
    language signed off, each trustee's key proved by a rehearsal, a test message queued,
    the notice of election recorded."""
    from ballot.crypto.ceremony import TrusteeShare
    from ballot.crypto.keyfile import open_key
    from ballot.crypto.rehearsal import rehearse
    from ballot.service import elections, rehearsals, setup
    from ballot.store.casting import election_context

    for language in await elections.languages_to_sign(db, election.id):
        await elections.sign_off_translations(db, ctx, election, language, admin)
    context = election_context(election)
    for blob, passphrase in zip(sealed, passphrases, strict=True):
        share = TrusteeShare.from_bytes(open_key(blob, passphrase))
        challenge = await rehearsals.issue_challenge(db, ctx, election, share.index)
        answer = rehearse(
            share.index,
            share.secret_share,
            context.ceremony.verification_keys[share.index],
            context.joint_public_key,
            context.fingerprint,
            bytes.fromhex(challenge["nonce"]),
        )
        await rehearsals.accept_answer(db, ctx, election, share.index, answer.to_json())
    await setup.send_test_message(db, ctx, election, "election-committee@demo.invalid", "en")
    today = ctx.now.date().isoformat()
    await setup.record_notice(
        db, ctx, election, today, "Riverside Warehouse break-room notice board, in six languages"
    )


async def deliver_test_message(directory: Path, settings: Settings, factory: Any) -> None:
    """Send the queued test message to the demo's mail folder (a local SMTP sink)."""
    from ballot.mail.sink import MailSink
    from ballot.mail.worker import run_worker

    sink = MailSink(folder=directory / "mail" / "test-message", keep=False).start()
    try:
        await run_worker(factory, settings.with_(smtp_port=sink.port), once=True)
    finally:
        sink.stop()


@contextlib.asynccontextmanager
async def _session(settings: Settings) -> Any:
    from ballot.store.db import make_engine, make_session_factory

    engine = make_engine(settings.database_url)
    try:
        async with make_session_factory(engine)() as db:
            yield db
    finally:
        await engine.dispose()


def write_trustee_keys(directory: Path, sealed: list[bytes], passphrases: list[str]) -> list[Path]:
    folder = directory / KEYS_DIR
    folder.mkdir(mode=0o700)
    (folder / "README.txt").write_text(
        "DEMO ONLY. These are the trustees' sealed secret key files for the demo election,\n"
        "with their passphrases next to them. In a real election each trustee makes and keeps\n"
        "their own key on their own computer, and nobody else ever sees it or its passphrase.\n"
    )
    paths = []
    for i, (blob, passphrase) in enumerate(zip(sealed, passphrases, strict=True), start=1):
        path = folder / f"trustee-{i}.key"
        path.write_bytes(blob if blob[:1] in (b"{", b"-") else base64.b64encode(blob))
        path.chmod(0o600)
        (folder / f"trustee-{i}.passphrase.txt").write_text(passphrase + "\n")
        paths.append(path)
    return paths


def print_result(result: DemoResult, smtp_port: int | None) -> None:
    base = result.settings.base_url
    console.rule("[bold]ballot demo[/] (demo data only — do not use for a real vote)")
    console.print(f"Administer:  {base}/login   {result.admin[0]} / {result.admin[1]}")
    console.print(f"Observe:     {base}/login   {result.observer[0]} / {result.observer[1]}")
    for email, password in result.trustees:
        console.print(f"Trustee:     {base}/login   {email} / {password}")
    console.print(f"Election:    {base}/committee/elections/{result.election_id}")
    console.print(f"Board:       {base}/api/elections/{result.election_id}/board")
    console.print(
        f"Trustee key files (DEMO ONLY): {result.key_files[0].parent if result.key_files else '-'}"
    )
    console.print("Vote (one-time links, a few members):")
    for label, link in list(result.links.items())[:6]:
        console.print(f"  {label}: {link}")
    if smtp_port:
        console.print(
            f"Mail goes to a local SMTP sink on 127.0.0.1:{smtp_port} (nothing leaves this machine)."
        )


async def serve_demo(result: DemoResult) -> None:
    """Run the server, the SMTP sink and the mail worker in this process until interrupted."""
    import logging

    import uvicorn

    from ballot.mail.sink import MailSink
    from ballot.service.schedule import run_worker
    from ballot.web.app import create_app

    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd's per-command chatter
    mail_folder = result.settings.secret_key_file.parent / "mail"
    sink = MailSink(folder=mail_folder, keep=False)
    sink.start()
    settings = result.settings.with_(smtp_port=sink.port)
    stop = asyncio.Event()
    worker = asyncio.create_task(run_worker(settings, stop=stop))
    server = uvicorn.Server(
        uvicorn.Config(create_app(settings), host=settings.host, port=settings.port)
    )
    print_result(result, sink.port)
    console.print(f"Each message the sink receives is saved in {mail_folder}/ as an .eml file.")
    try:
        await server.serve()
    finally:
        stop.set()
        with contextlib.suppress(Exception):
            await worker
        sink.stop()


def run_demo(
    directory: Path = Path("demo-data"), *, serve: bool = True, port: int = 8000
) -> DemoResult:
    directory = Path(directory)
    fresh_directory(directory)
    settings = demo_settings(directory, port)
    result = asyncio.run(build_demo(directory, settings))
    if serve:
        asyncio.run(serve_demo(result))
    else:
        print_result(result, None)
    return result
