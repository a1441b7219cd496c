"""The set-up checklist over HTTP: its JSON view, the trustees' rehearsals, and the
committee's set-up acts (test message, notice) for scripts and tests.

``GET /api/elections/<id>/checklist`` gives every step in order, done or not, what is
missing (English) and who acts; the committee page shows the same steps in the reader's
language (:func:`steps_view`).  The trustee tool drives ``POST .../rehearsals/challenge``
and ``POST .../rehearsals`` (``ballot trustee rehearse``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.params import FromPath, JSONBody

from ballot.election.checklist import Step
from ballot.election.refusal import Grounds, Refused
from ballot.service import rehearsals, setup
from ballot.service.acting import get_election
from ballot.service.remote_ceremony import seat_of
from ballot.store.models import Election
from ballot.web.deps import Db, account_of, acting


def _(message: str) -> str:
    """Marks a message for extraction; translated where it is shown."""
    return message


#: Who acts, in words.
ACTOR_WORDS = {
    "committee": _("The committee"),
    "trustees": _("The trustees"),
    "translators": _("The committee's translators"),
}
#: Where each step is done (under /committee/elections/<id>/), and the link's words.
LINKS: dict[str, tuple[str, str]] = {
    "definition": ("definition", _("Open the definition")),
    "translations": ("translations", _("Open the texts and sign-offs")),
    "roll": ("roll-import", _("Import the roll")),
    "ceremony": ("ceremony", _("Open trustees and key ceremony")),
    "rehearsals": ("rehearsals", _("See the trustees' rehearsals")),
    "test_message": ("test-message", _("Send a test message")),
    "notice": ("notice", _("Record the notice")),
}


def steps_view(
    steps: Sequence[Step], election_id: str, gettext: Callable[[str], str]
) -> list[dict[str, Any]]:
    """The steps as the committee page shows them, in the page's language."""
    out = []
    for s in steps:
        path, words = LINKS[s.key]
        out.append(
            {
                "key": s.key,
                "title": gettext(s.title),
                "done": s.done,
                "actor": s.actor,
                "actor_words": gettext(ACTOR_WORDS[s.actor]),
                "who": list(s.who),
                "missing": [m.words(gettext) for m in s.missing],
                "href": f"/committee/elections/{election_id}/{path}",
                "link_words": gettext(words),
            }
        )
    return out


def steps_json(steps: Sequence[Step], election: Election, enforced: bool) -> dict[str, Any]:
    return {
        "election_id": election.id,
        "state": election.state,
        "enforced": enforced,
        "complete": all(s.done for s in steps),
        "steps": [
            {
                "key": s.key,
                "title": s.title,
                "done": s.done,
                "actor": s.actor,
                "who": list(s.who),
                "missing": [m.english() for m in s.missing],
                "link": f"/committee/elections/{election.id}/{LINKS[s.key][0]}",
            }
            for s in steps
        ],
    }


class TestMessageIn(msgspec.Struct):
    address: str
    language: str = "en"


class NoticeIn(msgspec.Struct):
    posted_on: str
    place: str


async def _seat(db: Db, request: Request[Any, Any, Any], election_id: str) -> int:
    position = await seat_of(db, election_id, account_of(request).id)
    if position is None:  # the guard admits only seated trustees; belt and braces
        raise Refused(
            "you hold no trustee seat in this election", code="no_seat", grounds=Grounds.FORBIDDEN
        )
    return position


class ChecklistApi(Controller):
    path = "/api/elections/{election_id:str}"

    @get("/checklist", opt={"access": "staff"})
    async def checklist(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> dict[str, Any]:
        election = await get_election(db, election_id)
        ctx = acting(request)
        steps = await setup.setup_steps(db, election, ctx.now)
        return steps_json(steps, election, ctx.settings.setup_checklist)

    @post("/rehearsals/challenge", opt={"access": "trustee"}, status_code=200)
    async def challenge(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        position = await _seat(db, request, election_id)
        issued = await rehearsals.issue_challenge(db, acting(request), election, position)
        await db.commit()
        return issued

    @post("/rehearsals", opt={"access": "trustee"}, status_code=200)
    async def answer(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        data: JSONBody[Any],
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        position = await _seat(db, request, election_id)
        at = await rehearsals.accept_answer(db, acting(request), election, position, data)
        await db.commit()
        return {"proved": True, "trustee": position, "proved_at": at.isoformat()}

    @post("/test-message", opt={"access": "admin"}, status_code=200)
    async def test_message(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        data: JSONBody[TestMessageIn],
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        sent = await setup.send_test_message(
            db, acting(request), election, data.address, data.language
        )
        await db.commit()
        return {"queued": True, "to": sent.to_address, "language": sent.language}

    @post("/test-message/arrived", opt={"access": "admin"}, status_code=200)
    async def arrived(
        self, request: Request[Any, Any, Any], election_id: FromPath[str], db: Db
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        await setup.confirm_test_message(db, acting(request), election)
        await db.commit()
        return {"confirmed": True}

    @post("/notice", opt={"access": "admin"}, status_code=200)
    async def notice(
        self,
        request: Request[Any, Any, Any],
        election_id: FromPath[str],
        db: Db,
        data: JSONBody[NoticeIn],
    ) -> dict[str, Any]:
        election = await get_election(db, election_id, lock=True)
        row = await setup.record_notice(db, acting(request), election, data.posted_on, data.place)
        await db.commit()
        return {"posted_on": row.posted_on.isoformat(), "place": row.place}
