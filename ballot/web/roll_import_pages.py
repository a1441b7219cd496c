"""Importing a roll file in the browser, correcting its bad rows there, and the list of
members who have not voted (CSV, for get-out-the-vote calls).

A file with a bad row is never half-imported: nothing of it goes on the roll, the file is
kept as a draft, and the page shows each problem and each bad row as a small form; the
committee corrects the rows (or leaves them out) and submits, and the whole file is
checked again.  The not-voted list streams from the database in batches, each cell made
safe from spreadsheet formula injection (:func:`ballot.service.roll_desk.safe_cell`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromPath, MultipartBody
from litestar.response import Stream

from ballot.election.refusal import Refused
from ballot.election.roll_fix import MAX_FORMS, header_of, rows_at
from ballot.service import roll_desk
from ballot.service.acting import get_election
from ballot.store.roll import RollImport, roll_size
from ballot.web import roll_words
from ballot.web.committee_render import committee_language, committee_page, gettext_of
from ballot.web.deps import Db, acting
from ballot.web.pages import Form
from ballot.web.refusals import status_for
from ballot.web.roll_pages import C, election_title


class RollImportPages(Controller):
    path = C

    async def _page(
        self,
        request: Request[Any, Any, Any],
        db: Db,
        election_id: str,
        status: int = 200,
        result: RollImport | None = None,
        draft_id: int | None = None,
        draft_text: str = "",
        **extra: Any,
    ) -> Response[str]:
        election = await get_election(db, election_id)
        problems = result.problems if result else []
        bad_lines = {p.line for p in problems if p.line > 1}
        return committee_page(
            request,
            "roll_import",
            status=status,
            election=election,
            title=await election_title(db, election, committee_language(request)),
            words=roll_words,
            problems=problems,
            header_wrong=any(p.line <= 1 for p in problems),
            draft_id=draft_id,
            header=header_of(draft_text) if draft_text else [],
            rows=rows_at(draft_text, bad_lines) if draft_text else [],
            more=len(bad_lines) > MAX_FORMS,
            roll_size=await roll_size(db, election_id),
            **extra,
        )

    @get("/roll-import", opt={"access": "admin"})
    async def import_form(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Response[str]:
        return await self._page(request, db, election_id)

    async def _import(
        self, request: Request[Any, Any, Any], db: Db, election_id: str, run: Any
    ) -> Response[str]:
        _ = gettext_of(request)
        election = await get_election(db, election_id, lock=True)
        try:
            result, draft_id = await run(election)
        except Refused as exc:
            await db.rollback()
            return await self._page(
                request,
                db,
                election_id,
                status=status_for(exc.grounds),
                error=roll_words.refusal_text(exc, _),
            )
        text = ""
        if draft_id is not None:
            text = (await roll_desk.draft_of(db, election, draft_id)).text
        await db.commit()  # the roll, or the draft that waits for corrections
        if result.ok:
            return await self._page(
                request,
                db,
                election_id,
                notice=_("%(num)s members were added to the roll.") % {"num": result.imported},
            )
        return await self._page(
            request,
            db,
            election_id,
            status=422,
            result=result,
            draft_id=draft_id,
            draft_text=text,
            error=_("Nothing was imported. Correct the rows below, then import again."),
        )

    @post("/roll-import", opt={"access": "admin"})
    async def upload(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        data: MultipartBody[dict[str, Any]],
    ) -> Response[str]:
        _ = gettext_of(request)
        upload = data.get("roll")
        if not isinstance(upload, UploadFile):
            return await self._page(
                request, db, election_id, status=400, error=_("Choose a CSV file to import.")
            )
        try:
            text = (await upload.read()).decode("utf-8-sig")
        except UnicodeDecodeError:
            return await self._page(
                request,
                db,
                election_id,
                status=400,
                error=_("The file is not UTF-8 text. Save it as “CSV UTF-8” and try again."),
            )

        async def run(election: Any) -> Any:
            return await roll_desk.import_or_keep(db, acting(request), election, text)

        return await self._import(request, db, election_id, run)

    @post("/roll-import/{draft_id:int}", opt={"access": "admin"})
    async def fix(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        draft_id: FromPath[int],
        db: Db,
        data: Form,
    ) -> Response[str]:
        """The corrected rows: ``line`` fields name them, ``cell-<line>-<i>`` hold the cells,
        ``drop-<line>`` leaves a row out."""
        fixes: dict[int, list[str] | None] = {}
        for value in str(data.get("lines", "")).split(","):
            if not value.strip().isdigit():
                continue
            line = int(value)
            if data.get(f"drop-{line}") == "yes":
                fixes[line] = None
                continue
            cells, i = [], 0
            while f"cell-{line}-{i}" in data and i < 64:
                cells.append(data[f"cell-{line}-{i}"])
                i += 1
            fixes[line] = cells

        async def run(election: Any) -> Any:
            return await roll_desk.fix_draft(db, acting(request), election, draft_id, fixes)

        return await self._import(request, db, election_id, run)

    @get("/not-voted.csv", opt={"access": "admin"})
    async def not_voted(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> Stream:
        """Everyone who has not voted, as CSV (the download is in the activity log)."""
        election = await get_election(db, election_id)
        await roll_desk.log_not_voted_list(db, acting(request), election)
        await db.commit()
        factory = request.app.state.session_factory

        async def body() -> AsyncIterator[bytes]:
            yield "\ufeff".encode()  # spreadsheets then read the file as UTF-8
            async with factory() as session:
                async for piece in roll_desk.not_voted_csv(session, election_id):
                    yield piece.encode("utf-8")

        return Stream(
            body(),
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="not-voted-{election_id}.csv"',
                "Cache-Control": "no-store",
            },
        )
