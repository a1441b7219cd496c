"""Every page a person sees, in one list, with an election in each state to show it on.

``PAGES`` is the one list the page-wide tests walk (``tests/i18n/test_no_english.py``:
no English words on translated pages; ``tests/web/test_every_page_browser.py``: axe-core,
320 px, keyboard, screenshots).  A new page joins both by adding one ``Page`` here:

* ``path`` is formatted with :class:`Site`'s fields: ``{draft}``, ``{key_ceremony}``,
  ``{ready}``, ``{open}``, ``{closed}``, ``{tallied}``, ``{certified}`` (an election in
  that state), ``{ballot_token}`` (a member of the open election who has not voted),
  ``{voted_token}``, ``{closed_token}``, ``{alias}``, ``{tracker}``, ``{observer}`` and
  ``{trustee}`` (account ids), ``{member}`` (a member number on every roll, who has voted
  in the open election), ``{waiting}`` (one who has not).
* ``audience`` says who reads it and so which parameter picks its language: members and
  the public (``voter``, ``public``: ``?lang=``), the committee (``committee``, ``signin``:
  ``?ui=``, remembered in a cookie across committee pages).
* ``kind`` is ``html`` or ``pdf`` (the words test reads a PDF's text; the browser skips it).

:func:`build_site` makes the elections through the app in the test's event loop (a real
1-of-1 key ceremony, real encrypted ballots, a real decryption), so the same database can
then be served over HTTP to a browser.  Everything a person typed (titles, names, options,
reasons) is collected in ``Site.typed``: those are the committee's words, not ours.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from litestar import Litestar

from ballot.crypto.ballots import encrypt_ballot
from ballot.crypto.ceremony import TrusteeShare
from ballot.crypto.elgamal import Ciphertext
from ballot.crypto.group import Element
from ballot.crypto.keyfile import open_key
from ballot.crypto.manifest import ElectionManifest, election_fingerprint
from ballot.crypto.threshold import partial_decrypt_tally

from .asgi import Web, client_for, make_account, member_links
from .ranked_board import TYPED as RACE_TYPED
from .ranked_board import race_elections

Audience = Literal["voter", "public", "committee", "signin"]


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    audience: Audience
    kind: Literal["html", "pdf"] = "html"
    status: int = 200

    @property
    def language_param(self) -> str:
        return "lang" if self.audience in ("voter", "public") else "ui"

    def url(self, site: Site, language: str) -> str:
        path = self.path.format(**site.fields())
        sep = "&" if "?" in path else "?"
        extra = f"&lang={language}" if self.name.startswith("committee-preview") else ""
        return f"{path}{sep}{self.language_param}={language}{extra}"


E = "/committee/elections"
#: Every page a person sees, once per state that changes what it shows.
PAGES: list[Page] = [
    # Members.
    Page("voter-ballot", "/v/{ballot_token}", "voter"),
    Page("voter-voted", "/v/{voted_token}", "voter"),
    Page("voter-closed", "/v/{closed_token}", "voter"),
    Page("voter-invalid-link", "/v/not-a-real-link-at-all", "voter", status=404),
    Page("voter-resume", "/v/", "voter"),
    # Anyone.
    Page("board-open", "/board/{open}", "public"),
    Page("board-found", "/board/{open}?tracker={tracker}", "public"),
    Page("board-certified", "/board/{certified}", "public"),
    Page("alias-lookup", "/board/{open}/alias", "public"),
    Page("alias-found", "/board/{open}/alias?alias={alias}", "public"),
    Page("result-ready", "/board/{ready}/result", "public"),
    Page("result-open", "/board/{open}/result", "public"),
    Page("result-counting", "/board/{closed}/result", "public"),
    Page("result-tallied", "/board/{tallied}/result", "public"),
    Page("result-certified", "/board/{certified}/result", "public"),
    Page("verify", "/board/{certified}/verify", "public"),
    Page("audit-check", "/audit?election={open}", "public"),
    # The committee.
    Page("signin", "/login", "signin"),
    Page("committee-dashboard", "/committee", "committee"),
    Page("committee-new-election", f"{E}/new", "committee"),
    Page("committee-election-draft", f"{E}/{{draft}}", "committee"),
    Page("committee-election-key-ceremony", f"{E}/{{key_ceremony}}", "committee"),
    Page("committee-election-ready", f"{E}/{{ready}}", "committee"),
    Page("committee-election-open", f"{E}/{{open}}", "committee"),
    Page("committee-election-closed", f"{E}/{{closed}}", "committee"),
    Page("committee-election-tallied", f"{E}/{{tallied}}", "committee"),
    Page("committee-election-certified", f"{E}/{{certified}}", "committee"),
    Page("committee-definition-draft", f"{E}/{{draft}}/definition", "committee"),
    Page("committee-definition-frozen", f"{E}/{{open}}/definition", "committee"),
    Page("committee-translations", f"{E}/{{draft}}/translations", "committee"),
    Page("committee-preview", f"{E}/{{draft}}/preview", "committee"),
    Page("committee-ceremony-draft", f"{E}/{{draft}}/ceremony", "committee"),
    Page("committee-ceremony-key-ceremony", f"{E}/{{key_ceremony}}/ceremony", "committee"),
    Page("committee-ceremony-ready", f"{E}/{{ready}}/ceremony", "committee"),
    Page("committee-roll-draft", f"{E}/{{draft}}/members", "committee"),
    Page("committee-roll-open", f"{E}/{{open}}/members", "committee"),
    Page("committee-roll-import", f"{E}/{{draft}}/roll-import", "committee"),
    Page("committee-member-draft", f"{E}/{{draft}}/members/{{member}}", "committee"),
    Page("committee-member-open", f"{E}/{{open}}/members/{{member}}", "committee"),
    Page("committee-add-member", f"{E}/{{open}}/add-member", "committee"),
    Page("committee-accounts", "/committee/accounts", "committee"),
    Page("committee-account-observer", "/committee/accounts/{observer}", "committee"),
    Page("committee-account-trustee", "/committee/accounts/{trustee}", "committee"),
    Page("committee-my-account", "/committee/account", "committee"),
    Page("committee-audit-log", "/committee/audit", "committee"),
    Page("committee-tally-sheet", f"{E}/{{certified}}/tally-sheet.pdf", "committee", "pdf"),
    # Set-up checklist, confirmations and printing (merged from their branches).
    Page("committee-confirm-start-ceremony", f"{E}/{{draft}}/confirm/start-ceremony", "committee"),
    Page("committee-confirm-back-to-draft", f"{E}/{{ready}}/confirm/back-to-draft", "committee"),
    Page("committee-confirm-open", f"{E}/{{ready}}/confirm/open", "committee"),
    Page("committee-confirm-close", f"{E}/{{open}}/confirm/close", "committee"),
    Page("committee-confirm-certify", f"{E}/{{tallied}}/confirm/certify", "committee"),
    Page("committee-invitation-preview", f"{E}/{{draft}}/invitation-preview", "committee"),
    Page("committee-test-message", f"{E}/{{draft}}/test-message", "committee"),
    Page("committee-rehearsals", f"{E}/{{draft}}/rehearsals", "committee"),
    Page("committee-notice", f"{E}/{{ready}}/notice", "committee"),
    Page("committee-letters", f"{E}/{{open}}/letters", "committee"),
    Page("committee-ways-to-vote", f"{E}/{{ready}}/ways-to-vote", "committee"),
    Page("committee-withdraw-link", f"{E}/{{open}}/members/{{waiting}}/withdraw", "committee"),
    # Officer elections with races (issue 15): the editor, the mix-net, the rounds.
    Page("committee-definition-races", f"{E}/{{races_draft}}/definition", "committee"),
    Page("result-mixing", "/board/{mixing}/result", "public"),
    Page("result-ranked", "/board/{ranked}/result", "public"),
    Page("committee-election-ranked", f"{E}/{{ranked}}", "committee"),
    Page("committee-tally-sheet-ranked", f"{E}/{{ranked}}/tally-sheet.pdf", "committee", "pdf"),
]

LANGUAGES = ("en", "es", "ko", "zh", "vi", "tl")


def texts(en: str, es: str, ko: str, zh: str, vi: str, tl: str) -> dict[str, str]:
    return dict(zip(LANGUAGES, (en, es, ko, zh, vi, tl), strict=True))


#: The committee's words in the fixture elections: nothing here is ours to translate.
TITLE = texts(
    "Zephyr Works 2026",
    "Zephyr Works 2026 (es)",
    "제퍼 공장 2026",
    "泽菲尔工厂 2026",
    "Xưởng Zephyr 2026",
    "Pabrika Zephyr 2026",
)
INSTRUCTIONS = texts(
    "Pick one.", "Elija una.", "하나를 고르십시오.", "选一个。", "Chọn một.", "Pumili ng isa."
)
QUESTION = texts(
    "Zephyr question?",
    "¿Pregunta Zephyr?",
    "제퍼 질문?",
    "泽菲尔问题？",
    "Câu hỏi Zephyr?",
    "Tanong Zephyr?",
)
OPTIONS = [
    texts("Aye", "Sí", "찬성", "赞成", "Đồng ý", "Oo"),
    texts("Nay", "En contra", "반대", "反对", "Phản đối", "Hindi"),
]
COMMITTEE = texts(
    "Zephyr Committee",
    "Comité Zephyr",
    "제퍼 위원회",
    "泽菲尔委员会",
    "Ủy ban Zephyr",
    "Komite Zephyr",
)
WITNESS = "Rosa Quintero"
ROLL = """member_id,name,email,language,unit,challenged
Z001,Kim Min-jun,kim@example.org,ko,Harbour,
Z002,Ana Lopez,ana@example.org,es,Harbour,
Z003,Lin Mei,lin@example.org,zh,Depot,
Z004,Tran An,tran@example.org,vi,Depot,
Z005,Jose Rizal,jose@example.org,tl,Depot,
Z006,Fay Green,fay@example.org,en,Depot,yes
"""
MEMBER = "Z001"
WAITING = "Z003"  # has not voted in the open election
PASSPHRASE = "a passphrase for the one trustee"
REASON = "Zephyr: no objections"


def definition(witness_key: str, objection_days: int = 0) -> dict[str, Any]:
    return {
        "kind": "strike_authorisation",
        "title": TITLE,
        "instructions": INSTRUCTIONS,
        "opens_at": "2026-05-02T09:00:00Z",
        "closes_at": "2026-05-09T17:00:00Z",
        "time_zone": "America/Los_Angeles",
        "committee": {"name": COMMITTEE, "email": "zc@example.org", "phone": "+1 555 0100"},
        "witnesses": [{"name": WITNESS, "public_key": witness_key}],
        "rule": "majority",
        "objection_days": objection_days,
        "trustees": {"n": 1, "k": 1},
        "questions": [{"text": QUESTION, "min": 1, "max": 1, "options": OPTIONS}],
    }


@dataclass
class Site:
    """The fixture elections (state -> id) and what a member or the committee holds."""

    elections: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    alias: str = ""
    tracker: str = ""
    accounts: dict[str, int] = field(default_factory=dict)
    typed: list[str] = field(default_factory=list)

    def fields(self) -> dict[str, Any]:
        return {
            **self.elections,
            **{f"{k}_token": v for k, v in self.tokens.items()},
            "alias": self.alias,
            "tracker": self.tracker,
            "member": MEMBER,
            "waiting": WAITING,
            **self.accounts,
        }


def _witness_key() -> str:
    raw = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return raw.hex()


async def _ok(response: Any, *codes: int) -> Any:
    assert response.status_code in (codes or (200, 201)), response.text
    return response


class _Keyed:
    """An election past its key ceremony: its manifest, key and the one trustee's share."""

    def __init__(self, election_id: str, ceremony: dict[str, Any], board: list[Any], share: Any):
        self.id = election_id
        self.manifest = ElectionManifest.from_definition(ceremony["manifest"])
        (done,) = [e for e in board if e["kind"] == "ceremony.completed"]
        transcript = done["payload"]["transcript"]
        self.key = Element.from_hex(transcript["joint_public_key"])
        vkeys = transcript["verification_keys"]
        self.fingerprint = election_fingerprint(
            bytes.fromhex(ceremony["manifest_hash"]),
            self.key,
            [Element.from_hex(vkeys[i]) for i in sorted(vkeys, key=int)],
        )
        self.share = share

    def ballot(self, choice: int) -> dict[str, Any]:
        made = encrypt_ballot(self.manifest, self.key, self.fingerprint, [[choice]])
        return dict(made[0].to_json())

    def partials(self, pending: dict[str, Any]) -> list[Any]:
        slots = [ct for q in pending["tally"]["questions"] for ct in q["slots"]]
        labelled = {
            label: Ciphertext.from_json(ct, allow_identity=True)
            for label, ct in zip(pending["labels"], slots, strict=True)
        }
        mine = partial_decrypt_tally(1, self.share.secret_share, labelled, self.fingerprint)
        return [p.to_json() for p in mine]


async def _draft(admin: Web, objection_days: int = 0) -> str:
    r = await _ok(
        await admin.post("/api/elections", json=definition(_witness_key(), objection_days))
    )
    election_id = str(r.json()["id"])
    await _ok(await admin.post(f"/api/elections/{election_id}/roll", content=ROLL.encode()))
    await _ok(
        await admin.post(
            f"/api/elections/{election_id}/trustees",
            json={"email": "trustee@example.org", "position": 1},
        )
    )
    return election_id


async def _keyed(admin: Web) -> _Keyed:
    election_id = await _draft(admin)
    path = f"/api/elections/{election_id}"
    await _ok(await admin.post(f"{path}/state", json={"target": "key_ceremony"}))
    r = await _ok(await admin.post(f"{path}/ceremony/local", json={"passphrases": [PASSPHRASE]}))
    share = TrusteeShare.from_bytes(
        open_key(base64.b64decode(r.json()["trustee_keys"][0]), PASSPHRASE)
    )
    await _ok(await admin.post(f"{path}/state", json={"target": "ready"}))
    ceremony = (await admin.get(f"{path}/ceremony")).json()
    board = (await admin.get(f"{path}/board")).json()["entries"]
    return _Keyed(election_id, ceremony, board, share)


async def _open(
    admin: Web, app: Litestar, captured: dict[int, str]
) -> tuple[_Keyed, dict[str, str]]:
    keyed = await _keyed(admin)
    await _ok(await admin.post(f"/api/elections/{keyed.id}/state", json={"target": "open"}))
    return keyed, await member_links(app, keyed.id, captured)


async def _cast(web: Web, keyed: _Keyed, token: str, choice: int) -> dict[str, Any]:
    r = await web.client.post("/api/cast", json={"token": token, "ballot": keyed.ballot(choice)})
    await _ok(r, 201)
    return dict(r.json())


async def _count(admin: Web, trustee: Web, keyed: _Keyed, decrypt: bool) -> None:
    path = f"/api/elections/{keyed.id}"
    await _ok(await admin.post(f"{path}/state", json={"target": "closed"}))
    await _ok(await admin.post(f"{path}/tally"))
    if decrypt:
        pending = (await trustee.get(f"/api/elections/{keyed.id}/tally")).json()
        body = {"round": pending["round"], "partials": keyed.partials(pending)}
        await _ok(await trustee.post(f"/api/elections/{keyed.id}/tally/partials", json=body))


async def build_site(app: Litestar, admin: Web, web: Web, captured: dict[int, str]) -> Site:
    """An election in every state, accounts of every role, a member in every situation."""
    site = Site()
    await make_account(app, "trustee@example.org", "trustee", name="Tomas Trustee")
    await make_account(app, "watcher@example.org", "observer", name="Wanda Watcher")
    site.elections["draft"] = await _draft(admin)
    key_ceremony = await _draft(admin)
    await _ok(
        await admin.post(f"/api/elections/{key_ceremony}/state", json={"target": "key_ceremony"})
    )
    site.elections["key_ceremony"] = key_ceremony
    site.elections["ready"] = (await _keyed(admin)).id

    async with client_for(app) as client:
        trustee = Web(client)
        await _ok(await trustee.login("trustee@example.org"))
        opened, links = await _open(admin, app, captured)
        site.elections["open"] = opened.id
        site.tokens["ballot"] = links["Z002"]
        site.tokens["voted"] = links["Z001"]
        receipt = await _cast(web, opened, links["Z001"], 0)
        site.tracker = str(receipt.get("tracker_short", ""))
        await _cast(web, opened, links["Z006"], 1)  # a challenged ballot

        for state, decrypt in (("closed", False), ("tallied", True), ("certified", True)):
            keyed, links = await _open(admin, app, captured)
            for member, choice in (("Z001", 0), ("Z002", 0), ("Z003", 0), ("Z004", 1), ("Z006", 0)):
                await _cast(web, keyed, links[member], choice)
            await _count(admin, trustee, keyed, decrypt)
            site.elections[state] = keyed.id
            if state == "closed":
                site.tokens["closed"] = links["Z005"]
        await _ok(
            await admin.post(
                f"/api/elections/{site.elections['certified']}/certify", json={"reason": REASON}
            )
        )

    site.elections.update(await race_elections(app, admin, ROLL))
    voted = (await web.get(f"/v/{site.tokens['voted']}")).text
    found = re.search(r'id="voted-alias"[^>]*>([^<]+)<', voted)
    site.alias = found.group(1) if found else ""
    site.accounts = await _account_ids(app)
    site.typed = typed_words()
    return site


async def _account_ids(app: Litestar) -> dict[str, int]:
    from sqlalchemy import select

    from ballot.store.models import Account

    async with app.state.session_factory() as db:
        rows = (await db.execute(select(Account.email, Account.id))).all()
    ids = dict(rows)
    return {"observer": ids["watcher@example.org"], "trustee": ids["trustee@example.org"]}


def typed_words() -> list[str]:
    """What the committee typed, longest first (so a longer text is taken out whole)."""
    words = [
        *TITLE.values(),
        *INSTRUCTIONS.values(),
        *QUESTION.values(),
        *(o for option in OPTIONS for o in option.values()),
        *COMMITTEE.values(),
        WITNESS,
        REASON,
        "Tomas Trustee",
        "Wanda Watcher",
        "admin@example.org",
        "trustee@example.org",
        "watcher@example.org",
        "admin",  # the test admin's account name (tests.support.accounts)
        *RACE_TYPED,
    ]
    for line in ROLL.splitlines()[1:]:
        member_id, name, email, _lang, unit, _challenged = line.split(",")
        words += [member_id, name, email, unit]
    return sorted(set(words), key=len, reverse=True)
