"""How to verify (``/board/<id>/verify``, public): what the record holds, its SHA-256,
the fingerprint, the latest signed head and the commands to check it offline."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import tempfile
from pathlib import Path
from typing import Any, Final

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery
from sqlalchemy.ext.asyncio import AsyncSession

from ballot.election.identity import time_zone_of
from ballot.store.board import head_json, last_entry, latest_head
from ballot.store.record_export import RecordUnavailable, export_record
from ballot.web.ballot_page import identity_context, render
from ballot.web.deps import Db
from ballot.web.observer.board_facts import page_facts
from ballot.web.observer.words import page_title, when

log = logging.getLogger(__name__)

#: How the verifier is installed: from a copy of the source the observer got independently
#: (a verifier fetched only from the server it checks would prove little).
INSTALL_COMMAND: Final = "python3 -m pip install ./ballot"

#: The members of an election record, in the order the record stores them (PROTOCOL §11.1).
RECORD_MEMBERS: Final = (
    "definition.json",
    "ceremony.json",
    "board.jsonl",
    "heads.json",
    "server_key.json",
    "tally.json",
    "partials.json",
    "result.json",
    "record.json",
)


_DIGESTS: dict[tuple[str, str, str], str] = {}
_DIGEST_CACHE = 64


#: Writes the record exactly as ``GET /api/elections/<id>/record.zip`` serves it (the
#: same function), so the digest shown is the digest of the file people download.
_write_record = export_record


def _sha256_file(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


async def record_sha256(session: AsyncSession, election_id: str, server_key: str) -> str | None:
    """SHA-256 of the record file as it would be downloaded now (None: no record yet).

    The record is built once per board state (last entry and last signed head) and the
    digest kept, so repeated views of a large election cost one export.
    """
    last = await last_entry(session, election_id)
    head = await latest_head(session, election_id)
    if last is None or head is None:
        return None
    key = (election_id, last.hash, head.hash)
    if key in _DIGESTS:
        return _DIGESTS[key]
    try:
        with tempfile.TemporaryDirectory(prefix="ballot-record-") as tmp:
            path = Path(tmp) / "record.zip"
            await _write_record(session, election_id, server_key, path)
            digest = await asyncio.to_thread(_sha256_file, path)
    except RecordUnavailable as exc:
        log.info("no record digest for election %s: %s", election_id, exc)
        return None
    except Exception as exc:  # the digest is a convenience: the page must still show
        log.warning("no record digest for election %s: %r", election_id, exc)
        return None
    if len(_DIGESTS) >= _DIGEST_CACHE:
        _DIGESTS.pop(next(iter(_DIGESTS)))
    _DIGESTS[key] = digest
    return digest


class VerifyPageController(Controller):
    path = "/board/{election_id:str}"

    @get("/verify", opt={"access": "public"}, cache_control=None)
    async def verify(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        lang: FromQuery[str | None] = None,
    ) -> Response[str]:
        """How anyone checks this election offline, with the figures to compare."""
        facts, offered, language = await page_facts(request, db, election_id, lang)
        head = await latest_head(db, election_id)
        server_key = request.app.state.secrets.board_key.public_hex
        final = facts.final is not None
        return render(
            language,
            "observer/verify.html",
            **identity_context(facts.definition, language),
            languages=offered,
            election_id=election_id,
            title=page_title(facts.definition, language, election_id),
            fingerprint=facts.fingerprint,
            manifest_hash=facts.manifest_hash,
            head=head_json(head) if head is not None else None,
            head_at=(
                when(head.at, language, time_zone_of(facts.definition))
                if head is not None
                else None
            ),
            server_key=server_key,
            has_record=final,
            record_name=f"election-{election_id}.zip",
            record_sha256=(await record_sha256(db, election_id, server_key)) if final else None,
            install_command=INSTALL_COMMAND,
            members=RECORD_MEMBERS,
        )
